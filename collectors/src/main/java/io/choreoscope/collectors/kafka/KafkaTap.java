package io.choreoscope.collectors.kafka;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.choreoscope.collectors.extract.RawRecord;
import io.choreoscope.collectors.extract.RecordNormalizer;
import io.choreoscope.model.Header;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ObservationSink;
import io.choreoscope.model.ParseStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
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

    private final List<Observation> buffer = new ArrayList<>();
    private final Map<TopicPartition, OffsetAndMetadata> pendingOffsets = new HashMap<>();
    private final Map<String, Counter> perTopic = new ConcurrentHashMap<>();
    private final Map<ParseStatus, Counter> flagged = new ConcurrentHashMap<>();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private volatile boolean running;
    private volatile boolean aborted;
    private volatile String state = "STARTING";
    private volatile long ingested;
    private volatile int consecutiveFailures;
    private volatile String lastError;
    private volatile Instant lastErrorAt;
    private volatile int pending;
    private boolean pausedForSink;
    private long bufferStartedNanos;
    /** Bytes of keys, values and headers in {@link #buffer}. */
    private long bufferBytes;
    private KafkaConsumer<byte[], byte[]> consumer;
    private KafkaClientMetrics clientMetrics;
    private Thread thread;
    /** The one batch being written while the next is read and normalised (pipelining), or null. */
    private InFlight inFlight;
    private volatile Thread writerThread;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> writerThread = daemon(r, "writer"));

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

    private record InFlight(List<Observation> batch, long bytes, Map<TopicPartition, OffsetAndMetadata> offsets,
                            Future<CompletionStage<Void>> write, long startedNanos) {
    }

    /** A stored batch whose offsets wait until the sink says it may be committed. */
    private record Uncommitted(Map<TopicPartition, OffsetAndMetadata> offsets, CompletionStage<Void> committable) {
        boolean ready() {
            return committable.toCompletableFuture().isDone();
        }
    }

    /** Stored batches that may not be committed yet, oldest first (at most {@value #MAX_UNCOMMITTED_BATCHES}). */
    private final ArrayDeque<Uncommitted> uncommitted = new ArrayDeque<>();
    /** Stored batches waiting for their commit before the tap pauses. */
    static final int MAX_UNCOMMITTED_BATCHES = 1024;
    /** How long a clean stop or a revocation waits for stored batches to become committable, 10 s. */
    private static final Duration COMMIT_WAIT = Duration.ofSeconds(10);

    private final Counter uncorrelated;
    private final Counter sinkFailures;
    private final DistributionSummary batchSize;
    private final DistributionSummary batchBytes;
    private final Timer batchLatency;

    public KafkaTap(TapSettings settings, RecordNormalizer normalizer, ObservationSink sink, MeterRegistry meters, Clock clock) {
        this.settings = settings;
        this.normalizer = normalizer;
        this.sink = sink;
        this.meters = meters;
        this.clock = clock;
        this.uncorrelated = Counter.builder("choreoscope.tap.records.uncorrelated")
                .description("Records stored without a correlation ID").register(meters);
        this.sinkFailures = Counter.builder("choreoscope.tap.sink.failures")
                .description("Batches the store refused (each retried until taken)").register(meters);
        this.batchSize = DistributionSummary.builder("choreoscope.tap.batch.size")
                .description("Records per batch written to the store").register(meters);
        this.batchBytes = DistributionSummary.builder("choreoscope.tap.batch.bytes").baseUnit("bytes")
                .description("Bytes of keys, values and headers per batch written to the store").register(meters);
        this.batchLatency = Timer.builder("choreoscope.tap.batch.latency")
                .description("Time for the store to acknowledge a batch").register(meters);
        meters.gauge("choreoscope.tap.sink.available", this, t -> t.consecutiveFailures == 0 ? 1 : 0);
        meters.gauge("choreoscope.tap.pending.records", this, t -> t.pending);
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
        return new TapStatus(state, ingested, consecutiveFailures, lastError, lastErrorAt, pending);
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
                if (inFlight != null && inFlight.write().isDone()) {
                    completeInFlight(); // commit promptly, or start retrying a refused batch even when idle
                }
                commitCommittable();
                // Batches full by count or bytes were flushed as their records were added; this one is old enough.
                if (!buffer.isEmpty() && System.nanoTime() - bufferStartedNanos >= settings.batchLinger().toNanos()) {
                    flush();
                }
            }
            if (!aborted && !buffer.isEmpty()) {
                flush();
            }
            if (!aborted && completeInFlight()) {
                awaitCommittable(COMMIT_WAIT);
            }
        } catch (WakeupException e) {
            // close() or abort() interrupted a poll: fall through to shutdown
        } catch (RuntimeException e) {
            LOG.error("Kafka tap stopped by an unexpected error; uncommitted records will be read again on restart", e);
            lastError = e.toString();
            lastErrorAt = clock.instant();
        } finally {
            writer.shutdownNow();
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
        Observation[] normalized = normalize(read, now);
        TopicPartition lastPartition = null;
        // Partitions still ours after a batch was cut inside this poll (its wait may have seen a rebalance).
        java.util.Set<TopicPartition> owned = null;
        for (int i = 0; i < normalized.length; i++) {
            ConsumerRecord<byte[], byte[]> r = read.get(i);
            Observation o = normalized[i];
            long bytes = bytes(r);
            if (!buffer.isEmpty() && bufferBytes + bytes > settings.batchMaxBytes()) {
                flush(); // the batch is full by bytes: large records cut a poll into several batches
                owned = consumer.assignment();
            }
            if (buffer.isEmpty()) {
                bufferStartedNanos = System.nanoTime();
            }
            buffer.add(o);
            bufferBytes += bytes;
            if (lastPartition == null || lastPartition.partition() != r.partition() || !lastPartition.topic().equals(r.topic())) {
                lastPartition = new TopicPartition(r.topic(), r.partition());
            }
            if (owned == null || owned.contains(lastPartition)) {
                // A revoked partition's records are still written (the store deduplicates); its offsets are not ours.
                pendingOffsets.put(lastPartition, new OffsetAndMetadata(r.offset() + 1));
            }
            perTopic.computeIfAbsent(r.topic(), t -> Counter.builder("choreoscope.tap.records")
                    .description("Records read per topic").tag("topic", t).register(meters)).increment();
            if (o.parseStatus() != ParseStatus.OK) {
                flagged.computeIfAbsent(o.parseStatus(), st -> Counter.builder("choreoscope.tap.records.flagged")
                        .description("Records stored with a parse problem").tag("status", st.name()).register(meters))
                        .increment();
            }
            if (!o.correlated()) {
                uncorrelated.increment();
            }
            if (buffer.size() >= settings.batchMaxRecords()) {
                flush();
                owned = consumer.assignment();
            }
        }
        pending = buffer.size() + (inFlight == null ? 0 : inFlight.batch().size());
    }

    /**
     * Normalises records in their order. A large poll is split between the poll thread and the normaliser
     * threads (parsing and the extraction rules are most of the tap's work per record); small polls stay on
     * the poll thread.
     */
    private Observation[] normalize(List<ConsumerRecord<byte[], byte[]>> read, Instant now) {
        Observation[] out = new Observation[read.size()];
        int parts = normalizers == null || read.size() < PARALLEL_MIN_RECORDS ? 1 : normalizerThreads;
        int size = (read.size() + parts - 1) / parts;
        List<Future<?>> others = new ArrayList<>(parts - 1);
        for (int part = 1; part < parts; part++) {
            int from = part * size;
            int to = Math.min(read.size(), from + size);
            others.add(normalizers.submit(() -> normalizeRange(read, out, from, to, now)));
        }
        normalizeRange(read, out, 0, Math.min(read.size(), size), now);
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

    private void normalizeRange(List<ConsumerRecord<byte[], byte[]>> read, Observation[] out, int from, int to, Instant now) {
        for (int i = from; i < to; i++) {
            out[i] = normalizer.normalize(toRaw(read.get(i)), now);
        }
    }

    /** What a record weighs in a batch: its key, value and headers. */
    static long bytes(ConsumerRecord<byte[], byte[]> r) {
        long bytes = Math.max(0, r.serializedKeySize()) + Math.max(0, r.serializedValueSize());
        for (org.apache.kafka.common.header.Header h : r.headers()) {
            bytes += h.key().length() + (h.value() == null ? 0 : h.value().length);
        }
        return bytes;
    }

    static RawRecord toRaw(ConsumerRecord<byte[], byte[]> r) {
        org.apache.kafka.common.header.Header[] read = r.headers().toArray();
        Header[] headers = new Header[read.length];
        for (int i = 0; i < read.length; i++) {
            headers[i] = new Header(read[i].key(), read[i].value());
        }
        // An immutable list: the observation keeps it as it is instead of copying it.
        return new RawRecord(r.topic(), r.partition(), r.offset(), Instant.ofEpochMilli(r.timestamp()), r.key(),
                List.of(headers), r.value());
    }

    /**
     * Waits for the batch in flight (retrying it until the sink takes it), commits it, then starts
     * writing the buffer in the background.
     */
    private void flush() {
        if (!completeInFlight()) {
            return;
        }
        List<Observation> batch = List.copyOf(buffer);
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(pendingOffsets);
        long bytes = bufferBytes;
        buffer.clear();
        pendingOffsets.clear();
        bufferBytes = 0;
        if (uncommitted.size() >= MAX_UNCOMMITTED_BATCHES) {
            waitForOldestCommittable();
        }
        inFlight = new InFlight(batch, bytes, offsets, writer.submit(() -> sink.acceptForCommit(batch)), System.nanoTime());
    }

    /**
     * Finishes the batch in flight: waits for its write, retries it with backoff while the sink refuses
     * it (partitions paused), then commits its offsets. Returns false when the tap is stopping or
     * aborted before the batch was taken; its offsets are then never committed, so nothing is lost.
     */
    private boolean completeInFlight() {
        if (inFlight == null) {
            return true;
        }
        InFlight f = inFlight;
        Exception failure = null;
        CompletionStage<Void> committable = null;
        try {
            committable = f.write().get();
        } catch (ExecutionException e) {
            failure = e.getCause() instanceof Exception ex ? ex : e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        long backoffMs = settings.retryInitial().toMillis();
        while (failure != null) {
            if (aborted) {
                return false;
            }
            onSinkFailure(failure, f.batch().size());
            waitWhilePaused(backoffMs);
            backoffMs = Math.min(backoffMs * 2, settings.retryMax().toMillis());
            if (!running || aborted) {
                // Stopping during an outage: nothing of this batch was committed, so nothing is lost.
                return false;
            }
            try {
                committable = sink.acceptForCommit(f.batch());
                failure = null;
            } catch (Exception e) {
                failure = e;
            }
        }
        if (aborted) {
            return false; // a crash after the write and before the commit
        }
        batchLatency.record(System.nanoTime() - f.startedNanos(), TimeUnit.NANOSECONDS);
        batchSize.record(f.batch().size());
        batchBytes.record(f.bytes());
        inFlight = null;
        ingested += f.batch().size();
        pending = buffer.size();
        if (consecutiveFailures > 0) {
            LOG.info("Store is back after {} failed attempts; tap resumes", consecutiveFailures);
        }
        consecutiveFailures = 0;
        state = "RUNNING";
        uncommitted.add(new Uncommitted(f.offsets(), committable));
        commitCommittable();
        if (pausedForSink) {
            consumer.resume(consumer.paused());
            pausedForSink = false;
        }
        return true;
    }

    /**
     * Commits, in batch order, the offsets of every stored batch the sink says may be committed, up to the first that
     * may not yet.
     */
    private void commitCommittable() {
        if (uncommitted.isEmpty() || !uncommitted.peekFirst().ready()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        while (!uncommitted.isEmpty() && uncommitted.peekFirst().ready()) {
            offsets.putAll(uncommitted.pollFirst().offsets()); // later batches carry higher offsets
        }
        try {
            consumer.commitSync(offsets);
        } catch (RuntimeException e) {
            // After a rebalance the new owner reads these records again; the store deduplicates them.
            LOG.warn("Offset commit failed ({}); records may be read again and will be deduplicated", e.toString());
        }
    }

    /** Waits up to {@code max} for every stored batch to become committable, committing as they do. */
    private void awaitCommittable(Duration max) {
        long until = System.nanoTime() + max.toNanos();
        commitCommittable();
        while (!uncommitted.isEmpty() && !aborted && System.nanoTime() < until) {
            try {
                uncommitted.peekFirst().committable().toCompletableFuture()
                        .get(Math.max(1, until - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException | ExecutionException e) {
                break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            commitCommittable();
        }
        if (!uncommitted.isEmpty()) {
            LOG.info("{} stored batches not yet committable after {} s; their records will be read again",
                    uncommitted.size(), max.toSeconds());
        }
    }

    /** Too many stored batches wait for their commit: pause (still polling, to stay in the group) until the oldest may. */
    private void waitForOldestCommittable() {
        LOG.warn("{} stored batches wait for live inference to persist them; tap paused", uncommitted.size());
        consumer.pause(consumer.assignment());
        while (running && !aborted && !uncommitted.isEmpty() && !uncommitted.peekFirst().ready()) {
            waitWhilePaused(100);
        }
        commitCommittable();
        if (!pausedForSink) {
            consumer.resume(consumer.paused());
        }
    }

    private void onSinkFailure(Exception e, int batchRecords) {
        consecutiveFailures++;
        sinkFailures.increment();
        lastError = e.getMessage() == null ? e.toString() : e.getMessage();
        lastErrorAt = clock.instant();
        state = "RETRYING";
        if (consecutiveFailures == 1 || consecutiveFailures % 10 == 0) {
            LOG.warn("Store refused a batch of {} records (attempt {}): {}. Tap paused; retrying.",
                    batchRecords, consecutiveFailures, lastError);
        }
        if (!pausedForSink) {
            consumer.pause(consumer.assignment());
            pausedForSink = true;
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
            if (completeInFlight()) {
                awaitCommittable(COMMIT_WAIT);
            }
            // Their buffered records are still written (duplicates are deduplicated by the store), but
            // their offsets are no longer ours to commit.
            partitions.forEach(pendingOffsets::remove);
            for (Uncommitted u : uncommitted) {
                partitions.forEach(u.offsets()::remove);
            }
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
        if (Thread.currentThread() != thread && Thread.currentThread() != writerThread) {
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
