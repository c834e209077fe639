package io.choreoscope.model.flow;

import java.util.List;
import java.util.Set;

/**
 * Which service talks to which, through which topic: producer service -> topic -> consumer service.
 * Messaging is first class: a topic is a node, never folded into a "kafka" box.
 *
 * @param nodes services and topics
 * @param edges PRODUCES edges (service -> topic) and CONSUMES edges (topic -> service)
 */
public record DependencyMap(List<Node> nodes, List<Edge> edges) {

    public DependencyMap {
        nodes = List.copyOf(nodes);
        edges = List.copyOf(edges);
    }

    /** Kind of node. */
    public enum NodeKind { SERVICE, TOPIC }

    /** Direction of a messaging edge. */
    public enum EdgeRole {
        /** service -> topic: the service produced records to the topic. */
        PRODUCES,
        /** topic -> service: the service consumes the topic. */
        CONSUMES
    }

    /**
     * A service or a topic.
     *
     * @param kind kind
     * @param name service name or topic name
     */
    public record Node(NodeKind kind, String name) {
    }

    /**
     * One messaging edge.
     *
     * @param role          PRODUCES or CONSUMES
     * @param service       the service end
     * @param topic         the topic end
     * @param eventTypes    event types seen on this edge
     * @param count         records produced (PRODUCES), or records consumed (CONSUMES: for a consumer known
     *                      from a consumer group every record of the topic counts; from spans, each span)
     * @param ratePerSecond {@code count} divided by the observed event-time window of the engine, in records/s
     * @param p50Ms         CONSUMES only: median delay from the record's timestamp to the start of the consumer
     *                      span, in ms; NaN when no span was joined
     * @param p99Ms         as {@code p50Ms}, 99th percentile
     * @param evidence      where the edge comes from: {@code observation}, {@code consumer-group}, {@code span}
     */
    public record Edge(EdgeRole role, String service, String topic, Set<String> eventTypes, long count,
                       double ratePerSecond, double p50Ms, double p99Ms, Set<String> evidence) {
        public Edge {
            eventTypes = Set.copyOf(eventTypes);
            evidence = Set.copyOf(evidence);
        }
    }
}
