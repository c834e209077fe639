package io.choreoscope.services;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.choreoscope.collectors.kafka.TapConfig;
import io.choreoscope.live.InferenceConfig;
import io.choreoscope.model.DependencyReader;
import io.choreoscope.model.Topics;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.lag.ConsumerLag;
import io.choreoscope.model.service.ServiceIdentity;
import jakarta.inject.Singleton;

/**
 * The service dependency map as served: one node per service ({@link ServiceIdentity}), every edge with all its
 * evidence kinds, and every rate on one basis, records per second over the selected window
 * ({@link DependencyReader#windowSeconds}):
 * <ul>
 *   <li>{@code observation}: PRODUCES edges counted from the stored records of the window (source service);</li>
 *   <li>{@code span}: PRODUCES and CONSUMES edges counted from the stored PRODUCER and CONSUMER spans of the window;</li>
 *   <li>{@code consumer-group}: a CONSUMES edge for each Kafka consumer group with committed offsets on a topic,
 *       shown under the service whose consumer spans report that group (else under the group's name, through the
 *       aliases), counting every record produced to the topic in the window (a group reads them all), with the
 *       group's lag now ({@link ConsumerLags}: records behind and the age of the oldest unconsumed record), on every
 *       topic with records or spans in the window. The tap's and inference's own groups are left out. When Kafka does not answer the map is served without this evidence (and says nothing
 *       false);</li>
 *   <li>{@code queue}: RabbitMQ, a CONSUMES edge exchange -> service for each queue bound to a tapped exchange that
 *       the broker routed messages of the window to (the tap's {@code amqp:routed_queue} headers; their count is the
 *       edge's), or that holds messages now while the exchange had traffic in the window; the service is named by the client-provided connection names of the
 *       queue's consumers (one edge each), else by the queue. The edge lists the queue and carries its depth (ready
 *       plus unacknowledged) as lag, with the head message's age when the broker reports its timestamp. Queues bound
 *       only to the default exchange show only when messages were routed to them through it.</li>
 *   <li>{@code dead-letter}: RabbitMQ, a DEAD_LETTERS edge service -> dead-letter exchange for each queue the stored
 *       dead letters of the window died in ({@link DependencyReader#deadLettered}), from the queue's consumers (named
 *       as on the {@code queue} edges), else from the queue; the copies themselves name no producer. A PRODUCES edge
 *       into a topic of dead letters carries this evidence too: the topic is named as one, or, on Kafka, its records
 *       of the window's last hour name their original topic in a header (a Kafka tool's dead-letter topic, whatever
 *       its name).</li>
 * </ul>
 * Each topic's lag ({@link DependencyMap#topicLag}) sums the lags of its CONSUMES edges: records added, seconds the
 * largest.
 * Live inference's learned CONSUMES edges add only their delay percentiles (p50/p99 from the record's timestamp to
 * the consumer span's start) and event types; their counts are since the engine started, another basis, and are not
 * used. Edges that share role, service and topic after renaming are merged ({@link ServiceIdentity#canonical}).
 */
@Singleton
public class ServiceMap {
    private static final String DEAD_LETTER = DependencyMap.DEAD_LETTER_EVIDENCE;
    /** The end of a window whose Kafka records' headers are read for dead letters. */
    static final java.time.Duration HEADERS_WINDOW = java.time.Duration.ofHours(1);
    private final DependencyReader reader;
    private final ServiceIdentity identity;
    private final ConsumerLags lags;
    private final Set<String> ownGroups;

    public ServiceMap(DependencyReader reader, ServiceIdentity identity, ConsumerLags lags, TapConfig tap,
                      InferenceConfig inference) {
        this.reader = reader;
        this.identity = identity;
        this.lags = lags;
        this.ownGroups = Set.of(tap.getGroupId(), inference.getGroupId());
    }

    /** The map of [{@code from}, {@code to}). */
    public DependencyMap dependencies(Instant from, Instant to) {
        double window = DependencyReader.windowSeconds(from, to);
        DependencyMap stored = reader.dependencies(from, to);
        DependencyMap spans = reader.spanDependencies(from, to);
        Map<String, String> groupServices = reader.consumerGroupServices(from, to);
        List<DependencyMap.Edge> edges = new ArrayList<>();
        Set<DependencyMap.Node> topics = new HashSet<>();
        Map<String, Long> producedPerTopic = new HashMap<>();
        Map<String, Set<String>> typesPerTopic = new HashMap<>();
        for (DependencyMap.Edge e : stored.edges()) {
            if (e.role() == DependencyMap.EdgeRole.PRODUCES) {
                edges.add(e);
                topics.add(new DependencyMap.Node(DependencyMap.NodeKind.TOPIC, e.topic()));
                producedPerTopic.merge(e.topic(), e.count(), Long::sum);
                typesPerTopic.computeIfAbsent(e.topic(), t -> new TreeSet<>()).addAll(e.eventTypes());
            } else {
                // delays and types only: counted since the engine started, not over this window
                edges.add(new DependencyMap.Edge(e.role(), e.service(), e.topic(), e.eventTypes(), 0, 0, e.p50Ms(),
                        e.p99Ms(), Set.of()));
            }
        }
        for (DependencyMap.Edge e : spans.edges()) {
            topics.add(new DependencyMap.Node(DependencyMap.NodeKind.TOPIC, e.topic()));
            Set<String> types = e.role() == DependencyMap.EdgeRole.CONSUMES
                    ? typesPerTopic.getOrDefault(e.topic(), Set.of()) : e.eventTypes();
            edges.add(new DependencyMap.Edge(e.role(), e.service(), e.topic(), types, e.count(), e.ratePerSecond(),
                    e.p50Ms(), e.p99Ms(), e.evidence()));
        }
        ConsumerLags.Snapshot now = lags.current();
        boolean anyQueue = now.lags().stream().anyMatch(l -> l.queue() != null);
        Map<String, Map<String, Long>> routed = anyQueue ? reader.routedQueues(from, to) : Map.of();
        Map<String, DependencyMap.Lag> topicLag = new HashMap<>();
        // RabbitMQ dead letters: nobody published them; the arrow goes from whoever gave up on them (the consumers of
        // the queue they died in, else the queue) into the dead-letter exchange
        if (anyQueue || topics.stream().anyMatch(n -> Topics.bus(n.name()).equals(Topics.RABBITMQ))) {
            for (DependencyReader.DeadLettered d : reader.deadLettered(from, to)) {
                for (String service : consumersOf(now, d.topic(), d.queue())) {
                    edges.add(new DependencyMap.Edge(DependencyMap.EdgeRole.DEAD_LETTERS, service, d.topic(),
                            d.eventTypes(), d.count(), d.count() / window, Double.NaN, Double.NaN, Set.of(DEAD_LETTER),
                            Set.of(d.queue()), null));
                }
                topics.add(new DependencyMap.Node(DependencyMap.NodeKind.TOPIC, d.topic()));
            }
        }
        // Topics with traffic in the window: records of a producing service, spans, dead letters, or messages the broker
        // routed to a queue (a dead-letter exchange's copies have no producing service, yet its queue's depth belongs on
        // the map).
        Set<String> seen = new HashSet<>(routed.keySet());
        topics.forEach(n -> seen.add(n.name()));
        for (ConsumerLag l : now.lags()) {
            if (!seen.contains(l.topic())) {
                continue; // no traffic to show (and perhaps a topic the tap leaves out)
            }
            DependencyMap.Lag lag = new DependencyMap.Lag(l.records(), l.seconds());
            Set<String> types = typesPerTopic.getOrDefault(l.topic(), Set.of());
            if (l.queue() == null) { // a Kafka consumer group
                if (ownGroups.contains(l.consumer())) {
                    continue;
                }
                long count = producedPerTopic.getOrDefault(l.topic(), 0L);
                edges.add(new DependencyMap.Edge(DependencyMap.EdgeRole.CONSUMES,
                        groupServices.getOrDefault(l.consumer(), l.consumer()), l.topic(), types, count, count / window,
                        Double.NaN, Double.NaN, Set.of("consumer-group"), Set.of(), lag));
            } else { // a RabbitMQ queue bound to an exchange
                long count = routed.getOrDefault(l.topic(), Map.of()).getOrDefault(l.queue(), 0L);
                boolean defaultExchange = l.topic().endsWith(":" + Topics.DEFAULT_EXCHANGE);
                if (count == 0 && (defaultExchange || l.records() == 0)) {
                    continue; // nothing routed to it in the window, nothing waiting in it
                }
                Set<String> services = l.clients().isEmpty() ? Set.of(l.queue()) : l.clients();
                for (String service : services) {
                    edges.add(new DependencyMap.Edge(DependencyMap.EdgeRole.CONSUMES, service, l.topic(), types, count,
                            count / window, Double.NaN, Double.NaN, Set.of("queue"), Set.of(l.queue()), lag));
                }
            }
            topics.add(new DependencyMap.Node(DependencyMap.NodeKind.TOPIC, l.topic()));
            topicLag.merge(l.topic(), lag, DependencyMap.Lag::plus);
        }
        // marked once merged: an evidence kind added to two raw edges of the same records would count them twice
        DependencyMap merged = identity.canonical(new DependencyMap(new ArrayList<>(topics), edges, topicLag), window);
        return new DependencyMap(merged.nodes(), markDeadLetterTopics(merged.edges(), from, to), merged.topicLag());
    }

    /**
     * PRODUCES edges into a topic of dead letters get the evidence {@code dead-letter}: the topic is named as one
     * ({@link Topics#looksLikeDeadLetter}), or on Kafka its records of the window's last {@link #HEADERS_WINDOW} name
     * their original topic (a Kafka tool's dead-letter topic called anything,
     * {@link DependencyReader#deadLetterTopicsByHeaders}; read only when some Kafka topic's name does not already say
     * so). At 100M stored events over 7 days an hour's headers added about 50 ms to the map's reads, while reading a
     * day's header keys alone takes about 0.75 s (docs/BENCHMARKS.md).
     */
    private List<DependencyMap.Edge> markDeadLetterTopics(List<DependencyMap.Edge> edges, Instant from, Instant to) {
        boolean unnamed = edges.stream().anyMatch(e -> e.role() == DependencyMap.EdgeRole.PRODUCES
                && Topics.bus(e.topic()).equals(Topics.KAFKA) && !Topics.looksLikeDeadLetter(e.topic()));
        Instant headersFrom = from.isAfter(to.minus(HEADERS_WINDOW)) ? from : to.minus(HEADERS_WINDOW);
        Set<String> byHeaders = unnamed ? reader.deadLetterTopicsByHeaders(headersFrom, to) : Set.of();
        List<DependencyMap.Edge> out = new ArrayList<>(edges.size());
        for (DependencyMap.Edge e : edges) {
            if (e.role() == DependencyMap.EdgeRole.PRODUCES && !e.evidence().contains(DEAD_LETTER)
                    && (Topics.looksLikeDeadLetter(e.topic())
                    || (Topics.bus(e.topic()).equals(Topics.KAFKA) && byHeaders.contains(e.topic())))) {
                Set<String> evidence = new TreeSet<>(e.evidence());
                evidence.add(DEAD_LETTER);
                e = new DependencyMap.Edge(e.role(), e.service(), e.topic(), e.eventTypes(), e.count(), e.ratePerSecond(),
                        e.p50Ms(), e.p99Ms(), evidence, e.queues(), e.lag(), e.delay());
            }
            out.add(e);
        }
        return out;
    }

    /**
     * The services reading a RabbitMQ queue now (its consumers' connection names), else the queue itself. The queue is
     * the one of the exchange's virtual host ({@code exchangeTopic}: a message dies in a queue of the virtual host whose
     * dead-letter exchange takes it): a queue of the same name in another virtual host has other consumers.
     */
    private static Set<String> consumersOf(ConsumerLags.Snapshot now, String exchangeTopic, String queue) {
        String vhost = Topics.rabbitMqVhost(exchangeTopic);
        Set<String> services = new TreeSet<>();
        for (ConsumerLag l : now.lags()) {
            if (queue.equals(l.queue()) && java.util.Objects.equals(vhost, Topics.rabbitMqVhost(l.topic()))) {
                services.addAll(l.clients());
            }
        }
        return services.isEmpty() ? Set.of(queue) : services;
    }
}
