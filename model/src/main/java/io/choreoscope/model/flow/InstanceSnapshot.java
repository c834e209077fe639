package io.choreoscope.model.flow;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * The state of one instance as of the last {@code evaluate(now)}.
 *
 * @param correlationId   the instance's primary correlation ID: the one carried by its earliest event
 * @param linkedIds       every ID that was merged into this instance by linking rules, including the primary
 * @param flow            flow name: the start event type, or its configured alias
 * @param state           current state
 * @param reason          why it is in that state, for people
 * @param startedAt       timestamp of the earliest event
 * @param lastEventAt     timestamp of the latest event
 * @param eventCount      distinct events kept (never above the configured cap)
 * @param droppedEvents   distinct events not kept because the instance reached the cap
 * @param lastEventType   event type of the latest event
 * @param lastService     producing service of the latest event, or null
 * @param expectedNext    expected next steps (empty when terminal), most likely first
 * @param deviations      deviations from the flow model, in time order
 */
public record InstanceSnapshot(String correlationId, Set<String> linkedIds, String flow, InstanceState state,
                               String reason, Instant startedAt, Instant lastEventAt, int eventCount,
                               int droppedEvents, String lastEventType, String lastService,
                               List<ExpectedStep> expectedNext, List<Deviation> deviations) {
    public InstanceSnapshot {
        linkedIds = Set.copyOf(linkedIds);
        expectedNext = List.copyOf(expectedNext);
        deviations = List.copyOf(deviations);
    }
}
