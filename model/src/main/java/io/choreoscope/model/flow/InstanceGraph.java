package io.choreoscope.model.flow;

import java.time.Instant;
import java.util.List;

/**
 * The events of one instance (one correlation ID) as a directed graph. Nodes are listed in time order
 * (timestamp, then partition, then offset, then topic), after duplicates were removed. Every node except
 * the first has an incoming edge, unless that edge would have closed a cycle (the graph is acyclic).
 *
 * @param correlationId the instance's correlation ID
 * @param nodes         events in time order; {@code index} is the position in this list
 * @param edges         edges between node indexes, each with the evidence that made it
 * @param duplicates    records dropped as duplicates (same event ID, or same topic/partition/offset)
 * @param rejectedEdges causation or trace links ignored because they would have made a cycle (bad input)
 */
public record InstanceGraph(String correlationId, List<Node> nodes, List<Edge> edges, int duplicates,
                            int rejectedEdges) {

    public InstanceGraph {
        nodes = List.copyOf(nodes);
        edges = List.copyOf(edges);
    }

    /**
     * One event.
     *
     * @param index     position in time order, from 0
     * @param eventId   the event's ID, or null
     * @param eventType the event type, or {@code "(unknown)"} when the record had none
     * @param service   producing service, or null
     * @param topic     Kafka topic
     * @param partition Kafka partition
     * @param offset    Kafka offset
     * @param timestamp the record's timestamp
     */
    public record Node(int index, String eventId, String eventType, String service, String topic, int partition,
                       long offset, Instant timestamp) {
    }

    /**
     * A directed edge from cause to effect.
     *
     * @param from index of the cause
     * @param to   index of the effect
     * @param kind the evidence
     */
    public record Edge(int from, int to, EdgeKind kind) {
    }
}
