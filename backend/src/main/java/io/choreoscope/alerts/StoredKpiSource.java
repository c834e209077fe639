package io.choreoscope.alerts;

import io.choreoscope.model.api.FlowSummary;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.choreoscope.collectors.kafka.KafkaConfig;
import io.choreoscope.model.EventReader;
import io.choreoscope.model.FlowKpiReader;
import io.choreoscope.model.FlowModelReader;
import io.choreoscope.model.StorageException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Every alert KPI, from the same sources the REST API answers from: flow KPIs (completion and
 * compensation rates, p95 duration, stuck count) from the persisted instance states, exactly as
 * {@code GET /api/v1/flows} computes them over the rule's window; the ordering-violation rate from the
 * learned flow model; dead-letter growth from the events the tap stored; consumer lag from Kafka (admin
 * API for committed and end offsets, then the timestamp of the first unconsumed record).
 */
public final class StoredKpiSource implements FlowKpiSource, AutoCloseable {
    /** Stuck instances are counted among those started in the last 31 days (the API's longest window). */
    static final Duration STUCK_LOOKBACK = Duration.ofDays(31);
    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(10);

    private final EventReader events;
    private final FlowKpiReader kpis;
    private final FlowModelReader models;
    private final KafkaConfig kafka;
    private Admin admin;

    public StoredKpiSource(EventReader events, FlowKpiReader kpis, FlowModelReader models, KafkaConfig kafka) {
        this.events = events;
        this.kpis = kpis;
        this.models = models;
        this.kafka = kafka;
    }

    @Override
    public List<KpiReading> completionRatePercent(String flow, Duration window, Instant now) {
        return perFlow(flow, window, now, f -> f.completionRate() == null ? null : 100 * f.completionRate());
    }

    @Override
    public List<KpiReading> stuckInstances(String flow, Instant now) {
        // Stuck now, among instances started in the longest window the store answers for.
        return perFlow(flow, STUCK_LOOKBACK, now, f -> (double) f.stuck());
    }

    @Override
    public List<KpiReading> compensationRatePercent(String flow, Duration window, Instant now) {
        return perFlow(flow, window, now, f -> {
            long finished = f.completed() + f.compensated() + f.failed() + f.stuck();
            return finished == 0 ? null : 100.0 * f.compensated() / finished;
        });
    }

    @Override
    public List<KpiReading> p95DurationMs(String flow, Duration window, Instant now) {
        return perFlow(flow, window, now, f -> f.p95Ms() == null ? null : f.p95Ms().doubleValue());
    }

    @Override
    public List<KpiReading> orderingViolationRatePercent(String flow, Duration window, Instant now) {
        // The learned model's rate (over its whole history, not the window: the model is cumulative).
        List<String> flows = flow == null ? models.flowNames() : List.of(flow);
        List<KpiReading> out = new ArrayList<>();
        for (String f : flows) {
            out.add(new KpiReading(f, models.flowModel(f).map(m -> 100 * m.orderingViolationRate()).orElse(null)));
        }
        return out;
    }

    /** Every stored topic matching the regex, with 0 for those that got nothing in the window. */
    @Override
    public List<KpiReading> deadLetterGrowth(String topicRegex, Duration window, Instant now) {
        try {
            Map<String, Long> counts = events.countByTopicSince(topicRegex, now.minus(window));
            List<KpiReading> out = new ArrayList<>();
            new TreeMap<>(counts).forEach((topic, n) -> out.add(new KpiReading(topic, (double) n)));
            return out;
        } catch (StorageException e) {
            throw new KpiUnavailableException("dead-letter growth: " + e.getMessage(), e);
        }
    }

    @Override
    public List<KpiReading> consumerLagSeconds(String consumerGroup, Instant now) {
        try {
            Admin a = admin();
            List<String> groups = new ArrayList<>();
            if (consumerGroup != null) {
                groups.add(consumerGroup);
            } else {
                for (ConsumerGroupListing g : a.listConsumerGroups().all().get(KAFKA_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    groups.add(g.groupId());
                }
            }
            List<KpiReading> out = new ArrayList<>();
            for (String group : new java.util.TreeSet<>(groups)) {
                out.add(new KpiReading(group, lagSeconds(a, group, now)));
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KpiUnavailableException("interrupted while reading consumer lag", e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new KpiUnavailableException("consumer lag from Kafka at " + kafka.getBootstrapServers() + ": " + e.getMessage(), e);
        }
    }

    /** Age of the oldest record {@code group} has not consumed, over its committed partitions; 0 when caught up. */
    private double lagSeconds(Admin a, String group, Instant now) throws ExecutionException, InterruptedException, TimeoutException {
        Map<TopicPartition, OffsetAndMetadata> committed = a.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(KAFKA_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        committed.forEach((tp, om) -> {
            if (om != null) {
                latest.put(tp, OffsetSpec.latest());
            }
        });
        if (latest.isEmpty()) {
            return 0;
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = a.listOffsets(latest).all()
                .get(KAFKA_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        Map<TopicPartition, Long> behind = new HashMap<>();
        ends.forEach((tp, end) -> {
            long c = committed.get(tp).offset();
            if (c < end.offset()) {
                behind.put(tp, c);
            }
        });
        if (behind.isEmpty()) {
            return 0;
        }
        Instant oldest = oldestTimestamps(behind.keySet(), behind);
        return oldest == null ? 0 : Math.max(0, Duration.between(oldest, now).toMillis() / 1000.0);
    }

    /** Reads the first unconsumed record of each partition (without a group) for its timestamp. */
    private Instant oldestTimestamps(Collection<TopicPartition> partitions, Map<TopicPartition, Long> from) {
        Properties p = new Properties();
        p.putAll(kafka.clientProperties());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(1 << 20));
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(64 << 10));
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(partitions);
            from.forEach(consumer::seek);
            Map<TopicPartition, Instant> first = new HashMap<>();
            long deadline = System.nanoTime() + KAFKA_TIMEOUT.toNanos();
            while (first.size() < partitions.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (!first.containsKey(tp)) {
                        first.put(tp, Instant.ofEpochMilli(r.timestamp()));
                        consumer.pause(List.of(tp));
                    }
                }
            }
            return first.values().stream().min(Instant::compareTo).orElse(null);
        }
    }

    private synchronized Admin admin() {
        if (admin == null) {
            Properties p = new Properties();
            p.putAll(kafka.clientProperties());
            p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) KAFKA_TIMEOUT.toMillis());
            p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) KAFKA_TIMEOUT.toMillis());
            admin = Admin.create(p);
        }
        return admin;
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
            admin = null;
        }
    }

    /** One reading per flow (or for the one flow asked), computed from the flow's KPIs over the window. */
    private List<KpiReading> perFlow(String flow, Duration window, Instant now,
                                     java.util.function.Function<FlowSummary, Double> value) {
        List<KpiReading> out = new ArrayList<>();
        try {
            for (FlowSummary f : kpis.flowSummaries(now.minus(window), now, 1)) {
                if (flow == null || flow.equals(f.flow())) {
                    out.add(new KpiReading(f.flow(), value.apply(f)));
                }
            }
        } catch (RuntimeException e) {
            throw new KpiUnavailableException("flow KPIs from ClickHouse: " + e.getMessage(), e);
        }
        if (flow != null && out.isEmpty()) {
            out.add(new KpiReading(flow, null)); // no instance of that flow in the window: no data
        }
        return out;
    }
}
