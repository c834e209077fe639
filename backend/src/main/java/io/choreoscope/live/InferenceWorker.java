package io.choreoscope.live;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.choreoscope.model.Observation;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.model.EventReader;
import io.choreoscope.model.InstanceReader;
import io.choreoscope.model.InstanceWriter;
import io.choreoscope.model.InstanceRecord;
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
 * One inference worker of the distributed layout: a member of the consumer group of the observations
 * topic, with one {@link LiveEngine} per assigned partition. Every instance belongs to exactly one
 * partition (records are keyed by correlation ID), so to exactly one worker at a time.
 * <ul>
 *   <li>On assignment a partition's engine is rebuilt from ClickHouse (the instances of that partition,
 *       replayed from their stored events), then the partition is consumed from its committed offset;
 *       records already replayed are skipped.</li>
 *   <li>When a poll has caught up with the topic, the instances it touched are stored at once (one insert for
 *       all partitions), so their states are visible without waiting for the tick.</li>
 *   <li>Every {@code evaluateInterval} each engine ticks (states, stuck detection, persistence of what
 *       changed); then the positions are committed, so a committed offset never runs ahead of persisted
 *       state.</li>
 *   <li>On revocation the partition's engine persists everything, its offset is committed, and it is dropped.
 *       A lost partition (the worker was thrown out of the group) is dropped without commit; its new owner
 *       recovers from what was persisted and re-reads the rest.</li>
 * </ul>
 * Partitions move with the cooperative sticky assignor, so a rebalance moves only the partitions that must.
 */
public final class InferenceWorker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceWorker.class);
    private static final int MAX_POLL_RECORDS = 5_000;

    private final InferenceSettings settings;
    private final String bootstrapServers;
    private final String name;
    private final InstanceWriter writer;
    private final InstanceReader instances;
    private final EventReader events;
    private final Clock clock;
    private final Map<Integer, LiveEngine> engines = new TreeMap<>();
    private final Map<Integer, Long> skipUntilOffset = new HashMap<>();
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running;
    private volatile boolean crash;
    private KafkaConsumer<byte[], byte[]> consumer;
    private Thread thread;

    public InferenceWorker(InferenceSettings settings, String bootstrapServers, String name, InstanceWriter writer,
                           InstanceReader instances, EventReader events, Clock clock) {
        this.settings = settings;
        this.bootstrapServers = bootstrapServers;
        this.name = name;
        this.writer = writer;
        this.instances = instances;
        this.events = events;
        this.clock = clock;
    }

    public synchronized void start() {
        ObservationPublisher.ensureTopic(bootstrapServers, settings.getTopic(), settings.getTopicPartitions());
        running = true;
        thread = new Thread(this::run, "choreoscope-inference-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    private Map<String, Object> consumerProperties() {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
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

    private void run() {
        try {
            consumer = new KafkaConsumer<>(consumerProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            consumer.subscribe(List.of(settings.getTopic()), new Rebalance());
            long interval = settings.getEvaluateInterval().toNanos();
            long nextTick = System.nanoTime() + interval;
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                apply(records);
                if (!records.isEmpty() && records.count() < MAX_POLL_RECORDS) {
                    persistChanges(); // caught up with the topic
                }
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    task.run();
                }
                if (System.nanoTime() >= nextTick) {
                    tickAndCommit();
                    nextTick = System.nanoTime() + interval;
                }
            }
            if (!crash) {
                Instant now = clock.instant();
                for (LiveEngine e : engines.values()) {
                    e.flush(now);
                }
                commit();
            }
        } catch (WakeupException e) {
            // stopping
        } catch (RuntimeException e) {
            LOG.error("Inference worker {} stopped by an unexpected error; its partitions go to the other workers", name, e);
        } finally {
            if (consumer != null) {
                try {
                    consumer.close(crash ? Duration.ZERO : Duration.ofSeconds(5));
                } catch (RuntimeException e) {
                    LOG.debug("consumer close", e);
                }
            }
            engines.clear();
            stopped.countDown();
        }
    }

    private void apply(ConsumerRecords<byte[], byte[]> records) {
        if (records.isEmpty()) {
            return;
        }
        for (TopicPartition tp : records.partitions()) {
            LiveEngine engine = engines.get(tp.partition());
            if (engine == null) {
                continue; // not ours any more
            }
            List<ConsumerRecord<byte[], byte[]>> rs = records.records(tp);
            List<Observation> batch = new ArrayList<>(rs.size());
            for (ConsumerRecord<byte[], byte[]> r : rs) {
                try {
                    batch.add(ObservationCodec.decode(r.value()));
                } catch (IllegalArgumentException e) {
                    LOG.warn("Skipping a record on {} at offset {} that is not an observation: {}", tp, r.offset(), e.getMessage());
                }
            }
            engine.apply(batch);
            Long until = skipUntilOffset.get(tp.partition());
            if (until != null && rs.get(rs.size() - 1).offset() + 1 >= until) {
                engine.forgetReplayed();
                skipUntilOffset.remove(tp.partition());
            }
        }
    }

    /**
     * Makes the instance states of what was just applied visible now rather than at the next tick, in one insert
     * for every partition this worker owns (as the in-process inference does once its queue is empty). Offsets
     * are still committed at the tick only. A failed write stays pending for the tick.
     */
    private void persistChanges() {
        Instant now = clock.instant();
        List<InstanceRecord> rows = new ArrayList<>();
        for (LiveEngine e : engines.values()) {
            rows.addAll(e.pendingRows(now));
        }
        if (rows.isEmpty()) {
            return;
        }
        try {
            writer.write(rows);
            engines.values().forEach(LiveEngine::persisted);
        } catch (RuntimeException e) {
            LOG.warn("Worker {} could not store {} instance states ({}); the next tick writes them", name, rows.size(),
                    e.toString());
        }
    }

    private void tickAndCommit() {
        Instant now = clock.instant();
        for (LiveEngine e : engines.values()) {
            e.tick(now);
        }
        commit();
    }

    private void commit() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (Integer p : engines.keySet()) {
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

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            Instant now = clock.instant();
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (TopicPartition tp : partitions) {
                LiveEngine e = engines.remove(tp.partition());
                if (e != null && !crash) {
                    e.flush(now);
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
                engines.remove(tp.partition());
                skipUntilOffset.remove(tp.partition());
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            Instant now = clock.instant();
            Map<TopicPartition, Long> ends = partitions.isEmpty() ? Map.of() : consumer.endOffsets(partitions);
            for (TopicPartition tp : partitions) {
                LiveEngine e = new LiveEngine("p" + tp.partition(), List.of(tp.partition()), settings.getTopicPartitions(),
                        settings.engineConfig(), writer, settings.getModelInterval());
                e.recover(instances, events, settings.getRecoveryWindow(), settings.getRecoveryMaxInstances(), now);
                engines.put(tp.partition(), e);
                // Records up to the end offset at assignment may already be replayed from ClickHouse; so may be a
                // few after it (stored, not yet published when recovery read): skip replayed records until then.
                long end = ends.getOrDefault(tp, 0L);
                skipUntilOffset.put(tp.partition(), end + 10_000);
            }
            if (!partitions.isEmpty()) {
                LOG.info("Worker {} took partitions {}", name, partitions);
            }
        }
    }

    /** Runs {@code f} on the worker thread between two polls; for reads of engine state. */
    public <T> CompletableFuture<T> onEngines(Function<Map<Integer, LiveEngine>, T> f) {
        CompletableFuture<T> result = new CompletableFuture<>();
        tasks.add(() -> {
            try {
                result.complete(f.apply(engines));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** Live instances held by this worker, with their states (read on the worker thread). */
    public Map<String, InstanceState> states() {
        return onEngines(es -> {
            Map<String, InstanceState> out = new HashMap<>();
            Instant now = clock.instant();
            es.values().forEach(e -> out.putAll(e.states(now)));
            return out;
        }).orTimeout(60, TimeUnit.SECONDS).join();
    }

    /** Partitions owned now (read on the worker thread). */
    public List<Integer> partitions() {
        return onEngines(es -> List.copyOf(es.keySet())).orTimeout(60, TimeUnit.SECONDS).join();
    }

    /** Leaves the group cleanly: persists every engine, commits, hands the partitions over. */
    @Override
    public void close() {
        running = false;
        await();
    }

    /** Stops as a crash would: nothing persisted or committed beyond the last tick. */
    public void crash() {
        crash = true;
        running = false;
        await();
    }

    private void await() {
        if (thread == null) {
            return;
        }
        try {
            if (!stopped.await(60, TimeUnit.SECONDS)) {
                consumer.wakeup();
                stopped.await(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
