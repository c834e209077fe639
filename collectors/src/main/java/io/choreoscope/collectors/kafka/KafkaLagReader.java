package io.choreoscope.collectors.kafka;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.choreoscope.model.Topics;
import io.choreoscope.model.lag.ConsumerLag;
import io.choreoscope.model.lag.ConsumerLagReader;
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
 * Consumer-group lag from Kafka: committed offsets of every group ({@code listConsumerGroupOffsets}), end offsets of
 * their partitions ({@code listOffsets latest}), and the timestamp of the first record each lagging group has not
 * consumed, read by a group-less consumer that seeks to the committed offset (one record per partition, at most
 * {@value #MAX_AGE_PARTITIONS} distinct partition offsets per read, at most 64 KiB fetched per partition). The figures
 * are computed by {@link ConsumerLag#ofKafka}. Every admin call waits at most {@value #TIMEOUT_SECONDS} s; the
 * timestamp reads share one such deadline, and a record not read by then leaves its age unknown rather than failing
 * the read. The admin client is created on first use, so the process starts without Kafka.
 */
public final class KafkaLagReader implements ConsumerLagReader, AutoCloseable {
    public static final int TIMEOUT_SECONDS = 10;
    /** Bound on the (topic, partition, offset) timestamps one read looks up. */
    static final int MAX_AGE_PARTITIONS = 2_000;

    private final Map<String, Object> clientProperties;
    private Admin admin;

    /** @param clientProperties the tapped cluster's client properties ({@link KafkaConfig#clientProperties}) */
    public KafkaLagReader(Map<String, Object> clientProperties) {
        this.clientProperties = Map.copyOf(clientProperties);
    }

    @Override
    public String bus() {
        return Topics.KAFKA;
    }

    @Override
    public synchronized List<ConsumerLag> read(Instant now) {
        try {
            Admin a = admin();
            List<String> groups = new ArrayList<>();
            for (ConsumerGroupListing g : a.listConsumerGroups().all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                groups.add(g.groupId());
            }
            Map<String, Map<TopicPartition, OffsetAndMetadata>> committed = new HashMap<>();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (String group : groups) {
                Map<TopicPartition, OffsetAndMetadata> offsets = a.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                Map<TopicPartition, OffsetAndMetadata> present = new HashMap<>();
                offsets.forEach((tp, o) -> {
                    if (o != null) {
                        present.put(tp, o);
                        latest.put(tp, OffsetSpec.latest());
                    }
                });
                committed.put(group, present);
            }
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = latest.isEmpty() ? Map.of()
                    : a.listOffsets(latest).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            Map<TopicPartition, Map<Long, Instant>> wanted = new HashMap<>();
            int lookups = 0;
            for (Map<TopicPartition, OffsetAndMetadata> offsets : committed.values()) {
                for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
                    ListOffsetsResult.ListOffsetsResultInfo end = ends.get(e.getKey());
                    long c = e.getValue().offset();
                    if (end == null || c >= end.offset() || lookups >= MAX_AGE_PARTITIONS) {
                        continue;
                    }
                    Map<Long, Instant> at = wanted.computeIfAbsent(e.getKey(), k -> new HashMap<>());
                    if (!at.containsKey(c)) {
                        at.put(c, null); // to be read
                        lookups++;
                    }
                }
            }
            readTimestamps(wanted);
            List<ConsumerLag.PartitionPosition> positions = new ArrayList<>();
            committed.forEach((group, offsets) -> offsets.forEach((tp, o) -> {
                ListOffsetsResult.ListOffsetsResultInfo end = ends.get(tp);
                long endOffset = end == null ? o.offset() : end.offset();
                Instant first = wanted.getOrDefault(tp, Map.of()).get(o.offset());
                positions.add(new ConsumerLag.PartitionPosition(group, tp.topic(), tp.partition(), o.offset(),
                        endOffset, first));
            }));
            return ConsumerLag.ofKafka(positions, now);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LagUnavailableException("interrupted while reading consumer lag from Kafka", e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new LagUnavailableException("Kafka did not answer a consumer-lag read within " + TIMEOUT_SECONDS
                    + " s: " + e, e);
        }
    }

    /**
     * Fills {@code wanted} (partition -> offset -> timestamp) with the timestamp of the record at each offset (or of
     * the first record after it, when that offset was deleted by retention or is a transaction marker). Offsets of one partition
     * are read one after the other, each seek paused once its record arrived.
     */
    private void readTimestamps(Map<TopicPartition, Map<Long, Instant>> wanted) {
        wanted.values().removeIf(Map::isEmpty);
        if (wanted.isEmpty()) {
            return;
        }
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "choreoscope-lag");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(1 << 20));
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(64 << 10));
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        // a committed offset already deleted by retention: its oldest record still there is the oldest unconsumed
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            // Rounds: each round seeks every partition to its next unanswered offset.
            while (System.nanoTime() < deadline) {
                Map<TopicPartition, Long> round = new HashMap<>();
                wanted.forEach((tp, offsets) -> offsets.entrySet().stream().filter(e -> e.getValue() == null)
                        .mapToLong(Map.Entry::getKey).min().ifPresent(o -> round.put(tp, o)));
                if (round.isEmpty()) {
                    return;
                }
                consumer.assign(round.keySet());
                round.forEach(consumer::seek);
                consumer.resume(round.keySet());
                Map<TopicPartition, Long> open = new HashMap<>(round);
                while (!open.isEmpty() && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                        Long asked = open.get(tp);
                        if (asked != null && r.offset() >= asked) {
                            wanted.get(tp).put(asked, Instant.ofEpochMilli(r.timestamp()));
                            open.remove(tp);
                            consumer.pause(List.of(tp));
                        }
                    }
                }
                if (!open.isEmpty()) {
                    return; // out of time: these ages stay unknown
                }
            }
        }
    }

    private Admin admin() {
        if (admin == null) {
            Properties p = new Properties();
            p.putAll(clientProperties);
            p.put(AdminClientConfig.CLIENT_ID_CONFIG, "choreoscope-lag");
            p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, TIMEOUT_SECONDS * 1000);
            p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, TIMEOUT_SECONDS * 1000);
            admin = Admin.create(p);
        }
        return admin;
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
            admin = null;
        }
    }
}
