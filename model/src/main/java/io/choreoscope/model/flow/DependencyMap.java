package io.choreoscope.model.flow;

import io.swagger.v3.oas.annotations.Hidden;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which service talks to which, through which topic: producer service -> topic -> consumer service.
 * Messaging is first class: a topic is a node, never folded into a "kafka" box.
 *
 * @param nodes    services and topics
 * @param edges    PRODUCES edges (service -> topic), CONSUMES edges (topic -> service) and DEAD_LETTERS edges (the
 *                 service whose queue dead-lettered -> the dead-letter exchange)
 * @param topicLag per topic, the lag of its CONSUMES edges now, summed: records added up over the consumers, seconds
 *                 the largest (the oldest record some consumer has not read); topics without a known lag are absent
 */
public record DependencyMap(List<Node> nodes, List<Edge> edges, Map<String, Lag> topicLag) {
    /**
     * The evidence of dead letters: a DEAD_LETTERS edge's, and a PRODUCES edge's into a topic of dead letters
     * ({@link Edge#evidence}).
     */
    public static final String DEAD_LETTER_EVIDENCE = "dead-letter";

    public DependencyMap {
        nodes = List.copyOf(nodes);
        edges = List.copyOf(edges);
        topicLag = topicLag == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(topicLag));
    }

    /** A map without lag figures. */
    public DependencyMap(List<Node> nodes, List<Edge> edges) {
        this(nodes, edges, Map.of());
    }

    /**
     * How far consumers are behind, now (not over the map's window).
     *
     * @param records records not consumed yet (Kafka: end minus committed offsets; RabbitMQ: queue depth, ready plus
     *                unacknowledged)
     * @param seconds age of the oldest record not consumed yet, seconds; 0 when caught up; null when unknown
     */
    public record Lag(long records, Double seconds) {
        /** Both figures together: records added, seconds the larger (unknown only when both are unknown). */
        public Lag plus(Lag other) {
            if (other == null) {
                return this;
            }
            Double s = seconds == null ? other.seconds : other.seconds == null ? seconds
                    : Double.valueOf(Math.max(seconds, other.seconds));
            return new Lag(records + other.records, s);
        }
    }

    /** Kind of node. */
    public enum NodeKind { SERVICE, TOPIC }

    /** Direction of a messaging edge. */
    public enum EdgeRole {
        /** service -> topic: the service produced records to the topic. */
        PRODUCES,
        /** topic -> service: the service consumes the topic. */
        CONSUMES,
        /**
         * service -> topic: the broker dead-lettered messages from the service's queue into the topic (RabbitMQ: a
         * dead-letter exchange), because the service rejected them or they expired or overflowed there; nobody
         * published them.
         */
        DEAD_LETTERS
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
     * @param role          PRODUCES, CONSUMES or DEAD_LETTERS
     * @param service       the service end
     * @param topic         the topic end
     * @param eventTypes    event types seen on this edge
     * @param count         records produced (PRODUCES), or records consumed (CONSUMES: for a consumer known
     *                      from a consumer group every record of the topic counts; from spans, each span), or records
     *                      dead-lettered (DEAD_LETTERS)
     * @param ratePerSecond {@code count} divided by the observed event-time window of the engine, in records/s
     * @param p50Ms         CONSUMES only: median delay from the record's timestamp to the start of the consumer
     *                      span, in ms; NaN when no span was joined
     * @param p99Ms         as {@code p50Ms}, 99th percentile
     * @param evidence      where the edge comes from: {@code observation}, {@code consumer-group}, {@code span},
     *                      {@code queue} (a RabbitMQ queue bound to the exchange, and its consumers), {@code dead-letter}
     *                      (DEAD_LETTERS: stored dead letters naming the queue they died in; PRODUCES: the topic holds
     *                      dead letters, by its name or, on Kafka, by the original-topic headers of the window's
     *                      records, so the service gave up on what it published there)
     * @param queues        RabbitMQ CONSUMES: the queues the service reads the exchange through; DEAD_LETTERS: the
     *                      queue the messages died in; else empty
     * @param lag           CONSUMES only: the consumer's lag now (Kafka consumer group, RabbitMQ queue depth); null
     *                      when not known (no consumer group or queue behind the edge, or the bus did not answer)
     * @param delay         CONSUMES only: the delay distribution behind {@code p50Ms}/{@code p99Ms} (the engine's sketch
     *                      bins), so that maps of several owners merge exactly ({@link ModelMerge}); null when no span
     *                      was joined or not known (rows stored before it was kept). Storage detail: the API leaves
     *                      it out
     */
    public record Edge(EdgeRole role, String service, String topic, Set<String> eventTypes, long count,
                       double ratePerSecond, double p50Ms, double p99Ms, Set<String> evidence, Set<String> queues,
                       Lag lag, @Hidden LatencySketch delay) {
        public Edge {
            eventTypes = Set.copyOf(eventTypes);
            evidence = Set.copyOf(evidence);
            queues = queues == null ? Set.of() : Set.copyOf(queues);
        }

        /** An edge without a delay distribution. */
        public Edge(EdgeRole role, String service, String topic, Set<String> eventTypes, long count,
                    double ratePerSecond, double p50Ms, double p99Ms, Set<String> evidence, Set<String> queues,
                    Lag lag) {
            this(role, service, topic, eventTypes, count, ratePerSecond, p50Ms, p99Ms, evidence, queues, lag, null);
        }

        /** An edge without queues or lag. */
        public Edge(EdgeRole role, String service, String topic, Set<String> eventTypes, long count,
                    double ratePerSecond, double p50Ms, double p99Ms, Set<String> evidence) {
            this(role, service, topic, eventTypes, count, ratePerSecond, p50Ms, p99Ms, evidence, Set.of(), null);
        }
    }
}
