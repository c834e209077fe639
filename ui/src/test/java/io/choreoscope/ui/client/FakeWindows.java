package io.choreoscope.ui.client;

import java.time.Duration;
import java.time.Instant;
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

import io.choreoscope.model.api.EventView;
import io.choreoscope.model.api.InstanceDetail;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.model.flow.Variant;

/**
 * The fake API's windowed models and variants: what the backend computes in ClickHouse, computed in memory from the
 * fake's instances by the same definitions (directly-follows counts, instances per step and transition, variants
 * by event-type sequence). Percentiles are nearest-rank.
 */
final class FakeWindows {
    private FakeWindows() {
    }

    /**
     * The window's model: directly-follows, or with {@code byCause} as the backend's causal model (each event after the
     * event its causation ID names, else the one before it; probability the share of the instances with the cause in
     * which it caused the effect; ends the leaves, each type once per instance). Loops of causes in bad data are not
     * broken here (the fake's data has none).
     */
    static FlowModel model(String flow, List<InstanceDetail> instances, Instant from, Instant to, List<String> learnedEnds,
                           boolean byCause) {
        Map<String, long[]> nodes = new LinkedHashMap<>();
        Map<List<String>, List<Long>> lat = new LinkedHashMap<>();
        Map<List<String>, Long> pairInstances = new HashMap<>();
        Map<String, Long> starts = new TreeMap<>();
        Map<String, Long> ends = new TreeMap<>();
        Map<String, Long> out = new HashMap<>();
        for (InstanceDetail d : instances) {
            List<EventView> ev = d.events();
            if (ev.isEmpty()) {
                continue;
            }
            Set<String> types = new HashSet<>();
            Set<List<String>> pairs = new HashSet<>();
            Set<Integer> causes = new HashSet<>();
            int start = -1; // by cause, the first step nothing caused; in order, the first
            for (int i = 0; i < ev.size(); i++) {
                long[] n = nodes.computeIfAbsent(ev.get(i).eventType(), k -> new long[2]);
                n[0]++;
                if (types.add(ev.get(i).eventType())) {
                    n[1]++;
                }
                int c = byCause ? causeOf(ev, i) : i - 1;
                if (c < 0 && start < 0) {
                    start = i;
                }
                if (c >= 0) {
                    causes.add(c);
                    List<String> p = List.of(ev.get(c).eventType(), ev.get(i).eventType());
                    lat.computeIfAbsent(p, k -> new ArrayList<>())
                            .add(Duration.between(ev.get(c).timestamp(), ev.get(i).timestamp()).toMillis());
                    out.merge(p.get(0), 1L, Long::sum);
                    if (pairs.add(p)) {
                        pairInstances.merge(p, 1L, Long::sum);
                    }
                }
            }
            starts.merge(ev.get(Math.max(0, start)).eventType(), 1L, Long::sum);
            if (!byCause) {
                ends.merge(ev.get(ev.size() - 1).eventType(), 1L, Long::sum);
                continue;
            }
            Set<String> leaves = new HashSet<>();
            for (int i = 0; i < ev.size(); i++) {
                if (!causes.contains(i) && leaves.add(ev.get(i).eventType())) {
                    ends.merge(ev.get(i).eventType(), 1L, Long::sum);
                }
            }
        }
        List<FlowModel.Node> ns = new ArrayList<>();
        nodes.forEach((k, n) -> ns.add(new FlowModel.Node(k, n[0], n[1])));
        List<FlowModel.Transition> ts = new ArrayList<>();
        lat.forEach((p, v) -> {
            List<Long> sorted = v.stream().sorted().toList();
            double probability = byCause ? (double) pairInstances.get(p) / nodes.get(p.get(0))[1]
                    : (double) v.size() / out.get(p.get(0));
            ts.add(new FlowModel.Transition(p.get(0), p.get(1), v.size(), probability,
                    pct(sorted, 0.5), pct(sorted, 0.95), pct(sorted, 0.99), pairInstances.get(p)));
        });
        long n = starts.values().stream().mapToLong(Long::longValue).sum();
        return new FlowModel(flow, n, ns, ts, starts, ends, learnedEnds, Map.of(), 0, from, to, null);
    }

    /** The event {@code ev[i]}'s causation ID names, else the one before it (-1 for none). */
    private static int causeOf(List<EventView> ev, int i) {
        String cause = ev.get(i).causationId();
        for (int j = 0; cause != null && j < ev.size(); j++) {
            if (j != i && cause.equals(ev.get(j).eventId())) {
                return j;
            }
        }
        return i - 1;
    }

    static List<Variant> variants(List<InstanceDetail> instances) {
        Map<List<String>, List<InstanceDetail>> by = new LinkedHashMap<>();
        for (InstanceDetail d : instances) {
            if (!d.events().isEmpty()) {
                by.computeIfAbsent(d.events().stream().map(EventView::eventType).toList(), k -> new ArrayList<>()).add(d);
            }
        }
        long total = instances.stream().filter(d -> !d.events().isEmpty()).count();
        List<Variant> out = new ArrayList<>();
        by.forEach((steps, list) -> {
            List<Long> durations = list.stream().map(d -> Duration.between(d.events().get(0).timestamp(),
                    d.events().get(d.events().size() - 1).timestamp()).toMillis()).sorted().toList();
            Map<InstanceState, Long> outcomes = new EnumMap<>(InstanceState.class);
            list.forEach(d -> outcomes.merge(d.snapshot().state(), 1L, Long::sum));
            out.add(new Variant(id(steps), steps.subList(0, Math.min(steps.size(), Variant.MAX_STEPS)), steps.size(),
                    list.size(), (double) list.size() / total, pct(durations, 0.5), pct(durations, 0.95), outcomes));
        });
        out.sort(Comparator.comparingLong(Variant::count).reversed().thenComparing(Variant::id));
        return out;
    }

    static String id(List<String> steps) {
        return String.format("%016x", (long) String.join("\u0000", steps).hashCode() & 0xffffffffL);
    }

    private static double pct(List<Long> sorted, double q) {
        if (sorted.isEmpty()) {
            return 0;
        }
        return sorted.get((int) Math.min(sorted.size() - 1, Math.max(0, Math.ceil(q * sorted.size()) - 1)));
    }
}
