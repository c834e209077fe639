package io.choreoscope.inference;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.choreoscope.model.Span;
import io.choreoscope.model.flow.DependencyMap;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Incremental service -> topic -> service map. Producers come from observations' source service;
 * consumers from CONSUMER spans (service, destination topic; Kafka consumer groups are joined at read time by
 * the API, which sees them in every layout). A
 * consumer span is joined to the record it consumed when its parent span ID equals the record's
 * traceparent span ID (same trace), in either arrival order, to measure the delay from the record's
 * timestamp to the consumer span's start. Join buffers are bounded (oldest dropped first).
 */
final class DependencyTracker {

    private static final class ProducerEdge {
        long count;
        final BitSet types = new BitSet();
    }

    private static final class ConsumerEdge {
        long spans;
        final Set<String> types = new HashSet<>();
        DDSketch delayMs;
    }

    private static final class TopicStats {
        long count;
        final BitSet types = new BitSet();
    }

    private record PendingConsumer(String service, String topic, long startMs) {
    }

    private final Interner types;
    private final Interner services;
    private final Interner topics;
    private final int joinBound;
    private final HashMap<Integer, ProducerEdge> producers = new HashMap<>();
    private final HashMap<Integer, TopicStats> topicStats = new HashMap<>();
    /** key topic + '\u0000' + consumer service. */
    private final HashMap<String, ConsumerEdge> consumers = new HashMap<>();
    private long minTs = Long.MAX_VALUE;
    private long maxTs = Long.MIN_VALUE;
    private final LinkedHashMap<String, long[]> producedRecords;
    private final LinkedHashMap<String, List<PendingConsumer>> pendingConsumers;

    DependencyTracker(Interner types, Interner services, Interner topics, int joinBound) {
        this.types = types;
        this.services = services;
        this.topics = topics;
        this.joinBound = joinBound;
        this.producedRecords = bounded(joinBound);
        this.pendingConsumers = bounded(joinBound);
    }

    private static <V> LinkedHashMap<String, V> bounded(int bound) {
        return new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > bound;
            }
        };
    }

    /** One distinct record. Type, service and topic ids come from the engine's interners. */
    void record(int type, int service, int topic, long tsMs, String traceId, String spanId, int typeForJoin) {
        minTs = Math.min(minTs, tsMs);
        maxTs = Math.max(maxTs, tsMs);
        TopicStats ts = topicStats.computeIfAbsent(topic, k -> new TopicStats());
        ts.count++;
        ts.types.set(type);
        if (service != 0) {
            ProducerEdge e = producers.computeIfAbsent((service << 16) | topic, k -> new ProducerEdge());
            e.count++;
            e.types.set(type);
        }
        if (traceId != null && spanId != null && joinBound > 0) {
            String key = traceId + ':' + spanId;
            producedRecords.put(key, new long[] {tsMs, typeForJoin});
            List<PendingConsumer> waiting = pendingConsumers.remove(key);
            if (waiting != null) {
                for (PendingConsumer c : waiting) {
                    consumerDelay(c.topic, c.service, c.startMs - tsMs, type);
                }
            }
        }
    }

    void span(Span s) {
        if (s == null || !"CONSUMER".equalsIgnoreCase(s.kind()) || s.messagingDestination() == null) {
            return;
        }
        String service = s.service() == null ? "unknown_service" : s.service();
        String topic = s.messagingDestination();
        ConsumerEdge e = consumers.computeIfAbsent(topic + '\u0000' + service, k -> new ConsumerEdge());
        e.spans++;
        if (s.traceId() != null && s.parentSpanId() != null && s.start() != null && joinBound > 0) {
            String key = s.traceId() + ':' + s.parentSpanId();
            long startMs = s.start().toEpochMilli();
            long[] produced = producedRecords.get(key);
            if (produced != null) {
                consumerDelay(topic, service, startMs - produced[0], (int) produced[1]);
            } else {
                pendingConsumers.computeIfAbsent(key, k -> new ArrayList<>(1))
                        .add(new PendingConsumer(service, topic, startMs));
            }
        }
    }

    private void consumerDelay(String topic, String service, long delayMs, int type) {
        ConsumerEdge e = consumers.computeIfAbsent(topic + '\u0000' + service, k -> new ConsumerEdge());
        if (e.delayMs == null) {
            e.delayMs = FlowStats.newSketch();
        }
        e.delayMs.accept(Math.max(0, delayMs));
        if (type > 0) {
            e.types.add(types.name(type));
        }
    }

    private Set<String> typeNames(BitSet bits) {
        Set<String> names = new TreeSet<>();
        for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i + 1)) {
            names.add(types.name(i));
        }
        return names;
    }

    DependencyMap build() {
        double windowS = maxTs > minTs ? Math.max(1.0, (maxTs - minTs) / 1000.0) : 1.0;
        Set<DependencyMap.Node> nodes = new HashSet<>();
        List<DependencyMap.Edge> edges = new ArrayList<>();
        producers.forEach((k, e) -> {
            String service = services.name(k >>> 16);
            String topic = topics.name(k & 0xFFFF);
            nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.SERVICE, service));
            nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.TOPIC, topic));
            edges.add(new DependencyMap.Edge(DependencyMap.EdgeRole.PRODUCES, service, topic, typeNames(e.types),
                    e.count, e.count / windowS, Double.NaN, Double.NaN, Set.of("observation")));
        });
        // topic -> service from CONSUMER spans; Kafka consumer groups are joined at read time by the API (ServiceMap)
        consumers.forEach((k, e) -> {
            int cut = k.indexOf('\u0000');
            String topic = k.substring(0, cut);
            String service = k.substring(cut + 1);
            Set<String> tn = new TreeSet<>(e.types);
            int topicId = topics.find(topic);
            TopicStats ts = topicId < 0 ? null : topicStats.get(topicId);
            if (ts != null) {
                tn.addAll(typeNames(ts.types));
            }
            DDSketch sk = e.delayMs;
            boolean noDelays = sk == null || sk.isEmpty();
            double p50 = noDelays ? Double.NaN : sk.getValueAtQuantile(0.5);
            double p99 = noDelays ? Double.NaN : sk.getValueAtQuantile(0.99);
            nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.SERVICE, service));
            nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.TOPIC, topic));
            edges.add(new DependencyMap.Edge(DependencyMap.EdgeRole.CONSUMES, service, topic, tn, e.spans,
                    e.spans / windowS, p50, p99, Set.of("span"), Set.of(), null, noDelays ? null : FlowStats.bins(sk)));
        });
        List<DependencyMap.Node> nodeList = new ArrayList<>(nodes);
        nodeList.sort(Comparator.comparing((DependencyMap.Node n) -> n.kind()).thenComparing(DependencyMap.Node::name));
        edges.sort(Comparator.comparing(DependencyMap.Edge::role).thenComparing(DependencyMap.Edge::service)
                .thenComparing(DependencyMap.Edge::topic));
        return new DependencyMap(nodeList, edges);
    }
}
