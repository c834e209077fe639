package io.choreoscope.ui.instance;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.choreoscope.model.api.InstanceDetail;
import io.choreoscope.model.flow.ExpectedStep;
import io.choreoscope.model.flow.FlowFilter;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InstanceGraph;
import io.choreoscope.ui.flow.FlowGraph;
import io.choreoscope.ui.graph.GraphData;
import io.choreoscope.ui.graph.StepKinds;
import io.choreoscope.ui.shell.Formats;

/**
 * The path one instance took, drawn over its flow's model: the model faded, the steps taken bold with
 * their order on the arrows, expected next steps dashed, and steps the model does not know in red.
 * Without a model (unknown flow) just the instance's own path.
 *
 * <p>The model is the flow map by cause of the last hour ({@link InstanceView#backdrop}: the path's arrows are causal
 * too), as the flow page shows it by default ({@link FlowFilter} at its default shares):
 * on real traffic the whole learned model holds every rare and out-of-order transition ever seen, and the
 * instance's path was lost in them. What the instance took is drawn whatever its share; a step or transition the
 * filter hid is not "unknown to the model". Nodes come in the flow map's main-path order and its main path is
 * marked, for the same layered layout.
 */
public final class InstanceGraphData {

    private InstanceGraphData() {
    }

    static String edgeId(String from, String to) {
        return from + " → " + to;
    }

    public static GraphData build(FlowModel whole, InstanceDetail d) {
        InstanceGraph g = d.graph();
        FlowModel model = whole == null ? null : FlowFilter.apply(whole, FlowFilter.DEFAULT_MIN_STEP_SHARE,
                FlowFilter.DEFAULT_MIN_PATH_SHARE);
        Set<String> knownSteps = new LinkedHashSet<>();
        Set<String> knownTransitions = new LinkedHashSet<>();
        if (whole != null) {
            whole.nodes().forEach(n -> knownSteps.add(n.eventType()));
            whole.transitions().forEach(t -> knownTransitions.add(edgeId(t.from(), t.to())));
        }
        Map<String, Integer> visits = new LinkedHashMap<>();
        for (InstanceGraph.Node n : g.nodes()) {
            visits.merge(n.eventType(), 1, Integer::sum);
        }
        // step numbers on each taken (from type, to type) pair
        Map<String, List<Integer>> taken = new LinkedHashMap<>();
        Map<String, String[]> takenPairs = new LinkedHashMap<>();
        int step = 1;
        for (InstanceGraph.Edge e : g.edges().stream()
                .sorted(java.util.Comparator.comparingInt(InstanceGraph.Edge::to)).toList()) {
            String a = g.nodes().get(e.from()).eventType();
            String b = g.nodes().get(e.to()).eventType();
            String id = edgeId(a, b);
            taken.computeIfAbsent(id, k -> new ArrayList<>()).add(step++);
            takenPairs.put(id, new String[] {a, b});
        }
        Set<String> expected = new LinkedHashSet<>();
        Map<String, ExpectedStep> expectedSteps = new LinkedHashMap<>();
        for (ExpectedStep s : d.snapshot().expectedNext()) {
            expected.add(s.eventType());
            expectedSteps.put(s.eventType(), s);
        }
        String last = d.snapshot().lastEventType();

        List<GraphData.Node> nodes = new ArrayList<>();
        Set<String> known = new LinkedHashSet<>();
        Set<String> mainEdges = Set.of();
        if (model != null) {
            Map<String, FlowModel.Node> byType = new LinkedHashMap<>();
            model.nodes().forEach(n -> byType.put(n.eventType(), n));
            List<String> order = FlowGraph.mainPathOrder(model);
            mainEdges = FlowGraph.mainPath(model, order.isEmpty() ? null : order.get(0));
            for (String type : order) {
                FlowModel.Node n = byType.get(type);
                known.add(type);
                nodes.add(node(type, visits.getOrDefault(type, 0), expected.contains(type), false,
                        FlowGraph.isStart(model, n), model.learnedEnds().contains(type)));
            }
        }
        for (Map.Entry<String, Integer> v : visits.entrySet()) {
            if (!known.contains(v.getKey())) {
                known.add(v.getKey());
                nodes.add(node(v.getKey(), v.getValue(), false, model != null && !knownSteps.contains(v.getKey()),
                        false, whole != null && whole.learnedEnds().contains(v.getKey())));
            }
        }
        // an expected next step the filter hid (or without a model) is drawn too: it is what the instance waits for
        for (String e : expected) {
            if (known.add(e)) {
                nodes.add(node(e, 0, true, false, false, false));
            }
        }

        List<GraphData.Edge> edges = new ArrayList<>();
        Set<String> drawn = new LinkedHashSet<>();
        if (model != null) {
            for (FlowModel.Transition t : model.transitions()) {
                String id = edgeId(t.from(), t.to());
                drawn.add(id);
                List<String> classes = new ArrayList<>();
                String label = "";
                if (taken.containsKey(id)) {
                    classes.add("path");
                    label = steps(taken.get(id));
                } else if (t.from().equals(last) && expected.contains(t.to())) {
                    classes.add("expected");
                    label = nextLabel(expectedSteps.get(t.to()));
                } else {
                    classes.add("dim");
                }
                if (StepKinds.isCompensation(t.to())) {
                    classes.add("compensation");
                }
                if (mainEdges.contains(id)) {
                    classes.add("main");
                }
                edges.add(new GraphData.Edge(id, t.from(), t.to(), label, taken.containsKey(id) ? 4.5 : 1.5, classes));
            }
        }
        for (Map.Entry<String, String[]> p : takenPairs.entrySet()) {
            if (drawn.add(p.getKey())) {
                List<String> classes = new ArrayList<>(List.of("path"));
                if (model != null && !knownTransitions.contains(p.getKey())) {
                    classes.add("unexpected");
                }
                edges.add(new GraphData.Edge(p.getKey(), p.getValue()[0], p.getValue()[1], steps(taken.get(p.getKey())),
                        4.5, classes));
            }
        }
        if (last != null) {
            for (String e : expected) {
                String id = edgeId(last, e);
                if (drawn.add(id)) {
                    edges.add(new GraphData.Edge(id, last, e, model == null ? "next?" : nextLabel(expectedSteps.get(e)),
                            1.5, List.of("expected")));
                }
            }
        }
        return new GraphData(nodes, edges, "LR");
    }

    private static GraphData.Node node(String type, int visits, boolean expected, boolean unexpected, boolean start,
                                       boolean end) {
        List<String> classes = new ArrayList<>();
        if (visits > 0) {
            classes.add("visited");
        } else if (expected) {
            classes.add("expected");
        } else {
            classes.add("dim");
        }
        if (unexpected) {
            classes.add("unexpected");
        }
        if (start) {
            classes.add("start");
        }
        if (end && visits > 0) {
            classes.add("end");
        }
        if (StepKinds.isCompensation(type)) {
            classes.add("compensation");
        } else if (StepKinds.isFailure(type)) {
            classes.add("failure");
        }
        String label = type + (visits > 1 ? "\n×" + visits : "") + (visits == 0 && expected ? "\n(expected next)" : "");
        return new GraphData.Node(type, label, classes);
    }

    /** An expected next step's arrow: "next? 85.0%". */
    private static String nextLabel(ExpectedStep s) {
        return "next? " + Formats.percent(s.probability());
    }

    private static String steps(List<Integer> numbers) {
        StringBuilder b = new StringBuilder();
        for (Integer n : numbers) {
            b.append(b.length() == 0 ? "#" : ", #").append(n);
        }
        return b.toString();
    }
}
