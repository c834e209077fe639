package io.choreoscope.ui.flow;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import io.choreoscope.model.flow.FlowComparison;
import io.choreoscope.model.flow.FlowComparison.Change;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.ui.graph.GraphData;
import io.choreoscope.ui.graph.StepKinds;
import io.choreoscope.ui.shell.Formats;

/**
 * Two windows of one flow drawn as one map: every step and transition that the step and path filters keep in
 * either window, each marked with its {@link Change} from the first window ("before") to the second ("after"). A
 * change is told by a class (colour and line style, see {@code choreo-graph.js}: {@code added}, {@code gone},
 * {@code changed}) <em>and</em> by the label's text ({@link #ADDED_MARK}, {@link #GONE_MARK}, the share or p95 moving
 * "a → b"), never by colour alone. Each box and arrow carries a tip (shown on hover) with both windows' figures.
 */
public final class CompareGraph {
    /** Label text of a step or transition only the second window has. */
    public static final String ADDED_MARK = "NEW";
    /** Label text of a step or transition only the first window has. */
    public static final String GONE_MARK = "GONE";
    /** Label text of a step or transition whose share or p95 moved past the thresholds. */
    public static final String CHANGED_MARK = "CHANGED";

    private CompareGraph() {
    }

    /**
     * The map's content: both (already filtered) models joined. A step or transition in both takes the larger count
     * of the two (so the main path follows what either window mostly did); starts and ends of both are kept, so the
     * layout still puts the starts first and the ends last.
     */
    public static FlowModel union(FlowModel before, FlowModel after) {
        Map<String, FlowModel.Node> nodes = new LinkedHashMap<>();
        for (FlowModel m : List.of(after, before)) {
            for (FlowModel.Node n : m.nodes()) {
                nodes.merge(n.eventType(), n, (a, b) -> a.count() >= b.count() ? a : b);
            }
        }
        Map<String, FlowModel.Transition> transitions = new LinkedHashMap<>();
        for (FlowModel m : List.of(after, before)) {
            for (FlowModel.Transition t : m.transitions()) {
                transitions.merge(FlowGraph.edgeId(t.from(), t.to()), t, (a, b) -> a.count() >= b.count() ? a : b);
            }
        }
        Map<String, Long> starts = new TreeMap<>(before.startCounts());
        after.startCounts().forEach((k, v) -> starts.merge(k, v, Math::max));
        Map<String, Long> ends = new TreeMap<>(before.endCounts());
        after.endCounts().forEach((k, v) -> ends.merge(k, v, Math::max));
        TreeSet<String> learned = new TreeSet<>(before.learnedEnds());
        learned.addAll(after.learnedEnds());
        // a learned end that only the other window reached is still an end: keep the layout's last column honest
        learned.retainAll(nodes.keySet());
        return new FlowModel(after.flow(), Math.max(before.instances(), after.instances()), new ArrayList<>(nodes.values()),
                new ArrayList<>(transitions.values()), starts, ends, new ArrayList<>(learned), Map.of(), 0,
                after.from(), after.to(), null);
    }

    /**
     * The graph of {@code shown} (from {@link #union}) marked by {@code cmp}: in the frequency view labels show shares
     * of each window's instances, in the performance view transitions show p95 latencies; thickness follows the
     * larger count of the two windows.
     */
    public static GraphData build(FlowModel shown, FlowComparison cmp, FlowGraph.Mode mode) {
        Map<String, FlowComparison.Item> steps = new HashMap<>();
        cmp.steps().forEach(i -> steps.put(i.from(), i));
        Map<String, FlowComparison.Item> transitions = new HashMap<>();
        cmp.transitions().forEach(i -> transitions.put(FlowGraph.edgeId(i.from(), i.to()), i));
        List<String> order = FlowGraph.mainPathOrder(shown);
        List<GraphData.Node> nodes = new ArrayList<>();
        for (String type : order) {
            FlowComparison.Item i = steps.get(type);
            List<String> classes = new ArrayList<>();
            if (shown.startCounts().containsKey(type)) {
                classes.add("start");
            }
            if (shown.learnedEnds().contains(type)) {
                classes.add("end");
            }
            if (StepKinds.isCompensation(type)) {
                classes.add("compensation");
            } else if (StepKinds.isFailure(type)) {
                classes.add("failure");
            }
            String line;
            if (i == null) {
                line = "";
            } else {
                classes.add(changeClass(i.change()));
                line = switch (i.change()) {
                    case ADDED -> ADDED_MARK + " · " + FlowGraph.shortPercent(i.shareAfter());
                    case GONE -> GONE_MARK + " · was " + FlowGraph.shortPercent(i.shareBefore());
                    case CHANGED -> FlowGraph.shortPercent(i.shareBefore()) + " → " + FlowGraph.shortPercent(i.shareAfter());
                    case SAME -> FlowGraph.shortPercent(i.shareAfter());
                };
            }
            nodes.add(new GraphData.Node(type, FlowGraph.wrap(type) + (line.isEmpty() ? "" : "\n" + line), classes,
                    i == null ? null : tip(type, i, false)));
        }
        long maxCount = 1;
        for (FlowModel.Transition t : shown.transitions()) {
            maxCount = Math.max(maxCount, t.count());
        }
        List<GraphData.Edge> edges = new ArrayList<>();
        for (FlowModel.Transition t : shown.transitions()) {
            String id = FlowGraph.edgeId(t.from(), t.to());
            FlowComparison.Item i = transitions.get(id);
            List<String> classes = new ArrayList<>();
            if (StepKinds.isCompensation(t.to()) || StepKinds.isCompensation(t.from())) {
                classes.add("compensation");
            } else if (StepKinds.isFailure(t.to())) {
                classes.add("failure");
            }
            String label = "";
            long count = t.count();
            if (i != null) {
                classes.add(changeClass(i.change()));
                count = Math.max(i.countBefore(), i.countAfter());
                label = mode == FlowGraph.Mode.PERFORMANCE ? p95Label(i) : shareLabel(i);
            }
            edges.add(new GraphData.Edge(id, t.from(), t.to(), label, GraphData.widthFor(count, maxCount), classes,
                    i == null ? null : tip(id, i, true)));
        }
        return new GraphData(nodes, edges, "LR");
    }

    /** The style class of a change: {@code added}, {@code gone}, {@code changed} or {@code same}. */
    public static String changeClass(Change c) {
        return c.name().toLowerCase(Locale.ROOT);
    }

    /** How a change is named in labels, tables and tips. */
    public static String changeText(Change c) {
        return switch (c) {
            case ADDED -> ADDED_MARK;
            case GONE -> GONE_MARK;
            case CHANGED -> CHANGED_MARK;
            case SAME -> "same";
        };
    }

    private static String shareLabel(FlowComparison.Item i) {
        return switch (i.change()) {
            case ADDED -> ADDED_MARK + " · " + FlowGraph.shortPercent(i.shareAfter());
            case GONE -> GONE_MARK + " · was " + FlowGraph.shortPercent(i.shareBefore());
            case CHANGED -> FlowGraph.shortPercent(i.shareBefore()) + " → " + FlowGraph.shortPercent(i.shareAfter())
                    + (Math.abs(i.shareDelta()) < 0.005 ? " · p95 " + Formats.duration(i.p95Before()) + " → "
                    + Formats.duration(i.p95After()) : "");
            case SAME -> FlowGraph.shortPercent(i.shareAfter());
        };
    }

    private static String p95Label(FlowComparison.Item i) {
        return switch (i.change()) {
            case ADDED -> ADDED_MARK + " · p95 " + Formats.duration(i.p95After());
            case GONE -> GONE_MARK + " · p95 was " + Formats.duration(i.p95Before());
            case CHANGED -> "p95 " + Formats.duration(i.p95Before()) + " → " + Formats.duration(i.p95After());
            case SAME -> "p95 " + Formats.duration(i.p95After());
        };
    }

    /** Both windows' figures of an item, for the hover tip (plain text). */
    static String tip(String name, FlowComparison.Item i, boolean transition) {
        StringBuilder b = new StringBuilder();
        b.append(name).append('\n').append(changeText(i.change()));
        if (i.change() != Change.ADDED && i.change() != Change.GONE) {
            b.append(" · share ").append(signedPoints(i.shareDelta()));
            if (transition) {
                b.append(" · p95 ").append(signedPercent(i.p95Before(), i.p95After()));
            }
        }
        b.append("\nBefore: ").append(Formats.count(i.countBefore())).append("× · ")
                .append(Formats.percent(i.shareBefore())).append(" of instances");
        if (transition && i.countBefore() > 0) {
            b.append(" · p95 ").append(Formats.duration(i.p95Before()));
        }
        b.append("\nAfter: ").append(Formats.count(i.countAfter())).append("× · ")
                .append(Formats.percent(i.shareAfter())).append(" of instances");
        if (transition && i.countAfter() > 0) {
            b.append(" · p95 ").append(Formats.duration(i.p95After()));
        }
        return b.toString();
    }

    /** A share change in percentage points, signed ("+12 pp", "−3 pp", "±0 pp"). */
    public static String signedPoints(double delta) {
        long pp = Math.round(delta * 100);
        return (pp > 0 ? "+" + pp : pp < 0 ? "−" + (-pp) : "±0") + " pp";
    }

    /** A p95 change as a signed percentage of the first ("+150%"), or "n/a" when the first is 0. */
    public static String signedPercent(double before, double after) {
        if (!(before > 0) || Double.isNaN(after)) {
            return "n/a";
        }
        long pct = Math.round(100 * (after - before) / before);
        return (pct > 0 ? "+" + pct : pct < 0 ? "−" + (-pct) : "±0") + "%";
    }
}
