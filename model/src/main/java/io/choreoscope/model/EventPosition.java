package io.choreoscope.model;

import java.time.Instant;

/**
 * Where an event stands in the order of an instance's events: timestamp (ms), then partition, then offset, then
 * topic (the order {@link EventReader#eventsOf} answers, with the topic last so that two records never tie).
 * Used as the exclusive start of the next page.
 */
public record EventPosition(Instant timestamp, int partition, long offset, String topic) {

    public EventPosition {
        if (timestamp == null || topic == null) {
            throw new IllegalArgumentException("an event position needs a timestamp and a topic");
        }
    }

    /** The position of a stored event. */
    public static EventPosition of(Observation o) {
        return new EventPosition(o.timestamp(), o.partition(), o.offset(), o.topic());
    }
}
