package io.choreoscope.collectors.batch;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import io.choreoscope.model.Observation;
import io.choreoscope.model.ObservationSink;
import io.choreoscope.model.ParseStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;

/**
 * The batch and commit pipeline both taps (Kafka, RabbitMQ) run their records through, at least once and losing
 * nothing:
 * <ul>
 *   <li>Observations are buffered with what committing them means ({@code K -> V}: Kafka partition -> next offset,
 *       RabbitMQ channel -> highest delivery tag; a later batch's value for a key supersedes an earlier one) and cut
 *       into batches by count, bytes and linger time. One batch is written (on the pipeline's writer thread) while
 *       the next is read.</li>
 *   <li>A stored batch is committed only when the sink says everything behind it is durable
 *       ({@link ObservationSink#acceptForCommit}), strictly in batch order. At most {@code maxUncommitted} stored
 *       batches wait; beyond that the tap is asked to pause until the oldest may be committed.</li>
 *   <li>A refused batch is kept and retried with exponential backoff ({@code retryInitial} doubling up to
 *       {@code retryMax}) until the sink takes it; the tap is told so it can stop reading meanwhile.</li>
 * </ul>
 * Everything runs on the tap's own thread except the sink's writes. Not thread-safe otherwise.
 *
 * @param <K> what a commit is kept per (a partition, a channel)
 * @param <V> what is committed for it (an offset, a delivery tag)
 */
public final class BatchPipeline<K, V> {

    /** What the tap does around the pipeline; every call comes on the tap's own thread. */
    public interface Tap<K, V> {
        /** The store refused a batch (the failure is counted and logged already): stop reading. */
        void refused();

        /** Waits about {@code millis} (before a retry, or for commits), keeping the broker connection alive. */
        void idle(long millis);

        /** A batch was stored (after refusals or not): read again. */
        default void stored() {
        }

        /** Commits these (merged over the ready batches, oldest first). */
        void commit(Map<K, V> commits);

        /** {@code waiting} stored batches wait for their commit: stop reading until the oldest may be committed. */
        default void pauseForCommits(int waiting) {
        }

        /** The oldest waiting batch was committed. */
        default void resumeAfterCommits() {
        }
    }

    /**
     * How the pipeline is named where users see it.
     *
     * @param log          the tap's logger
     * @param meterPrefix  e.g. {@code choreoscope.tap}
     * @param unit         what a record is called, plural: {@code records}, {@code messages} (meter names)
     * @param where        what a record is counted per: {@code topic}, {@code exchange}
     * @param batchBytes   whether {@code <prefix>.batch.bytes} is recorded
     * @param writerThread the writer thread's name
     */
    public record Names(Logger log, String meterPrefix, String unit, String where, boolean batchBytes,
                        String writerThread) {
    }

    /**
     * Bounds of the pipeline.
     *
     * @param maxRecords     a batch is cut at this many records
     * @param maxBytes       ... or before it would hold more bytes than this (a larger single record goes alone)
     * @param linger         ... or when its oldest record waited this long
     * @param retryInitial   first wait after the sink refused a batch; doubles up to {@code retryMax}
     * @param retryMax       longest wait between retries
     * @param maxUncommitted stored batches that may wait for their commit before the tap pauses
     */
    public record Bounds(int maxRecords, long maxBytes, Duration linger, Duration retryInitial, Duration retryMax,
                         int maxUncommitted) {
    }

    /** How often a pipeline waiting for commit room looks again, 100 ms. */
    static final long ROOM_WAIT_MS = 100;

    private record InFlight<K, V>(List<Observation> batch, long bytes, Map<K, V> commits,
                                  Future<CompletionStage<Void>> write, long startedNanos) {
    }

    /** A stored batch whose commit waits until the sink says it may be committed. */
    private record Uncommitted<K, V>(Map<K, V> commits, CompletionStage<Void> committable) {
        boolean ready() {
            return committable.toCompletableFuture().isDone();
        }
    }

    private final Names names;
    private final Bounds bounds;
    private final ObservationSink sink;
    private final MeterRegistry meters;
    private final Clock clock;
    private Tap<K, V> tap;
    private BooleanSupplier running;
    private BooleanSupplier aborted;

    private final List<Observation> buffer = new ArrayList<>();
    private final Map<K, V> commits = new HashMap<>();
    private long bufferBytes;
    private long bufferStartedNanos;
    private InFlight<K, V> inFlight;
    private final ArrayDeque<Uncommitted<K, V>> uncommitted = new ArrayDeque<>();

    private volatile Thread writerThread;
    private final ExecutorService writer;

    private volatile long ingested;
    private volatile int consecutiveFailures;
    private volatile String lastError;
    private volatile Instant lastErrorAt;
    private volatile int pending;

    private final Map<String, Counter> perTopic = new ConcurrentHashMap<>();
    private final Map<ParseStatus, Counter> flagged = new ConcurrentHashMap<>();
    private final Counter uncorrelated;
    private final Counter sinkFailures;
    private final DistributionSummary batchSize;
    private final DistributionSummary batchBytes;
    private final Timer batchLatency;

    public BatchPipeline(Names names, Bounds bounds, ObservationSink sink, MeterRegistry meters, Clock clock) {
        this.names = names;
        this.bounds = bounds;
        this.sink = sink;
        this.meters = meters;
        this.clock = clock;
        this.writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, names.writerThread());
            t.setDaemon(true);
            writerThread = t;
            return t;
        });
        String p = names.meterPrefix();
        this.uncorrelated = Counter.builder(p + "." + names.unit() + ".uncorrelated")
                .description(capital(names.unit()) + " stored without a correlation ID").register(meters);
        this.sinkFailures = Counter.builder(p + ".sink.failures")
                .description("Batches the store refused (each retried until taken)").register(meters);
        this.batchSize = DistributionSummary.builder(p + ".batch.size")
                .description(capital(names.unit()) + " per batch written to the store").register(meters);
        this.batchBytes = !names.batchBytes() ? null : DistributionSummary.builder(p + ".batch.bytes").baseUnit("bytes")
                .description("Bytes of keys, values and headers per batch written to the store").register(meters);
        this.batchLatency = Timer.builder(p + ".batch.latency")
                .description("Time for the store to acknowledge a batch").register(meters);
        meters.gauge(p + ".pending." + names.unit(), this, x -> x.pending);
    }

    private static String capital(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /**
     * Connects the tap (once, before the first record): what it does around the pipeline, whether it still runs
     * (false: stopping cleanly) and whether it was aborted (stopping as a crash would: nothing more is committed).
     */
    public void bind(Tap<K, V> owner, BooleanSupplier isRunning, BooleanSupplier isAborted) {
        this.tap = owner;
        this.running = isRunning;
        this.aborted = isAborted;
    }

    // ------------------------------------------------------------------ status

    public long ingested() {
        return ingested;
    }

    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    public String lastError() {
        return lastError;
    }

    public Instant lastErrorAt() {
        return lastErrorAt;
    }

    public int pending() {
        return pending;
    }

    /** Notes a problem outside the pipeline (connection lost, unexpected error) for the tap's status. */
    public void noteError(String error) {
        lastError = error;
        lastErrorAt = clock.instant();
    }

    /** True on the writer thread (a sink that stops the tap must not wait for itself). */
    public boolean onWriterThread() {
        return Thread.currentThread() == writerThread;
    }

    // ------------------------------------------------------------------ the buffer

    /** True when nothing is buffered: no record and nothing to commit. */
    public boolean isEmpty() {
        return buffer.isEmpty() && commits.isEmpty();
    }

    /** Starts the linger clock when nothing is buffered. */
    public void startIfEmpty() {
        if (isEmpty()) {
            bufferStartedNanos = System.nanoTime();
        }
    }

    /** Starts the linger clock now (after a batch was cut before a record that is still to be added). */
    public void restartLinger() {
        bufferStartedNanos = System.nanoTime();
    }

    /** True when adding a record of {@code bytes} would make the (non-empty) buffer too large: flush first. */
    public boolean fullWith(long bytes) {
        return !buffer.isEmpty() && bufferBytes + bytes > bounds.maxBytes();
    }

    /** True when the buffer holds {@code maxRecords}. */
    public boolean full() {
        return buffer.size() >= bounds.maxRecords();
    }

    /** What the buffered records commit (mutable: the tap puts and removes keys). */
    public Map<K, V> commits() {
        return commits;
    }

    /** Buffers one observation of {@code bytes} and counts it (per topic, flagged, uncorrelated). */
    public void add(Observation o, long bytes) {
        buffer.add(o);
        bufferBytes += bytes;
        perTopic.computeIfAbsent(o.topic(), t -> Counter.builder(names.meterPrefix() + "." + names.unit())
                .description(capital(names.unit()) + " read per " + names.where()).tag("topic", t).register(meters))
                .increment();
        if (o.parseStatus() != ParseStatus.OK) {
            flagged.computeIfAbsent(o.parseStatus(), st -> Counter.builder(names.meterPrefix() + "." + names.unit() + ".flagged")
                    .description(capital(names.unit()) + " stored with a parse problem").tag("status", st.name())
                    .register(meters)).increment();
        }
        if (!o.correlated()) {
            uncorrelated.increment();
        }
    }

    /** Updates the pending gauge: buffered plus in flight. */
    public void notePending() {
        pending = buffer.size() + (inFlight == null ? 0 : inFlight.batch().size());
    }

    // ------------------------------------------------------------------ the loop

    /**
     * One turn of the tap's loop: finishes a written batch, commits what may be, and flushes a buffer that lingered
     * long enough (buffers full by count or bytes are flushed as records are added).
     */
    public void tick() {
        if (inFlight != null && inFlight.write().isDone()) {
            completeInFlight(); // commit promptly, or start retrying a refused batch even when idle
        }
        commitReady();
        if (!isEmpty() && System.nanoTime() - bufferStartedNanos >= bounds.linger().toNanos()) {
            flush();
        }
    }

    /** A clean stop: writes what is buffered and waits up to {@code max} for it to become committable. */
    public void drain(Duration max) {
        if (aborted.getAsBoolean()) {
            return;
        }
        if (!isEmpty()) {
            flush();
        }
        if (!aborted.getAsBoolean() && completeInFlight()) {
            awaitCommittable(max);
        }
    }

    /** Stops the writer thread. */
    public void shutdown() {
        writer.shutdownNow();
    }

    /**
     * Waits for the batch in flight (retrying it until the sink takes it), then starts writing the buffer in the
     * background. Does nothing when the tap stops before the batch in flight was taken.
     */
    public void flush() {
        if (!completeInFlight()) {
            return;
        }
        if (isEmpty()) {
            return;
        }
        List<Observation> batch = List.copyOf(buffer);
        Map<K, V> batchCommits = new HashMap<>(commits);
        long bytes = bufferBytes;
        buffer.clear();
        commits.clear();
        bufferBytes = 0;
        if (uncommitted.size() >= bounds.maxUncommitted()) {
            waitForOldestCommittable();
        }
        Future<CompletionStage<Void>> write = batch.isEmpty()
                ? CompletableFuture.completedFuture(CompletableFuture.completedFuture(null)) // only commits (skipped records)
                : writer.submit(() -> sink.acceptForCommit(batch));
        inFlight = new InFlight<>(batch, bytes, batchCommits, write, System.nanoTime());
    }

    /**
     * Finishes the batch in flight: waits for its write, retries it with backoff while the sink refuses it, then
     * queues its commit. Returns false when the tap stops or is aborted before the batch was taken: it is then never
     * committed, so nothing is lost.
     */
    public boolean completeInFlight() {
        if (inFlight == null) {
            return true;
        }
        InFlight<K, V> f = inFlight;
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
        long backoffMs = bounds.retryInitial().toMillis();
        while (failure != null) {
            if (!running.getAsBoolean() || aborted.getAsBoolean()) {
                return false; // stopping during an outage: nothing of this batch was committed, so nothing is lost
            }
            onSinkFailure(failure, f.batch().size());
            tap.idle(backoffMs);
            backoffMs = Math.min(backoffMs * 2, bounds.retryMax().toMillis());
            if (!running.getAsBoolean() || aborted.getAsBoolean()) {
                return false;
            }
            try {
                committable = sink.acceptForCommit(f.batch());
                failure = null;
            } catch (Exception e) {
                failure = e;
            }
        }
        if (aborted.getAsBoolean()) {
            return false; // a crash after the write and before the commit
        }
        if (!f.batch().isEmpty()) {
            batchLatency.record(System.nanoTime() - f.startedNanos(), TimeUnit.NANOSECONDS);
            batchSize.record(f.batch().size());
            if (batchBytes != null) {
                batchBytes.record(f.bytes());
            }
        }
        inFlight = null;
        ingested += f.batch().size();
        pending = buffer.size();
        if (consecutiveFailures > 0) {
            names.log().info("Store is back after {} failed attempts; tap resumes", consecutiveFailures);
        }
        consecutiveFailures = 0;
        uncommitted.add(new Uncommitted<>(f.commits(), committable));
        commitReady();
        tap.stored();
        return true;
    }

    private void onSinkFailure(Exception e, int batchRecords) {
        consecutiveFailures++;
        sinkFailures.increment();
        noteError(e.getMessage() == null ? e.toString() : e.getMessage());
        if (consecutiveFailures == 1 || consecutiveFailures % 10 == 0) {
            names.log().warn("Store refused a batch of {} {} (attempt {}): {}. Tap paused; retrying.",
                    batchRecords, names.unit(), consecutiveFailures, lastError);
        }
        tap.refused();
    }

    /** Commits, in batch order, every stored batch the sink says may be committed, up to the first that may not yet. */
    public void commitReady() {
        if (uncommitted.isEmpty() || !uncommitted.peekFirst().ready()) {
            return;
        }
        Map<K, V> ready = new HashMap<>();
        while (!uncommitted.isEmpty() && uncommitted.peekFirst().ready()) {
            ready.putAll(uncommitted.pollFirst().commits()); // later batches carry later positions
        }
        tap.commit(ready);
    }

    /** Waits up to {@code max} for every stored batch to become committable, committing as they do. */
    public void awaitCommittable(Duration max) {
        long until = System.nanoTime() + max.toNanos();
        commitReady();
        while (!uncommitted.isEmpty() && !aborted.getAsBoolean() && System.nanoTime() < until) {
            try {
                uncommitted.peekFirst().committable().toCompletableFuture()
                        .get(Math.max(1, until - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException | ExecutionException e) {
                break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            commitReady();
        }
        if (!uncommitted.isEmpty()) {
            names.log().info("{} stored batches not yet committable after {} s; their {} will be read again",
                    uncommitted.size(), max.toSeconds(), names.unit());
        }
    }

    /** Too many stored batches wait for their commit: the tap pauses until the oldest may be committed. */
    private void waitForOldestCommittable() {
        names.log().warn("{} stored batches wait for live inference to persist them; tap paused", uncommitted.size());
        tap.pauseForCommits(uncommitted.size());
        while (running.getAsBoolean() && !aborted.getAsBoolean() && !uncommitted.isEmpty() && !uncommitted.peekFirst().ready()) {
            tap.idle(ROOM_WAIT_MS);
        }
        commitReady();
        tap.resumeAfterCommits();
    }

    /** Visits the commits of every stored batch still waiting (a revoked partition's are no longer the tap's). */
    public void forEachUncommitted(Consumer<Map<K, V>> visit) {
        for (Uncommitted<K, V> u : uncommitted) {
            visit.accept(u.commits());
        }
    }
}
