package io.choreoscope.live;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;

import io.choreoscope.model.EventReader;
import io.choreoscope.model.InstanceReader;
import io.choreoscope.model.InstanceRecord;
import io.choreoscope.model.InstanceWriter;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.FlowModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live-inference loop, the same for both layouts: one thread drives a {@link LiveEngine} per partition its
 * {@link InferenceSource} assigns (one engine for everything in the embedded layout, one per Kafka partition in a
 * worker). Each turn it
 * <ol>
 *   <li>waits for input until the next tick at most, and applies it to the engines in order;</li>
 *   <li>when that input may have moved instance states and the source is not {@linkplain InferenceSource#behind()
 *       behind}, persists the instances touched since the last write, in one insert for all engines; a failed write
 *       stays pending for the tick;</li>
 *   <li>runs the reads queued by {@link #onEngines};</li>
 *   <li>every {@code evaluateInterval}: each engine ticks (evaluates states, stuck detection, eviction, persists what
 *       changed, writes models every {@code modelInterval}), then the source is told what is
 *       {@linkplain InferenceSource#persisted persisted} (a Kafka source commits offsets there, never before).</li>
 * </ol>
 * A failed step is retried at the next turn or stops the loop, as the source decides (a failed tick is tried again
 * at the next tick, one {@code evaluateInterval} later).
 *
 * <p>With an {@link InstanceWriteBehind} (the embedded layout) the engines' writes are stored by the writer's thread
 * while the loop goes on: a tick hands its rows and models over and asks the source for the acknowledgement of what
 * was applied so far ({@link InferenceSource#acknowledgement}); the loop runs it at its first turn after the writer
 * stored everything handed over before it. A failed write is retried by the writer, and nothing after it is
 * acknowledged until it is stored. Without one (inference workers), the loop writes itself and acknowledges at once
 * after the tick. A clean stop applies what the
 * source still holds, flushes every engine (states and models), tells the source it is persisted, then closes the
 * source; a crash persists nothing. Engines are created, recovered from ClickHouse and dropped when the source
 * (re)assigns partitions, see {@link InferenceSource.Assignments}.
 */
final class LiveLoop implements InferenceSource.Assignments {
    private static final Logger LOG = LoggerFactory.getLogger(LiveLoop.class);
    /** Reads waiting for the loop thread; more are refused at once rather than queued without bound. */
    private static final int MAX_TASKS = 64;
    /** How long a clean stop or a hand-over waits for the write-behind to store what it holds. */
    private static final Duration STOP_WRITE_TIMEOUT = Duration.ofSeconds(20);
    /** At most one warning of event types past the bound per this long. */
    static final Duration OVER_TYPE_LIMIT_WARN_EVERY = Duration.ofMinutes(10);

    private final String name;
    private final InferenceSource source;
    private final InferenceConfig settings;
    private final InstanceWriter writer;
    private final InstanceReader instances;
    private final EventReader events;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final long intervalNanos;
    private final Map<Integer, LiveEngine> engines = new TreeMap<>();
    /** Where engines write: the write-behind, or (null) {@link #writer} on this thread. */
    private final InstanceWriteBehind behind;
    /** Acknowledgements whose writes are stored, to run on the loop thread in this order. */
    private final ConcurrentLinkedQueue<Runnable> acks = new ConcurrentLinkedQueue<>();
    private final BlockingQueue<Runnable> tasks = new ArrayBlockingQueue<>(MAX_TASKS);
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** Instances evicted over the live-instance cap by any engine of this loop, since start (read by metrics). */
    private final AtomicLong evictedOverCap = new AtomicLong();
    /** Live instances held by the engines after the last turn (read by metrics). */
    private final AtomicLong liveInstances = new AtomicLong();
    /** Observations the engines held now counted as {@code (too many event types)} (read by metrics). */
    private final AtomicLong overTypeLimit = new AtomicLong();
    /** Whether, when (nanoTime) and at what count the loop last warned of event types past the bound. */
    private boolean overTypeLimitSaid;
    private long overTypeLimitWarnedAt;
    private long overTypeLimitWarned;
    private volatile boolean running = true;
    private volatile boolean crashed;
    private volatile Thread thread;
    private boolean failed;
    private long nextTick;
    private LoopStages stages = LoopStages.NONE;

    /**
     * @param name thread name, also used in log lines
     * @param clock the time engines evaluate and persist at
     */
    LiveLoop(String name, InferenceSource source, InferenceConfig settings, InstanceWriter writer,
             InstanceReader instances, EventReader events, Clock clock) {
        this(name, source, settings, writer, instances, events, clock, System::nanoTime);
    }

    /** @param nanoTime monotonic time that schedules the ticks, in ns ({@link System#nanoTime()}, or a test's) */
    LiveLoop(String name, InferenceSource source, InferenceConfig settings, InstanceWriter writer,
             InstanceReader instances, EventReader events, Clock clock, LongSupplier nanoTime) {
        this(name, source, settings, writer, null, instances, events, clock, nanoTime);
    }

    /**
     * @param behind the writer thread engines hand their writes to (started and stopped by the loop), or null to
     *               write on the loop thread
     */
    LiveLoop(String name, InferenceSource source, InferenceConfig settings, InstanceWriter writer,
             InstanceWriteBehind behind, InstanceReader instances, EventReader events, Clock clock, LongSupplier nanoTime) {
        this.name = name;
        this.behind = behind;
        this.source = source;
        this.settings = settings;
        this.writer = writer;
        this.instances = instances;
        this.events = events;
        this.clock = clock;
        this.nanoTime = nanoTime;
        this.intervalNanos = settings.getEvaluateInterval().toNanos();
    }

    /** Times the loop's stages into {@code stages} (set before {@link #start}). */
    LiveLoop stages(LoopStages stages) {
        this.stages = stages;
        if (behind != null) {
            behind.stages(stages);
        }
        return this;
    }

    /** Starts the loop on a daemon thread of its own. */
    void start() {
        if (behind != null) {
            behind.start();
        }
        Thread t = new Thread(this::run, name);
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /**
     * Asks the loop to stop after the current turn. Clean ({@code crash} false): apply what the source still holds,
     * persist every engine, let the source acknowledge it. As a crash: persist and acknowledge nothing more.
     */
    void stop(boolean crash) {
        if (crash) {
            crashed = true; // a later clean stop (the context closing after a simulated crash) does not undo it
            if (behind != null) {
                behind.abandon(); // as a kill would: what waits to be stored is not stored
            }
        }
        running = false;
    }

    /** Instances evicted over the live-instance cap since start (any thread). */
    long evictedOverCap() {
        return evictedOverCap.get();
    }

    /** Live instances held by the engines after the last turn (any thread). */
    long liveInstances() {
        return liveInstances.get();
    }

    /** Observations the engines held now counted as {@code (too many event types)} (any thread). */
    long overTypeLimit() {
        return overTypeLimit.get();
    }

    /**
     * Says, at most every {@link #OVER_TYPE_LIMIT_WARN_EVERY}, that event types came past the bound since the last
     * warning, with the latest of them: most often a producer putting an ID into its event type.
     */
    private void warnOfTooManyEventTypes(long overTypes) {
        long now = nanoTime.getAsLong();
        if (overTypes <= overTypeLimitWarned
                || (overTypeLimitSaid && now - overTypeLimitWarnedAt < OVER_TYPE_LIMIT_WARN_EVERY.toNanos())) {
            return;
        }
        String latest = null;
        for (LiveEngine e : engines.values()) {
            latest = e.engine().lastOverTypeLimit() != null ? e.engine().lastOverTypeLimit() : latest;
        }
        LOG.warn("{}: more distinct event types than {}.max-event-types ({}): {} observations so far are counted as "
                + "the one type and flow '{}', the latest {}. Is a producer putting an ID into its event type? The "
                + "event-type rules (choreoscope.extraction.event-type) can read it from elsewhere; or raise the bound.",
                name, InferenceConfig.PREFIX, settings.getMaxEventTypes(), overTypes,
                io.choreoscope.inference.InferenceSettings.TOO_MANY_EVENT_TYPES, latest);
        overTypeLimitSaid = true;
        overTypeLimitWarnedAt = now;
        overTypeLimitWarned = overTypes;
    }

    /** Whether the loop has ended (stopped, or failed for good). */
    boolean ended() {
        return thread != null && stopped.getCount() == 0;
    }

    /** Waits up to {@code timeout} for the loop to end; true if it ended (or never started). */
    boolean await(Duration timeout) throws InterruptedException {
        return thread == null || stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Runs {@code f} on the loop thread between two turns, over the engines by partition; for reads of engine state
     * (tests, health). Fails at once when {@value #MAX_TASKS} reads already wait.
     */
    <T> CompletableFuture<T> onEngines(Function<Map<Integer, LiveEngine>, T> f) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Map<Integer, LiveEngine> view = Collections.unmodifiableMap(engines);
        if (!tasks.offer(() -> {
            try {
                result.complete(f.apply(view));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        })) {
            result.completeExceptionally(new IllegalStateException("inference thread busy"));
        }
        return result;
    }

    private void run() {
        try {
            if (open()) {
                while ((running || (!crashed && source.pending())) && step()) {
                    // one turn per iteration
                }
            }
        } finally {
            finish();
        }
    }

    /** Opens the source and schedules the first tick; false if the source cannot start. */
    boolean open() {
        try {
            source.open(this);
        } catch (RuntimeException e) {
            LOG.error("{} could not start; stopping", name, e);
            failed = true;
            return false;
        }
        nextTick = nanoTime.getAsLong() + intervalNanos;
        return true;
    }

    /** One turn of the loop (see the class comment). Returns false when the loop must stop. */
    boolean step() {
        try {
            runStoredAcknowledgements();
            long waitNanos = Math.max(0, nextTick - nanoTime.getAsLong());
            boolean touched = false;
            for (InferenceSource.Input input : source.poll(Duration.ofNanos(waitNanos))) {
                long t0 = System.nanoTime();
                input.applyTo(engines);
                stages.since(LoopStages.Stage.APPLY, t0);
                if (stages.on() && input instanceof InferenceSource.Observations o) {
                    recordAges(o.batch());
                }
                touched |= input.touchesInstances();
            }
            if (touched && !source.behind()) {
                persistChanges(); // caught up: make the states visible now, not at the next tick
            }
            long held = 0;
            long overTypes = 0;
            for (LiveEngine e : engines.values()) {
                io.choreoscope.model.flow.InferenceCounters c = e.engine().counters();
                held += c.liveInstances();
                overTypes += c.overTypeLimit();
            }
            liveInstances.set(held);
            overTypeLimit.set(overTypes);
            warnOfTooManyEventTypes(overTypes);
            Runnable task;
            while ((task = tasks.poll()) != null) {
                task.run();
            }
            if (nanoTime.getAsLong() >= nextTick) {
                // Scheduled before the tick runs: a tick that fails (ClickHouse down) is tried again one interval
                // later, not at once in a busy loop.
                nextTick = nanoTime.getAsLong() + intervalNanos;
                Instant now = clock.instant();
                for (LiveEngine e : engines.values()) {
                    e.tick(now);
                }
                if (behind == null) {
                    source.persisted(List.copyOf(engines.keySet()), now);
                } else {
                    // What was applied so far is acknowledged once the writes handed over so far are stored.
                    Runnable ack = source.acknowledgement(List.copyOf(engines.keySet()), now);
                    behind.stored().thenRun(() -> acks.add(ack));
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (RuntimeException e) {
            if (source.continueAfter(e)) {
                return true;
            }
            failed = true;
            return false;
        }
    }

    /** Records how old the newest and oldest record of an applied batch are (their timestamps to now). */
    private void recordAges(List<io.choreoscope.model.Observation> batch) {
        if (batch.isEmpty()) {
            return;
        }
        long newest = Long.MIN_VALUE;
        long oldest = Long.MAX_VALUE;
        for (io.choreoscope.model.Observation o : batch) {
            long ts = o.timestamp().toEpochMilli();
            newest = Math.max(newest, ts);
            oldest = Math.min(oldest, ts);
        }
        long now = clock.millis();
        stages.record(LoopStages.Stage.AGE_NEWEST, TimeUnit.MILLISECONDS.toNanos(now - newest));
        stages.record(LoopStages.Stage.AGE_OLDEST, TimeUnit.MILLISECONDS.toNanos(now - oldest));
    }

    /**
     * Persists the instances every engine touched since its last write, in one insert. Offsets are not acknowledged
     * here (only after a tick). A failed write stays pending for the tick.
     */
    private void persistChanges() {
        Instant now = clock.instant();
        InstanceWriter writer = engineWriter();
        List<InstanceRecord> rows = new ArrayList<>();
        long t0 = System.nanoTime();
        for (LiveEngine e : engines.values()) {
            rows.addAll(e.pendingRows(now));
        }
        stages.since(LoopStages.Stage.ROWS, t0);
        if (rows.isEmpty()) {
            return;
        }
        try {
            writer.write(rows);
            engines.values().forEach(LiveEngine::persisted);
        } catch (RuntimeException e) {
            LOG.warn("{} could not store {} instance states ({}); the next tick writes them", name, rows.size(),
                    e.toString());
        }
    }

    /** After the last turn: persist (on a clean stop), then close the source, then drop the engines. */
    void finish() {
        try {
            if (!crashed && !failed) {
                try {
                    Instant now = clock.instant();
                    for (LiveEngine e : engines.values()) {
                        e.flush(now);
                    }
                    if (stored()) {
                        runStoredAcknowledgements(); // earlier ticks' captures, all stored now, in order
                        source.persisted(List.copyOf(engines.keySet()), now);
                    } else {
                        LOG.warn("{} could not store its state within {} on stop; acknowledging none of it", name,
                                STOP_WRITE_TIMEOUT);
                    }
                } catch (RuntimeException e) {
                    LOG.warn("{} could not persist its state on stop: {}", name, e.toString());
                }
            }
            if (behind != null) {
                behind.abandon(); // a crash stores nothing more; a clean stop stored everything above
            }
            // Engines stay until the source is closed: closing a Kafka consumer revokes its partitions, which
            // persists and commits them once more (unless crashed).
            source.close(crashed);
        } finally {
            synchronized (this) {
                if (recoveryPool != null) {
                    recoveryPool.shutdownNow(); // a recovery still running is never held
                }
            }
            engines.clear();
            stopped.countDown();
        }
    }

    private InstanceWriter engineWriter() {
        return behind != null ? behind : timedWriter;
    }

    /**
     * The store, written on this thread (inference workers): each insert of instance rows is timed as the
     * {@link LoopStages.Stage#WRITE} stage, as the write-behind times its own.
     */
    private final InstanceWriter timedWriter = new InstanceWriter() {
        @Override
        public void write(List<InstanceRecord> rows) {
            if (rows.isEmpty()) {
                writer.write(rows); // writes nothing: not an insert
                return;
            }
            long t0 = System.nanoTime();
            writer.write(rows);
            stages.since(LoopStages.Stage.WRITE, t0);
        }

        @Override
        public void writeFlowModels(String owner, List<FlowModel> models, Instant now) {
            writer.writeFlowModels(owner, models, now);
        }

        @Override
        public void retractFlowModels(String owner, Collection<String> flows, Instant now) {
            writer.retractFlowModels(owner, flows, now);
        }

        @Override
        public void writeDependencyMap(String owner, DependencyMap map, Instant now) {
            writer.writeDependencyMap(owner, map, now);
        }
    };

    @Override
    public int assigned(int partition) {
        Recovered r = recover(partition, true);
        engines.put(partition, r.engine());
        return r.instances();
    }

    /**
     * Rebuilds the engines of several partitions side by side, on up to {@value #RECOVERY_THREADS} threads of their
     * own, and holds them once all are rebuilt; the loop thread waits (a worker's retry after a failed step).
     */
    @Override
    public int assigned(Collection<Integer> partitions) {
        if (partitions.size() <= 1) {
            return InferenceSource.Assignments.super.assigned(partitions);
        }
        long t0 = System.nanoTime();
        Map<Integer, CompletableFuture<Recovered>> each = rebuild(partitions, true);
        int recovered = 0;
        RuntimeException failure = null;
        for (Map.Entry<Integer, CompletableFuture<Recovered>> e : each.entrySet()) {
            try {
                Recovered r = e.getValue().join();
                engines.put(e.getKey(), r.engine());
                recovered += r.instances();
            } catch (CompletionException | CancellationException ex) {
                RuntimeException cause = ex.getCause() instanceof RuntimeException re ? re
                        : new IllegalStateException("recovery of partition " + e.getKey() + " failed", ex);
                if (failure == null) {
                    failure = cause;
                } else {
                    failure.addSuppressed(cause);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        LOG.info("{} rebuilt partitions {} ({} instances) side by side in {} ms", name, each.keySet(), recovered,
                (System.nanoTime() - t0) / 1_000_000);
        return recovered;
    }

    /** Engines rebuilt side by side at most (an assignment of several partitions). */
    static final int RECOVERY_THREADS = 3;

    /** The threads that rebuild engines; created at the first rebuild of several, stopped when the loop ends. */
    private ExecutorService recoveryPool;

    /** Starts rebuilding each of {@code partitions} on the recovery threads. */
    private Map<Integer, CompletableFuture<Recovered>> rebuild(Collection<Integer> partitions,
                                                                                   boolean write) {
        synchronized (this) {
            if (recoveryPool == null) {
                AtomicInteger threads = new AtomicInteger();
                recoveryPool = Executors.newFixedThreadPool(RECOVERY_THREADS, r -> {
                    Thread t = new Thread(r, name + "-recovery-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
            }
        }
        Map<Integer, CompletableFuture<Recovered>> each = new TreeMap<>();
        for (int p : partitions) {
            each.put(p, CompletableFuture.supplyAsync(() -> recover(p, write), recoveryPool));
        }
        return each;
    }

    @Override
    public CompletableFuture<Map<Integer, Runnable>> assignedBeside(
            Collection<Integer> partitions) {
        long t0 = System.nanoTime();
        Map<Integer, CompletableFuture<Recovered>> each = rebuild(partitions, false);
        return CompletableFuture.allOf(each.values().toArray(CompletableFuture[]::new))
                .thenApply(done -> {
                    Map<Integer, Runnable> hold = new TreeMap<>();
                    int recovered = 0;
                    for (Map.Entry<Integer, CompletableFuture<Recovered>> e : each.entrySet()) {
                        Recovered r = e.getValue().join();
                        recovered += r.instances();
                        hold.put(e.getKey(), () -> engines.put(e.getKey(), r.engine()));
                    }
                    LOG.info("{} rebuilt partitions {} ({} instances) beside its loop in {} ms", name, each.keySet(),
                            recovered, (System.nanoTime() - t0) / 1_000_000);
                    return hold;
                });
    }

    private record Recovered(LiveEngine engine, int instances) {
    }

    /**
     * A new engine for {@code partition}, rebuilt from ClickHouse (writing what moved while nobody owned it, unless
     * {@code write} is false); not yet held. Any thread.
     */
    private Recovered recover(int partition, boolean write) {
        LiveEngine engine = partition == InferenceSource.ALL_PARTITIONS
                ? new LiveEngine("all", null, settings.getTopicPartitions(), settings.engineConfig(), engineWriter(),
                        settings.getModelInterval(), clock, evictedOverCap)
                : new LiveEngine("p" + partition, List.of(partition), settings.getTopicPartitions(),
                        settings.engineConfig(), engineWriter(), settings.getModelInterval(), clock, evictedOverCap);
        engine.stages(stages);
        int recovered = engine.recover(instances, events, settings.getRecoveryWindow(),
                settings.getRecoveryMaxInstances(), clock.instant(), write);
        return new Recovered(engine, recovered);
    }

    @Override
    public boolean revoked(int partition) {
        LiveEngine engine = engines.remove(partition);
        if (engine == null || crashed) {
            return false;
        }
        engine.flush(clock.instant());
        return stored();
    }

    /** Waits until everything handed to the write-behind is stored (at once without one); false if not in time. */
    private boolean stored() {
        if (behind == null) {
            return true;
        }
        try {
            return behind.drain(STOP_WRITE_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Runs, in order, the acknowledgements whose writes the write-behind has stored. */
    private void runStoredAcknowledgements() {
        Runnable ack;
        while ((ack = acks.poll()) != null) {
            ack.run();
        }
    }

    @Override
    public void lost(int partition) {
        engines.remove(partition);
    }
}
