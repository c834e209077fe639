package io.choreoscope.inference;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import com.datadoghq.sketch.ddsketch.mapping.CubicallyInterpolatedMapping;
import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import com.datadoghq.sketch.ddsketch.store.Store;
import io.choreoscope.model.flow.LatencySketch;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Directly-follows statistics of one flow, by interned type id. Used twice: as the accumulated
 * contribution of evicted instances, and as the full view (evicted + live) built by the engine.
 * Latencies go to one DDSketch per transition (1% relative accuracy, at most 1024 bins: the lowest
 * bins collapse first, so high percentiles stay accurate).
 */
final class FlowStats {
    static final double RELATIVE_ACCURACY = 0.01;
    static final int MAX_BINS = 1024;
    /** The mapping {@link #newSketch} uses, by its parameters as the model keeps them ({@link LatencySketch}). */
    static final double GAMMA = LatencySketch.cubicGamma(RELATIVE_ACCURACY);
    private static final IndexMapping MAPPING = new CubicallyInterpolatedMapping(GAMMA, 0);

    /** A latency sketch as the engine keeps them: 1% relative accuracy, at most 1024 bins, lowest collapse first. */
    static DDSketch newSketch() {
        return DDSketches.collapsingLowestDense(RELATIVE_ACCURACY, MAX_BINS);
    }

    /**
     * The bins of {@code sketch} (made by {@link #newSketch}) as the model carries them, so that models of several
     * owners merge exactly; {@link LatencySketch#quantile} answers what {@code sketch} answers. Latencies are never
     * negative here (they are clamped at 0 on the way in). Linear in the sketch's bins.
     */
    static LatencySketch bins(DDSketch sketch) {
        if (!MAPPING.equals(sketch.getIndexMapping())) {
            throw new IllegalStateException("latency sketch with an unexpected index mapping: " + sketch.getIndexMapping());
        }
        Store positive = sketch.getPositiveValueStore();
        long zero = Math.round(sketch.getCount() - positive.getTotalCount() - sketch.getNegativeValueStore().getTotalCount());
        if (positive.isEmpty()) {
            return new LatencySketch(GAMMA, 0, MAX_BINS, zero, 0, new long[0]);
        }
        int min = positive.getMinIndex();
        long[] counts = new long[positive.getMaxIndex() - min + 1];
        positive.forEach((index, count) -> counts[index - min] += Math.round(count));
        return new LatencySketch(GAMMA, 0, MAX_BINS, zero, min, counts);
    }

    /** One transition a -> b. */
    static final class Trans {
        final int from;
        final int to;
        long count;
        final DDSketch latencyMs;

        Trans(int from, int to) {
            this.from = from;
            this.to = to;
            this.latencyMs = newSketch();
        }

        Trans(Trans o) {
            this.from = o.from;
            this.to = o.to;
            this.count = o.count;
            this.latencyMs = o.latencyMs.copy();
        }
    }

    final String flow;
    long instances;
    long pairs;
    final HashMap<Integer, long[]> nodes = new HashMap<>();
    final HashMap<Long, Trans> trans = new HashMap<>();
    final HashMap<Integer, long[]> starts = new HashMap<>();
    final HashMap<Integer, long[]> ends = new HashMap<>();
    final long[] deviations = new long[4];

    // Derived by finish(): only on views.
    final HashMap<Integer, long[]> outTotals = new HashMap<>();
    final HashMap<Integer, List<Trans>> out = new HashMap<>();
    final Set<Integer> learnedEnds = new HashSet<>();
    final Set<Integer> learnedCompensations = new HashSet<>();
    final List<EndSet> learnedEndSets = new ArrayList<>();
    /** What settled instances taught (shared with the engine, read-only here); null before any settled. */
    Settled settled;
    /** Idle time after which an instance of this flow settles (adaptive, see {@link InferenceSettings}). */
    long settleMs;

    FlowStats(String flow) {
        this.flow = flow;
    }

    FlowStats copy() {
        FlowStats c = new FlowStats(flow);
        c.instances = instances;
        c.pairs = pairs;
        nodes.forEach((k, v) -> c.nodes.put(k, v.clone()));
        trans.forEach((k, v) -> c.trans.put(k, new Trans(v)));
        starts.forEach((k, v) -> c.starts.put(k, v.clone()));
        ends.forEach((k, v) -> c.ends.put(k, v.clone()));
        System.arraycopy(deviations, 0, c.deviations, 0, deviations.length);
        return c;
    }

    static long key(int from, int to) {
        return ((long) from << 32) | (to & 0xFFFFFFFFL);
    }

    private static void inc(Map<Integer, long[]> m, int k) {
        m.computeIfAbsent(k, x -> new long[1])[0]++;
    }

    /** Adds one instance's events (types and timestamps in time order). */
    void add(Instance in) {
        if (in.size == 0) {
            return;
        }
        instances++;
        inc(starts, in.type(0));
        inc(ends, in.lastType());
        inc(nodes, in.type(0));
        for (int i = 1; i < in.size; i++) {
            int a = in.type(i - 1);
            int b = in.type(i);
            inc(nodes, b);
            Trans t = trans.computeIfAbsent(key(a, b), k -> new Trans(a, b));
            t.count++;
            t.latencyMs.accept(Math.max(0, in.ts(i) - in.ts(i - 1)));
            pairs++;
        }
    }

    /**
     * Adds what a new instance's first event contributes ({@link #add} of a one-event instance): the engine's views
     * follow live instances event by event this way instead of being rebuilt from every live instance.
     */
    void addFirst(int type) {
        instances++;
        inc(starts, type);
        inc(ends, type);
        inc(nodes, type);
    }

    /**
     * Adds what appending event type {@code b}, {@code latencyMs} after the instance's last event of type {@code a},
     * contributes: {@link #add} of the longer instance minus {@link #add} of the shorter one.
     */
    void append(int a, int b, long latencyMs) {
        long[] e = ends.get(a);
        if (--e[0] == 0) {
            ends.remove(a); // as if built from scratch: no entry for a type no instance ends at
        }
        inc(ends, b);
        inc(nodes, b);
        Trans t = trans.computeIfAbsent(key(a, b), k -> new Trans(a, b));
        t.count++;
        t.latencyMs.accept(Math.max(0, latencyMs));
        pairs++;
    }

    /** Drops the derived indexes, so that {@link #finish} can build them again after the counts changed. */
    void clearDerived() {
        outTotals.clear();
        out.clear();
    }

    Trans get(int from, int to) {
        return trans.get(key(from, to));
    }

    long outTotal(int from) {
        long[] v = outTotals.get(from);
        return v == null ? 0 : v[0];
    }

    long nodeCount(int type) {
        long[] v = nodes.get(type);
        return v == null ? 0 : v[0];
    }

    /** Builds the derived indexes of a view, its settling delay, and the learned ends and compensations. */
    void finish(Settled learning, InferenceSettings cfg, boolean[] failureType, Interner types) {
        double slowestP99 = -1;
        for (Trans t : trans.values()) {
            outTotals.computeIfAbsent(t.from, x -> new long[1])[0] += t.count;
            out.computeIfAbsent(t.from, x -> new ArrayList<>()).add(t);
            if (t.count >= cfg.minLatencySamples() && t.count > 0) {
                slowestP99 = Math.max(slowestP99, t.latencyMs.getValueAtQuantile(0.99));
            }
        }
        long settleAfter = cfg.settleAfter().toMillis();
        settleMs = slowestP99 < 0 ? settleAfter : Math.min(settleAfter,
                Math.max(cfg.settleFloor().toMillis(), (long) Math.ceil(cfg.settleFactor() * slowestP99)));
        // most frequent first, then by name: the same order whatever order the map was filled in
        for (List<Trans> l : out.values()) {
            l.sort((x, y) -> x.count != y.count ? Long.compare(y.count, x.count)
                    : types.name(x.to).compareTo(types.name(y.to)));
        }
        learn(learning, cfg, failureType, types);
    }

    /**
     * (Re)computes the learned ends, end sets and compensations from what the flow's settled instances taught.
     * An end set is a set of event types that at least {@code minEndSamples} settled instances had exactly, being
     * at least {@code minEndRatio} of the settled instances whose types include it (untracked sets count as
     * including it, so an overflow can only hide an end set, never invent one).
     */
    void learn(Settled learning, InferenceSettings cfg, boolean[] failureType, Interner types) {
        settled = learning;
        learnedEnds.clear();
        learnedCompensations.clear();
        learnedEndSets.clear();
        if (learning == null) {
            return;
        }
        learning.byType.forEach((type, v) -> {
            long ended = v[Settled.ENDED];
            long contained = v[Settled.CONTAINED];
            long afterFailure = v[Settled.AFTER_FAILURE];
            if (contained > 0 && ended >= cfg.minEndSamples() && ended >= cfg.minEndRatio() * contained) {
                learnedEnds.add(type);
            }
            boolean failure = type < failureType.length && failureType[type];
            if (!failure && contained > 0 && afterFailure >= cfg.minEndSamples()
                    && afterFailure >= cfg.minEndRatio() * contained) {
                learnedCompensations.add(type);
            }
        });
        learning.byTypeSet.forEach((set, n) -> {
            if (n[0] < cfg.minEndSamples()) {
                return;
            }
            long including = learning.untracked;
            for (Map.Entry<BitSet, long[]> e : learning.byTypeSet.entrySet()) {
                if (Settled.covers(e.getKey(), set)) {
                    including += e.getValue()[0];
                }
            }
            if (n[0] >= cfg.minEndRatio() * including) {
                List<String> names = new ArrayList<>();
                set.stream().forEach(t -> names.add(types.name(t)));
                names.sort(null);
                learnedEndSets.add(new EndSet(set, String.join(", ", names)));
            }
        });
        // largest first, then by names: the first covered set is the same whatever order types were interned in
        learnedEndSets.sort(Comparator.comparingInt((EndSet x) -> -x.types.cardinality()).thenComparing(EndSet::label));
    }

    /** Settled instances that ended at {@code type} (0 before anything settled). */
    long ended(int type) {
        return settled == null ? 0 : settled.get(type, Settled.ENDED);
    }

    /** True when settled instances show {@code type} more than once often enough for a repeat to be expected. */
    boolean repeats(int type, InferenceSettings cfg) {
        if (settled == null) {
            return false;
        }
        long repeated = settled.get(type, Settled.REPEATED);
        return repeated >= cfg.minTransitionCount()
                && repeated >= cfg.minNextProbability() * settled.get(type, Settled.CONTAINED);
    }

    /** A learned end set: event types (interned ids) and their sorted names, for reasons. */
    record EndSet(BitSet types, String label) {
    }

    /** True when a -> b occurred often enough, absolutely and relative to everything out of a. */
    boolean established(int a, int b, InferenceSettings cfg) {
        Trans t = get(a, b);
        if (t == null || t.count < cfg.minTransitionCount()) {
            return false;
        }
        return t.count >= cfg.minTransitionProbability() * outTotal(a);
    }
}
