package io.choreoscope.ui.flow;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.ui.graph.GraphData;
import io.choreoscope.ui.graph.StepKinds;
import io.choreoscope.ui.shell.Formats;

/**
 * Turns a {@link FlowModel} into what the graph draws: event types as boxes, transitions as arrows. In the
 * {@link Mode#FREQUENCY frequency} view arrows are labelled with count and share of instances and are as thick as
 * their volume, boxes show occurrences; in the {@link Mode#PERFORMANCE performance} view arrows show p50/p95 latency
 * and are as thick as their p95, boxes show the median wait before the step, and the slowest step and transition
 * are marked {@code bottleneck}. Starts ({@link #isStart}), ends, compensations, failures and stuck points get their
 * own classes.
 *
 * <p>Nodes come in main-path order (from the most frequent start, always following the most frequent transition
 * first), and the transitions of that path get the class {@code main}: the layered layout keeps them on one straight
 * line and breaks cycles against this order.
 */
public final class FlowGraph {

    /** What labels and thickness show. */
    public enum Mode {
        /** Counts and shares; thickness by count. */
        FREQUENCY,
        /** Latencies; thickness by p95; the slowest step and transition highlighted. */
        PERFORMANCE
    }

    private FlowGraph() {
    }

    /** ID of the edge for a transition. */
    public static String edgeId(String from, String to) {
        return from + " → " + to;
    }

    public static GraphData build(FlowModel model, Map<String, Long> stuckByType) {
        return build(model, stuckByType, Mode.FREQUENCY);
    }

    public static GraphData build(FlowModel model, Map<String, Long> stuckByType, Mode mode) {
        List<String> order = mainPathOrder(model);
        Set<String> mainEdges = mainPath(model, order.isEmpty() ? null : order.get(0));
        Map<String, FlowModel.Node> byType = new HashMap<>();
        model.nodes().forEach(n -> byType.put(n.eventType(), n));
        Map<String, Double> wait = waits(model);
        String slowestStep = wait.entrySet().stream().max(Map.Entry.comparingByValue()).filter(e -> e.getValue() > 0)
                .map(Map.Entry::getKey).orElse(null);
        List<GraphData.Node> nodes = new ArrayList<>();
        for (String type : order) {
            FlowModel.Node n = byType.get(type);
            List<String> classes = new ArrayList<>();
            if (isStart(model, n)) {
                classes.add("start");
            }
            if (model.learnedEnds().contains(type)) {
                classes.add("end");
            }
            if (StepKinds.isCompensation(type)) {
                classes.add("compensation");
            } else if (StepKinds.isFailure(type)) {
                classes.add("failure");
            }
            String label = wrap(type) + "\n";
            if (mode == Mode.PERFORMANCE) {
                label += wait.containsKey(type) ? "waits " + Formats.duration(wait.get(type)) : "start";
                if (type.equals(slowestStep)) {
                    classes.add("bottleneck");
                }
            } else {
                label += Formats.count(n.count()) + "×";
            }
            long stuck = stuckByType.getOrDefault(type, 0L);
            if (stuck > 0) {
                classes.add("stuck");
                label += "\n" + Formats.count(stuck) + " stuck here";
            }
            nodes.add(new GraphData.Node(type, label, classes));
        }
        long maxCount = model.transitions().stream().mapToLong(FlowModel.Transition::count).max().orElse(1);
        double maxP95 = model.transitions().stream().mapToDouble(FlowModel.Transition::p95Ms).max().orElse(0);
        List<GraphData.Edge> edges = new ArrayList<>();
        for (FlowModel.Transition t : model.transitions()) {
            List<String> classes = new ArrayList<>();
            if (StepKinds.isCompensation(t.to()) || StepKinds.isCompensation(t.from())) {
                classes.add("compensation");
            } else if (StepKinds.isFailure(t.to())) {
                classes.add("failure");
            }
            String id = edgeId(t.from(), t.to());
            if (mainEdges.contains(id)) {
                classes.add("main");
            }
            String label;
            double width;
            if (mode == Mode.PERFORMANCE) {
                label = "p50 " + Formats.duration(t.p50Ms()) + " · p95 " + Formats.duration(t.p95Ms());
                width = GraphData.widthFor(Math.round(t.p95Ms()), Math.round(maxP95));
                if (maxP95 > 0 && t.p95Ms() >= maxP95) {
                    classes.add("bottleneck");
                }
            } else {
                label = Formats.count(t.count()) + " · " + shortPercent(share(model, t));
                width = GraphData.widthFor(t.count(), maxCount);
            }
            edges.add(new GraphData.Edge(id, t.from(), t.to(), label, width, classes));
        }
        return new GraphData(nodes, edges, "LR");
    }

    /**
     * Whether a step is drawn as a start (first column, start border): it begins at least half of the instances it
     * occurs in. A step that begins a few instances only because a lagging clock stamped it before its cause (real
     * traffic, the demo's noise) is drawn where its transitions put it, not pulled into the first column.
     */
    public static boolean isStart(FlowModel model, FlowModel.Node step) {
        long starts = model.startCounts().getOrDefault(step.eventType(), 0L);
        long occurrences = step.instances() > 0 ? step.instances() : step.count();
        return starts > 0 && 2 * starts >= occurrences;
    }

    /** A share as a whole percentage ("63%"), or "<1%": edge labels stay short so the map stays narrow. */
    static String shortPercent(double share) {
        double pct = 100 * share;
        return pct > 0 && pct < 1 ? "<1%" : Math.round(pct) + "%";
    }

    /** Share of the instances that take {@code t} (the transition's instance count when known, else its count). */
    static double share(FlowModel model, FlowModel.Transition t) {
        if (model.instances() <= 0) {
            return 0;
        }
        return Math.min(1.0, (double) (t.instances() > 0 ? t.instances() : t.count()) / model.instances());
    }

    /** Count-weighted median wait before each step with an incoming transition (p50 of the transitions into it), ms. */
    static Map<String, Double> waits(FlowModel model) {
        Map<String, double[]> acc = new HashMap<>();
        for (FlowModel.Transition t : model.transitions()) {
            if (t.from().equals(t.to())) {
                continue;
            }
            double[] a = acc.computeIfAbsent(t.to(), k -> new double[2]);
            a[0] += t.p50Ms() * t.count();
            a[1] += t.count();
        }
        Map<String, Double> out = new HashMap<>();
        acc.forEach((k, a) -> out.put(k, a[1] == 0 ? 0 : a[0] / a[1]));
        return out;
    }

    /**
     * Event types in main-path order: a topological order of the map without its loops, where a loop's arrow back is
     * the one a depth-first walk meets going back to a step it is still inside (from the starts, most frequent first,
     * always following the most frequent transition first; then from the steps no start reaches, most frequent
     * first); among the steps whose causes are all placed, the one that walk reached first comes first, so the main
     * path leads. Every arrow but a loop's arrow back goes forward in this order, which the layered layout breaks
     * cycles against: a rare branch that joins a later step (PaymentDeclined -> OrderCancelled, besides StockUnavailable
     * -> PaymentRefunded -> OrderCancelled) is laid out before that step, where a depth-first order alone put it after
     * the whole main path and drew its arrow backwards.
     */
    public static List<String> mainPathOrder(FlowModel model) {
        Map<String, List<FlowModel.Transition>> out = outgoing(model);
        List<String> roots = new ArrayList<>();
        Set<String> types = new HashSet<>();
        model.nodes().forEach(n -> types.add(n.eventType()));
        model.startCounts().entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .map(Map.Entry::getKey).filter(types::contains).forEach(roots::add);
        model.nodes().stream().sorted(Comparator.comparingLong(FlowModel.Node::count).reversed()
                .thenComparing(FlowModel.Node::eventType)).forEach(n -> roots.add(n.eventType()));
        // depth-first, iterative (a flow may have hundreds of steps): the order steps are reached, and the arrows back
        Map<String, Integer> reached = new HashMap<>();
        Set<String> inside = new HashSet<>();
        Set<FlowModel.Transition> back = new HashSet<>();
        for (String root : roots) {
            if (reached.containsKey(root)) {
                continue;
            }
            List<String> path = new ArrayList<>();
            List<Integer> next = new ArrayList<>();
            reached.put(root, reached.size());
            inside.add(root);
            path.add(root);
            next.add(0);
            while (!path.isEmpty()) {
                int top = path.size() - 1;
                String x = path.get(top);
                List<FlowModel.Transition> ts = out.getOrDefault(x, List.of());
                int i = next.get(top);
                if (i == ts.size()) {
                    inside.remove(x);
                    path.remove(top);
                    next.remove(top);
                    continue;
                }
                next.set(top, i + 1);
                String y = ts.get(i).to();
                if (inside.contains(y)) {
                    back.add(ts.get(i)); // a self-loop too
                } else if (!reached.containsKey(y) && types.contains(y)) {
                    reached.put(y, reached.size());
                    inside.add(y);
                    path.add(y);
                    next.add(0);
                }
            }
        }
        // Kahn's algorithm over the arrows that are not back, the earliest reached first among the ready steps
        Map<String, Integer> causes = new HashMap<>();
        for (FlowModel.Transition t : model.transitions()) {
            if (!back.contains(t) && reached.containsKey(t.from()) && reached.containsKey(t.to())) {
                causes.merge(t.to(), 1, Integer::sum);
            }
        }
        java.util.PriorityQueue<String> ready = new java.util.PriorityQueue<>(Comparator.comparingInt(reached::get));
        reached.keySet().stream().filter(x -> !causes.containsKey(x)).forEach(ready::add);
        List<String> order = new ArrayList<>(reached.size());
        while (!ready.isEmpty()) {
            String x = ready.poll();
            order.add(x);
            for (FlowModel.Transition t : out.getOrDefault(x, List.of())) {
                if (!back.contains(t) && causes.containsKey(t.to())
                        && causes.merge(t.to(), -1, Integer::sum) == 0) {
                    causes.remove(t.to());
                    ready.add(t.to());
                }
            }
        }
        return order;
    }

    /** The edges of the main path: from {@code start}, the most frequent transition to a step not yet on it. */
    public static Set<String> mainPath(FlowModel model, String start) {
        Set<String> ids = new HashSet<>();
        if (start == null) {
            return ids;
        }
        Map<String, List<FlowModel.Transition>> out = outgoing(model);
        Set<String> on = new HashSet<>();
        String x = start;
        on.add(x);
        while (true) {
            FlowModel.Transition best = null;
            for (FlowModel.Transition t : out.getOrDefault(x, List.of())) {
                if (!on.contains(t.to())) {
                    best = t;
                    break;
                }
            }
            if (best == null) {
                return ids;
            }
            ids.add(edgeId(best.from(), best.to()));
            x = best.to();
            on.add(x);
        }
    }

    private static Map<String, List<FlowModel.Transition>> outgoing(FlowModel model) {
        Map<String, List<FlowModel.Transition>> out = new HashMap<>();
        for (FlowModel.Transition t : model.transitions()) {
            out.computeIfAbsent(t.from(), k -> new ArrayList<>()).add(t);
        }
        out.values().forEach(l -> l.sort(Comparator.comparingLong(FlowModel.Transition::count).reversed()
                .thenComparing(FlowModel.Transition::to)));
        return out;
    }

    /** Longest line of a step's name in the map, in characters; longer names break at word boundaries. */
    static final int LINE_CHARS = 12;

    /**
     * A step's name broken into lines of at most {@link #LINE_CHARS} characters at CamelCase, dot, dash and underscore
     * boundaries (a word longer than that stays whole), so that boxes stay narrow and the map fits at a readable size.
     */
    static String wrap(String type) {
        if (type.length() <= LINE_CHARS) {
            return type;
        }
        List<String> words = new ArrayList<>();
        int begin = 0;
        for (int i = 1; i < type.length(); i++) {
            char c = type.charAt(i);
            char p = type.charAt(i - 1);
            if ((Character.isUpperCase(c) && Character.isLowerCase(p)) || p == '.' || p == '_' || p == '-' || p == ' ') {
                words.add(type.substring(begin, i));
                begin = i;
            }
        }
        words.add(type.substring(begin));
        StringBuilder out = new StringBuilder();
        int line = 0;
        for (String w : words) {
            if (line > 0 && line + w.length() > LINE_CHARS) {
                out.append('\n');
                line = 0;
            }
            out.append(w);
            line += w.length();
        }
        return out.toString();
    }
}
