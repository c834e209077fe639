package io.choreoscope.model.flow;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the instances of one flow do, learned across instances: a directly-follows graph with counts,
 * probabilities and latency percentiles. The graph may have cycles (loops are normal).
 *
 * <p>Counts follow the standard process-mining definitions (as PM4Py's DFG discovery): within each
 * instance, events ordered by timestamp (ties: partition, offset, topic), {@code transition(a, b).count}
 * is the number of times b directly follows a; {@code startCounts} counts the first event type per
 * instance and {@code endCounts} the last event type per instance (running instances included).
 *
 * @param flow                  flow name
 * @param instances             instances counted (live and evicted)
 * @param nodes                 event types with occurrence counts
 * @param transitions           directly-follows transitions
 * @param startCounts           first event type per instance -> number of instances
 * @param endCounts             last event type per instance -> number of instances
 * @param learnedEnds           event types learned (or configured) as ends of this flow, and the steps where instances
 *                              of a learned end set usually finish (a fan-out's reactions, none of which ends most
 *                              instances alone; see docs/INFERENCE.md, "Learned ends")
 * @param deviationCounts       deviations found per kind (live instances against the current model, evicted
 *                              ones as found at eviction)
 * @param orderingViolationRate OUT_OF_ORDER deviations divided by transitions observed, 0..1 (0 when none)
 * @param from                  for a model of a time window (the instances started in [from, to), computed from
 *                              the stored events): the window's start; null for the live lifetime model
 * @param to                    the window's end (exclusive); null for the live lifetime model
 * @param hidden                what a path/step filter ({@link FlowFilter}) left out; null when unfiltered
 */
public record FlowModel(String flow, long instances, List<Node> nodes, List<Transition> transitions,
                        Map<String, Long> startCounts, Map<String, Long> endCounts, List<String> learnedEnds,
                        Map<DeviationKind, Long> deviationCounts, double orderingViolationRate,
                        Instant from, Instant to, Hidden hidden) {

    public FlowModel {
        nodes = List.copyOf(nodes);
        transitions = List.copyOf(transitions);
        startCounts = Map.copyOf(startCounts);
        endCounts = Map.copyOf(endCounts);
        learnedEnds = List.copyOf(learnedEnds);
        deviationCounts = Map.copyOf(deviationCounts);
    }

    /** The live lifetime model (no window, unfiltered). */
    public FlowModel(String flow, long instances, List<Node> nodes, List<Transition> transitions,
                     Map<String, Long> startCounts, Map<String, Long> endCounts, List<String> learnedEnds,
                     Map<DeviationKind, Long> deviationCounts, double orderingViolationRate) {
        this(flow, instances, nodes, transitions, startCounts, endCounts, learnedEnds, deviationCounts,
                orderingViolationRate, null, null, null);
    }

    /** This model with {@code learnedEnds} in place of its own. */
    public FlowModel withLearnedEnds(List<String> ends) {
        return new FlowModel(flow, instances, nodes, transitions, startCounts, endCounts, ends, deviationCounts,
                orderingViolationRate, from, to, hidden);
    }

    /** The transition from {@code from} to {@code to}, or null. */
    public Transition transition(String from, String to) {
        for (Transition t : transitions) {
            if (t.from().equals(from) && t.to().equals(to)) {
                return t;
            }
        }
        return null;
    }

    /**
     * One event type.
     *
     * @param eventType the type
     * @param count     occurrences in all instances of the flow
     * @param instances instances with at least one such event; 0 when not known (the live model does not count it)
     */
    public record Node(String eventType, long count, long instances) {
        public Node(String eventType, long count) {
            this(eventType, count, 0);
        }
    }

    /**
     * One directly-follows transition.
     *
     * @param from        earlier event type
     * @param to          later event type
     * @param count       times {@code to} directly followed {@code from}
     * @param probability {@code count} divided by all transitions out of {@code from}, 0..1
     * @param p50Ms       median latency (timestamp difference), in ms, relative accuracy 1%
     * @param p95Ms       95th percentile latency in ms
     * @param p99Ms       99th percentile latency in ms
     * @param instances   instances in which {@code to} directly follows {@code from} at least once; 0 when not known
     *                    (the live model does not count it)
     * @param latency     the latency distribution behind the percentiles (the engine's sketch bins), so that models of
     *                    several owners merge exactly ({@link ModelMerge}); null when not known (windowed models,
     *                    rows stored before it was kept). Storage detail: the API leaves it out
     */
    public record Transition(String from, String to, long count, double probability, double p50Ms, double p95Ms,
                             double p99Ms, long instances,
                             @io.swagger.v3.oas.annotations.Hidden LatencySketch latency) {
        public Transition(String from, String to, long count, double probability, double p50Ms, double p95Ms,
                          double p99Ms, long instances) {
            this(from, to, count, probability, p50Ms, p95Ms, p99Ms, instances, null);
        }

        public Transition(String from, String to, long count, double probability, double p50Ms, double p95Ms,
                          double p99Ms) {
            this(from, to, count, probability, p50Ms, p95Ms, p99Ms, 0);
        }
    }

    /**
     * What a path/step filter left out of the map.
     *
     * @param minStepShare        the step threshold applied: share of instances with the event type, 0..1
     * @param minPathShare        the path threshold applied: share of instances taking the transition, 0..1
     * @param steps               event types hidden
     * @param transitions         transitions hidden
     * @param instances           instances that have at least one hidden step or transition (exact when
     *                            {@code instancesExact}, else an upper bound: the sum over what is hidden)
     * @param instanceShare       {@code instances} over the model's instances, 0..1
     * @param instancesExact      whether {@code instances} is exact (known from every variant) or an upper bound
     * @param reconnecting        transitions below the path threshold kept only to keep the map connected
     */
    public record Hidden(double minStepShare, double minPathShare, int steps, int transitions, long instances,
                         double instanceShare, boolean instancesExact, int reconnecting) {
    }
}
