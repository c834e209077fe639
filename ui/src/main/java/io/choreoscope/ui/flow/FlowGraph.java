package io.choreoscope.ui.flow;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.ui.graph.GraphData;
import io.choreoscope.ui.graph.StepKinds;
import io.choreoscope.ui.shell.Formats;

/**
 * Turns a {@link FlowModel} into what the graph draws: event types as boxes (count, and how many
 * instances are stuck there), transitions as arrows labelled with count and p95 latency, as thick as
 * their volume; starts, ends, compensations, failures and stuck points get their own classes.
 */
public final class FlowGraph {

    private FlowGraph() {
    }

    /** ID of the edge for a transition. */
    public static String edgeId(String from, String to) {
        return from + " → " + to;
    }

    public static GraphData build(FlowModel model, Map<String, Long> stuckByType) {
        List<GraphData.Node> nodes = new ArrayList<>();
        for (FlowModel.Node n : model.nodes()) {
            List<String> classes = new ArrayList<>();
            if (model.startCounts().containsKey(n.eventType())) {
                classes.add("start");
            }
            if (model.learnedEnds().contains(n.eventType())) {
                classes.add("end");
            }
            if (StepKinds.isCompensation(n.eventType())) {
                classes.add("compensation");
            } else if (StepKinds.isFailure(n.eventType())) {
                classes.add("failure");
            }
            long stuck = stuckByType.getOrDefault(n.eventType(), 0L);
            String label = n.eventType() + "\n" + Formats.count(n.count()) + "×";
            if (stuck > 0) {
                classes.add("stuck");
                label += "\n" + Formats.count(stuck) + " stuck here";
            }
            nodes.add(new GraphData.Node(n.eventType(), label, classes));
        }
        long max = model.transitions().stream().mapToLong(FlowModel.Transition::count).max().orElse(1);
        List<GraphData.Edge> edges = new ArrayList<>();
        for (FlowModel.Transition t : model.transitions()) {
            List<String> classes = new ArrayList<>();
            if (StepKinds.isCompensation(t.to()) || StepKinds.isCompensation(t.from())) {
                classes.add("compensation");
            } else if (StepKinds.isFailure(t.to())) {
                classes.add("failure");
            }
            edges.add(new GraphData.Edge(edgeId(t.from(), t.to()), t.from(), t.to(),
                    Formats.count(t.count()) + " · p95 " + Formats.duration(t.p95Ms()),
                    GraphData.widthFor(t.count(), max), classes));
        }
        return new GraphData(nodes, edges, "LR");
    }
}
