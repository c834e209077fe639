package io.choreoscope.model.flow;

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
 * @param learnedEnds           event types learned (or configured) as ends of this flow
 * @param deviationCounts       deviations found per kind (live instances against the current model, evicted
 *                              ones as found at eviction)
 * @param orderingViolationRate OUT_OF_ORDER deviations divided by transitions observed, 0..1 (0 when none)
 */
public record FlowModel(String flow, long instances, List<Node> nodes, List<Transition> transitions,
                        Map<String, Long> startCounts, Map<String, Long> endCounts, List<String> learnedEnds,
                        Map<DeviationKind, Long> deviationCounts, double orderingViolationRate) {

    public FlowModel {
        nodes = List.copyOf(nodes);
        transitions = List.copyOf(transitions);
        startCounts = Map.copyOf(startCounts);
        endCounts = Map.copyOf(endCounts);
        learnedEnds = List.copyOf(learnedEnds);
        deviationCounts = Map.copyOf(deviationCounts);
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
     */
    public record Node(String eventType, long count) {
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
     */
    public record Transition(String from, String to, long count, double probability, double p50Ms, double p95Ms,
                             double p99Ms) {
    }
}
