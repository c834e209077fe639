package io.choreoscope.model.flow;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;





/**
 * Merges partial results of several engines (one per partition of the correlation-ID space) into one.
 * Counts add up exactly. Latency percentiles are merged from the parts' latency sketches ({@link LatencySketch}: the
 * engine's DDSketch bins, added per bin), so the merged p50/p95/p99 are exactly what one engine that saw every
 * instance answers. Where a part has no sketch for a transition (a row stored before sketches were kept) or the
 * sketches' mappings differ, that transition falls back to the count-weighted mean of the parts' percentiles: an
 * approximation (exact only when one part holds all samples of the transition), and the merged transition carries
 * no sketch. Probabilities are recomputed from the merged counts; the ordering-violation rate is OUT_OF_ORDER over
 * all transitions. The same holds for the delays of dependency edges (p50/p99).
 */
public final class ModelMerge {
    private ModelMerge() {
    }

    /** One flow's model from several parts; the parts must have the same flow name. Empty list: null. */
    public static FlowModel flow(List<FlowModel> parts) {
        if (parts.isEmpty()) {
            return null;
        }
        if (parts.size() == 1) {
            return parts.get(0);
        }
        String flow = parts.get(0).flow();
        long instances = 0;
        Map<String, Long> nodes = new TreeMap<>();
        Map<List<String>, double[]> trans = new LinkedHashMap<>(); // count, sum p50*c, sum p95*c, sum p99*c
        Map<List<String>, List<LatencySketch>> sketches = new HashMap<>(); // null value: some part has none
        Map<String, Long> starts = new HashMap<>();
        Map<String, Long> ends = new HashMap<>();
        Set<String> learnedEnds = new TreeSet<>();
        Map<DeviationKind, Long> dev = new EnumMap<>(DeviationKind.class);
        for (FlowModel m : parts) {
            instances += m.instances();
            m.nodes().forEach(n -> nodes.merge(n.eventType(), n.count(), Long::sum));
            for (FlowModel.Transition t : m.transitions()) {
                List<String> key = List.of(t.from(), t.to());
                double[] a = trans.computeIfAbsent(key, k -> new double[4]);
                collect(sketches, key, t.latency());
                a[0] += t.count();
                a[1] += t.p50Ms() * t.count();
                a[2] += t.p95Ms() * t.count();
                a[3] += t.p99Ms() * t.count();
            }
            m.startCounts().forEach((k, v) -> starts.merge(k, v, Long::sum));
            m.endCounts().forEach((k, v) -> ends.merge(k, v, Long::sum));
            learnedEnds.addAll(m.learnedEnds());
            m.deviationCounts().forEach((k, v) -> dev.merge(k, v, Long::sum));
        }
        Map<String, Double> outTotal = new HashMap<>();
        trans.forEach((k, a) -> outTotal.merge(k.get(0), a[0], Double::sum));
        List<FlowModel.Transition> ts = new ArrayList<>();
        double pairs = 0;
        for (Map.Entry<List<String>, double[]> e : trans.entrySet()) {
            double[] a = e.getValue();
            pairs += a[0];
            double probability = a[0] / outTotal.get(e.getKey().get(0));
            LatencySketch latency = merged(sketches.get(e.getKey()));
            if (latency != null && latency.count() > 0) {
                ts.add(new FlowModel.Transition(e.getKey().get(0), e.getKey().get(1), (long) a[0], probability,
                        latency.quantile(0.5), latency.quantile(0.95), latency.quantile(0.99), 0, latency));
            } else { // approximate: see the class comment
                ts.add(new FlowModel.Transition(e.getKey().get(0), e.getKey().get(1), (long) a[0], probability,
                        a[1] / a[0], a[2] / a[0], a[3] / a[0]));
            }
        }
        ts.sort(Comparator.comparing(FlowModel.Transition::from).thenComparing(FlowModel.Transition::to));
        List<FlowModel.Node> ns = new ArrayList<>();
        nodes.forEach((k, v) -> ns.add(new FlowModel.Node(k, v)));
        double rate = pairs == 0 ? 0 : dev.getOrDefault(DeviationKind.OUT_OF_ORDER, 0L) / pairs;
        return new FlowModel(flow, instances, ns, ts, starts, ends, new ArrayList<>(learnedEnds), dev, rate);
    }

    /** Several parts' dependency maps as one: edges keyed by role, service and topic. */
    public static DependencyMap dependencies(List<DependencyMap> parts) {
        Set<DependencyMap.Node> nodes = new HashSet<>();
        Map<List<Object>, Object[]> edges = new LinkedHashMap<>();
        for (DependencyMap m : parts) {
            nodes.addAll(m.nodes());
            for (DependencyMap.Edge e : m.edges()) {
                List<Object> key = List.of(e.role(), e.service(), e.topic());
                Object[] acc = edges.get(key);
                if (acc == null) {
                    edges.put(key, new Object[] {e});
                } else {
                    acc[0] = add((DependencyMap.Edge) acc[0], e);
                }
            }
        }
        List<DependencyMap.Node> ns = new ArrayList<>(nodes);
        ns.sort(Comparator.comparing((DependencyMap.Node n) -> n.kind()).thenComparing(DependencyMap.Node::name));
        List<DependencyMap.Edge> es = new ArrayList<>();
        edges.values().forEach(a -> es.add((DependencyMap.Edge) a[0]));
        return new DependencyMap(ns, es);
    }

    private static DependencyMap.Edge add(DependencyMap.Edge a, DependencyMap.Edge b) {
        Set<String> types = new TreeSet<>(a.eventTypes());
        types.addAll(b.eventTypes());
        Set<String> evidence = new TreeSet<>(a.evidence());
        evidence.addAll(b.evidence());
        long count = a.count() + b.count();
        double rate = a.ratePerSecond() + b.ratePerSecond();
        boolean aDelays = !Double.isNaN(a.p50Ms());
        boolean bDelays = !Double.isNaN(b.p50Ms());
        // a part without joined spans has no delays: the other part's sketch is the whole
        LatencySketch delay = !aDelays ? b.delay() : !bDelays ? a.delay()
                : a.delay() != null && b.delay() != null && a.delay().mergeableWith(b.delay())
                ? a.delay().merge(b.delay()) : null;
        if (delay != null && delay.count() > 0) {
            return new DependencyMap.Edge(a.role(), a.service(), a.topic(), types, count, rate, delay.quantile(0.5),
                    delay.quantile(0.99), evidence, Set.of(), null, delay);
        }
        // approximate: see the class comment
        return new DependencyMap.Edge(a.role(), a.service(), a.topic(), types, count, rate,
                weighted(a.p50Ms(), a.count(), b.p50Ms(), b.count()),
                weighted(a.p99Ms(), a.count(), b.p99Ms(), b.count()), evidence);
    }

    private static void collect(Map<List<String>, List<LatencySketch>> sketches, List<String> key, LatencySketch s) {
        if (!sketches.containsKey(key)) {
            sketches.put(key, s == null ? null : new ArrayList<>(List.of(s)));
        } else if (sketches.get(key) != null) {
            if (s == null) {
                sketches.put(key, null);
            } else {
                sketches.get(key).add(s);
            }
        }
    }

    /** The merge of the parts' sketches; null when some part had none or their mappings differ. */
    private static LatencySketch merged(List<LatencySketch> parts) {
        if (parts == null) {
            return null;
        }
        for (LatencySketch s : parts) {
            if (!s.mergeableWith(parts.get(0))) {
                return null;
            }
        }
        return LatencySketch.mergeAll(parts);
    }

    private static double weighted(double x, long cx, double y, long cy) {
        if (Double.isNaN(x)) {
            return y;
        }
        if (Double.isNaN(y)) {
            return x;
        }
        return cx + cy == 0 ? x : (x * cx + y * cy) / (cx + cy);
    }
}
