package io.choreoscope.inference;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;

import java.util.ArrayList;
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

    /** One transition a -> b. */
    static final class Trans {
        final int from;
        final int to;
        long count;
        final DDSketch latencyMs;

        Trans(int from, int to) {
            this.from = from;
            this.to = to;
            this.latencyMs = DDSketches.collapsingLowestDense(RELATIVE_ACCURACY, MAX_BINS);
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
    /** Idle time after which an instance of this flow settles (adaptive, see {@link InferenceConfig}). */
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
    void finish(Map<Integer, long[]> learning, InferenceConfig cfg, boolean[] failureType, Interner types) {
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
        learn(learning, cfg, failureType);
    }

    /** (Re)computes the learned ends and compensations from the learning table of settled instances. */
    void learn(Map<Integer, long[]> learning, InferenceConfig cfg, boolean[] failureType) {
        learnedEnds.clear();
        learnedCompensations.clear();
        if (learning != null) {
            learning.forEach((type, v) -> {
                long ended = v[0];
                long contained = v[1];
                long afterFailure = v[2];
                if (contained > 0 && ended >= cfg.minEndSamples() && ended >= cfg.minEndRatio() * contained) {
                    learnedEnds.add(type);
                }
                boolean failure = type < failureType.length && failureType[type];
                if (!failure && contained > 0 && afterFailure >= cfg.minEndSamples()
                        && afterFailure >= cfg.minEndRatio() * contained) {
                    learnedCompensations.add(type);
                }
            });
        }
    }

    /** True when a -> b occurred often enough, absolutely and relative to everything out of a. */
    boolean established(int a, int b, InferenceConfig cfg) {
        Trans t = get(a, b);
        if (t == null || t.count < cfg.minTransitionCount()) {
            return false;
        }
        return t.count >= cfg.minTransitionProbability() * outTotal(a);
    }
}
