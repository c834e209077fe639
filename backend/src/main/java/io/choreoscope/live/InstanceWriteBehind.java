package io.choreoscope.live;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.InstanceRecord;
import io.choreoscope.model.InstanceWriter;
import io.choreoscope.model.flow.FlowModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live loop's writes, stored by a thread of their own so that the loop goes on applying batches while ClickHouse
 * stores the last ones (issue 19 item 6: the synchronous instance insert was a fifth of the loop's time). The loop
 * hands rows and models over with the {@link InstanceWriter} methods, which return at once; they are stored in the
 * order handed over. What waits while a write runs is one batch: a row handed over again before it is written replaces
 * the waiting one (a later row of an instance is its newer state, which is what the store would keep anyway), a flow
 * model or dependency map replaces the waiting one of its owner. So what waits is bounded by the instances that
 * changed, not by time; beyond {@code maxRows} waiting rows the handing-over thread waits (back-pressure on the loop,
 * and through it on the source).
 *
 * <p>{@link #stored()} is the acknowledgement: it completes once everything handed over before it is stored. The
 * loop acknowledges input to its source only then, so an acknowledged record is always in a stored state, as when the
 * loop wrote itself. A write that fails is retried (200 ms doubling to 5 s) until it is stored or the writer is
 * {@linkplain #abandon() abandoned}; nothing handed over after it is written or acknowledged before it. Not a
 * general-purpose writer: one thread hands over (the loop's), any thread may wait.
 *
 * <p>The instance rows it holds (the waiting batch and the one being stored) are readable from any thread
 * ({@link #pending}, {@link #pendingLinked}): the API answers from them before ClickHouse has them
 * ({@link PendingFirstInstanceReader}, read-your-writes). A row leaves them only once it is stored, so a read that
 * finds none there finds the row, or a newer one, in ClickHouse.
 */
final class InstanceWriteBehind implements InstanceWriter, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InstanceWriteBehind.class);
    private static final long RETRY_INITIAL_MS = 200;
    private static final long RETRY_MAX_MS = 5_000;

    private final InstanceWriter store;
    private final int maxRows;
    private volatile LoopStages stages = LoopStages.NONE;
    private final String name;
    private final Thread thread;
    /** Waits for the writer; guarded by {@code this}. */
    private Batch waiting = new Batch();
    /** The batch the writer thread is storing, or null; guarded by {@code this}. */
    private Batch writing;
    /** Nothing more is stored (a crash, or closed). */
    private boolean ended;
    private long failures;

    /**
     * @param store   where the writes go (ClickHouse)
     * @param maxRows instance rows that may wait before {@link #write} waits; at least 1
     */
    InstanceWriteBehind(String name, InstanceWriter store, int maxRows) {
        this.name = name;
        this.store = store;
        this.maxRows = Math.max(1, maxRows);
        this.thread = new Thread(this::run, name + "-writer");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Times its instance inserts into {@code stages} (set before {@link #start}). */
    void stages(LoopStages stages) {
        this.stages = stages;
    }

    /** One insert of rows and the model writes handed over meanwhile, with the acknowledgements that follow it. */
    private static final class Batch {
        final Map<String, InstanceRecord> rows = new LinkedHashMap<>();
        /**
         * Linked IDs other than the primary to the primaries whose rows named them when handed over (a row replaced
         * later may no longer name it: checked when read).
         */
        final Map<String, List<String>> linked = new HashMap<>();
        final Map<String, List<FlowModel>> models = new LinkedHashMap<>();
        final Map<String, Instant> modelsAt = new LinkedHashMap<>();
        final Map<String, Set<String>> retracted = new LinkedHashMap<>();
        final Map<String, Instant> retractedAt = new LinkedHashMap<>();
        final Map<String, DependencyMap> maps = new LinkedHashMap<>();
        final Map<String, Instant> mapsAt = new LinkedHashMap<>();
        final List<CompletableFuture<Void>> acks = new ArrayList<>();

        boolean empty() {
            return rows.isEmpty() && models.isEmpty() && retracted.isEmpty() && maps.isEmpty() && acks.isEmpty();
        }
    }

    @Override
    public void write(List<InstanceRecord> rows) {
        if (rows.isEmpty()) {
            return;
        }
        synchronized (this) {
            while (!ended && waiting.rows.size() >= maxRows) {
                try {
                    wait(200); // back-pressure: the writer is behind by maxRows instances (ClickHouse slow or down)
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // the loop is stopping: hand over beyond the bound
                    break;
                }
            }
            for (InstanceRecord r : rows) {
                String id = r.snapshot().correlationId();
                waiting.rows.put(id, r);
                for (String l : r.snapshot().linkedIds()) {
                    if (!l.equals(id)) {
                        List<String> primaries = waiting.linked.computeIfAbsent(l, k -> new ArrayList<>(1));
                        if (!primaries.contains(id)) {
                            primaries.add(id);
                        }
                    }
                }
            }
            notifyAll();
        }
    }

    @Override
    public synchronized void writeFlowModels(String owner, List<FlowModel> models, Instant now) {
        // Flows written now are no longer retracted by an earlier, still waiting retraction.
        Set<String> retracted = waiting.retracted.get(owner);
        if (retracted != null) {
            models.forEach(m -> retracted.remove(m.flow()));
            if (retracted.isEmpty()) {
                waiting.retracted.remove(owner);
                waiting.retractedAt.remove(owner);
            }
        }
        List<FlowModel> merged = new ArrayList<>();
        Set<String> flows = new LinkedHashSet<>();
        models.forEach(m -> flows.add(m.flow()));
        // The store replaces models by flow and leaves the others: keep the waiting ones of flows not written now.
        for (FlowModel m : waiting.models.getOrDefault(owner, List.of())) {
            if (!flows.contains(m.flow())) {
                merged.add(m);
            }
        }
        merged.addAll(models);
        waiting.models.put(owner, merged);
        waiting.modelsAt.put(owner, now);
        notifyAll();
    }

    @Override
    public synchronized void retractFlowModels(String owner, Collection<String> flows, Instant now) {
        if (flows.isEmpty()) {
            return;
        }
        List<FlowModel> models = waiting.models.get(owner);
        if (models != null) {
            models.removeIf(m -> flows.contains(m.flow())); // retracted after it was handed over: not written at all
        }
        waiting.retracted.computeIfAbsent(owner, o -> new LinkedHashSet<>()).addAll(flows);
        waiting.retractedAt.put(owner, now);
        notifyAll();
    }

    @Override
    public synchronized void writeDependencyMap(String owner, DependencyMap map, Instant now) {
        waiting.maps.put(owner, map);
        waiting.mapsAt.put(owner, now);
        notifyAll();
    }

    /**
     * Completes (on the writer thread) once everything handed over before this call is stored; never if the writer
     * is abandoned first. Stages complete in the order they were asked for.
     */
    synchronized CompletableFuture<Void> stored() {
        CompletableFuture<Void> ack = new CompletableFuture<>();
        if (ended) {
            return ack;
        }
        waiting.acks.add(ack);
        notifyAll();
        return ack;
    }

    /** Waits up to {@code timeout} until everything handed over so far is stored; true if it is. */
    boolean drain(Duration timeout) throws InterruptedException {
        try {
            stored().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return false;
        }
    }

    /**
     * The newest instance row handed over and not stored yet whose primary ID is {@code id}, or null (any thread).
     */
    synchronized InstanceRecord pending(String id) {
        InstanceRecord r = waiting.rows.get(id);
        if (r == null && writing != null) {
            r = writing.rows.get(id);
        }
        return r;
    }

    /**
     * The newest rows handed over and not stored yet that name {@code id} among their linked IDs, not as their primary
     * (any thread); usually none.
     */
    synchronized List<InstanceRecord> pendingLinked(String id) {
        List<InstanceRecord> out = new ArrayList<>();
        for (String primary : waiting.linked.getOrDefault(id, List.of())) {
            InstanceRecord r = waiting.rows.get(primary);
            if (r != null && r.snapshot().linkedIds().contains(id)) {
                out.add(r);
            }
        }
        if (writing != null) {
            for (String primary : writing.linked.getOrDefault(id, List.of())) {
                InstanceRecord r = writing.rows.get(primary);
                // A newer row of the same instance waits: that one counts, whatever IDs it names.
                if (r != null && !waiting.rows.containsKey(primary) && r.snapshot().linkedIds().contains(id)) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    /** Failed write attempts since start (any thread). */
    synchronized long failures() {
        return failures;
    }

    /** Stores nothing more (a crash): what waits is dropped, its acknowledgements never complete. */
    void abandon() {
        synchronized (this) {
            ended = true;
            waiting = new Batch();
            writing = null; // may be stored or not: ClickHouse answers from now on
            notifyAll();
        }
        thread.interrupt();
    }

    /** After {@link #drain}: stops the thread; what is still waiting is dropped. */
    @Override
    public void close() {
        abandon();
    }

    private void run() {
        while (true) {
            Batch batch;
            synchronized (this) {
                while (!ended && waiting.empty()) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        if (ended) {
                            return;
                        }
                    }
                }
                if (ended) {
                    return;
                }
                batch = waiting;
                waiting = new Batch();
                writing = batch;
                notifyAll(); // a loop waiting for room may hand over again
            }
            if (!storeRetrying(batch)) {
                return;
            }
            synchronized (this) {
                writing = null; // stored: its rows are read from ClickHouse now
                if (ended) {
                    return; // abandoned while the last write ran: it may be stored, but acknowledges nothing
                }
            }
            batch.acks.forEach(a -> a.complete(null)); // in order: everything before each is stored
        }
    }

    /** Stores one batch, retrying each failed step until it succeeds; false when abandoned meanwhile. */
    private boolean storeRetrying(Batch batch) {
        List<Step> steps = new ArrayList<>();
        if (!batch.rows.isEmpty()) {
            List<InstanceRecord> rows = new ArrayList<>(batch.rows.values());
            steps.add(new Step(rows.size() + " instance states", () -> {
                long t0 = System.nanoTime();
                store.write(rows);
                stages.since(LoopStages.Stage.WRITE, t0);
            }));
        }
        batch.models.forEach((owner, models) -> steps.add(new Step("flow models of " + owner,
                () -> store.writeFlowModels(owner, models, batch.modelsAt.get(owner)))));
        batch.retracted.forEach((owner, flows) -> steps.add(new Step("retracted flows of " + owner,
                () -> store.retractFlowModels(owner, flows, batch.retractedAt.get(owner)))));
        batch.maps.forEach((owner, map) -> steps.add(new Step("dependency map of " + owner,
                () -> store.writeDependencyMap(owner, map, batch.mapsAt.get(owner)))));
        for (Step step : steps) {
            long backoff = RETRY_INITIAL_MS;
            while (true) {
                synchronized (this) {
                    if (ended) {
                        return false;
                    }
                }
                try {
                    step.write().run();
                    break;
                } catch (RuntimeException e) {
                    long n;
                    synchronized (this) {
                        n = ++failures;
                    }
                    if (n == 1 || n % 10 == 0) {
                        LOG.warn("{} could not store {} ({}, failure {}); retrying in {} ms, acknowledging nothing after it"
                                + " until it is stored", name, step.what(), e.toString(), n, backoff);
                    }
                    if (!pause(backoff)) {
                        return false;
                    }
                    backoff = Math.min(backoff * 2, RETRY_MAX_MS);
                }
            }
        }
        return true;
    }

    private record Step(String what, Runnable write) {
    }

    /** Waits {@code ms} before a retry (waiting for ClickHouse, not a test condition); false if abandoned meanwhile. */
    private synchronized boolean pause(long ms) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        long left;
        while (!ended && (left = until - System.nanoTime()) > 0) {
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                // abandoned: checked by the loop condition
            }
        }
        return !ended;
    }

    /** Whether nothing waits and nothing is being written (any thread; for tests and metrics). */
    synchronized boolean idle() {
        return waiting.empty() && writing == null;
    }
}
