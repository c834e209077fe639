package io.choreoscope.model.flow;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Path and step filtering of a flow map, as process-mining tools offer it (Disco's paths and activities sliders),
 * computed from the full counts of a {@link FlowModel}; the API and the UI use this one implementation.
 *
 * <ol>
 *   <li><b>Steps</b>: an event type is kept when at least {@code minStepShare} of the instances have it. One start
 *       step (the most frequent first event) is always kept.</li>
 *   <li><b>Paths</b>: a transition between kept steps is kept when at least {@code minPathShare} of the instances
 *       take it.</li>
 *   <li><b>Connected</b>: every kept step must be reachable from a kept start, and must reach an end (a learned end,
 *       or a step at least {@code minPathShare} of the instances ended at; else the most frequent last step). While
 *       one is not, the strongest (highest count) hidden transition between kept steps that reconnects it is kept
 *       too. A step that no transition between kept steps can reach is hidden.</li>
 * </ol>
 * A share is the instance count of the step or transition over the model's instances when the model carries
 * instance counts (windowed models); the live model does not, so there it is {@code min(1, count / instances)},
 * which over-counts loops. What was left out is summarised in {@link FlowModel#hidden()}: how many steps and
 * transitions, and how many instances have at least one of them (exact when every variant of the window is given,
 * else the sum over what is hidden, an upper bound).
 *
 * <p>Cost: O(S + T log T) for the thresholds plus O(R x (S + T)) for R reconnecting transitions (S steps, T
 * transitions), plus O(total variant length) for the exact instance count. Bad thresholds (NaN, outside 0..1)
 * throw {@link IllegalArgumentException}.
 */
public final class FlowFilter {
    /** Default step threshold: steps at least 5% of the instances have. */
    public static final double DEFAULT_MIN_STEP_SHARE = 0.05;
    /** Default path threshold: transitions at least 5% of the instances take. */
    public static final double DEFAULT_MIN_PATH_SHARE = 0.05;

    private FlowFilter() {
    }

    /** {@link #apply(FlowModel, double, double, List)} without variants (the hidden instance count is a bound). */
    public static FlowModel apply(FlowModel model, double minStepShare, double minPathShare) {
        return apply(model, minStepShare, minPathShare, null);
    }

    /**
     * The filtered map: {@code model} with only the kept steps and transitions (counts, probabilities and
     * latencies as in the whole model), starts and ends of kept steps only, and {@code hidden} set.
     *
     * @param variants every variant of the model's window (for the exact count of instances that pass something
     *                 hidden), or null; a list that does not hold every instance, or cut sequences, is ignored
     */
    public static FlowModel apply(FlowModel model, double minStepShare, double minPathShare, List<Variant> variants) {
        check("minStepShare", minStepShare);
        check("minPathShare", minPathShare);
        long n = model.instances();
        if (n <= 0 || model.nodes().isEmpty()) {
            return with(model, model.nodes(), model.transitions(), new FlowModel.Hidden(minStepShare, minPathShare,
                    0, 0, 0, 0, true, 0));
        }
        Set<String> steps = new LinkedHashSet<>();
        for (FlowModel.Node node : model.nodes()) {
            if (share(node.instances(), node.count(), n) >= minStepShare) {
                steps.add(node.eventType());
            }
        }
        String mainStart = model.startCounts().entrySet().stream()
                .max(Map.Entry.<String, Long>comparingByValue().thenComparing(Map.Entry.comparingByKey(Comparator.reverseOrder())))
                .map(Map.Entry::getKey).orElse(null);
        Set<String> starts = new HashSet<>();
        for (String s : model.startCounts().keySet()) {
            if (steps.contains(s)) {
                starts.add(s);
            }
        }
        if (starts.isEmpty() && mainStart != null) {
            steps.add(mainStart);
            starts.add(mainStart);
        }
        Set<FlowModel.Transition> kept = new LinkedHashSet<>();
        for (FlowModel.Transition t : model.transitions()) {
            if (steps.contains(t.from()) && steps.contains(t.to()) && share(t.instances(), t.count(), n) >= minPathShare) {
                kept.add(t);
            }
        }
        int reconnecting = 0;
        // Forward: every kept step reachable from a kept start.
        while (true) {
            Set<String> reached = reach(starts, kept, true);
            if (reached.containsAll(steps)) {
                break;
            }
            FlowModel.Transition best = strongest(model, steps, kept, t -> reached.contains(t.from()) && !reached.contains(t.to()));
            if (best == null) {
                steps.retainAll(reached); // reachable only through hidden steps: hidden too
                kept.removeIf(t -> !steps.contains(t.from()) || !steps.contains(t.to()));
                break;
            }
            kept.add(best);
            reconnecting++;
        }
        // Backward: every kept step reaches an end.
        Set<String> ends = new HashSet<>();
        for (String s : steps) {
            if (model.learnedEnds().contains(s) || model.endCounts().getOrDefault(s, 0L) >= Math.max(1, minPathShare * n)) {
                ends.add(s);
            }
        }
        if (ends.isEmpty()) {
            steps.stream().filter(model.endCounts()::containsKey)
                    .max(Comparator.comparingLong((String s) -> model.endCounts().get(s)).thenComparing(Comparator.reverseOrder()))
                    .ifPresent(ends::add);
        }
        while (!ends.isEmpty()) {
            Set<String> reaching = reach(ends, kept, false);
            if (reaching.containsAll(steps)) {
                break;
            }
            FlowModel.Transition best = strongest(model, steps, kept, t -> !reaching.contains(t.from()) && reaching.contains(t.to()));
            if (best == null) {
                break; // such a step only ever leads to hidden steps; shown as it is
            }
            kept.add(best);
            reconnecting++;
        }
        List<FlowModel.Node> nodes = model.nodes().stream().filter(x -> steps.contains(x.eventType())).toList();
        List<FlowModel.Transition> transitions = model.transitions().stream().filter(kept::contains).toList();
        int hiddenSteps = model.nodes().size() - nodes.size();
        int hiddenTransitions = model.transitions().size() - transitions.size();
        long passing = exactPassing(model, steps, kept, variants);
        boolean exact = passing >= 0;
        if (!exact) {
            passing = 0;
            for (FlowModel.Node x : model.nodes()) {
                if (!steps.contains(x.eventType())) {
                    passing += x.instances() > 0 ? x.instances() : x.count();
                }
            }
            for (FlowModel.Transition t : model.transitions()) {
                if (!kept.contains(t) && steps.contains(t.from()) && steps.contains(t.to())) {
                    passing += t.instances() > 0 ? t.instances() : t.count();
                }
            }
            passing = Math.min(n, passing);
        }
        return with(model, nodes, transitions, new FlowModel.Hidden(minStepShare, minPathShare, hiddenSteps,
                hiddenTransitions, passing, (double) passing / n, exact, reconnecting));
    }

    /** "13 rare transitions hidden, 2% of instances": the sentence the UI shows, empty when nothing is hidden. */
    public static String describe(FlowModel.Hidden h) {
        if (h == null || (h.steps() == 0 && h.transitions() == 0)) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        if (h.steps() > 0) {
            parts.add(h.steps() + " rare step" + (h.steps() == 1 ? "" : "s"));
        }
        if (h.transitions() > 0) {
            parts.add(h.transitions() + " rare transition" + (h.transitions() == 1 ? "" : "s"));
        }
        double pct = 100 * h.instanceShare();
        String share = pct > 0 && pct < 1 ? "<1%" : Math.round(pct) + "%";
        return String.join(" and ", parts) + " hidden, " + (h.instancesExact() ? "" : "at most ") + share
                + " of instances";
    }

    private static void check(String name, double v) {
        if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException(name + " must be a share from 0 to 1, was " + v);
        }
    }

    private static double share(long instances, long count, long n) {
        return instances > 0 ? (double) instances / n : Math.min(1.0, (double) count / n);
    }

    private static FlowModel.Transition strongest(FlowModel model, Set<String> steps, Set<FlowModel.Transition> kept,
                                                  java.util.function.Predicate<FlowModel.Transition> joins) {
        FlowModel.Transition best = null;
        for (FlowModel.Transition t : model.transitions()) {
            if (kept.contains(t) || !steps.contains(t.from()) || !steps.contains(t.to()) || !joins.test(t)) {
                continue;
            }
            if (best == null || t.count() > best.count() || (t.count() == best.count()
                    && (t.from() + "\u0000" + t.to()).compareTo(best.from() + "\u0000" + best.to()) < 0)) {
                best = t;
            }
        }
        return best;
    }

    /** The steps reached from {@code seeds} along {@code edges} (forward) or against them (backward). */
    private static Set<String> reach(Set<String> seeds, Set<FlowModel.Transition> edges, boolean forward) {
        Map<String, List<String>> adj = new HashMap<>();
        for (FlowModel.Transition t : edges) {
            adj.computeIfAbsent(forward ? t.from() : t.to(), k -> new ArrayList<>()).add(forward ? t.to() : t.from());
        }
        Set<String> seen = new HashSet<>(seeds);
        Deque<String> todo = new ArrayDeque<>(seeds);
        while (!todo.isEmpty()) {
            for (String next : adj.getOrDefault(todo.pop(), List.of())) {
                if (seen.add(next)) {
                    todo.push(next);
                }
            }
        }
        return seen;
    }

    /** Instances with a hidden step or transition, from every variant; -1 when the variants cannot tell. */
    private static long exactPassing(FlowModel model, Set<String> steps, Set<FlowModel.Transition> kept,
                                     List<Variant> variants) {
        if (variants == null) {
            return -1;
        }
        Set<List<String>> shown = new HashSet<>();
        kept.forEach(t -> shown.add(List.of(t.from(), t.to())));
        long total = 0;
        long passing = 0;
        for (Variant v : variants) {
            if (!v.complete()) {
                return -1;
            }
            total += v.count();
            List<String> s = v.steps();
            boolean hidden = false;
            for (int i = 0; i < s.size() && !hidden; i++) {
                hidden = !steps.contains(s.get(i)) || (i > 0 && !shown.contains(List.of(s.get(i - 1), s.get(i))));
            }
            if (hidden) {
                passing += v.count();
            }
        }
        return total == model.instances() ? passing : -1;
    }

    private static FlowModel with(FlowModel m, List<FlowModel.Node> nodes, List<FlowModel.Transition> transitions,
                                  FlowModel.Hidden hidden) {
        Set<String> kept = new HashSet<>();
        nodes.forEach(x -> kept.add(x.eventType()));
        Map<String, Long> starts = new HashMap<>(m.startCounts());
        starts.keySet().retainAll(kept);
        Map<String, Long> ends = new HashMap<>(m.endCounts());
        ends.keySet().retainAll(kept);
        List<String> learnedEnds = m.learnedEnds().stream().filter(kept::contains).toList();
        return new FlowModel(m.flow(), m.instances(), nodes, transitions, starts, ends, learnedEnds,
                m.deviationCounts(), m.orderingViolationRate(), m.from(), m.to(), hidden);
    }
}
