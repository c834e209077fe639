package io.choreoscope.live;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.choreoscope.model.Observation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded layout's source: batches the sink hands over as it stores them in ClickHouse wait in a bounded queue;
 * {@link #offer} waits while it is full (back-pressure on the tap instead of dropping). It owns every partition from the start: opening
 * recovers the one engine from ClickHouse, retrying with backoff (200 ms doubling to 5 s) until ClickHouse answers,
 * as there is no other worker to take over. Records the tap stored before a restart but had not committed come
 * again; the engine skips them until the first tick one minute after recovery. A failed step is retried at the next
 * turn. Each observation batch comes with a stage ({@link #offerObservations}) that completes once the engine has
 * applied it and a tick persisted what it touched ({@link #persisted}; with the loop's write-behind, once the writes
 * of that tick are stored, {@link #acknowledgement}); the tap commits the batch's offsets only then. So a crash with batches queued or applied but not persisted loses nothing: the tap reads them again after
 * the restart, and the engine applies those of instances recovery did not already rebuild.
 */
final class InProcessSource implements InferenceSource {
    private static final Logger LOG = LoggerFactory.getLogger(InProcessSource.class);
    /** How long after recovery the tap's redeliveries of replayed records are expected. */
    private static final Duration REPLAY_WINDOW = Duration.ofMinutes(1);

    private final BlockingQueue<Queued> queue;
    /** Stages of the observation batches polled (applied by the loop) since the last {@link #persisted}, in order. */
    private final List<CompletableFuture<Void>> applied = new ArrayList<>();
    private final Clock clock;
    private final CompletableFuture<Integer> recovered = new CompletableFuture<>();
    private volatile boolean accepting = true;
    private Instant replayedUntil;
    private boolean replayOver;
    private volatile LoopStages stages = LoopStages.NONE;

    /** @param capacity batches (of observations or spans) that may wait; at least 1 */
    InProcessSource(int capacity, Clock clock) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.clock = clock;
    }

    private record Queued(Input input, CompletableFuture<Void> persisted, long queuedAt) {
    }

    /** Times how long batches wait in the queue into {@code stages}. */
    void stages(LoopStages stages) {
        this.stages = stages;
    }

    /** Queues an input; waits while the queue is full. Returns without queuing once the source stopped accepting. */
    void offer(Input input) throws InterruptedException {
        enqueue(input, null);
    }

    /**
     * Queues a batch of observations like {@link #offer}; the stage completes once a tick persisted what the engine
     * applied from it. It stays incomplete when the source stops accepting first, or the process stops before.
     */
    CompletableFuture<Void> offerObservations(List<Observation> batch) throws InterruptedException {
        CompletableFuture<Void> persisted = new CompletableFuture<>();
        enqueue(new Observations(ALL_PARTITIONS, batch), persisted);
        return persisted;
    }

    private void enqueue(Input input, CompletableFuture<Void> persisted) throws InterruptedException {
        Queued q = new Queued(input, persisted, System.nanoTime());
        while (accepting) {
            if (queue.offer(q, 200, TimeUnit.MILLISECONDS)) {
                return;
            }
        }
    }

    /** Refuses further input (the process stops); what is queued is still applied. Ends a recovery that waits. */
    void stopAccepting() {
        accepting = false;
    }

    /** Completes with the number of instances recovered once recovery is done. */
    CompletableFuture<Integer> recovered() {
        return recovered;
    }

    @Override
    public void open(Assignments assignments) {
        long backoff = 200;
        while (accepting) {
            try {
                int n = assignments.assigned(ALL_PARTITIONS);
                replayedUntil = clock.instant().plus(REPLAY_WINDOW);
                recovered.complete(n);
                return;
            } catch (RuntimeException e) {
                LOG.warn("Live inference could not recover from ClickHouse yet ({}); retrying", e.toString());
                try {
                    Thread.sleep(backoff); // waiting for ClickHouse, not for a test condition
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
    }

    @Override
    public List<Input> poll(Duration maxWait) throws InterruptedException {
        if (replayOver) {
            replayOver = false;
            return List.of(new ReplayOver(ALL_PARTITIONS));
        }
        Queued q = queue.poll(maxWait.toNanos(), TimeUnit.NANOSECONDS);
        if (q == null) {
            return List.of();
        }
        stages.since(LoopStages.Stage.QUEUED, q.queuedAt());
        if (q.persisted() != null) {
            applied.add(q.persisted()); // the loop applies what poll returns before its next tick
        }
        return List.of(q.input());
    }

    @Override
    public boolean behind() {
        Queued next = queue.peek();
        return next != null && next.input().touchesInstances();
    }

    @Override
    public void persisted(Collection<Integer> partitions, Instant now) {
        acknowledgement(partitions, now).run();
    }

    /** Completes the stages of the batches applied until this call (not those applied after), when run. */
    @Override
    public Runnable acknowledgement(Collection<Integer> partitions, Instant now) {
        List<CompletableFuture<Void>> covered = List.copyOf(applied);
        applied.clear();
        return () -> {
            for (CompletableFuture<Void> p : covered) {
                p.complete(null); // in queue order: the tap commits strictly in batch order
            }
            if (replayedUntil != null && now.isAfter(replayedUntil)) {
                replayOver = true; // delivered by the next poll, before any further batch
                replayedUntil = null;
            }
        };
    }

    @Override
    public boolean pending() {
        return !queue.isEmpty();
    }

    @Override
    public boolean continueAfter(RuntimeException failure) {
        LOG.warn("Live inference step failed ({}); will retry at the next tick", failure.toString());
        return true;
    }

    @Override
    public void close(boolean crashed) {
        accepting = false;
    }
}
