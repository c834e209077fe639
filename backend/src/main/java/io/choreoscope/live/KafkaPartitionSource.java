package io.choreoscope.live;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;

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
 *   <li>assigned: the partition is paused and its engine rebuilt from ClickHouse beside the loop (which goes on with
 *       the partitions it holds), writing nothing; at the first poll after the rebuild, if the partition is still
 *       owned, the loop holds the engine and the partition is resumed from its committed offset; records up to
 *       10,000 past the end offset at assignment may already be replayed (stored, not yet published when recovery
 *       read) and are skipped until then;</li>
 *   <li>revoked: the engine persists everything, then its position is committed and it is dropped (a partition still
 *       being rebuilt is forgotten: nothing was applied to it, nothing is committed);</li>
 *   <li>lost (the worker was thrown out of the group): dropped without commit; the new owner recovers from what was
 *       persisted and re-reads the rest.</li>
 * </ul>
 * A poll of fewer than {@value #MAX_POLL_RECORDS} records has caught up with the topic. Positions are committed
 * when the loop says the partitions are persisted (after each tick and on a clean stop).
 *
 * <p>A failed step (ClickHouse unreachable for a write, a read or a recovery; Kafka refusing a call) does not end the
 * worker. It drops every engine without persisting, pauses its partitions (still polling, so it stays in the group
 * and keeps them) and waits a backoff ({@code retry-initial} doubling to {@code retry-max}, with jitter). Then it
 * does what a restarted worker would: rebuilds each partition's engine from ClickHouse and re-reads the partition
 * from its committed offset, skipping records the recovery already replayed. As committed offsets never run ahead of
 * persisted state, nothing is lost, and nothing is applied twice. A failed retry waits a longer backoff. The worker
 * reports RETRYING in {@link #health} from the failure until a tick has persisted and committed again.
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
    private final Clock clock;
    private final RetryBackoff backoff;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile WorkerHealth health = new WorkerHealth("RUNNING", 0, 0, null, null, null, null);
    private Assignments assignments;
    /** Partitions being rebuilt beside the loop, paused until their engines are held; by the recovery. */
    private final List<Rebuilding> rebuilding = new ArrayList<>();
    private int lastPollCount;
    /** A step failed: engines are dropped, partitions paused until {@link #retryAtNanos}, then rebuilt. */
    private boolean retryPending;
    private long retryAtNanos;
    private long retries;

    KafkaPartitionSource(InferenceConfig settings, Map<String, ?> connection, String name, Clock clock) {
        this.settings = settings;
        this.connection = connection;
        this.name = name;
        this.clock = clock;
        this.backoff = new RetryBackoff(settings.getRetryInitial(), settings.getRetryMax(),
                () -> ThreadLocalRandom.current().nextDouble());
    }

    /** What the worker is doing (any thread). */
    WorkerHealth health() {
        return health;
    }

    /**
     * The workers' Kafka session timeout unless {@code choreoscope.kafka.properties.session.timeout.ms} sets one: a
     * worker killed without leaving its group keeps its partitions until the session times out, and Kafka's default
     * (45 s) is that long without inference for their instances. Heartbeats come from the consumer's own thread, so a
     * long rebuild does not miss them (nor a retry's, inside a poll: the poll interval below covers it). Kafka's
     * default before 3.0.
     */
    static final int DEFAULT_SESSION_TIMEOUT_MS = 10_000;

    Map<String, Object> consumerProperties() {
        Map<String, Object> p = new HashMap<>(connection);
        p.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, DEFAULT_SESSION_TIMEOUT_MS);
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

    /** One assignment's partitions rebuilt beside the loop: those still owned, and the recovery's result. */
    private record Rebuilding(Set<Integer> partitions, CompletableFuture<Map<Integer, Runnable>> done) {
    }

    /**
     * Holds the engines of finished recoveries for the partitions still owned, and resumes those; throws what a failed
     * recovery threw (the loop then drops and rebuilds everything, {@link #continueAfter}).
     */
    private void holdRebuilt() {
        for (Iterator<Rebuilding> it = rebuilding.iterator(); it.hasNext(); ) {
            Rebuilding r = it.next();
            if (!r.done().isDone()) {
                continue;
            }
            it.remove();
            Map<Integer, Runnable> hold;
            try {
                hold = r.done().join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : e;
            }
            List<TopicPartition> resumed = new ArrayList<>();
            for (int p : r.partitions()) {
                hold.get(p).run();
                resumed.add(new TopicPartition(settings.getTopic(), p));
            }
            if (!resumed.isEmpty()) {
                consumer.resume(resumed);
                LOG.info("Worker {} holds partitions {}, rebuilt beside its loop; applying them", name, r.partitions());
            }
        }
    }

    /** Forgets a partition being rebuilt (revoked, lost): its engine, when ready, is never held. */
    private void forgetRebuilding(int partition) {
        rebuilding.forEach(r -> r.partitions().remove(partition));
    }

    @Override
    public List<Input> poll(Duration maxWait) {
        Duration wait = maxWait.compareTo(MAX_POLL_WAIT) < 0 ? maxWait : MAX_POLL_WAIT;
        if (retryPending) {
            lastPollCount = 0;
            if (System.nanoTime() < retryAtNanos) {
                pollPaused(wait);
                return List.of();
            }
            retry(); // throws when it fails too: the loop calls continueAfter again
        }
        holdRebuilt();
        ConsumerRecords<byte[], byte[]> records = consumer.poll(wait);
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
        if (retryPending) {
            return; // nothing held: the engines were dropped and are rebuilt at the retry
        }
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
                return;
            }
        }
        if (backoff.failures() > 0) {
            LOG.info("Inference worker {} recovered after {} failed attempts ({} retries since start): partitions {} "
                    + "persisted and committed again", name, backoff.failures(), retries, partitions);
            backoff.reset();
        }
        WorkerHealth h = health;
        if (!"RUNNING".equals(h.state()) || h.failingSince() != null) {
            health = new WorkerHealth("RUNNING", 0, retries, h.lastError(), h.lastErrorAt(), null, null);
        }
    }

    @Override
    public boolean pending() {
        return false; // unread records stay in the topic for the partitions' next owner
    }

    @Override
    public boolean continueAfter(RuntimeException failure) {
        if (failure instanceof WakeupException) {
            return false; // a wakeup is how a stop that took too long ends
        }
        Duration delay = backoff.next();
        Instant now = clock.instant();
        retryAtNanos = System.nanoTime() + delay.toNanos();
        retryPending = true;
        WorkerHealth h = health;
        String error = failure.getMessage() == null ? failure.toString() : failure.getMessage();
        health = new WorkerHealth("RETRYING", backoff.failures(), retries, error, now,
                h.failingSince() == null ? now : h.failingSince(), now.plus(delay));
        if (backoff.failures() == 1 || backoff.failures() % 10 == 0) {
            LOG.warn("Inference worker {} step failed (attempt {}): {}. Dropping its engines, pausing its partitions; "
                    + "rebuilding them from ClickHouse and their committed offsets in {} ms", name, backoff.failures(),
                    error, delay.toMillis(), failure);
        }
        try {
            dropAndPause();
        } catch (RuntimeException e) {
            LOG.warn("Worker {} could not pause its partitions ({}); the retry re-reads them anyway", name, e.toString());
        }
        return true;
    }

    /** Drops every engine without persisting (rebuilt at the retry) and pauses every owned partition. */
    private void dropAndPause() {
        skipUntilOffset.clear();
        rebuilding.clear(); // recoveries still running are never held: the retry rebuilds every partition
        if (consumer == null) {
            return;
        }
        Set<TopicPartition> owned = consumer.assignment();
        for (TopicPartition tp : owned) {
            assignments.lost(tp.partition());
        }
        consumer.pause(owned);
    }

    /** Polls with every partition paused, to stay in the group while waiting. Records are not expected; if a
     * partition came in unpaused, its records are read again later. */
    private void pollPaused(Duration wait) {
        consumer.pause(consumer.assignment());
        ConsumerRecords<byte[], byte[]> unexpected = consumer.poll(wait);
        for (TopicPartition tp : unexpected.partitions()) {
            consumer.seek(tp, unexpected.records(tp).get(0).offset());
        }
    }

    /**
     * What a restarted worker does, in place: rebuilds every owned partition's engine from ClickHouse and re-reads
     * the partition from its committed offset. Throws when that fails (the loop then backs off again).
     */
    private void retry() {
        retries++;
        health = new WorkerHealth("RETRYING", backoff.failures(), retries, health.lastError(), health.lastErrorAt(),
                health.failingSince(), null);
        Set<TopicPartition> owned = consumer.assignment();
        for (TopicPartition tp : owned) {
            assignments.lost(tp.partition()); // engines a failed earlier retry rebuilt in part
        }
        Map<TopicPartition, OffsetAndMetadata> committed = owned.isEmpty() ? Map.of() : consumer.committed(owned);
        Map<TopicPartition, Long> ends = owned.isEmpty() ? Map.of() : consumer.endOffsets(owned);
        Map<Integer, TopicPartition> byPartition = new TreeMap<>();
        owned.forEach(tp -> byPartition.put(tp.partition(), tp));
        assignments.assigned(List.copyOf(byPartition.keySet()));
        for (TopicPartition tp : byPartition.values()) {
            OffsetAndMetadata c = committed.get(tp);
            if (c != null) {
                consumer.seek(tp, c);
            } else {
                consumer.seekToBeginning(List.of(tp));
            }
            skipUntilOffset.put(tp.partition(), ends.getOrDefault(tp, 0L) + REPLAY_SLACK);
        }
        consumer.resume(owned);
        retryPending = false;
        LOG.info("Inference worker {} retry {}: rebuilt partitions {} from ClickHouse; re-reading them from their "
                + "committed offsets", name, retries, byPartition.keySet());
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
                forgetRebuilding(tp.partition()); // not held yet: nothing applied, nothing to commit
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
                forgetRebuilding(tp.partition());
                assignments.lost(tp.partition());
                skipUntilOffset.remove(tp.partition());
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (retryPending) {
                consumer.pause(partitions); // rebuilt with the others at the retry
                return;
            }
            if (partitions.isEmpty()) {
                return;
            }
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            // Rebuilt beside the loop, which goes on with the partitions it holds; these wait, paused, until their
            // engines are held (holdRebuilt, at a later poll).
            consumer.pause(partitions);
            List<Integer> ps = partitions.stream().map(TopicPartition::partition).sorted().toList();
            rebuilding.add(new Rebuilding(new HashSet<>(ps), assignments.assignedBeside(ps)));
            for (TopicPartition tp : partitions) {
                // Records up to the end offset at assignment may already be replayed from ClickHouse; so may be a
                // few after it (stored, not yet published when recovery read): skip replayed records until then.
                skipUntilOffset.put(tp.partition(), ends.getOrDefault(tp, 0L) + REPLAY_SLACK);
            }
            LOG.info("Worker {} took partitions {}; rebuilding them from ClickHouse", name, partitions);
        }
    }
}
