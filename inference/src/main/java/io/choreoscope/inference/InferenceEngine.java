package io.choreoscope.inference;

import io.choreoscope.model.HumanDuration;
import io.choreoscope.model.Observation;
import io.choreoscope.model.Span;
import io.choreoscope.model.flow.Deviation;
import io.choreoscope.model.flow.DeviationKind;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.ExpectedStep;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InferenceCounters;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.model.flow.LinkedObservation;
import io.choreoscope.model.flow.StateChange;
import io.choreoscope.model.flow.StepSequence;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Live workflow inference: instances per correlation ID, flow models across instances, instance
 * states, expected next steps, deviations and the service dependency map. Plain Java: no I/O, no
 * framework, the clock is the {@code now} argument. Not thread-safe: one engine per partition of the
 * correlation-ID space, fed by one thread.
 *
 * <p><b>Determinism.</b> Applying the same observations in any order, one by one or in batches, gives the
 * same instances, flow models, dependency map and (for the same {@code evaluate} calls) states, as long
 * as no instance reaches the event cap, no instance is evicted in between, and the join buffers do not
 * overflow. Only {@link InferenceCounters#lateEvents()} depends on arrival order.
 *
 * <p><b>Bad input.</b> Observations without a correlation ID are counted ({@code uncorrelated}) and used for
 * the dependency map, never for instances. A missing event type becomes {@code (unknown)}. Duplicate
 * deliveries (same event ID, or same topic/partition/offset, within one instance) are counted, never added
 * twice. Events beyond {@link InferenceSettings#maxEventsPerInstance()} are counted as dropped.
 *
 * <p><b>Memory.</b> Per live instance: one map entry per ID, a small object and 32 bytes per kept event
 * (see docs/BENCHMARKS.md for the measured bytes per instance). Flow statistics are per flow and event type,
 * not per instance. Finished instances are evicted {@link InferenceSettings#retention()} after their last
 * event; any instance idle for {@link InferenceSettings#abandonAfter()} is evicted too. At most
 * {@link InferenceSettings#maxLiveInstances()} instances are live: a new one beyond the cap evicts the least recently
 * active (by arrival of its last observation, not by event time, which a producer chooses); evicted instances wait,
 * with their events, until {@link #drainEvicted} hands their snapshots out (so at most one batch's worth), and their
 * counts stay in the flow models. A flood of unique correlation IDs therefore holds the cap, not the flood.
 */
public final class InferenceEngine {
    /** Event type used when a record carries none. */
    public static final String UNKNOWN_TYPE = "(unknown)";

    private final InferenceSettings cfg;
    private final Interner types;
    private final Interner services = new Interner(null);
    private final Interner topics = new Interner("");
    private final NameRules compensationRules;
    private final NameRules failureRules;
    private boolean[] failureType = new boolean[16];
    private boolean[] compensationType = new boolean[16];
    private boolean[] configuredEnd = new boolean[16];
    /**
     * Event types seen with their cause inside their instance: caused by an event that is tapped too. An instance
     * whose earliest event is of such a type and names a cause not in it is missing its first events, which are late.
     */
    private final java.util.BitSet causedByTapped = new java.util.BitSet();
    private final HashMap<String, Instance> byId = new HashMap<>();
    /** Live instances, least recently active first (access order: applying an observation moves it last). */
    private final LinkedHashMap<Instance, Boolean> recency = new LinkedHashMap<>(16, 0.75f, true);
    /** Evicted over the cap, not yet handed out by {@link #drainEvicted}; still counted in the views. */
    private final List<Instance> overCap = new ArrayList<>();
    private final HashMap<String, FlowStats> evicted = new HashMap<>();
    /** flow -> what its settled instances taught (ends, end sets, compensations, repeats). */
    private final HashMap<String, Settled> learning = new HashMap<>();
    private final DependencyTracker dependencies;
    /**
     * Flow statistics of evicted plus live instances (see {@link #views()}); null when they must be rebuilt from every
     * instance. Kept up to date event by event while instances only grow at their end.
     */
    private Map<String, FlowStats> views;
    /** Flows of {@link #views} whose counts or learning changed since their derived indexes were built. */
    private final Set<String> staleViews = new java.util.HashSet<>();
    /** Live instances whose events changed since the last {@link #evaluate}: classified at the next one. */
    private final Set<Instance> changed = new java.util.HashSet<>();
    /**
     * The deadline index: live instances by the time from which {@link #evaluate} may find them changed by time alone
     * (settling, stuck, eviction). Lazy: an entry counts only while it equals its instance's {@link Instance#deadline}.
     */
    private final java.util.PriorityQueue<Due> due = new java.util.PriorityQueue<>(Comparator.comparingLong(Due::at));
    /** What {@link #classify} read from each flow's view at the last {@link #evaluate}, and its settling delay. */
    private final Map<String, String> signatures = new HashMap<>();
    private final Map<String, Long> settleDelays = new HashMap<>();
    private long lastEvaluated = Long.MIN_VALUE;
    /** Tests: visit every live instance at each {@link #evaluate}, as before the deadline index. */
    private boolean visitEvery;
    private int lastVisited;
    private long observations, uncorrelated, duplicates, droppedOverCap, lateEvents, evictions, merges, evictedOverCap;
    /** Observations whose event type came past {@link InferenceSettings#maxEventTypes()}, and the latest of them. */
    private long overTypeLimit;
    private String lastOverTypeLimit;
    private String lastOverTypeLimitTopic;
    private int liveInstances;

    public InferenceEngine(InferenceSettings config) {
        this.cfg = config;
        this.types = new Interner(UNKNOWN_TYPE, config.maxEventTypes(), InferenceSettings.TOO_MANY_EVENT_TYPES);
        this.compensationRules = new NameRules(config.compensationPatterns());
        this.failureRules = new NameRules(config.failurePatterns());
        this.dependencies = new DependencyTracker(types, services, topics, config.joinBufferEntries());
        typeId(UNKNOWN_TYPE);
    }

    public InferenceSettings config() {
        return cfg;
    }

    // ------------------------------------------------------------------ input

    /** Applies a batch in list order. Same as calling {@link #apply(Observation, Collection)} for each. */
    public void apply(List<Observation> batch) {
        for (Observation o : batch) {
            apply(o, List.of());
        }
    }

    /** Applies a batch of observations that may carry extra link IDs. */
    public void applyLinked(List<LinkedObservation> batch) {
        for (LinkedObservation lo : batch) {
            apply(lo.observation(), lo.linkIds());
        }
    }

    /** Applies one observation without extra IDs. */
    public void apply(Observation o) {
        apply(o, List.of());
    }

    /**
     * Applies one observation. {@code linkIds} are further IDs of the same business transaction: every
     * instance known under the correlation ID or any link ID is merged into one (the largest absorbs the
     * others). An observation without correlation ID is only counted and used for the dependency map.
     */
    public void apply(Observation o, Collection<String> linkIds) {
        observations++;
        int type = typeId(o.eventType() == null ? UNKNOWN_TYPE : o.eventType());
        if (types.isOverflow(type)) {
            overTypeLimit++;
            lastOverTypeLimit = o.eventType();
            lastOverTypeLimitTopic = o.topic();
        }
        int service = services.id(o.sourceService());
        int topic = topics.id(o.topic());
        long ts = o.timestamp().toEpochMilli();
        if (!o.correlated()) {
            uncorrelated++;
            dependencies.record(type, service, topic, ts, o.traceId(), o.spanId(), type);
            return;
        }
        long mergesBefore = merges;
        Instance in = instanceFor(o.correlationId(), linkIds);
        if (merges != mergesBefore) {
            views = null; // instances merged: rebuilt from every instance when next needed
        }
        changed.add(in);
        recency.put(in, Boolean.TRUE); // most recently active now
        while (liveInstances > cfg.maxLiveInstances()) {
            evictLeastRecent();
        }
        if (in.settled) {
            learn(in, -1);
            in.settled = false;
        }
        long meta = Instance.meta(type, service, topic, Math.min(Math.max(o.partition(), 0), 0xFFFF));
        int before = in.size;
        String flowBefore = views != null && before > 0 ? flowOf(in) : null;
        int lastTypeBefore = before > 0 ? in.lastType() : -1;
        long lastTsBefore = before > 0 ? in.lastTs() : 0;
        long causation = Instance.hash(o.causationId());
        int cause = causation == 0 ? 0 : Instance.cause32(causation);
        int r = in.insert(ts, meta, o.offset(), Instance.hash(o.eventId()), cause, cfg.maxEventsPerInstance(), topics);
        if (r == Instance.DUPLICATE) {
            // a dead-letter copy keeps its original's event ID: left out of the instance like a duplicate, but it is
            // not a second delivery (the instance is stuck on it, and the stuck cause says so), whichever came first
            if (!StuckCauses.deadLetter(o) && !onDeadLetterTopic(in.lastMatchedTopic)) {
                duplicates++;
                in.countDuplicate(type);
            }
            if (in.lastReplaced) {
                views = null; // the kept copy changed place: rebuilt when next needed
            }
        } else if (r == Instance.DROPPED) {
            droppedOverCap++;
        } else {
            if (in.lastPlaced < before) {
                lateEvents++;
            }
            if (in.lastPlaced == 0) {
                in.primary = o.correlationId();
            }
            if (in.causes != null) {
                noteCauses(in, in.lastPlaced);
            }
            nameOrWait(in, before);
            dependencies.record(type, service, topic, ts, o.traceId(), o.spanId(), type);
            if (views != null) {
                followInView(in, before, flowBefore, lastTypeBefore, lastTsBefore);
            }
        }
    }

    /** Records which types event {@code p} of {@code in} (just placed) shows caused by another event of it. */
    private void noteCauses(Instance in, int p) {
        if (in.causedInside(p)) {
            causedByTapped.set(in.type(p));
        }
        long h = in.idHash(p);
        if (h != 0) {
            int c = Instance.cause32(h);
            for (int j = 0; j < in.size; j++) {
                if (j != p && in.cause(j) == c) {
                    causedByTapped.set(in.type(j));
                }
            }
        }
    }

    /**
     * After an event was added to {@code in} (which held {@code before} events): a new instance whose earliest event
     * names a cause not in it, of a type seen caused by a tapped event, waits unnamed for its first events (until
     * that event's time plus {@link InferenceSettings#startGrace}); one that waits is named as soon as its earliest
     * event no longer lacks its cause.
     */
    private void nameOrWait(Instance in, int before) {
        if (before > 0 && in.unnamedUntil == 0) {
            return;
        }
        long grace = cfg.startGrace().toMillis();
        int root = in.rootIndex();
        boolean late = grace > 0 && in.cause(root) != 0 && causedByTapped.get(in.type(root));
        if (before == 0 && late) {
            in.unnamedUntil = Math.max(1, plus(in.ts(root), grace));
        } else if (!late) {
            in.unnamedUntil = 0;
        }
    }

    /**
     * Adds an event just inserted into {@code in} to {@link #views} as a rebuild would count it, when that is a plain
     * addition: the instance's first event, or an event placed last without changing its flow. Anything else (an event
     * placed before others, a flow renamed by a new root) drops the views, to be rebuilt from every instance.
     */
    private void followInView(Instance in, int before, String flowBefore, int lastTypeBefore, long lastTsBefore) {
        String flow = flowOf(in);
        if (before == 0) {
            views.computeIfAbsent(flow, FlowStats::new).addFirst(in.type(0));
        } else if (in.lastPlaced == before && flow.equals(flowBefore)) {
            views.get(flow).append(lastTypeBefore, in.lastType(), in.lastTs() - lastTsBefore);
        } else {
            views = null;
            return;
        }
        staleViews.add(flow);
    }

    /** Spans feed the dependency map (CONSUMER spans name consumers). Other spans are ignored here. */
    public void applySpans(List<Span> spans) {
        for (Span s : spans) {
            dependencies.span(s);
        }
    }

    private int typeId(String name) {
        int id = types.id(name);
        if (id >= failureType.length) {
            int n = Math.max(id + 1, failureType.length * 2);
            failureType = java.util.Arrays.copyOf(failureType, n);
            compensationType = java.util.Arrays.copyOf(compensationType, n);
            configuredEnd = java.util.Arrays.copyOf(configuredEnd, n);
        }
        // the types past the bound are one type, named by none of them
        boolean named = !types.isOverflow(id);
        failureType[id] = named && failureRules.matches(name);
        compensationType[id] = named && compensationRules.matches(name);
        configuredEnd[id] = named && cfg.endEventTypes().contains(name);
        return id;
    }

    private Instance instanceFor(String correlationId, Collection<String> linkIds) {
        Instance main = byId.get(correlationId);
        if (linkIds.isEmpty()) {
            if (main == null) {
                main = new Instance(correlationId);
                byId.put(correlationId, main);
                liveInstances++;
            }
            return main;
        }
        LinkedHashSet<String> ids = new LinkedHashSet<>();
        ids.add(correlationId);
        for (String l : linkIds) {
            if (l != null && !l.isEmpty()) {
                ids.add(l);
            }
        }
        List<Instance> found = new ArrayList<>();
        for (String id : ids) {
            Instance in = byId.get(id);
            if (in != null && !found.contains(in)) {
                found.add(in);
            }
        }
        Instance target;
        if (found.isEmpty()) {
            target = new Instance(correlationId);
            byId.put(correlationId, target);
            liveInstances++;
        } else {
            target = found.get(0);
            for (Instance f : found) {
                if (f.size > target.size) {
                    target = f;
                }
            }
            for (Instance other : found) {
                if (other != target) {
                    merge(target, other);
                }
            }
        }
        for (String id : ids) {
            if (!byId.containsKey(id)) {
                byId.put(id, target);
                target.addId(id);
            }
        }
        return target;
    }

    private void merge(Instance target, Instance other) {
        merges++;
        liveInstances--;
        recency.remove(other);
        changed.remove(other);
        other.deadline = Long.MIN_VALUE;
        if (target.settled) {
            learn(target, -1);
            target.settled = false;
        }
        if (other.settled) {
            learn(other, -1);
            other.settled = false;
        }
        boolean otherFirst = target.size == 0 || (other.size > 0
                && target.compare(0, other.ts(0), other.meta(0), other.offset(0), topics) > 0);
        String primary = otherFirst ? other.primary : target.primary;
        for (int i = 0; i < other.size; i++) {
            int r = target.insert(other.ts(i), other.meta(i), other.offset(i), other.idHash(i), other.cause(i),
                    cfg.maxEventsPerInstance(), topics);
            if (r == Instance.DUPLICATE) {
                // only the topics are known here: a dead-letter copy by its headers alone counts as a duplicate
                if (!onDeadLetterTopic(other.topic(i)) && !onDeadLetterTopic(target.lastMatchedTopic)) {
                    duplicates++;
                    target.countDuplicate(other.type(i));
                }
            } else if (r == Instance.DROPPED) {
                droppedOverCap++;
            }
        }
        target.primary = primary;
        target.duplicates += other.duplicates;
        target.dropped += other.dropped;
        if (other.lastDuplicateType >= 0) {
            target.lastDuplicateType = other.lastDuplicateType;
        }
        target.state = -1;
        for (String id : other.ids) {
            byId.put(id, target);
            target.addId(id);
        }
    }

    private boolean onDeadLetterTopic(int topic) {
        return io.choreoscope.model.Topics.looksLikeDeadLetter(topics.name(topic));
    }

    /** Takes the least recently active instance out of the live ones; {@link #drainEvicted} accounts for it. */
    private void evictLeastRecent() {
        Iterator<Instance> it = recency.keySet().iterator();
        Instance in = it.next();
        it.remove();
        for (String id : in.ids) {
            if (byId.get(id) == in) {
                byId.remove(id);
            }
        }
        liveInstances--;
        overCap.add(in);
        changed.remove(in);
        in.deadline = Long.MIN_VALUE;
        // views unchanged: they count instances waiting in overCap as live ones
    }

    /** An instance evicted over the cap: its snapshot as of the drain and its steps in time order. */
    public record Evicted(InstanceSnapshot snapshot, StepSequence steps) {
        /** Its event types in time order. */
        public List<String> eventTypes() {
            return steps.types();
        }
    }

    /**
     * Hands out, once, the instances evicted over {@link InferenceSettings#maxLiveInstances()} since the last call,
     * classified as of {@code now}, and folds their counts into the flow models as a time eviction does. Callers
     * persist them (they are no longer live: {@link #snapshot} does not know them). Linear in the events held when
     * any were evicted, else constant.
     */
    public List<Evicted> drainEvicted(Instant now) {
        if (overCap.isEmpty()) {
            return List.of();
        }
        Map<String, FlowStats> v = views();
        long nowMs = now.toEpochMilli();
        List<Evicted> out = new ArrayList<>(overCap.size());
        for (Instance in : overCap) {
            if (in.size == 0) {
                continue;
            }
            FlowStats fs = v.get(flowOf(in));
            out.add(new Evicted(snapshotOf(in, v, nowMs), stepsOf(in)));
            retire(in, fs);
            evictions++;
            evictedOverCap++;
        }
        overCap.clear();
        return out;
    }

    // ------------------------------------------------------------------ learning tables

    /**
     * The flow is named by the instance's root (earliest event with no cause inside the instance), not by its
     * earliest event: a record stamped before its cause (lagging producer clock) must not name a flow.
     */
    private String flowOf(Instance in) {
        if (in.unnamedUntil != 0) {
            return InstanceSnapshot.NO_FLOW;
        }
        String start = types.name(in.type(in.rootIndex()));
        return cfg.flowAliases().getOrDefault(start, start);
    }

    /** Adds (+1) or removes (-1) a settled instance's contribution to the learned ends and compensations. */
    private void learn(Instance in, int sign) {
        if (in.size == 0) {
            return;
        }
        String flow = flowOf(in);
        learning.computeIfAbsent(flow, k -> new Settled()).add(in, failureType, sign);
        staleViews.add(flow);
    }

    /**
     * Moves an evicted instance's counts from the live ones to the evicted ones ({@link #views} are unchanged by that,
     * but for its deviations, now counted as evicted), and lets it teach its flow if it had not settled yet.
     */
    private void retire(Instance in, FlowStats view) {
        FlowStats acc = evicted.computeIfAbsent(view.flow, FlowStats::new);
        acc.add(in);
        boolean inViews = views != null && views.get(view.flow) == view;
        for (Deviation d : deviations(in, view)) {
            acc.deviations[d.kind().ordinal()]++;
            if (inViews) {
                view.deviations[d.kind().ordinal()]++; // a rebuild would copy them from acc
            }
        }
        if (!in.settled) {
            learn(in, +1);
        }
    }

    // ------------------------------------------------------------------ views

    /**
     * Flow statistics of evicted plus live instances, with learned ends. Kept up to date as events are appended
     * ({@link #followInView}), a flow's derived indexes rebuilt when its counts or learning changed (cost per flow:
     * its transitions and learned sets, not its instances); rebuilt from every instance only after a change that is
     * not a plain addition (a late event, a merge, a replaced duplicate).
     */
    private Map<String, FlowStats> views() {
        if (views != null) {
            for (String flow : staleViews) {
                FlowStats fs = views.get(flow);
                if (fs != null) {
                    fs.clearDerived();
                    fs.finish(learning.get(flow), cfg, failureType, types);
                }
            }
            staleViews.clear();
            return views;
        }
        staleViews.clear();
        Map<String, FlowStats> v = new HashMap<>();
        evicted.forEach((flow, s) -> v.put(flow, s.copy()));
        for (Map.Entry<String, Instance> e : byId.entrySet()) {
            Instance in = e.getValue();
            if (e.getKey() != in.ids[0] || in.size == 0) {
                continue; // visit each instance once, under the ID it was created with
            }
            v.computeIfAbsent(flowOf(in), FlowStats::new).add(in);
        }
        for (Instance in : overCap) {
            if (in.size > 0) {
                v.computeIfAbsent(flowOf(in), FlowStats::new).add(in);
            }
        }
        for (FlowStats s : v.values()) {
            s.finish(learning.get(s.flow), cfg, failureType, types);
        }
        views = v;
        return v;
    }

    // ------------------------------------------------------------------ evaluate

    /** For tests: makes every {@link #evaluate} visit every live instance (the reference the index must equal). */
    void visitEveryInstance(boolean on) {
        visitEvery = on;
    }

    /** For tests: the instances the last {@link #evaluate} classified. */
    int lastVisited() {
        return lastVisited;
    }

    /** An entry of the deadline index: {@code in} may change by time alone from {@code at} (epoch ms) on. */
    private record Due(long at, Instance in) {
    }

    /**
     * Classifies the live instances as of {@code now}, returns the instances whose state changed (sorted by
     * correlation ID), and evicts instances past their retention. Same result as classifying every live instance,
     * but visits only those that can have changed since the last call: the instances that received events, those
     * whose deadline came (the time from which they settle, become stuck or are evicted, kept in an index ordered by
     * that time), and every instance of a flow whose learned model changed what {@link #classify} reads from it (its
     * {@link #signature}). Every instance is visited when a flow's settling delay changed, when {@code now} is before
     * the last call's, and at the first call. Cost: linear in the instances visited (log of the index each), plus
     * the flows' transitions.
     */
    public List<StateChange> evaluate(Instant now) {
        long nowMs = now.toEpochMilli();
        Map<String, FlowStats> v = views();
        boolean all = nowMs < lastEvaluated;
        for (FlowStats fs : v.values()) {
            Long delay = settleDelays.get(fs.flow);
            all |= delay != null && delay != fs.settleMs;
        }
        // Pass 1: settle idle instances into the learning tables before anything is classified, so that the
        // result does not depend on iteration order. The settling delay of a flow depends on its transition
        // latencies only, which settling does not change; only the learned ends are refreshed afterwards.
        List<Instance> visit = new ArrayList<>();
        if (all || visitEvery || lastEvaluated == Long.MIN_VALUE) {
            all = true;
            for (Map.Entry<String, Instance> e : byId.entrySet()) {
                Instance in = e.getValue();
                if (e.getKey() == in.ids[0] && in.size > 0) {
                    visit.add(in);
                    in.deadline = Long.MAX_VALUE; // not in the index until classified below
                }
            }
            due.clear();
        } else {
            java.util.Set<Instance> seen = new java.util.HashSet<>(changed);
            while (!due.isEmpty() && due.peek().at() <= nowMs) {
                Due d = due.poll();
                if (d.in().deadline == d.at()) {
                    d.in().deadline = Long.MAX_VALUE; // out of the index until classified below
                    seen.add(d.in());
                }
            }
            for (Instance in : seen) {
                if (in.size > 0) {
                    visit.add(in);
                }
            }
        }
        changed.clear();
        // Instances whose wait for their first events is over are named after their earliest event from now on.
        boolean named = false;
        for (Instance in : visit) {
            if (in.unnamedUntil != 0 && nowMs >= in.unnamedUntil) {
                if (in.settled) {
                    learn(in, -1);
                }
                in.unnamedUntil = 0;
                if (in.settled) {
                    learn(in, +1);
                }
                named = true;
            }
        }
        if (named) {
            views = null;
            v = views();
        }
        boolean settledAny = false;
        for (Instance in : visit) {
            if (!in.settled && nowMs - in.lastTs() >= v.get(flowOf(in)).settleMs) {
                learn(in, +1);
                in.settled = true;
                settledAny = true;
            }
        }
        if (settledAny) {
            for (FlowStats fs : v.values()) {
                fs.learn(learning.get(fs.flow), cfg, failureType, types);
            }
        }
        // A flow whose learned model moved what classification reads from it: every instance of it is visited.
        Set<String> moved = new java.util.HashSet<>();
        for (FlowStats fs : v.values()) {
            String sig = signature(fs);
            if (!sig.equals(signatures.put(fs.flow, sig))) {
                moved.add(fs.flow);
            }
            settleDelays.put(fs.flow, fs.settleMs);
        }
        if (!all && !moved.isEmpty()) {
            java.util.Set<Instance> visiting = new java.util.HashSet<>(visit);
            for (Map.Entry<String, Instance> e : byId.entrySet()) {
                Instance in = e.getValue();
                if (e.getKey() == in.ids[0] && in.size > 0 && moved.contains(flowOf(in)) && visiting.add(in)) {
                    visit.add(in);
                }
            }
        }
        List<StateChange> changes = new ArrayList<>();
        List<Instance> evict = new ArrayList<>();
        for (Instance in : visit) {
            FlowStats fs = v.get(flowOf(in));
            Classification c = classify(in, fs, nowMs);
            byte ord = (byte) c.state.ordinal();
            if (in.state != ord) {
                InstanceState from = in.state < 0 ? null : InstanceState.values()[in.state];
                changes.add(new StateChange(in.primary, fs.flow, from, c.state, c.reason, now));
                in.state = ord;
            }
            long idle = nowMs - in.lastTs();
            if ((c.state.terminal() && idle >= cfg.retention().toMillis()) || idle >= cfg.abandonAfter().toMillis()) {
                evict.add(in);
            } else {
                index(in, fs, c);
            }
        }
        for (Instance in : evict) {
            retire(in, v.get(flowOf(in)));
            for (String id : in.ids) {
                byId.remove(id);
            }
            recency.remove(in);
            in.deadline = Long.MIN_VALUE;
            liveInstances--;
            evictions++;
        }
        if (due.size() > 2 * liveInstances + 1024) {
            compactIndex();
        }
        lastEvaluated = nowMs;
        lastVisited = visit.size();
        changes.sort(Comparator.comparing(StateChange::correlationId));
        return changes;
    }

    /**
     * Puts {@code in}, just classified as {@code c}, in the deadline index at the first time from which time alone
     * can change what {@link #evaluate} finds: it settles (idle for the flow's settling delay), a running instance
     * with expected steps becomes stuck (idle longer than their largest bound), a finished one is evicted (idle for
     * {@code retention}), any is abandoned (idle for {@code abandonAfter}). Before that time, and while neither its
     * events nor its flow's {@link #signature} change, evaluating it again gives the same state.
     */
    private void index(Instance in, FlowStats fs, Classification c) {
        long last = in.lastTs();
        long at = plus(last, cfg.abandonAfter().toMillis());
        if (!in.settled) {
            at = Math.min(at, plus(last, fs.settleMs));
        }
        if (c.state.terminal()) {
            at = Math.min(at, plus(last, cfg.retention().toMillis()));
        } else if (c.state == InstanceState.RUNNING && !c.expected.isEmpty()) {
            long bound = 0;
            for (ExpectedStep s : c.expected) {
                bound = Math.max(bound, s.boundMs());
            }
            at = Math.min(at, plus(last, plus(bound, 1)));
        }
        if (in.unnamedUntil != 0) {
            at = Math.min(at, in.unnamedUntil);
        }
        if (at != in.deadline) {
            in.deadline = at;
            due.add(new Due(at, in));
        }
    }

    private static long plus(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? (b > 0 ? Long.MAX_VALUE : Long.MIN_VALUE) : r;
    }

    /** Drops the index entries that no longer count (their instance moved on, was merged or evicted). */
    private void compactIndex() {
        List<Due> keep = new ArrayList<>();
        for (Due d : due) {
            if (d.in().deadline == d.at()) {
                keep.add(d);
            }
        }
        due.clear();
        due.addAll(keep);
    }

    /**
     * What {@link #classify} reads from a flow's view besides the instance and the time, as text: learned ends,
     * compensations and end sets, the types enough settled instances ended at, and per event type the steps that can
     * be expected after it with their bounds and whether they repeat. Equal signatures give equal states for every
     * instance (only reasons' probabilities may differ, and reasons are reported with state changes only).
     */
    private String signature(FlowStats fs) {
        StringBuilder sb = new StringBuilder();
        sb.append(new java.util.TreeSet<>(fs.learnedEnds)).append('|')
                .append(new java.util.TreeSet<>(fs.learnedCompensations)).append('|');
        for (FlowStats.EndSet e : fs.learnedEndSets) {
            sb.append(e.types()).append(',');
        }
        sb.append('|');
        if (!fs.learnedEndSets.isEmpty() && fs.settled != null) {
            for (Integer t : new java.util.TreeSet<>(fs.settled.byType.keySet())) {
                if (fs.ended(t) >= cfg.minEndSamples()) {
                    sb.append(t).append(',');
                }
            }
        }
        sb.append('|');
        for (Integer from : new java.util.TreeSet<>(fs.out.keySet())) {
            List<FlowStats.Trans> out = new ArrayList<>(fs.out.get(from));
            out.sort(Comparator.comparingInt(t -> t.to));
            long total = fs.outTotal(from) + fs.ended(from);
            for (FlowStats.Trans t : out) {
                if (expectable(t, fs, total)) {
                    sb.append(from).append('>').append(t.to).append(':').append(boundOf(t))
                            .append(fs.repeats(t.to, cfg) ? 'r' : '.').append(';');
                }
            }
        }
        return sb.toString();
    }

    private record Classification(InstanceState state, String reason, List<ExpectedStep> expected) {
    }

    private boolean isEnd(int t, FlowStats fs) {
        return configuredEnd[t] || fs.learnedEnds.contains(t);
    }

    /**
     * Whether {@code t} is one of the steps where instances of a learned end set usually finish, for the model's ends
     * (a fan-out's reactions, none of which ends {@code minEndRatio} of the instances alone): a member of the set that
     * at least {@code minEndSamples} settled instances ended at and that is the last step of at least half a fair share
     * of the model's occurrences of it, {@code 1 / (2 (n - 1))} for a set of n steps (four reactions in any order end
     * about a quarter each; the bound is an eighth). A step that only ends the instances stuck there (a saga's
     * StockReserved in its happy set, a few percent) is not. The share is the model's (every instance counted, as its
     * end counts are), not the settled instances': measured on those, the demo's saga had StockReserved marked after a
     * restart on its data.
     */
    private boolean usuallyEndsAnEndSet(int t, FlowStats fs) {
        if (fs.ended(t) < cfg.minEndSamples()) {
            return false;
        }
        long[] last = fs.ends.get(t);
        long lastOf = last == null ? 0 : last[0];
        long occurrences = fs.nodeCount(t);
        for (FlowStats.EndSet e : fs.learnedEndSets) {
            int n = e.types().cardinality();
            if (n > 1 && e.types().get(t) && 2.0 * (n - 1) * lastOf >= occurrences) {
                return true;
            }
        }
        return false;
    }

    private boolean isCompensation(int t, FlowStats fs) {
        return compensationType[t] || fs.learnedCompensations.contains(t);
    }

    private Classification classify(Instance in, FlowStats fs, long nowMs) {
        int last = in.lastType();
        String lastName = types.name(last);
        if (in.unnamedUntil != 0) {
            int rootIndex = in.rootIndex();
            String root = types.name(in.type(rootIndex));
            return new Classification(InstanceState.RUNNING, "waiting for its first events: " + root + " names a cause "
                    + "not seen yet (late on another topic, partition or bus); the flow is named when they arrive, at "
                    + "the latest " + HumanDuration.of(in.unnamedUntil - in.ts(rootIndex)) + " after " + root
                    + "; not judged stuck", List.of());
        }
        List<ExpectedStep> expected = expectedNext(in, last, fs);
        FlowStats.EndSet endSet = isEnd(last, fs) ? null : coveredEndSet(in, last, fs);
        boolean terminal = isEnd(last, fs) || endSet != null
                || ((failureType[last] || isCompensation(last, fs)) && expected.isEmpty());
        if (terminal) {
            int comp = -1;
            for (int i = 0; i < in.size; i++) {
                if (isCompensation(in.type(i), fs)) {
                    comp = in.type(i);
                }
            }
            if (comp >= 0) {
                return new Classification(InstanceState.COMPENSATED,
                        "compensated (" + types.name(comp) + "), came to rest at " + lastName, List.of());
            }
            if (failureType[last]) {
                return new Classification(InstanceState.FAILED,
                        "ended at failure event " + lastName + " without compensation", List.of());
            }
            if (endSet != null) {
                return new Classification(InstanceState.COMPLETED, "reached end set {" + endSet.label()
                        + "} (learned), last event " + lastName, List.of());
            }
            return new Classification(InstanceState.COMPLETED, "reached end event " + lastName
                    + (configuredEnd[last] ? " (configured)" : " (learned)"), List.of());
        }
        long idle = nowMs - in.lastTs();
        if (expected.isEmpty()) {
            // Nothing established is expected after L: either L is a probable end (ending there outweighs every
            // step out of it) or the flow has not learned enough yet. Neither is evidence of being stuck.
            return new Classification(InstanceState.RUNNING, "no established next step after " + lastName
                    + " (a probable end, or not learned yet); not judged stuck", expected);
        }
        long bound = 0;
        StringBuilder sb = new StringBuilder("expected ");
        for (ExpectedStep s : expected) {
            bound = Math.max(bound, s.boundMs());
            sb.append(s.eventType()).append(" within ").append(HumanDuration.of(s.boundMs()))
                    .append(s.learned() ? " (learned)" : " (default/SLA)").append(", ");
        }
        sb.setLength(sb.length() - 2);
        String waitingFor = sb + " after " + lastName;
        if (idle > bound) {
            return new Classification(InstanceState.STUCK, "idle " + HumanDuration.of(idle) + "; " + waitingFor,
                    expected);
        }
        return new Classification(InstanceState.RUNNING, waitingFor, expected);
    }

    /**
     * The learned end set the instance's event types cover, or null. Only when the last type is itself a
     * possible end (at least {@code minEndSamples} settled instances ended there), so that an instance that
     * revisits earlier types (a loop) is not complete just because its set is.
     */
    private FlowStats.EndSet coveredEndSet(Instance in, int last, FlowStats fs) {
        if (fs.learnedEndSets.isEmpty() || fs.ended(last) < cfg.minEndSamples()) {
            return null;
        }
        java.util.BitSet set = new java.util.BitSet();
        for (int i = 0; i < in.size; i++) {
            set.set(in.type(i));
        }
        for (FlowStats.EndSet e : fs.learnedEndSets) {
            if (Settled.covers(set, e.types())) {
                return e;
            }
        }
        return null;
    }

    private static boolean contains(Instance in, int type) {
        for (int i = 0; i < in.size; i++) {
            if (in.type(i) == type) {
                return true;
            }
        }
        return false;
    }

    /**
     * Expected next steps after {@code last}: established transitions last -> b with
     * P(b | at last) = count(last -> b) / (transitions out of last + settled instances that ended at last)
     * >= minNextProbability, leaving out a b the instance already has unless b is known to repeat.
     */
    private List<ExpectedStep> expectedNext(Instance in, int last, FlowStats fs) {
        List<FlowStats.Trans> out = fs.out.get(last);
        if (out == null) {
            return List.of();
        }
        long total = fs.outTotal(last) + fs.ended(last);
        List<ExpectedStep> steps = new ArrayList<>();
        for (FlowStats.Trans t : out) {
            if (!expectable(t, fs, total) || (contains(in, t.to) && !fs.repeats(t.to, cfg))) {
                continue;
            }
            double p = (double) t.count / total;
            boolean learned = t.count >= cfg.minLatencySamples();
            steps.add(new ExpectedStep(types.name(t.to), p, boundOf(t), learned));
        }
        steps.sort(Comparator.comparingDouble(ExpectedStep::probability).reversed()
                .thenComparing(ExpectedStep::eventType));
        return steps;
    }

    /**
     * Whether step {@code t} out of a type can be expected after it, for any instance: established, and at least
     * {@code minNextProbability} of {@code total} (transitions out of the type plus settled instances that ended there).
     */
    private boolean expectable(FlowStats.Trans t, FlowStats fs, long total) {
        return fs.established(t.from, t.to, cfg) && (double) t.count / total >= cfg.minNextProbability();
    }

    /** The stuck bound of step {@code t}: {@code max(stuckFloor, SLA, k x p99)}, {@code defaultBound} for k x p99 until learned. */
    private long boundOf(FlowStats.Trans t) {
        java.time.Duration sla = cfg.stepSla().get(types.name(t.from) + "->" + types.name(t.to));
        if (sla == null) {
            sla = cfg.stepSla().get(types.name(t.to));
        }
        long part = t.count >= cfg.minLatencySamples()
                ? (long) Math.ceil(cfg.stuckFactor() * t.latencyMs.getValueAtQuantile(0.99))
                : cfg.defaultBound().toMillis();
        return Math.max(cfg.stuckFloor().toMillis(), Math.max(sla == null ? 0 : sla.toMillis(), part));
    }

    /** Whether the instance has an event of the type. */
    private static boolean has(Instance in, int type) {
        for (int i = 0; i < in.size; i++) {
            if (in.type(i) == type) {
                return true;
            }
        }
        return false;
    }

    /** Deviations of one instance against its flow view, in time order. Empty while the flow is too young. */
    private List<Deviation> deviations(Instance in, FlowStats fs) {
        List<Deviation> out = new ArrayList<>();
        if (fs.instances >= cfg.minInstancesForModel()) {
            for (int i = 1; i < in.size; i++) {
                int a = in.type(i - 1);
                int b = in.type(i);
                if (fs.established(a, b, cfg)) {
                    continue;
                }
                String an = types.name(a);
                String bn = types.name(b);
                String skipped = null;
                boolean reordered = false;
                List<FlowStats.Trans> outA = fs.out.get(a);
                if (outA != null) {
                    for (FlowStats.Trans t : outA) {
                        if (t.to != b && fs.established(a, t.to, cfg) && fs.established(t.to, b, cfg)) {
                            // a step the instance has, only elsewhere (stamped earlier by a producer's clock, or late),
                            // was not skipped: that pair's own deviation says where it is
                            if (has(in, t.to)) {
                                reordered = true;
                            } else {
                                skipped = types.name(t.to);
                                break;
                            }
                        }
                    }
                }
                if (skipped == null && reordered) {
                    continue;
                }
                if (skipped != null) {
                    out.add(new Deviation(DeviationKind.SKIPPED_STEP, bn, an + " -> " + bn + " skips " + skipped));
                } else if (fs.established(b, a, cfg)) {
                    out.add(new Deviation(DeviationKind.OUT_OF_ORDER, bn,
                            an + " -> " + bn + " but the model has " + bn + " -> " + an));
                } else {
                    out.add(new Deviation(DeviationKind.UNEXPECTED_EVENT, bn, bn + " after " + an + " is not in the model"));
                }
            }
        }
        for (int d = 0; d < in.duplicates; d++) {
            String t = in.lastDuplicateType < 0 ? null : types.name(in.lastDuplicateType);
            out.add(new Deviation(DeviationKind.DUPLICATE, t, "duplicate delivery (" + in.duplicates + " in total)"));
        }
        return out;
    }

    // ------------------------------------------------------------------ output

    /**
     * The instance known under {@code id} (its primary correlation ID or any linked ID), classified as of
     * {@code now}; empty when unknown or evicted.
     */
    public Optional<InstanceSnapshot> snapshot(String id, Instant now) {
        Instance in = byId.get(id);
        if (in == null || in.size == 0) {
            return Optional.empty();
        }
        return Optional.of(snapshotOf(in, views(), now.toEpochMilli()));
    }

    /** Every live instance, classified as of {@code now}, sorted by correlation ID. Linear in events held. */
    public List<InstanceSnapshot> snapshots(Instant now) {
        Map<String, FlowStats> v = views();
        List<InstanceSnapshot> out = new ArrayList<>();
        for (Map.Entry<String, Instance> e : byId.entrySet()) {
            Instance in = e.getValue();
            if (e.getKey() == in.ids[0] && in.size > 0) {
                out.add(snapshotOf(in, v, now.toEpochMilli()));
            }
        }
        out.sort(Comparator.comparing(InstanceSnapshot::correlationId));
        return out;
    }

    private InstanceSnapshot snapshotOf(Instance in, Map<String, FlowStats> v, long nowMs) {
        FlowStats fs = v.get(flowOf(in));
        Classification c = classify(in, fs, nowMs);
        int last = in.size - 1;
        return new InstanceSnapshot(in.primary, Set.of(in.ids), fs.flow, c.state, c.reason,
                Instant.ofEpochMilli(in.ts(0)), Instant.ofEpochMilli(in.lastTs()), in.size, in.dropped,
                types.name(in.lastType()), services.name(in.service(last)), c.expected, deviations(in, fs));
    }

    /** Event types of an instance in time order (for tests and the API's timeline); empty when unknown. */
    public List<String> eventTypes(String id) {
        Instance in = byId.get(id);
        List<String> out = new ArrayList<>();
        if (in != null) {
            for (int i = 0; i < in.size; i++) {
                out.add(types.name(in.type(i)));
            }
        }
        return out;
    }

    /**
     * The steps of an instance (its kept events' types and timestamps in time order, as its row stores them); empty
     * when unknown. Linear in its events.
     */
    public StepSequence steps(String id) {
        Instance in = byId.get(id);
        return in == null ? StepSequence.EMPTY : stepsOf(in);
    }

    private StepSequence stepsOf(Instance in) {
        List<String> out = new ArrayList<>(in.size);
        long[] times = new long[in.size];
        for (int i = 0; i < in.size; i++) {
            out.add(types.name(in.type(i)));
            times[i] = in.ts(i);
        }
        return StepSequence.of(out, times, in.causeSteps());
    }

    /** Flow models of every flow seen, sorted by name. Linear in the events held. */
    public List<FlowModel> flowModels() {
        Map<String, FlowStats> v = views();
        Map<String, long[]> liveDeviations = new HashMap<>();
        for (Map.Entry<String, Instance> e : byId.entrySet()) {
            Instance in = e.getValue();
            if (e.getKey() != in.ids[0] || in.size == 0) {
                continue;
            }
            FlowStats fs = v.get(flowOf(in));
            long[] counts = liveDeviations.computeIfAbsent(fs.flow, k -> new long[4]);
            for (Deviation d : deviations(in, fs)) {
                counts[d.kind().ordinal()]++;
            }
        }
        List<FlowModel> out = new ArrayList<>();
        new TreeMap<>(v).forEach((flow, fs) -> {
            if (!flow.equals(InstanceSnapshot.NO_FLOW)) {
                out.add(toModel(fs, liveDeviations.get(flow)));
            }
        });
        return out;
    }

    /** The flow model of {@code flow} (after aliases), or empty. */
    public Optional<FlowModel> flowModel(String flow) {
        return flowModels().stream().filter(f -> f.flow().equals(flow)).findFirst();
    }

    private FlowModel toModel(FlowStats fs, long[] live) {
        List<FlowModel.Node> nodes = new ArrayList<>();
        fs.nodes.forEach((t, c) -> nodes.add(new FlowModel.Node(types.name(t), c[0])));
        nodes.sort(Comparator.comparing(FlowModel.Node::eventType));
        List<FlowModel.Transition> trans = new ArrayList<>();
        for (FlowStats.Trans t : fs.trans.values()) {
            double[] q = t.latencyMs.getValuesAtQuantiles(new double[] {0.5, 0.95, 0.99});
            trans.add(new FlowModel.Transition(types.name(t.from), types.name(t.to), t.count,
                    (double) t.count / fs.outTotal(t.from), q[0], q[1], q[2], 0, FlowStats.bins(t.latencyMs)));
        }
        trans.sort(Comparator.comparing(FlowModel.Transition::from).thenComparing(FlowModel.Transition::to));
        Map<String, Long> starts = new HashMap<>();
        fs.starts.forEach((t, c) -> starts.put(types.name(t), c[0]));
        Map<String, Long> ends = new HashMap<>();
        fs.ends.forEach((t, c) -> ends.put(types.name(t), c[0]));
        List<String> learnedEnds = new ArrayList<>();
        for (int t = 0; t < types.size(); t++) {
            if (fs.nodeCount(t) > 0 && (isEnd(t, fs) || usuallyEndsAnEndSet(t, fs))) {
                learnedEnds.add(types.name(t));
            }
        }
        learnedEnds.sort(null); // type ids follow arrival order; names do not
        Map<DeviationKind, Long> dev = new EnumMap<>(DeviationKind.class);
        for (DeviationKind k : DeviationKind.values()) {
            dev.put(k, fs.deviations[k.ordinal()] + (live == null ? 0 : live[k.ordinal()]));
        }
        double rate = fs.pairs == 0 ? 0 : (double) dev.get(DeviationKind.OUT_OF_ORDER) / fs.pairs;
        return new FlowModel(fs.flow, fs.instances, nodes, trans, starts, ends, learnedEnds, dev, rate);
    }

    /** The service dependency map: producers, topics and consumers with counts, rates and delays. */
    public DependencyMap dependencyMap() {
        return dependencies.build();
    }

    public InferenceCounters counters() {
        return new InferenceCounters(observations, uncorrelated, duplicates, droppedOverCap, lateEvents,
                liveInstances, evictions, merges, evictedOverCap, overTypeLimit);
    }

    /**
     * The latest event type counted as {@link InferenceSettings#TOO_MANY_EVENT_TYPES}, quoted, with its topic ({@code
     * 'OrderAudited-4f2a' on orders}); null while none was: what a warning shows to point at the producer.
     */
    public String lastOverTypeLimit() {
        return lastOverTypeLimit == null ? null : "'" + lastOverTypeLimit + "' on " + lastOverTypeLimitTopic;
    }
}
