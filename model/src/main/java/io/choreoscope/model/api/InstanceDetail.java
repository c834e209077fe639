package io.choreoscope.model.api;

import java.util.List;

import io.choreoscope.model.Span;
import io.choreoscope.model.flow.InstanceGraph;
import io.choreoscope.model.flow.InstanceSnapshot;

/**
 * Everything about one instance: its state (with reason, expected next steps and deviations), the first page of
 * its events in order, the spans joined to it, and its instance graph. The snapshot (state, counts, times) is the
 * whole instance's, whatever the page; {@code eventsTotal} is how many events it holds in all, and
 * {@code eventsNextCursor} (null when this page holds the last one) fetches the next page from
 * {@code GET /api/v1/instances/{correlationId}/events}. The graph and the spans cover the instance's first
 * events up to a bound (see docs/API.md), not only this page.
 */
public record InstanceDetail(InstanceSnapshot snapshot, List<EventView> events, List<Span> spans,
                             InstanceGraph graph, long eventsTotal, String eventsNextCursor) {

    /** An instance whose events are all in {@code events} (one page holds them all). */
    public static InstanceDetail whole(InstanceSnapshot snapshot, List<EventView> events, List<Span> spans, InstanceGraph graph) {
        return new InstanceDetail(snapshot, events, spans, graph, events.size(), null);
    }
}
