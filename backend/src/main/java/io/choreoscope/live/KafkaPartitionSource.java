package io.choreoscope.live;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.choreoscope.model.Observation;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An inference worker's source: a member of the consumer group of the observations topic. Partitions move with the
 * cooperative sticky assignor, so a rebalance moves only the partitions that must. Its rebalance callbacks run
 * inside {@link #poll} on the loop thread and tell the loop:
 * <ul>
 *   <li>assigned: the partition's engine is rebuilt from ClickHouse, then the partition is consumed from its
 *       committed offset; records up to 10,000 past the end offset at assignment may already be replayed (stored,
 *       not yet published when recovery read) and are skipped until then;</li>
 *   <li>revoked: the engine persists everything, then its position is committed and it is dropped;</li>
 *   <li>lost (the worker was thrown out of the group): dropped without commit; the new owner recovers from what was
 *       persisted and re-reads the rest.</li>
 * </ul>
 * A poll of fewer than {@value #MAX_POLL_RECORDS} records has caught up with the topic. Positions are committed
 * when the loop says the partitions are persisted (after each tick and on a clean stop). A failed step stops the
 * worker: its partitions go to the other workers, which recover them from ClickHouse.
 */
final class KafkaPartitionSource implements InferenceSource {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaPartitionSource.class);
    private static final int MAX_POLL_RECORDS = 5_000;
    /** Longest wait of one poll, so that reads queued for the loop thread are served promptly, 100 ms. */
    private static final Duration MAX_POLL_WAIT = Duration.ofMillis(100);
    /** Records past the end offset at assignment that may still have been replayed by recovery. */
    private static final long REPLAY_SLACK = 10_000;

    private final InferenceConfig settings;
    private final Map<String, ?> connection;
    private final String name;
    private final Map<Integer, Long> skipUntilOffset = new HashMap<>();
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private Assignments assignments;
    private int lastPollCount;

    KafkaPartitionSource(InferenceConfig settings, Map<String, ?> connection, String name) {
        this.settings = settings;
        this.connection = connection;
        this.name = name;
    }

    private Map<String, Object> consumerProperties() {
        Map<String, Object> p = new HashMap<>(connection);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.getGroupId());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "choreoscope-inference-" + name);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, MAX_POLL_RECORDS);
        // Recovery of a partition runs inside the rebalance callback: give it time before the group evicts us.
        p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 600_000);
        return p;
    }

    @Override
    public void open(Assignments assignments) {
        this.assignments = assignments;
        consumer = new KafkaConsumer<>(consumerProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(settings.getTopic()), new Rebalance());
    }

    @Override
    public List<Input> poll(Duration maxWait) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(maxWait.compareTo(MAX_POLL_WAIT) < 0 ? maxWait : MAX_POLL_WAIT);
        lastPollCount = records.count();
        if (records.isEmpty()) {
            return List.of();
        }
        List<Input> inputs = new ArrayList<>();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> rs = records.records(tp);
            List<Observation> batch = new ArrayList<>(rs.size());
            for (ConsumerRecord<byte[], byte[]> r : rs) {
                try {
                    batch.add(ObservationCodec.decode(r.value()));
                } catch (IllegalArgumentException e) {
                    LOG.warn("Skipping a record on {} at offset {} that is not an observation: {}", tp, r.offset(), e.getMessage());
                }
            }
            inputs.add(new Observations(tp.partition(), batch));
            Long until = skipUntilOffset.get(tp.partition());
            if (until != null && rs.get(rs.size() - 1).offset() + 1 >= until) {
                inputs.add(new ReplayOver(tp.partition()));
                skipUntilOffset.remove(tp.partition());
            }
        }
        return inputs;
    }

    @Override
    public boolean behind() {
        return lastPollCount >= MAX_POLL_RECORDS;
    }

    @Override
    public void persisted(Collection<Integer> partitions, Instant now) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (Integer p : partitions) {
            TopicPartition tp = new TopicPartition(settings.getTopic(), p);
            offsets.put(tp, new OffsetAndMetadata(consumer.position(tp)));
        }
        if (!offsets.isEmpty()) {
            try {
                consumer.commitSync(offsets);
            } catch (RuntimeException e) {
                LOG.warn("Worker {} could not commit ({}); records will be read again and skipped as replayed", name, e.toString());
            }
        }
    }

    @Override
    public boolean pending() {
        return false; // unread records stay in the topic for the partitions' next owner
    }

    @Override
    public boolean continueAfter(RuntimeException failure) {
        if (!(failure instanceof WakeupException)) { // a wakeup is how a stop that took too long ends
            LOG.error("Inference worker {} stopped by an unexpected error; its partitions go to the other workers", name,
                    failure);
        }
        return false;
    }

    @Override
    public void close(boolean crashed) {
        if (consumer != null) {
            try {
                consumer.close(crashed ? Duration.ZERO : Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.debug("consumer close", e);
            }
        }
    }

    /** Interrupts a poll or commit that blocks a stop; the loop then ends without persisting further. */
    void wakeup() {
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (TopicPartition tp : partitions) {
                if (assignments.revoked(tp.partition())) {
                    offsets.put(tp, new OffsetAndMetadata(consumer.position(tp)));
                }
                skipUntilOffset.remove(tp.partition());
            }
            if (!offsets.isEmpty()) {
                consumer.commitSync(offsets);
            }
            LOG.info("Worker {} handed over partitions {}", name, partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {
                assignments.lost(tp.partition());
                skipUntilOffset.remove(tp.partition());
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            Map<TopicPartition, Long> ends = partitions.isEmpty() ? Map.of() : consumer.endOffsets(partitions);
            for (TopicPartition tp : partitions) {
                assignments.assigned(tp.partition());
                // Records up to the end offset at assignment may already be replayed from ClickHouse; so may be a
                // few after it (stored, not yet published when recovery read): skip replayed records until then.
                skipUntilOffset.put(tp.partition(), ends.getOrDefault(tp, 0L) + REPLAY_SLACK);
            }
            if (!partitions.isEmpty()) {
                LOG.info("Worker {} took partitions {}", name, partitions);
            }
        }
    }
}
