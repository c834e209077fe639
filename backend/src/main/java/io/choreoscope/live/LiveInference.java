package io.choreoscope.live;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

import io.choreoscope.model.EventReader;
import io.choreoscope.model.InstanceReader;
import io.choreoscope.model.InstanceWriter;
import io.choreoscope.model.Observation;
import io.choreoscope.model.Span;
import io.choreoscope.model.flow.InstanceState;

/**
 * Live inference inside the process that taps (the embedded layout): the {@link LiveLoop} over an
 * {@link InProcessSource}. Batches arrive from the sink as ClickHouse stores them and wait in a bounded queue
 * ({@code queueBatches}); when it is full the sink waits, which pauses the tap: back-pressure instead of dropping.
 * The loop thread first recovers the one engine from ClickHouse, then applies batches, persisting the instances
 * they touched as soon as no further observation batch waits, and ticks every {@code evaluateInterval}
 * (time-driven states such as stuck, eviction, models). Its writes are stored by a writer thread of their own
 * ({@link InstanceWriteBehind}), so applying the next batch does not wait for ClickHouse; a batch's stage completes
 * only once the writes of the tick after it are stored.
 */
public final class LiveInference implements AutoCloseable {
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final InProcessSource source;
    private final LiveLoop loop;
    private final InstanceWriteBehind behind;
    private final Clock clock;

    public LiveInference(InferenceConfig settings, InstanceWriter writer, InstanceReader instances,
                         EventReader events, Clock clock) {
        this(settings, writer, instances, events, clock, LoopStages.NONE);
    }

    /** @param stages where the loop's stage times go ({@link LoopStages#NONE}: nowhere) */
    public LiveInference(InferenceConfig settings, InstanceWriter writer, InstanceReader instances,
                         EventReader events, Clock clock, LoopStages stages) {
        this.source = new InProcessSource(settings.getQueueBatches(), clock);
        this.source.stages(stages);
        this.behind = new InstanceWriteBehind("choreoscope-inference", writer, settings.getMaxLiveInstances());
        this.loop = new LiveLoop("choreoscope-inference", source, settings, writer, behind, instances, events, clock,
                System::nanoTime).stages(stages);
        this.clock = clock;
    }

    public void start() {
        loop.start();
    }

    /**
     * {@code stored} (the store's reader), answering {@link InstanceReader#byId} first from the instance rows this
     * loop handed to its writer thread and that are not stored yet: an instance's newest state is readable as soon as
     * the loop persisted it, not only once ClickHouse stored it ({@link PendingFirstInstanceReader}).
     */
    public InstanceReader pendingFirst(InstanceReader stored) {
        return new PendingFirstInstanceReader(behind, stored);
    }

    /** Completes with the number of instances recovered once recovery is done. */
    public CompletableFuture<Integer> recovered() {
        return source.recovered();
    }

    /**
     * Hands a batch to the engine (the sink stores it meanwhile); waits while the queue is full. The stage completes
     * once the engine has applied the batch and persisted the instances it touched (at the next tick after it was
     * applied); it stays incomplete if the process stops first.
     */
    public CompletionStage<Void> offer(List<Observation> batch) throws InterruptedException {
        return source.offerObservations(batch);
    }

    /** Hands stored spans to the engine (dependency map); waits while the queue is full. */
    public void offerSpans(List<Span> spans) throws InterruptedException {
        source.offer(new InferenceSource.Spans(spans));
    }

    /** Runs {@code f} on the inference thread between two batches; for reads of engine state (tests, metrics). */
    public <T> CompletableFuture<T> onEngine(Function<LiveEngine, T> f) {
        return loop.onEngines(engines -> f.apply(engines.get(InferenceSource.ALL_PARTITIONS)));
    }

    /** Instances evicted over the live-instance cap since start (any thread; a metric). */
    public long evictedOverCap() {
        return loop.evictedOverCap();
    }

    /** Live instances held after the last turn of the loop (any thread; a metric). */
    public long liveInstances() {
        return loop.liveInstances();
    }

    /** Observations counted as {@code (too many event types)} by the engines held now (any thread; a metric). */
    public long overTypeLimit() {
        return loop.overTypeLimit();
    }

    /** Live instances and their states, read on the inference thread. */
    public Map<String, InstanceState> states() {
        return onEngine(l -> l.states(clock.instant())).join();
    }

    /**
     * Stops as a kill -9 would: what is queued is not applied, nothing more is persisted, no queued batch becomes
     * committable. Returns at once (the loop ends after its current turn; {@link #close} waits for it). For tests
     * and the fault suite; the process is expected to go away after it.
     */
    public void crash() {
        source.stopAccepting();
        loop.stop(true);
    }

    /** Applies what is queued, persists, and stops (waits up to 30 s). */
    @Override
    public void close() {
        source.stopAccepting();
        loop.stop(false);
        try {
            loop.await(STOP_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
