package io.choreoscope.model.api;

import java.util.List;

/**
 * One page of an instance's events ({@code GET /api/v1/instances/{correlationId}/events}).
 *
 * @param events     the events of this page, in order (timestamp, partition, offset, topic)
 * @param total      how many events the instance holds in all (with its linked IDs)
 * @param nextCursor pass back as {@code cursor} for the next page; null on the last page
 */
public record EventPage(List<EventView> events, long total, String nextCursor) {
    public EventPage {
        events = List.copyOf(events);
    }
}
