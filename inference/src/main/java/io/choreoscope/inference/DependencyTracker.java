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
 * consumers from configured consumer groups and from CONSUMER spans (service, destination topic). A
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
    private final HashMap<String, String> groupService = new HashMap<>();
    private Map<String, Set<String>> consumerGroups = Map.of();
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

    void setConsumerGroups(Map<String, Set<String>> topicToGroups) {
        Map<String, Set<String>> copy = new HashMap<>();
        topicToGroups.forEach((t, g) -> copy.put(t, Set.copyOf(g)));
        this.consumerGroups = copy;
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
        if (s.consumerGroup() != null) {
            groupService.put(s.consumerGroup(), service);
        }
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
        // topic -> service from spans and from consumer groups, merged per (topic, service)
        Map<String, Object[]> merged = new HashMap<>(); // key -> {topic, service, count, evidence, types, sketch}
        consumers.forEach((k, e) -> {
            int cut = k.indexOf('\u0000');
            Set<String> ev = new HashSet<>(Set.of("span"));
            merged.put(k, new Object[] {k.substring(0, cut), k.substring(cut + 1), e.spans, ev,
                    new TreeSet<>(e.types), e.delayMs});
        });
        consumerGroups.forEach((topic, groups) -> {
            int topicId = topics.find(topic);
            TopicStats ts = topicId < 0 ? null : topicStats.get(topicId);
            long count = ts == null ? 0 : ts.count;
            for (String g : groups) {
                String service = groupService.getOrDefault(g, g);
                Object[] row = merged.computeIfAbsent(topic + '\u0000' + service,
                        x -> new Object[] {topic, service, 0L, new HashSet<String>(), new TreeSet<String>(), null});
                row[2] = Math.max((Long) row[2], count);
                @SuppressWarnings("unchecked") Set<String> ev = (Set<String>) row[3];
                ev.add("consumer-group");
            }
        });
        for (Object[] row : merged.values()) {
            String topic = (String) row[0];
            String service = (String) row[1];
            long count = (Long) row[2];
            @SuppressWarnings("unchecked") Set<String> ev = (Set<String>) row[3];
            @SuppressWarnings("unchecked") Set<String> tn = (Set<String>) row[4];
            int topicId = topics.find(topic);
            TopicStats ts = topicId < 0 ? null : topicStats.get(topicId);
            if (ts != null) {
                tn.addAll(typeNames(ts.types));
            }
            DDSketch sk = (DDSketch) row[5];
            double p50 = sk == null || sk.isEmpty() ? Double.NaN : sk.getValueAtQuantile(0.5);
            double p99 = sk == null || sk.isEmpty() ? Double.NaN : sk.getValueAtQuantile(0.99);
            nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.SERVICE, service));
            nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.TOPIC, topic));
            edges.add(new DependencyMap.Edge(DependencyMap.EdgeRole.CONSUMES, service, topic, tn, count,
                    count / windowS, p50, p99, ev, Set.of(), null, sk == null || sk.isEmpty() ? null : FlowStats.bins(sk)));
        }
        List<DependencyMap.Node> nodeList = new ArrayList<>(nodes);
        nodeList.sort(Comparator.comparing((DependencyMap.Node n) -> n.kind()).thenComparing(DependencyMap.Node::name));
        edges.sort(Comparator.comparing(DependencyMap.Edge::role).thenComparing(DependencyMap.Edge::service)
                .thenComparing(DependencyMap.Edge::topic));
        return new DependencyMap(nodeList, edges);
    }
}
