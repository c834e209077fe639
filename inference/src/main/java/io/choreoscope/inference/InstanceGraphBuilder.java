package io.choreoscope.inference;

import io.choreoscope.model.Observation;
import io.choreoscope.model.Span;
import io.choreoscope.model.flow.EdgeKind;
import io.choreoscope.model.flow.InstanceGraph;
import org.jgrapht.graph.DefaultEdge;
import org.jgrapht.graph.DirectedAcyclicGraph;
import org.jgrapht.graph.GraphCycleProhibitedException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the instance graph of one correlation ID from its records and the spans of their traces.
 * Pure: same input, same graph; no state between calls. Edges, in order of trust:
 * <ol>
 *   <li>CAUSATION: B's causation ID equals A's event ID.</li>
 *   <li>TRACE: walking up from B's producer span (the span ID of B's traceparent, inclusive), the nearest
 *       CONSUMER span whose destination is A's topic, in A's trace, links A -&gt; B. Among such A, the one
 *       whose producer span is that consumer span's parent wins; otherwise the latest A before B.</li>
 *   <li>ORDER: an event with neither gets an edge from the event right before it in time order
 *       (timestamp, partition, offset, topic).</li>
 * </ol>
 * Duplicates (same event ID, or same topic/partition/offset) are dropped, keeping the first in time order; a
 * dead-letter copy that keeps its original's event ID is dropped too, and not counted as a duplicate.
 * A causation or trace link that would close a cycle (bad input, e.g. two events naming each other as
 * cause) is ignored and counted in {@link InstanceGraph#rejectedEdges()}. Cost: O(n log n + n x d) for n
 * records and span ancestry depth d (walks stop after 64 levels).
 */
public final class InstanceGraphBuilder {
    static final int MAX_DEPTH = 64;

    private InstanceGraphBuilder() {
    }

    private static final Comparator<Observation> TIME_ORDER = Comparator.comparing(Observation::timestamp)
            .thenComparingInt(Observation::partition).thenComparingLong(Observation::offset)
            .thenComparing(Observation::topic);

    public static InstanceGraph build(String correlationId, List<Observation> records, List<Span> spans) {
        List<Observation> sorted = new ArrayList<>(records);
        sorted.sort(TIME_ORDER);
        List<Observation> events = new ArrayList<>();
        Map<String, Observation> seenIds = new HashMap<>();
        Set<String> seenCoordinates = new HashSet<>();
        int duplicates = 0;
        for (Observation o : sorted) {
            Observation sameId = o.eventId() == null || o.eventId().isEmpty() ? null : seenIds.putIfAbsent(o.eventId(), o);
            boolean dupCoord = !seenCoordinates.add(o.coordinates());
            if (sameId != null || dupCoord) {
                // a dead-letter copy keeps its original's event ID: left out, but not a second delivery
                if (dupCoord || !(StuckCauses.deadLetter(o) || StuckCauses.deadLetter(sameId))) {
                    duplicates++;
                }
            } else {
                events.add(o);
            }
        }
        Map<String, Integer> byEventId = new HashMap<>();
        List<InstanceGraph.Node> nodes = new ArrayList<>();
        DirectedAcyclicGraph<Integer, DefaultEdge> dag = new DirectedAcyclicGraph<>(DefaultEdge.class);
        for (int i = 0; i < events.size(); i++) {
            Observation o = events.get(i);
            if (o.eventId() != null && !o.eventId().isEmpty()) {
                byEventId.put(o.eventId(), i);
            }
            nodes.add(new InstanceGraph.Node(i, o.eventId(),
                    o.eventType() == null ? InferenceEngine.UNKNOWN_TYPE : o.eventType(), o.sourceService(),
                    o.topic(), o.partition(), o.offset(), o.timestamp()));
            dag.addVertex(i);
        }
        Map<String, Span> spanIndex = new HashMap<>();
        for (Span s : spans) {
            if (s.traceId() != null && s.spanId() != null) {
                spanIndex.put(s.traceId() + ':' + s.spanId(), s);
            }
        }
        List<InstanceGraph.Edge> edges = new ArrayList<>();
        int rejected = 0;
        boolean[] linked = new boolean[events.size()];
        // 1. causation
        for (int b = 0; b < events.size(); b++) {
            String cause = events.get(b).causationId();
            Integer a = cause == null ? null : byEventId.get(cause);
            if (a != null && a != b) {
                if (tryAdd(dag, a, b)) {
                    edges.add(new InstanceGraph.Edge(a, b, EdgeKind.CAUSATION));
                    linked[b] = true;
                } else {
                    rejected++;
                }
            }
        }
        // 2. trace context
        for (int b = 0; b < events.size(); b++) {
            if (linked[b]) {
                continue;
            }
            Observation ob = events.get(b);
            if (ob.traceId() == null || ob.spanId() == null) {
                continue;
            }
            Integer a = traceCause(b, ob, events, spanIndex);
            if (a != null) {
                if (tryAdd(dag, a, b)) {
                    edges.add(new InstanceGraph.Edge(a, b, EdgeKind.TRACE));
                    linked[b] = true;
                } else {
                    rejected++;
                }
            }
        }
        // 3. directly-follows order for the rest. Forward in time, but a causation edge pointing back in time
        //    (clock skew) can make it close a cycle: then the event stays a root, which is what its data says.
        for (int b = 1; b < events.size(); b++) {
            if (!linked[b] && tryAdd(dag, b - 1, b)) {
                edges.add(new InstanceGraph.Edge(b - 1, b, EdgeKind.ORDER));
            }
        }
        edges.sort(Comparator.comparingInt(InstanceGraph.Edge::to).thenComparingInt(InstanceGraph.Edge::from));
        return new InstanceGraph(correlationId, nodes, edges, duplicates, rejected);
    }

    private static boolean tryAdd(DirectedAcyclicGraph<Integer, DefaultEdge> dag, int a, int b) {
        try {
            dag.addEdge(a, b);
            return true;
        } catch (GraphCycleProhibitedException cycle) {
            return false;
        }
    }

    private static Integer traceCause(int b, Observation ob, List<Observation> events, Map<String, Span> spans) {
        String trace = ob.traceId();
        Span s = spans.get(trace + ':' + ob.spanId());
        for (int depth = 0; s != null && depth < MAX_DEPTH; depth++) {
            if ("CONSUMER".equalsIgnoreCase(s.kind()) && s.messagingDestination() != null) {
                Integer best = null;
                for (int a = 0; a < events.size(); a++) {
                    Observation oa = events.get(a);
                    if (a == b || !trace.equals(oa.traceId()) || !s.messagingDestination().equals(oa.topic())) {
                        continue;
                    }
                    if (oa.spanId() != null && oa.spanId().equals(s.parentSpanId())) {
                        return a; // the consumer span's parent is A's producer span: exact
                    }
                    if (a < b) {
                        best = a; // latest A before B on that topic and trace
                    }
                }
                if (best != null) {
                    return best;
                }
            }
            s = s.parentSpanId() == null ? null : spans.get(trace + ':' + s.parentSpanId());
        }
        return null;
    }
}
