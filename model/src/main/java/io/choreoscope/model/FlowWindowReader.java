package io.choreoscope.model;

import java.time.Instant;
import java.util.List;

import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.Variant;

/**
 * Flow models and variants of a time window, computed from the stored events of the instances of one flow that
 * started in [{@code from}, {@code to}) (their events after {@code to} included: whole instances), as the instance
 * rows' steps hold them ({@link InstanceRecord#steps()}) or, where a row holds none, as the events store them. Counts are exact
 * (full counts, no sampling) and follow the process-mining definitions of {@link FlowModel}: within each instance,
 * events ordered by timestamp, then partition, offset and topic, a record stored twice (same Kafka coordinates) or
 * an event sent twice (same event ID) counted once. Reads that cannot be answered throw {@link StorageException};
 * a read stopped at the store's time bound throws {@link QueryLimitException}.
 */
public interface FlowWindowReader {

    /**
     * The directly-follows model of the window, with per-step and per-transition instance counts and exact latency
     * percentiles (observed values, no interpolation). No instance in the window: a model with 0 instances.
     * {@code learnedEnds} and deviation counts are empty (they belong to live inference).
     */
    FlowModel model(String flow, Instant from, Instant to);

    /**
     * The causal model of the window: as {@link #model}, but each step is counted after the step that caused it (its
     * causation ID names that step's event ID; else the step before it, as {@link InstanceRecord#steps()} keeps them),
     * not after the step before it in time. So one event consumed by several services in parallel has one arrow to
     * each reaction, whatever order they happened in, where the directly-follows model draws an arrow between every
     * two reactions that followed each other. Transitions: count of (cause, effect) pairs, latency from cause to
     * effect, {@code instances} those with the pair, and {@code probability} the share of the instances with the
     * cause in which it caused the effect. Nodes and starts as in {@link #model}; ends are the leaves (steps that
     * caused nothing), each type once per instance, so their counts can add up to more than the instances.
     */
    FlowModel causalModel(String flow, Instant from, Instant to);

    /** The variants of the window, most frequent first (ties by ID); at most {@code limit}. */
    List<Variant> variants(String flow, Instant from, Instant to, int limit);

    /**
     * The event log of the window, for process-mining tools: every event of every instance started in it (duplicates
     * counted once, as in {@link #model}), by instance (newest start last), each instance's events in order. At most
     * {@code maxEvents}: a window with more throws {@link QueryLimitException} (ask for a shorter window).
     */
    List<LogEvent> eventLog(String flow, Instant from, Instant to, int maxEvents);

    /**
     * One event of an event log.
     *
     * @param caseId    the instance's primary correlation ID
     * @param activity  the event type
     * @param timestamp the event's timestamp
     * @param resource  the service that produced it (empty when unknown)
     */
    record LogEvent(String caseId, String activity, Instant timestamp, String resource) {
    }

    /** Correlation IDs of the window's instances of one variant, newest last event first; at most {@code limit}. */
    List<String> variantInstances(String flow, Instant from, Instant to, String variantId, int limit);
}
