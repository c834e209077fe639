package io.choreoscope.live;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.choreoscope.model.EventReader;
import io.choreoscope.model.InstanceReader;
import io.choreoscope.model.InstanceWriter;
import io.choreoscope.model.flow.InstanceState;

/**
 * One inference worker of the distributed layout: the {@link LiveLoop} over a {@link KafkaPartitionSource}, a member
 * of the consumer group of the observations topic with one {@link LiveEngine} per assigned partition. Every instance
 * belongs to exactly one partition (records are keyed by correlation ID), so to exactly one worker at a time. The
 * source's Javadoc says how partitions are recovered, committed and handed over; the loop's says when states are
 * stored, and that offsets are committed only after a tick stored what they carried.
 */
public final class InferenceWorker implements AutoCloseable {
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration WAKEUP_TIMEOUT = Duration.ofSeconds(10);

    private final InferenceConfig settings;
    private final Map<String, ?> connection;
    private final KafkaPartitionSource source;
    private final LiveLoop loop;
    private final Clock clock;

    /**
     * @param connection Kafka client properties of the connection to the observations topic (bootstrap servers,
     *                   security)
     */
    public InferenceWorker(InferenceConfig settings, Map<String, ?> connection, String name, InstanceWriter writer,
                           InstanceReader instances, EventReader events, Clock clock) {
        this.settings = settings;
        this.connection = connection;
        this.source = new KafkaPartitionSource(settings, connection, name, clock);
        this.loop = new LiveLoop("choreoscope-inference-" + name, source, settings, writer, instances, events, clock);
        this.clock = clock;
    }

    /** Times the loop's stages into {@code stages} (a worker's loop writes on its own thread: no queue, no writer). */
    public InferenceWorker stages(LoopStages stages) {
        loop.stages(stages);
        return this;
    }

    /** Creates the observations topic if missing, then joins the group on a thread of its own. */
    public synchronized void start() {
        ObservationPublisher.ensureTopic(connection, settings.getTopic(), settings.getTopicPartitions());
        loop.start();
    }

    /** Runs {@code f} on the worker thread between two polls; for reads of engine state. */
    public <T> CompletableFuture<T> onEngines(Function<Map<Integer, LiveEngine>, T> f) {
        return loop.onEngines(f);
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

    /**
     * What the worker is doing: RUNNING; RETRYING while a failed step waits its backoff or its partitions are being
     * rebuilt, until a tick persisted and committed again; STOPPED once its loop ended.
     */
    public WorkerHealth health() {
        WorkerHealth h = source.health();
        if (loop.ended()) {
            return new WorkerHealth("STOPPED", h.consecutiveFailures(), h.retries(), h.lastError(), h.lastErrorAt(),
                    h.failingSince(), null);
        }
        return h;
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

    /** Partitions owned now (read on the worker thread). */
    public List<Integer> partitions() {
        return onEngines(es -> List.copyOf(es.keySet())).orTimeout(60, TimeUnit.SECONDS).join();
    }

    /** Leaves the group cleanly: persists every engine, commits, hands the partitions over. */
    @Override
    public void close() {
        loop.stop(false);
        await();
    }

    /** Stops as a crash would: nothing persisted or committed beyond the last tick. */
    public void crash() {
        loop.stop(true);
        await();
    }

    /** Waits for the loop to end; a stop blocked in Kafka for 60 s is woken up and given 10 s more. */
    private void await() {
        try {
            if (!loop.await(STOP_TIMEOUT)) {
                source.wakeup();
                loop.await(WAKEUP_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
