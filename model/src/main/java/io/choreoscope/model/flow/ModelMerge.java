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
 * Counts add up exactly. Latency percentiles cannot be merged from percentiles alone: the merged value is
 * the count-weighted mean of the parts' percentiles, exact when one part holds all samples of a
 * transition (always so in the embedded layout) and an approximation otherwise. Probabilities are
 * recomputed from the merged counts; the ordering-violation rate is OUT_OF_ORDER over all transitions.
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
        Map<String, Long> starts = new HashMap<>();
        Map<String, Long> ends = new HashMap<>();
        Set<String> learnedEnds = new TreeSet<>();
        Map<DeviationKind, Long> dev = new EnumMap<>(DeviationKind.class);
        for (FlowModel m : parts) {
            instances += m.instances();
            m.nodes().forEach(n -> nodes.merge(n.eventType(), n.count(), Long::sum));
            for (FlowModel.Transition t : m.transitions()) {
                double[] a = trans.computeIfAbsent(List.of(t.from(), t.to()), k -> new double[4]);
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
            ts.add(new FlowModel.Transition(e.getKey().get(0), e.getKey().get(1), (long) a[0],
                    a[0] / outTotal.get(e.getKey().get(0)), a[1] / a[0], a[2] / a[0], a[3] / a[0]));
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
        return new DependencyMap.Edge(a.role(), a.service(), a.topic(), types, count,
                a.ratePerSecond() + b.ratePerSecond(), weighted(a.p50Ms(), a.count(), b.p50Ms(), b.count()),
                weighted(a.p99Ms(), a.count(), b.p99Ms(), b.count()), evidence);
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
