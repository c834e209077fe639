package io.choreoscope.live;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded layout's source: batches the sink stored in ClickHouse wait in a bounded queue; {@link #offer} waits
 * while it is full (back-pressure on the tap instead of dropping). It owns every partition from the start: opening
 * recovers the one engine from ClickHouse, retrying with backoff (200 ms doubling to 5 s) until ClickHouse answers,
 * as there is no other worker to take over. Records the tap stored before a restart but had not committed come
 * again; the engine skips them until the first tick one minute after recovery. A failed step is retried at the next
 * turn. Nothing to acknowledge: the tap commits its own offsets once the sink returned.
 */
final class InProcessSource implements InferenceSource {
    private static final Logger LOG = LoggerFactory.getLogger(InProcessSource.class);
    /** How long after recovery the tap's redeliveries of replayed records are expected. */
    private static final Duration REPLAY_WINDOW = Duration.ofMinutes(1);

    private final BlockingQueue<Input> queue;
    private final Clock clock;
    private final CompletableFuture<Integer> recovered = new CompletableFuture<>();
    private volatile boolean accepting = true;
    private Instant replayedUntil;
    private boolean replayOver;

    /** @param capacity batches (of observations or spans) that may wait; at least 1 */
    InProcessSource(int capacity, Clock clock) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.clock = clock;
    }

    /** Queues an input; waits while the queue is full. Returns without queuing once the source stopped accepting. */
    void offer(Input input) throws InterruptedException {
        while (accepting) {
            if (queue.offer(input, 200, TimeUnit.MILLISECONDS)) {
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
        Input input = queue.poll(maxWait.toNanos(), TimeUnit.NANOSECONDS);
        return input == null ? List.of() : List.of(input);
    }

    @Override
    public boolean behind() {
        Input next = queue.peek();
        return next != null && next.touchesInstances();
    }

    @Override
    public void persisted(Collection<Integer> partitions, Instant now) {
        if (replayedUntil != null && now.isAfter(replayedUntil)) {
            replayOver = true; // delivered by the next poll, before any further batch
            replayedUntil = null;
        }
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
