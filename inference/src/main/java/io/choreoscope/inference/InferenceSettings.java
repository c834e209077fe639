package io.choreoscope.inference;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Every knob of the inference engine, with defaults that work on first start ({@link #defaults()}).
 * Durations are compared with event time (record timestamps) and the {@code now} passed to
 * {@code evaluate}. Name patterns are globs: {@code *} matches any run of characters, matching is
 * case-insensitive, and the whole type name must match.
 *
 * @param flowAliases              start event type (or flow name) -> flow name. Renames a flow, or merges
 *                                 several flows when they map to one name. Default: none.
 * @param endEventTypes            event types that end an instance, on top of the learned ends. Default: none.
 * @param compensationPatterns     event types that compensate (undo) earlier steps. Default:
 *                                 {@link #DEFAULT_COMPENSATION_PATTERNS}.
 * @param failurePatterns          event types that report a failure. An instance that ends at one without
 *                                 compensation is FAILED. Default: {@link #DEFAULT_FAILURE_PATTERNS}.
 * @param stepSla                  configured bound per step, keyed by {@code "From->To"} or by the target type
 *                                 {@code "To"} (the pair wins). Default: none.
 * @param stuckFactor              k in {@code bound = max(SLA, k x learned p99)}. Default 3.
 * @param stuckFloor               no bound is shorter than this. Default 5 s.
 * @param defaultBound             bound for a step with fewer than {@code minLatencySamples} samples and no SLA,
 *                                 and for an instance whose last type has no learned next step. Default 5 min.
 * @param minLatencySamples        samples a transition needs before its p99 is trusted. Default 20.
 * @param retention                a finished (terminal) instance is evicted this long after its last event.
 *                                 Default 10 min.
 * @param abandonAfter             any instance idle this long is evicted, finished or not. Default 24 h.
 * @param settleAfter              an instance idle this long counts as "finished" (settled) for learning ends,
 *                                 end sets and compensations; the longest settling delay. Default 10 min.
 * @param settleFactor             adaptive settling: an instance settles once idle for
 *                                 {@code min(settleAfter, max(settleFloor, settleFactor x p99))}, p99 being the
 *                                 highest p99 among its flow's transitions with at least
 *                                 {@code minLatencySamples} samples ({@code settleAfter} while there is none).
 *                                 Default 10.
 * @param settleFloor              no adaptive settling delay is shorter than this. Default 30 s.
 * @param maxEventsPerInstance     cap on events kept per instance; later distinct events are counted as dropped.
 *                                 Each kept event costs 32 bytes. Default 100.
 * @param minEndSamples            settled instances that must end at a type before it is learned as an end (and
 *                                 that must contain a type after a failure before it is learned as a
 *                                 compensation). Default 3.
 * @param minEndRatio              share of the settled instances containing a type that must end there (or have
 *                                 it after a failure) for it to be learned. Default 0.8.
 * @param minInstancesForModel     instances a flow needs before deviations are reported. Default 10.
 * @param minTransitionCount       a transition is established from this many occurrences... Default 2.
 * @param minTransitionProbability ...and this share of the transitions out of its source. Default 0.02.
 * @param minNextProbability       expected next steps are the transitions out of the last type with at least this
 *                                 probability (and established). Default 0.05.
 * @param joinBufferEntries        bound on each buffer joining records to consumer spans for the dependency map
 *                                 (oldest entries dropped first). Default 100 000.
 * @param maxLiveInstances         cap on live instances held: a new instance beyond it evicts the least recently
 *                                 active one (the one whose last observation arrived longest ago), whose snapshot
 *                                 the engine hands out once ({@link InferenceEngine#drainEvicted}) so that it can be
 *                                 persisted; its counts stay in the flow models. At least 1. Default 500 000
 *                                 (about 225 MB at five events per instance, see docs/BENCHMARKS.md).
 * @param startGrace               an instance whose earliest event names a cause that is not in the instance, of a
 *                                 type seen caused by a tapped event before, is missing its first events (they are
 *                                 late: another bus, topic or partition behind this one). It is left without a flow
 *                                 (flow "") until they arrive, or for at most this long after that event's time, and
 *                                 then named after its earliest event as any other. So an instance seen from the
 *                                 middle does not show as a flow of its own for a moment. 0 turns it off. Default 5 s.
 * @param maxEventTypes            distinct event types the engine tells apart; later ones are all counted as the one
 *                                 type {@link #TOO_MANY_EVENT_TYPES} (so, when they start instances, as one flow of
 *                                 that name). A producer that puts an ID into its event type would otherwise make a
 *                                 flow per record, each holding its own statistics: about 7 KB a flow at 65,000
 *                                 (docs/RELIABILITY.md). 1..65534. Default 10,000.
 */
public record InferenceSettings(
        Map<String, String> flowAliases,
        Set<String> endEventTypes,
        List<String> compensationPatterns,
        List<String> failurePatterns,
        Map<String, Duration> stepSla,
        double stuckFactor,
        Duration stuckFloor,
        Duration defaultBound,
        int minLatencySamples,
        Duration retention,
        Duration abandonAfter,
        Duration settleAfter,
        double settleFactor,
        Duration settleFloor,
        int maxEventsPerInstance,
        int minEndSamples,
        double minEndRatio,
        int minInstancesForModel,
        int minTransitionCount,
        double minTransitionProbability,
        double minNextProbability,
        int joinBufferEntries,
        int maxLiveInstances,
        Duration startGrace,
        int maxEventTypes) {

    /** Default compensation naming rules. */
    public static final List<String> DEFAULT_COMPENSATION_PATTERNS = List.of(
            "*Refunded", "*Cancelled", "*Canceled", "*Released", "*Compensat*", "*Reverted", "*RolledBack");
    /** Default failure naming rules. */
    public static final List<String> DEFAULT_FAILURE_PATTERNS = List.of(
            "*Failed", "*Rejected", "*Declined", "*TimedOut");
    public static final double DEFAULT_STUCK_FACTOR = 3.0;
    public static final Duration DEFAULT_STUCK_FLOOR = Duration.ofSeconds(5);
    public static final Duration DEFAULT_BOUND = Duration.ofMinutes(5);
    public static final int DEFAULT_MIN_LATENCY_SAMPLES = 20;
    public static final Duration DEFAULT_RETENTION = Duration.ofMinutes(10);
    public static final Duration DEFAULT_ABANDON_AFTER = Duration.ofHours(24);
    public static final Duration DEFAULT_SETTLE_AFTER = Duration.ofMinutes(10);
    public static final double DEFAULT_SETTLE_FACTOR = 10.0;
    public static final Duration DEFAULT_SETTLE_FLOOR = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_EVENTS_PER_INSTANCE = 100;
    public static final int DEFAULT_MIN_END_SAMPLES = 3;
    public static final double DEFAULT_MIN_END_RATIO = 0.8;
    public static final int DEFAULT_MIN_INSTANCES_FOR_MODEL = 10;
    public static final int DEFAULT_MIN_TRANSITION_COUNT = 2;
    public static final double DEFAULT_MIN_TRANSITION_PROBABILITY = 0.02;
    public static final double DEFAULT_MIN_NEXT_PROBABILITY = 0.05;
    public static final int DEFAULT_JOIN_BUFFER_ENTRIES = 100_000;
    public static final int DEFAULT_MAX_LIVE_INSTANCES = 500_000;
    public static final Duration DEFAULT_START_GRACE = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_EVENT_TYPES = 10_000;
    /** The largest {@link #maxEventTypes}: event type IDs are 16 bits, one kept for the types past the bound. */
    public static final int MOST_EVENT_TYPES = Interner.MAX_NAMES;
    /** The event type (and flow) that every type past {@link #maxEventTypes} counts as. */
    public static final String TOO_MANY_EVENT_TYPES = "(too many event types)";

    public InferenceSettings {
        flowAliases = Map.copyOf(Objects.requireNonNull(flowAliases, "flowAliases"));
        endEventTypes = Set.copyOf(Objects.requireNonNull(endEventTypes, "endEventTypes"));
        compensationPatterns = List.copyOf(compensationPatterns);
        failurePatterns = List.copyOf(failurePatterns);
        stepSla = Map.copyOf(stepSla);
        Objects.requireNonNull(stuckFloor, "stuckFloor");
        Objects.requireNonNull(defaultBound, "defaultBound");
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(abandonAfter, "abandonAfter");
        Objects.requireNonNull(settleAfter, "settleAfter");
        Objects.requireNonNull(settleFloor, "settleFloor");
        Objects.requireNonNull(startGrace, "startGrace");
        if (startGrace.isNegative()) {
            throw new IllegalArgumentException("startGrace must be >= 0, was " + startGrace);
        }
        if (!(settleFactor > 0)) {
            throw new IllegalArgumentException("settleFactor must be > 0, was " + settleFactor);
        }
        if (settleFloor.isNegative()) {
            throw new IllegalArgumentException("settleFloor must be >= 0, was " + settleFloor);
        }
        if (stuckFactor <= 0) {
            throw new IllegalArgumentException("stuckFactor must be > 0, was " + stuckFactor);
        }
        if (maxEventsPerInstance < 2 || maxEventsPerInstance > 65_535) {
            throw new IllegalArgumentException("maxEventsPerInstance must be in 2..65535, was " + maxEventsPerInstance);
        }
        if (maxLiveInstances < 1) {
            throw new IllegalArgumentException("maxLiveInstances must be >= 1, was " + maxLiveInstances);
        }
        if (maxEventTypes < 1 || maxEventTypes > MOST_EVENT_TYPES) {
            throw new IllegalArgumentException("maxEventTypes must be in 1.." + MOST_EVENT_TYPES + ", was " + maxEventTypes);
        }
        if (joinBufferEntries < 0) {
            throw new IllegalArgumentException("joinBufferEntries must be >= 0, was " + joinBufferEntries);
        }
    }

    /** The documented defaults. */
    public static InferenceSettings defaults() {
        return new InferenceSettings(Map.of(), Set.of(), DEFAULT_COMPENSATION_PATTERNS, DEFAULT_FAILURE_PATTERNS,
                Map.of(), DEFAULT_STUCK_FACTOR, DEFAULT_STUCK_FLOOR, DEFAULT_BOUND, DEFAULT_MIN_LATENCY_SAMPLES,
                DEFAULT_RETENTION, DEFAULT_ABANDON_AFTER, DEFAULT_SETTLE_AFTER, DEFAULT_SETTLE_FACTOR,
                DEFAULT_SETTLE_FLOOR, DEFAULT_MAX_EVENTS_PER_INSTANCE,
                DEFAULT_MIN_END_SAMPLES, DEFAULT_MIN_END_RATIO, DEFAULT_MIN_INSTANCES_FOR_MODEL,
                DEFAULT_MIN_TRANSITION_COUNT, DEFAULT_MIN_TRANSITION_PROBABILITY, DEFAULT_MIN_NEXT_PROBABILITY,
                DEFAULT_JOIN_BUFFER_ENTRIES, DEFAULT_MAX_LIVE_INSTANCES, DEFAULT_START_GRACE, DEFAULT_MAX_EVENT_TYPES);
    }

    public InferenceSettings withFlowAliases(Map<String, String> v) {
        return new InferenceSettings(v, endEventTypes, compensationPatterns, failurePatterns, stepSla, stuckFactor,
                stuckFloor, defaultBound, minLatencySamples, retention, abandonAfter, settleAfter,
                settleFactor, settleFloor, maxEventsPerInstance, minEndSamples, minEndRatio, minInstancesForModel,
                minTransitionCount, minTransitionProbability, minNextProbability, joinBufferEntries, maxLiveInstances,
                startGrace, maxEventTypes);
    }

    public InferenceSettings withEndEventTypes(Set<String> v) {
        return new InferenceSettings(flowAliases, v, compensationPatterns, failurePatterns, stepSla, stuckFactor,
                stuckFloor, defaultBound, minLatencySamples, retention, abandonAfter, settleAfter,
                settleFactor, settleFloor, maxEventsPerInstance, minEndSamples, minEndRatio, minInstancesForModel,
                minTransitionCount, minTransitionProbability, minNextProbability, joinBufferEntries, maxLiveInstances,
                startGrace, maxEventTypes);
    }

    public InferenceSettings withPatterns(List<String> compensation, List<String> failure) {
        return new InferenceSettings(flowAliases, endEventTypes, compensation, failure, stepSla, stuckFactor,
                stuckFloor, defaultBound, minLatencySamples, retention, abandonAfter, settleAfter,
                settleFactor, settleFloor, maxEventsPerInstance, minEndSamples, minEndRatio, minInstancesForModel,
                minTransitionCount, minTransitionProbability, minNextProbability, joinBufferEntries, maxLiveInstances,
                startGrace, maxEventTypes);
    }

    public InferenceSettings withStepSla(Map<String, Duration> v) {
        return new InferenceSettings(flowAliases, endEventTypes, compensationPatterns, failurePatterns, v, stuckFactor,
                stuckFloor, defaultBound, minLatencySamples, retention, abandonAfter, settleAfter,
                settleFactor, settleFloor, maxEventsPerInstance, minEndSamples, minEndRatio, minInstancesForModel,
                minTransitionCount, minTransitionProbability, minNextProbability, joinBufferEntries, maxLiveInstances,
                startGrace, maxEventTypes);
    }

    /** Stuck bound parameters: k, floor, default bound and the samples needed to trust a p99. */
    public InferenceSettings withStuckBounds(double k, Duration floor, Duration defaultBound, int minLatencySamples) {
        return new InferenceSettings(flowAliases, endEventTypes, compensationPatterns, failurePatterns, stepSla, k,
                floor, defaultBound, minLatencySamples, retention, abandonAfter, settleAfter,
                settleFactor, settleFloor, maxEventsPerInstance, minEndSamples, minEndRatio, minInstancesForModel,
                minTransitionCount, minTransitionProbability, minNextProbability, joinBufferEntries, maxLiveInstances,
                startGrace, maxEventTypes);
    }

    /** Lifetimes: retention of finished instances, abandonment of idle ones, settling for learning. */
    public InferenceSettings withLifetimes(Duration retention, Duration abandonAfter, Duration settleAfter) {
        return new InferenceSettings(flowAliases, endEventTypes, compensationPatterns, failurePatterns, stepSla,
                stuckFactor, stuckFloor, defaultBound, minLatencySamples, retention, abandonAfter, settleAfter,
                settleFactor, settleFloor, maxEventsPerInstance, minEndSamples, minEndRatio, minInstancesForModel,
                minTransitionCount, minTransitionProbability, minNextProbability, joinBufferEntries, maxLiveInstances,
                startGrace, maxEventTypes);
    }

    public InferenceSettings withMaxEventsPerInstance(int v) {
        return new InferenceSettings(flowAliases, endEventTypes, compensationPatterns, failurePatterns, stepSla,
                stuckFactor, stuckFloor, defaultBound, minLatencySamples, retention, abandonAfter, settleAfter,
                settleFactor, settleFloor, v, minEndSamples, minEndRatio, minInstancesForModel, minTransitionCount,
                minTransitionProbability, minNextProbability, joinBufferEntries, maxLiveInstances,
                startGrace, maxEventTypes);
    }

    /** Thresholds of the model: when a flow, a transition or an end is trusted. */
    public InferenceSettings withModelThresholds(int minInstancesForModel, int minTransitionCount,
                                               double minTransitionProbability, int minEndSamples,
                                               double minEndRatio) {
        return new InferenceSettings(flowAliases, endEventTypes, compensationPatterns, failurePatterns, stepSla,
                stuckFactor, stuckFloor, defaultBound, minLatencySamples, retention, abandonAfter, settleAfter,
                settleFactor, settleFloor, maxEventsPerInstance, minEndSamples, minEndRatio, minInstancesForModel,
                minTransitionCount, minTransitionProbability, minNextProbability, joinBufferEntries, maxLiveInstances,
                startGrace, maxEventTypes);
    }

    /**
     * Adaptive settling: an instance settles once idle for {@code min(settleAfter, max(floor, factor x p99))},
     * p99 being the slowest learned step of its flow.
     */
    public InferenceSettings withSettling(double factor, Duration floor) {
        return new InferenceSettings(flowAliases, endEventTypes, compensationPatterns, failurePatterns, stepSla,
                stuckFactor, stuckFloor, defaultBound, minLatencySamples, retention, abandonAfter, settleAfter,
                factor, floor, maxEventsPerInstance, minEndSamples, minEndRatio, minInstancesForModel,
                minTransitionCount, minTransitionProbability, minNextProbability, joinBufferEntries, maxLiveInstances,
                startGrace, maxEventTypes);
    }

    /** Cap on live instances; the least recently active is evicted first. */
    public InferenceSettings withMaxLiveInstances(int v) {
        return new InferenceSettings(flowAliases, endEventTypes, compensationPatterns, failurePatterns, stepSla,
                stuckFactor, stuckFloor, defaultBound, minLatencySamples, retention, abandonAfter, settleAfter,
                settleFactor, settleFloor, maxEventsPerInstance, minEndSamples, minEndRatio, minInstancesForModel,
                minTransitionCount, minTransitionProbability, minNextProbability, joinBufferEntries, v, startGrace, maxEventTypes);
    }

    /** How long an instance seen from the middle (its first events late) waits for them before it is named. */
    public InferenceSettings withStartGrace(Duration v) {
        return new InferenceSettings(flowAliases, endEventTypes, compensationPatterns, failurePatterns, stepSla,
                stuckFactor, stuckFloor, defaultBound, minLatencySamples, retention, abandonAfter, settleAfter,
                settleFactor, settleFloor, maxEventsPerInstance, minEndSamples, minEndRatio, minInstancesForModel,
                minTransitionCount, minTransitionProbability, minNextProbability, joinBufferEntries, maxLiveInstances,
                v, maxEventTypes);
    }

    /** How many distinct event types are told apart; later ones count as {@link #TOO_MANY_EVENT_TYPES}. */
    public InferenceSettings withMaxEventTypes(int v) {
        return new InferenceSettings(flowAliases, endEventTypes, compensationPatterns, failurePatterns, stepSla,
                stuckFactor, stuckFloor, defaultBound, minLatencySamples, retention, abandonAfter, settleAfter,
                settleFactor, settleFloor, maxEventsPerInstance, minEndSamples, minEndRatio, minInstancesForModel,
                minTransitionCount, minTransitionProbability, minNextProbability, joinBufferEntries, maxLiveInstances,
                startGrace, v);
    }
}
