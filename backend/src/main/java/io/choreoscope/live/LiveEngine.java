package io.choreoscope.live;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import io.choreoscope.inference.InferenceSettings;
import io.choreoscope.inference.InferenceEngine;
import io.choreoscope.model.Observation;
import io.choreoscope.model.Span;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.model.flow.StateChange;
import io.choreoscope.model.EventReader;
import io.choreoscope.model.InstanceReader;
import io.choreoscope.model.InstanceWriter;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.InstanceRecord;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One inference engine with its persistence: the unit of live inference. It owns a set of partitions of
 * the correlation-ID space (all of them in the embedded layout, one Kafka partition of the observations
 * topic per engine in the distributed one), persists the instances that changed at every {@link #tick},
 * flow models and the dependency map every {@code modelInterval} when something changed, and rebuilds
 * itself from ClickHouse with {@link #recover}. Not thread-safe: one thread drives it, like the engine.
 */
public final class LiveEngine {
    private static final Logger LOG = LoggerFactory.getLogger(LiveEngine.class);
    /**
     * Correlation IDs (instances and their linked IDs) of one recovery read at most, and their characters at most: the
     * statement carries them, and ClickHouse parses at most 256 KiB of it (64 Ki characters stay under that quoted,
     * escaped and in UTF-8). A read's fixed cost is as large as its rows' at these sizes: 15,000 instances' events took
     * 524-576 ms in reads of 500 IDs and 146-157 ms in reads of 5,000 (docs/BENCHMARKS.md).
     */
    static final int RECOVERY_IDS = 4_000;
    static final int RECOVERY_ID_CHARS = 64 * 1024;

    private final String owner;
    private final Collection<Integer> partitions;
    private final int partitionCount;
    private final InferenceEngine engine;
    private final InstanceWriter writer;
    private final Duration modelInterval;
    private final Set<String> touched = new LinkedHashSet<>();
    /** Rows of instances evicted over the live-instance cap, waiting to be written with the next pending rows. */
    private final Map<String, InstanceRecord> evictedRows = new HashMap<>();
    private final Clock clock;
    private final AtomicLong evictedOverCap;
    /** Per live instance: the state last persisted and since when it holds. */
    private final Map<String, Since> since = new HashMap<>();
    private Set<Long> replayed;
    /** Least time between two model writes when a new flow brings them forward. */
    static final Duration NEW_FLOW_MODEL_GAP = Duration.ofSeconds(1);
    private boolean modelsDirty;
    /**
     * Flows this engine persisted a model of at its last model write. A flow that is no longer among the engine's
     * models was only ever named by an event that arrived before its instance's start (a RabbitMQ OrderShipped before
     * its order's Kafka events): it is retracted, so it is not listed as an empty flow.
     */
    private Set<String> persistedFlows = Set.of();
    /**
     * An instance row written since the last model write names a flow without a persisted model: the models are
     * written at the next tick rather than a model-interval later, so that a flow {@code /flows} lists by its stored
     * instance has its model too (no more often than {@link #NEW_FLOW_MODEL_GAP}, whatever a producer invents).
     */
    private boolean unlistedFlow;
    private Instant lastModelWrite = Instant.EPOCH;
    private Instant lastPrune = Instant.EPOCH;
    private long applied;
    private LoopStages stages = LoopStages.NONE;

    /**
     * @param owner          name under which flow models are persisted ({@code all}, or {@code p<partition>})
     * @param partitions     partitions this engine owns (null: all)
     * @param partitionCount partitions of the correlation-ID space (for the {@code partition} column)
     */
    public LiveEngine(String owner, Collection<Integer> partitions, int partitionCount, InferenceSettings config,
                      InstanceWriter writer, Duration modelInterval) {
        this(owner, partitions, partitionCount, config, writer, modelInterval, Clock.systemUTC(), new AtomicLong());
    }

    /**
     * @param clock          the time instances evicted over the cap are classified at
     * @param evictedOverCap incremented for every instance evicted over the live-instance cap (a metric)
     */
    public LiveEngine(String owner, Collection<Integer> partitions, int partitionCount, InferenceSettings config,
                      InstanceWriter writer, Duration modelInterval, Clock clock, AtomicLong evictedOverCap) {
        this.clock = clock;
        this.evictedOverCap = evictedOverCap;
        this.owner = owner;
        this.partitions = partitions;
        this.partitionCount = partitionCount;
        this.engine = new InferenceEngine(config);
        this.writer = writer;
        this.modelInterval = modelInterval;
    }

    /** The partition of the correlation-ID space an ID belongs to: Kafka's default partitioner for that key. */
    public static int partitionOf(String correlationId, int partitionCount) {
        return Utils.toPositive(Utils.murmur2(correlationId.getBytes(StandardCharsets.UTF_8))) % partitionCount;
    }

    /** Times this engine's evaluation, row building and model computation into {@code stages}. */
    void stages(LoopStages stages) {
        this.stages = stages;
    }

    public String owner() {
        return owner;
    }

    public InferenceEngine engine() {
        return engine;
    }

    /** Observations applied so far (replayed ones included). */
    public long applied() {
        return applied;
    }

    /** Applies a batch. Records already replayed by the last recovery are skipped (they were redelivered). */
    public void apply(List<Observation> batch) {
        List<Observation> fresh = batch;
        if (replayed != null) {
            fresh = new ArrayList<>(batch.size());
            for (Observation o : batch) {
                if (!replayed.contains(coordinates(o))) {
                    fresh.add(o);
                }
            }
        }
        engine.apply(fresh);
        applied += fresh.size();
        for (Observation o : fresh) {
            if (o.correlated()) {
                touched.add(o.correlationId());
            }
        }
        modelsDirty |= !fresh.isEmpty();
        keepEvicted(clock.instant());
    }

    /**
     * Takes the instances the engine evicted over its live-instance cap as rows to write with the next pending rows,
     * so that they stay queryable in ClickHouse with the state they had. They are held as rows (not as instances)
     * only until the next write.
     */
    private void keepEvicted(Instant now) {
        for (InferenceEngine.Evicted e : engine.drainEvicted(now)) {
            InstanceSnapshot snap = e.snapshot();
            Since s = since.remove(snap.correlationId());
            Instant stateSince = s != null && s.state() == snap.state() ? s.at() : now;
            evictedRows.put(snap.correlationId(), new InstanceRecord(snap, e.steps(),
                    partitionOf(snap.correlationId(), partitionCount), stateSince, now));
            evictedOverCap.incrementAndGet();
        }
    }

    public void applySpans(List<Span> spans) {
        engine.applySpans(spans);
        modelsDirty |= !spans.isEmpty();
    }

    /** Stops skipping records replayed by the last recovery. */
    public void forgetReplayed() {
        replayed = null;
    }

    /**
     * Evaluates as of {@code now} (states, stuck detection, eviction), persists every instance that
     * received events or changed state since the last tick, and the models when due. Returns the state
     * changes. A storage failure leaves the touched set in place, so the next tick writes it again.
     */
    public List<StateChange> tick(Instant now) {
        long t0 = System.nanoTime();
        List<StateChange> changes = engine.evaluate(now);
        stages.since(LoopStages.Stage.EVALUATE, t0);
        for (StateChange c : changes) {
            Since s = since.get(c.correlationId());
            if (s == null || s.state() != c.to()) {
                touched.add(c.correlationId()); // not yet persisted in this state (an event may have persisted it)
            }
            modelsDirty = true;
        }
        persistChanges(now);
        Duration gap = unlistedFlow && NEW_FLOW_MODEL_GAP.compareTo(modelInterval) < 0 ? NEW_FLOW_MODEL_GAP : modelInterval;
        if (modelsDirty && !now.isBefore(lastModelWrite.plus(gap))) {
            persistModels(now);
        }
        if (now.isAfter(lastPrune.plus(Duration.ofMinutes(1)))) {
            since.keySet().removeIf(id -> engine.eventTypes(id).isEmpty());
            lastPrune = now;
        }
        return changes;
    }

    private record Since(InstanceState state, Instant at) {
    }

    /**
     * Persists every instance that received events (or changed state at the last evaluation) since it was last
     * persisted, classified as of {@code now}: without waiting for the next {@link #tick}, so that an event's
     * instance state is visible as soon as the batch that carried it is applied. A storage failure leaves
     * the touched set in place for the next call. Returns the rows written.
     */
    public int persistChanges(Instant now) {
        long t0 = System.nanoTime();
        List<InstanceRecord> rows = pendingRows(now);
        stages.since(LoopStages.Stage.ROWS, t0);
        writer.write(rows);
        persisted();
        return rows.size();
    }

    /**
     * The rows {@link #persistChanges} would write as of {@code now}, for a caller that writes several engines' rows
     * in one insert; it calls {@link #persisted()} once they are stored (until then they stay pending).
     */
    public List<InstanceRecord> pendingRows(Instant now) {
        if (touched.isEmpty() && evictedRows.isEmpty()) {
            return List.of();
        }
        Map<String, InstanceRecord> rows = new HashMap<>();
        for (String id : touched) {
            Optional<InstanceSnapshot> found = engine.snapshot(id, now);
            if (found.isEmpty() || rows.containsKey(found.get().correlationId())) {
                continue;
            }
            InstanceSnapshot snap = found.get();
            unlistedFlow |= !persistedFlows.contains(snap.flow()) && !InstanceSnapshot.NO_FLOW.equals(snap.flow());
            Since s = since.get(snap.correlationId());
            if (s == null || s.state() != snap.state()) {
                s = new Since(snap.state(), now);
                since.put(snap.correlationId(), s);
            }
            rows.put(snap.correlationId(), new InstanceRecord(snap, engine.steps(snap.correlationId()),
                    partitionOf(snap.correlationId(), partitionCount), s.at(), now));
        }
        evictedRows.forEach(rows::putIfAbsent); // an ID live again since its eviction is written as it is now
        return new ArrayList<>(rows.values());
    }

    /** The rows of the last {@link #pendingRows} are stored. */
    public void persisted() {
        touched.clear();
        evictedRows.clear();
    }

    /** Writes flow models and the dependency map now. */
    public void persistModels(Instant now) {
        long t0 = System.nanoTime();
        List<FlowModel> models = engine.flowModels();
        io.choreoscope.model.flow.DependencyMap map = engine.dependencyMap();
        stages.since(LoopStages.Stage.MODELS, t0);
        writer.writeFlowModels(owner, models, now);
        Set<String> flows = new HashSet<>();
        models.forEach(m -> flows.add(m.flow()));
        Set<String> gone = new java.util.TreeSet<>(persistedFlows);
        gone.removeAll(flows);
        if (!gone.isEmpty()) {
            writer.retractFlowModels(owner, gone, now);
            LOG.debug("Owner {} retracted flows {}: their instances now belong to other flows", owner, gone);
        }
        persistedFlows = flows;
        unlistedFlow = false;
        writer.writeDependencyMap(owner, map, now);
        lastModelWrite = now;
        modelsDirty = false;
    }

    /**
     * Rebuilds this engine from ClickHouse: replays the stored events of every instance of its partitions
     * that is unfinished, or whose last event lies within {@code window} (newest first, at most
     * {@code maxInstances}), then evaluates. Instances whose recomputed state equals the stored one are
     * not written again. The replayed records are remembered so that a redelivery of them is skipped
     * until {@link #forgetReplayed()}. Returns the instances recovered.
     */
    public int recover(InstanceReader instances, EventReader events, Duration window,
                       int maxInstances, Instant now) {
        return recover(instances, events, window, maxInstances, now, true);
    }

    /**
     * As {@link #recover(InstanceReader, EventReader, Duration, int, Instant)}; with {@code write} false the rows
     * recovery would write (states that moved while nobody owned the instances, rows older than their events) stay
     * pending for the owner's next write instead: for a recovery beside the loop, whose engine may never be held (its
     * partition taken away meanwhile) and must then write nothing.
     */
    public int recover(InstanceReader instances, EventReader events, Duration window,
                       int maxInstances, Instant now, boolean write) {
        long t0 = System.nanoTime();
        InferenceSettings cfg = engine.config();
        List<InstanceReader.Recoverable> recs = instances.recoverable(partitions, now.minus(window),
                now.minus(cfg.abandonAfter()), maxInstances);
        long listed = System.nanoTime();
        long readNanos = 0;
        Map<String, InstanceReader.Recoverable> stored = new HashMap<>();
        Set<Long> seen = new HashSet<>();
        long replayedEvents = 0;
        for (int i = 0; i < recs.size(); ) {
            Set<String> ids = new LinkedHashSet<>();
            int chars = 0;
            while (i < recs.size()) { // whole instances, at least one
                InstanceReader.Recoverable r = recs.get(i);
                List<String> own = r.linkedIds().isEmpty() ? List.of(r.correlationId()) : r.linkedIds();
                int ownChars = own.stream().mapToInt(String::length).sum();
                if (!ids.isEmpty() && (ids.size() + own.size() > RECOVERY_IDS || chars + ownChars > RECOVERY_ID_CHARS)) {
                    break;
                }
                stored.put(r.correlationId(), r);
                ids.addAll(own);
                chars += ownChars;
                i++;
            }
            long r0 = System.nanoTime();
            List<Observation> batch = events.eventsForInference(ids);
            readNanos += System.nanoTime() - r0;
            engine.apply(batch);
            applied += batch.size();
            replayedEvents += batch.size();
            for (Observation o : batch) {
                seen.add(coordinates(o));
            }
            keepEvicted(now); // more to recover than the cap holds: the least recent are written back as they are
        }
        replayed = seen;
        long replayedAt = System.nanoTime();
        List<StateChange> changes = engine.evaluate(now);
        for (StateChange c : changes) {
            since.put(c.correlationId(), new Since(c.to(), now));
            InstanceReader.Recoverable row = stored.get(c.correlationId());
            if (row == null || c.to() != row.state()) {
                touched.add(c.correlationId()); // the state moved while nobody owned the instance
            }
        }
        // A row older than its stored events (they were stored, then the process died before the instance was
        // written again) is written again, also when its state did not move: the redelivered records are skipped as
        // replayed, so nothing else would ever update it.
        for (InstanceReader.Recoverable row : stored.values()) {
            engine.snapshot(row.correlationId(), now).ifPresent(s -> {
                if (s.eventCount() != row.eventCount() || !s.lastEventAt().equals(row.lastEventAt())) {
                    touched.add(s.correlationId());
                }
            });
        }
        long evaluated = System.nanoTime();
        int written = write ? persistChanges(now) : 0;
        modelsDirty = true;
        long end = System.nanoTime();
        // Read by operators and the fault suite after a crash: what was rebuilt, and from how far back.
        LOG.info("Inference owner {} recovered {} instances from {} events since {} (unfinished ones of any age up to {})"
                        + " from ClickHouse in {} ms (listing {} ms, reading events {} ms, replaying {} ms, evaluating {} ms,"
                        + " writing {} rows {} ms{}); records not yet persisted by inference are read again from Kafka",
                owner, recs.size(), replayedEvents, now.minus(window), now.minus(cfg.abandonAfter()),
                (end - t0) / 1_000_000, (listed - t0) / 1_000_000, readNanos / 1_000_000,
                (replayedAt - listed - readNanos) / 1_000_000, (evaluated - replayedAt) / 1_000_000, written,
                (end - evaluated) / 1_000_000, write ? "" : "; up to " + (touched.size() + evictedRows.size())
                        + " rows left for the owner's first write");
        return recs.size();
    }

    /** Persists what is pending and the models; for a clean stop or a revoked partition. */
    public void flush(Instant now) {
        tick(now);
        persistModels(now);
    }

    /** Primary IDs of the live instances and their states as of {@code now} (linear in events held). */
    public Map<String, InstanceState> states(Instant now) {
        Map<String, InstanceState> out = new HashMap<>();
        for (InstanceSnapshot s : engine.snapshots(now)) {
            out.put(s.correlationId(), s.state());
        }
        return out;
    }

    private static long coordinates(Observation o) {
        long h = o.topic().hashCode();
        h = h * 0x9E3779B97F4A7C15L + o.partition();
        h = h * 0x9E3779B97F4A7C15L + o.offset();
        return h ^ (h >>> 29);
    }
}
