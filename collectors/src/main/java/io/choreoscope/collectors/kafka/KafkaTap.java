package io.choreoscope.collectors.kafka;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.choreoscope.collectors.extract.RawRecord;
import io.choreoscope.collectors.extract.RecordNormalizer;
import io.choreoscope.collectors.batch.BatchPipeline;
import io.choreoscope.model.Header;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ObservationSink;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Taps every matching topic into an {@link ObservationSink}, at least once and losing nothing.
 *
 * <ul>
 *   <li>Records are normalised (a large poll split between the poll thread and normaliser threads, one
 *       per core up to four, order kept) and batched by record count, bytes and linger time. One batch is
 *       written while the next is read (so reading and writing use both cores); offsets are committed
 *       strictly in batch order.</li>
 *   <li>Offsets are committed only after the sink acknowledged the batch and everything behind it is durable
 *       ({@link ObservationSink#acceptForCommit}: in the embedded layout, once live inference persisted what the
 *       batch changed). A crash before the commit redelivers the batch; stores deduplicate on (topic, partition,
 *       offset) and live inference rebuilds from the redelivered records what it had not persisted. At most
 *       {@value #MAX_UNCOMMITTED_BATCHES} stored batches wait for their commit; beyond that the tap pauses its
 *       partitions until the oldest may be committed.</li>
 *   <li>When the sink refuses a batch, the tap keeps it, pauses every assigned partition (so memory
 *       stays at one batch), keeps polling to stay in the group, and retries with exponential backoff
 *       until the sink takes it. Then it resumes by itself.</li>
 *   <li>A record whose content cannot be read is stored flagged, never skipped
 *       ({@link RecordNormalizer} never throws for content).</li>
 * </ul>
 * One tap instance runs one consumer on its own thread; scale out by running more instances with the
 * same group ID (one per partition at most).
 */
public final class KafkaTap implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaTap.class);

    private final TapSettings settings;
    private final RecordNormalizer normalizer;
    private final ObservationSink sink;
    private final MeterRegistry meters;
    private final Clock clock;

    /** Batches, writes, retries and commits; the tap reads, normalises and commits offsets. */
    private final BatchPipeline<TopicPartition, OffsetAndMetadata> pipeline;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private volatile boolean running;
    private volatile boolean aborted;
    private volatile String state = "STARTING";
    private boolean pausedForSink;
    private KafkaConsumer<byte[], byte[]> consumer;
    private KafkaClientMetrics clientMetrics;
    private Thread thread;

    /** Polls smaller than this are normalised on the poll thread alone. */
    static final int PARALLEL_MIN_RECORDS = 256;
    /** Threads normalising a large poll, the poll thread included: one per core, at most 4. */
    private final int normalizerThreads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    private final ExecutorService normalizers = normalizerThreads == 1 ? null
            : Executors.newFixedThreadPool(normalizerThreads - 1, r -> daemon(r, "normalizer"));

    /** A daemon thread of this tap: {@code choreoscope-tap-<role>-<8 hex>}. */
    private static Thread daemon(Runnable r, String role) {
        Thread t = new Thread(r, "choreoscope-tap-" + role + "-" + UUID.randomUUID().toString().substring(0, 8));
        t.setDaemon(true);
        return t;
    }

    /** Stored batches waiting for their commit before the tap pauses. */
    static final int MAX_UNCOMMITTED_BATCHES = 1024;
    /** How long a clean stop or a revocation waits for stored batches to become committable, 10 s. */
    private static final Duration COMMIT_WAIT = Duration.ofSeconds(10);

    public KafkaTap(TapSettings settings, RecordNormalizer normalizer, ObservationSink sink, MeterRegistry meters, Clock clock) {
        this.settings = settings;
        this.normalizer = normalizer;
        this.sink = sink;
        this.meters = meters;
        this.clock = clock;
        this.pipeline = new BatchPipeline<>(
                new BatchPipeline.Names(LOG, "choreoscope.tap", "records", "topic", true,
                        "choreoscope-tap-writer-" + UUID.randomUUID().toString().substring(0, 8)),
                new BatchPipeline.Bounds(settings.batchMaxRecords(), settings.batchMaxBytes(), settings.batchLinger(),
                        settings.retryInitial(), settings.retryMax(), MAX_UNCOMMITTED_BATCHES),
                sink, meters, clock);
        pipeline.bind(new PipelineTap(), () -> running, () -> aborted);
        meters.gauge("choreoscope.tap.sink.available", this, t -> t.pipeline.consecutiveFailures() == 0 ? 1 : 0);
    }

    /** Starts the poll thread. */
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("tap already started");
        }
        running = true;
        thread = new Thread(this::run, "choreoscope-tap-" + settings.groupId());
        thread.setDaemon(true);
        thread.start();
    }

    public TapStatus status() {
        return new TapStatus(state, pipeline.ingested(), pipeline.consecutiveFailures(), pipeline.lastError(),
                pipeline.lastErrorAt(), pipeline.pending());
    }

    private Map<String, Object> consumerProperties() {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "choreoscope-tap");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, (int) settings.metadataMaxAge().toMillis());
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.min(settings.batchMaxRecords(), 10_000));
        // Records near 1 MB must fit in one fetch.
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
        // One fetch need not hold much more than a batch (records are buffered until the batch is written).
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, (int) Math.max(4L * 1024 * 1024,
                Math.min(64L * 1024 * 1024, settings.batchMaxBytes())));
        p.put(ConsumerConfig.EXCLUDE_INTERNAL_TOPICS_CONFIG, true);
        p.putAll(settings.consumerProperties());
        return p;
    }

    private void run() {
        try {
            consumer = new KafkaConsumer<>(consumerProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            clientMetrics = new KafkaClientMetrics(consumer);
            clientMetrics.bindTo(meters);
            consumer.subscribe(settings.topicPattern(), new Rebalance());
            state = "RUNNING";
            LOG.info("Tapping topics matching {} on {} as group {}", settings.topicPattern(), settings.bootstrapServers(),
                    settings.groupId());
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                add(records);
                pipeline.tick();
            }
            pipeline.drain(COMMIT_WAIT);
        } catch (WakeupException e) {
            // close() or abort() interrupted a poll: fall through to shutdown
        } catch (RuntimeException e) {
            LOG.error("Kafka tap stopped by an unexpected error; uncommitted records will be read again on restart", e);
            pipeline.noteError(e.toString());
        } finally {
            pipeline.shutdown();
            if (normalizers != null) {
                normalizers.shutdownNow();
            }
            state = "STOPPED";
            if (clientMetrics != null) {
                clientMetrics.close();
            }
            if (consumer != null) {
                try {
                    consumer.close(aborted ? Duration.ZERO : Duration.ofSeconds(5));
                } catch (RuntimeException e) {
                    LOG.debug("consumer close", e);
                }
            }
            stopped.countDown();
        }
    }

    private void add(ConsumerRecords<byte[], byte[]> records) {
        if (records.isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>(records.count());
        records.forEach(read::add);
        long[] weights = new long[read.size()];
        Observation[] normalized = normalize(read, weights, now);
        TopicPartition lastPartition = null;
        // Partitions still ours after a batch was cut inside this poll (its wait may have seen a rebalance).
        java.util.Set<TopicPartition> owned = null;
        for (int i = 0; i < normalized.length; i++) {
            ConsumerRecord<byte[], byte[]> r = read.get(i);
            Observation o = normalized[i];
            long bytes = weights[i];
            if (pipeline.fullWith(bytes)) {
                pipeline.flush(); // the batch is full by bytes: large records cut a poll into several batches
                owned = consumer.assignment();
            }
            pipeline.startIfEmpty();
            pipeline.add(o, bytes);
            if (lastPartition == null || lastPartition.partition() != r.partition() || !lastPartition.topic().equals(r.topic())) {
                lastPartition = new TopicPartition(r.topic(), r.partition());
            }
            if (owned == null || owned.contains(lastPartition)) {
                // A revoked partition's records are still written (the store deduplicates); its offsets are not ours.
                pipeline.commits().put(lastPartition, new OffsetAndMetadata(r.offset() + 1));
            }
            if (pipeline.full()) {
                pipeline.flush();
                owned = consumer.assignment();
            }
        }
        pipeline.notePending();
    }

    /**
     * Normalises records in their order. A large poll is split between the poll thread and the normaliser
     * threads (parsing and the extraction rules are most of the tap's work per record); small polls stay on
     * the poll thread.
     */
    private Observation[] normalize(List<ConsumerRecord<byte[], byte[]>> read, long[] weights, Instant now) {
        Observation[] out = new Observation[read.size()];
        int parts = normalizers == null || read.size() < PARALLEL_MIN_RECORDS ? 1 : normalizerThreads;
        int size = (read.size() + parts - 1) / parts;
        List<Future<?>> others = new ArrayList<>(parts - 1);
        for (int part = 1; part < parts; part++) {
            int from = part * size;
            int to = Math.min(read.size(), from + size);
            others.add(normalizers.submit(() -> normalizeRange(read, out, weights, from, to, now)));
        }
        normalizeRange(read, out, weights, 0, Math.min(read.size(), size), now);
        for (Future<?> f : others) {
            try {
                f.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("normalising records failed", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WakeupException();
            }
        }
        return out;
    }

    /**
     * Normalises records {@code from} to {@code to} and notes what each weighs in a batch. Runs on several threads at
     * once: the weight is taken here rather than on the poll thread, where reading the headers' names (Kafka decodes
     * them on first use) was a tenth of the poll thread's work.
     */
    private void normalizeRange(List<ConsumerRecord<byte[], byte[]>> read, Observation[] out, long[] weights, int from,
            int to, Instant now) {
        for (int i = from; i < to; i++) {
            RawRecord raw = toRaw(read.get(i));
            weights[i] = bytes(raw);
            out[i] = normalizer.normalize(raw, now);
        }
    }

    /** What a record weighs in a batch: its key, value and headers (names in characters, values in bytes). */
    static long bytes(RawRecord r) {
        long bytes = (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
        for (Header h : r.headers()) {
            bytes += h.name().length() + (h.value() == null ? 0 : h.value().length);
        }
        return bytes;
    }

    private static final Header[] NO_HEADERS = new Header[0];

    static RawRecord toRaw(ConsumerRecord<byte[], byte[]> r) {
        // The headers are read once, without Kafka's toArray (two array copies per record).
        Header[] headers = NO_HEADERS;
        int n = 0;
        for (org.apache.kafka.common.header.Header h : r.headers()) {
            if (n == headers.length) {
                headers = java.util.Arrays.copyOf(headers, Math.max(4, 2 * n));
            }
            headers[n++] = new Header(h.key(), h.value());
        }
        // An immutable list: the observation keeps it as it is instead of copying it.
        List<Header> list = switch (n) {
            case 0 -> List.of();
            case 1 -> List.of(headers[0]);
            case 2 -> List.of(headers[0], headers[1]);
            default -> List.of(java.util.Arrays.copyOf(headers, n));
        };
        return new RawRecord(r.topic(), r.partition(), r.offset(), Instant.ofEpochMilli(r.timestamp()), r.key(), list,
                r.value());
    }

    /** What the pipeline asks of the consumer: pause and resume it, poll while paused, commit offsets. */
    private final class PipelineTap implements BatchPipeline.Tap<TopicPartition, OffsetAndMetadata> {
        @Override
        public void refused() {
            state = "RETRYING";
            if (!pausedForSink) {
                consumer.pause(consumer.assignment());
                pausedForSink = true;
            }
        }

        @Override
        public void idle(long millis) {
            waitWhilePaused(millis);
        }

        @Override
        public void stored() {
            state = "RUNNING";
            if (pausedForSink) {
                consumer.resume(consumer.paused());
                pausedForSink = false;
            }
        }

        @Override
        public void commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
            try {
                consumer.commitSync(offsets);
            } catch (RuntimeException e) {
                // After a rebalance the new owner reads these records again; the store deduplicates them.
                LOG.warn("Offset commit failed ({}); records may be read again and will be deduplicated", e.toString());
            }
        }

        @Override
        public void pauseForCommits(int waiting) {
            consumer.pause(consumer.assignment());
        }

        @Override
        public void resumeAfterCommits() {
            if (!pausedForSink) {
                consumer.resume(consumer.paused());
            }
        }
    }

    /** Polls paused partitions (to stay in the group) for about {@code millis}. */
    private void waitWhilePaused(long millis) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (running && !aborted && System.nanoTime() < until) {
            long left = TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime());
            ConsumerRecords<byte[], byte[]> unexpected = consumer.poll(Duration.ofMillis(Math.max(1, Math.min(100, left))));
            if (!unexpected.isEmpty()) {
                // A partition was assigned between pause and poll: read it again later rather than lose it.
                for (TopicPartition tp : unexpected.partitions()) {
                    consumer.seek(tp, unexpected.records(tp).get(0).offset());
                }
                consumer.pause(consumer.assignment());
            }
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // Commit the batch in flight, and what the sink has made durable, while the partitions are still ours.
            if (pipeline.completeInFlight()) {
                pipeline.awaitCommittable(COMMIT_WAIT);
            }
            // Their buffered records are still written (duplicates are deduplicated by the store), but
            // their offsets are no longer ours to commit.
            partitions.forEach(pipeline.commits()::remove);
            pipeline.forEachUncommitted(offsets -> partitions.forEach(offsets::remove));
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (pausedForSink && !partitions.isEmpty()) {
                consumer.pause(partitions);
            }
            LOG.info("Tap assigned {} partitions", partitions.size());
        }
    }

    /** Stops after writing what it holds and committing. Waits up to 30 s. */
    @Override
    public void close() {
        running = false;
        awaitStop();
    }

    /**
     * Stops at once without flushing or committing, as a crash would: whatever was read but not
     * committed is read again by the next tap in the group. For tests and for emergency stops.
     */
    public void abort() {
        aborted = true;
        running = false;
        if (Thread.currentThread() != thread && !pipeline.onWriterThread()) {
            awaitStop();
        }
    }

    private void awaitStop() {
        if (thread == null || Thread.currentThread() == thread) {
            return;
        }
        try {
            if (!stopped.await(30, TimeUnit.SECONDS)) {
                consumer.wakeup();
                stopped.await(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
