package io.choreoscope.model.flow;

import java.time.Instant;
import java.util.List;
import java.util.Set;

import io.choreoscope.model.HumanDuration;

/**
 * The state of one instance as of the last {@code evaluate(now)}.
 *
 * @param correlationId   the instance's primary correlation ID: the one carried by its earliest event
 * @param linkedIds       every ID that was merged into this instance by linking rules, including the primary
 * @param flow            flow name: the start event type, or its configured alias; {@link #NO_FLOW} while the instance
 *                        waits for its late first events (see the inference setting {@code startGrace})
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
 * @param waitingOn       RUNNING or STUCK: the services expected to produce the expected next steps (learned from which
 *                        service produces each event type), most likely first; empty when unknown or terminal
 * @param cause           STUCK: why, from the evidence (dead letters, spans, consumer activity); null otherwise or when
 *                        not worked out (the API works it out when it serves a stuck instance)
 */
public record InstanceSnapshot(String correlationId, Set<String> linkedIds, String flow, InstanceState state,
                               String reason, Instant startedAt, Instant lastEventAt, int eventCount,
                               int droppedEvents, String lastEventType, String lastService,
                               List<ExpectedStep> expectedNext, List<Deviation> deviations,
                               List<String> waitingOn, StuckCause cause) {
    /** The flow of an instance that has none yet (its first events are late): in no flow's KPIs or models. */
    public static final String NO_FLOW = "";
    private static final java.util.regex.Pattern FROZEN_IDLE = java.util.regex.Pattern.compile("^idle [^;]*; ");
    /** A bound as reasons stored before 2026-12-05 wrote it ({@code within 5000 ms}). */
    private static final java.util.regex.Pattern BOUND_IN_MS = java.util.regex.Pattern.compile(" within (\\d{1,15}) ms\\b");

    public InstanceSnapshot {
        linkedIds = Set.copyOf(linkedIds);
        expectedNext = List.copyOf(expectedNext);
        deviations = List.copyOf(deviations);
        waitingOn = waitingOn == null ? List.of() : List.copyOf(waitingOn);
    }

    /** Without waiting-on services and cause (worked out later, see {@link #withDiagnosis}). */
    public InstanceSnapshot(String correlationId, Set<String> linkedIds, String flow, InstanceState state,
                            String reason, Instant startedAt, Instant lastEventAt, int eventCount,
                            int droppedEvents, String lastEventType, String lastService,
                            List<ExpectedStep> expectedNext, List<Deviation> deviations) {
        this(correlationId, linkedIds, flow, state, reason, startedAt, lastEventAt, eventCount, droppedEvents,
                lastEventType, lastService, expectedNext, deviations, List.of(), null);
    }

    /** This snapshot with the services it waits on and the cause of being stuck. */
    public InstanceSnapshot withDiagnosis(List<String> waitingOn, StuckCause cause) {
        return new InstanceSnapshot(correlationId, linkedIds, flow, state, reason, startedAt, lastEventAt, eventCount,
                droppedEvents, lastEventType, lastService, expectedNext, deviations, waitingOn, cause);
    }

    /**
     * This snapshot as a store keeps it and reads it back: what an {@code InstanceReader} returns after an
     * {@code InstanceWriter} wrote it. The store keeps the primary ID among the linked IDs, times to the millisecond,
     * no null flow, reason or last event type (an empty text), no empty last service (null), and neither the services
     * waited on nor the cause (both worked out when served). The one definition of that form: the ClickHouse reader
     * builds its snapshots through it, and live inference serves the rows it has handed to its writer and that are not
     * stored yet through it (docs/INFERENCE.md, "Reading what is not stored yet").
     */
    public InstanceSnapshot stored() {
        Set<String> linked = linkedIds.contains(correlationId) ? linkedIds
                : java.util.stream.Stream.concat(linkedIds.stream(), java.util.stream.Stream.of(correlationId))
                        .collect(java.util.stream.Collectors.toSet());
        return new InstanceSnapshot(correlationId, linked, orEmpty(flow), state, orEmpty(reason), millis(startedAt),
                millis(lastEventAt), eventCount, droppedEvents, orEmpty(lastEventType),
                lastService == null || lastService.isEmpty() ? null : lastService, expectedNext, deviations);
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static Instant millis(Instant t) {
        return t == null ? null : Instant.ofEpochMilli(t.toEpochMilli());
    }

    /**
     * This snapshot with its reason as of {@code now}: a RUNNING or STUCK instance that expects a next step says how
     * long it has been idle now ({@code now - lastEventAt}, {@link HumanDuration#of}), not when its state last changed.
     * Reasons stored before 2026-12-05 said {@code idle 125189 ms} and {@code within 5000 ms}: both are written as
     * today's. Other states, whose reason does not age, are returned as they are.
     */
    public InstanceSnapshot asOf(Instant now) {
        if ((state != InstanceState.STUCK && state != InstanceState.RUNNING) || expectedNext.isEmpty()
                || reason == null || lastEventAt == null || now == null) {
            return this;
        }
        String rest = BOUND_IN_MS.matcher(FROZEN_IDLE.matcher(reason).replaceFirst(""))
                .replaceAll(m -> " within " + HumanDuration.of(Long.parseLong(m.group(1))));
        long idle = Math.max(0, now.toEpochMilli() - lastEventAt.toEpochMilli());
        return new InstanceSnapshot(correlationId, linkedIds, flow, state, "idle " + HumanDuration.of(idle) + "; " + rest,
                startedAt, lastEventAt, eventCount, droppedEvents, lastEventType, lastService, expectedNext, deviations,
                waitingOn, cause);
    }
}
