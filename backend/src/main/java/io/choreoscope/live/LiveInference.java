package io.choreoscope.live;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.choreoscope.model.Observation;
import io.choreoscope.model.Span;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.model.EventReader;
import io.choreoscope.model.InstanceReader;
import io.choreoscope.model.InstanceWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live inference inside the process that taps (the embedded layout). Batches arrive from the sink
 * after ClickHouse stored them and wait in a bounded queue; one thread owns the engine: it first
 * recovers from ClickHouse, then applies batches, persisting the instances they touched as soon as
 * no further batch waits, and ticks every {@code evaluateInterval} (time-driven states such as stuck,
 * eviction, models). When the queue is full the sink waits, which pauses the tap: back-
 * pressure instead of dropping.
 */
public final class LiveInference implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LiveInference.class);

    private final InferenceSettings settings;
    private final LiveEngine live;
    private final InstanceReader instances;
    private final EventReader events;
    private final Clock clock;
    private final BlockingQueue<Object> queue;
    private final BlockingQueue<Runnable> tasks = new ArrayBlockingQueue<>(64);
    private final Thread thread;
    private final CompletableFuture<Integer> recovered = new CompletableFuture<>();
    private volatile boolean running = true;

    public LiveInference(InferenceSettings settings, InstanceWriter writer, InstanceReader instances,
                         EventReader events, Clock clock) {
        this.settings = settings;
        this.live = new LiveEngine("all", null, settings.getTopicPartitions(), settings.engineConfig(), writer,
                settings.getModelInterval());
        this.instances = instances;
        this.events = events;
        this.clock = clock;
        this.queue = new ArrayBlockingQueue<>(settings.getQueueBatches());
        this.thread = new Thread(this::run, "choreoscope-inference");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Completes with the number of instances recovered once recovery is done. */
    public CompletableFuture<Integer> recovered() {
        return recovered;
    }

    /** Hands a stored batch to the engine; waits while the queue is full. */
    public void offer(List<Observation> batch) throws InterruptedException {
        enqueue(batch);
    }

    /** Hands stored spans to the engine (dependency map); waits while the queue is full. */
    public void offerSpans(List<Span> spans) throws InterruptedException {
        enqueue(new Spans(spans));
    }

    private record Spans(List<Span> spans) {
    }

    private void enqueue(Object item) throws InterruptedException {
        while (running) {
            if (queue.offer(item, 200, TimeUnit.MILLISECONDS)) {
                return;
            }
        }
    }

    /** Runs {@code f} on the inference thread between two batches; for reads of engine state (tests, metrics). */
    public <T> CompletableFuture<T> onEngine(Function<LiveEngine, T> f) {
        CompletableFuture<T> result = new CompletableFuture<>();
        if (!tasks.offer(() -> {
            try {
                result.complete(f.apply(live));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        })) {
            result.completeExceptionally(new IllegalStateException("inference thread busy"));
        }
        return result;
    }

    /** Live instances and their states, read on the inference thread. */
    public Map<String, InstanceState> states() {
        return onEngine(l -> l.states(clock.instant())).join();
    }

    @SuppressWarnings("unchecked")
    private void run() {
        recover();
        Duration interval = settings.getEvaluateInterval();
        long nextTick = System.nanoTime() + interval.toNanos();
        while (running || !queue.isEmpty()) {
            try {
                long waitNanos = Math.max(0, nextTick - System.nanoTime());
                Object item = queue.poll(waitNanos, TimeUnit.NANOSECONDS);
                if (item instanceof List<?> batch) {
                    live.apply((List<Observation>) batch);
                    if (!(queue.peek() instanceof List<?>)) {
                        // Caught up: make the batch's instance states visible now, not at the next tick. While
                        // batches queue up, they are applied first and persisted together in one insert.
                        live.persistChanges(clock.instant());
                    }
                } else if (item instanceof Spans s) {
                    live.applySpans(s.spans());
                }
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    task.run();
                }
                if (System.nanoTime() >= nextTick) {
                    tick(clock.instant());
                    nextTick = System.nanoTime() + interval.toNanos();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                LOG.warn("Live inference step failed ({}); will retry at the next tick", e.toString());
            }
        }
        try {
            live.flush(clock.instant());
        } catch (RuntimeException e) {
            LOG.warn("Could not persist live inference state on stop: {}", e.toString());
        }
    }

    private void tick(Instant now) {
        live.tick(now);
        if (replayedUntil != null && now.isAfter(replayedUntil)) {
            live.forgetReplayed();
            replayedUntil = null;
        }
    }

    private Instant replayedUntil;

    private void recover() {
        long backoff = 200;
        while (running) {
            try {
                int n = live.recover(instances, events, settings.getRecoveryWindow(), settings.getRecoveryMaxInstances(),
                        clock.instant());
                // Records written before the restart but not yet committed by the tap come again; skip them for a while.
                replayedUntil = clock.instant().plus(Duration.ofMinutes(1));
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

    /** Applies what is queued, persists, and stops. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
