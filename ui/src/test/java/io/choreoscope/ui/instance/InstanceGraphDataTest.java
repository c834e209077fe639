package io.choreoscope.ui.instance;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.choreoscope.model.api.InstanceDetail;
import io.choreoscope.model.flow.EdgeKind;
import io.choreoscope.model.flow.ExpectedStep;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InstanceGraph;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.ui.graph.GraphData;

class InstanceGraphDataTest {

    private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");

    /**
     * 100 instances of Placed -> Paid -> Shipped, with the noise real traffic has: 3 went Placed -> Shipped (a late
     * payment event), 2 had a Refunded after Shipped, 1 saw Paid before Placed.
     */
    private static FlowModel noisyModel() {
        List<FlowModel.Node> nodes = List.of(new FlowModel.Node("Placed", 100, 100), new FlowModel.Node("Paid", 98, 98),
                new FlowModel.Node("Shipped", 100, 100), new FlowModel.Node("Refunded", 2, 2));
        List<FlowModel.Transition> transitions = List.of(
                new FlowModel.Transition("Placed", "Paid", 96, 0.96, 10, 20, 30, 96),
                new FlowModel.Transition("Paid", "Shipped", 96, 0.98, 10, 20, 30, 96),
                new FlowModel.Transition("Placed", "Shipped", 3, 0.03, 10, 20, 30, 3),
                new FlowModel.Transition("Shipped", "Refunded", 2, 0.02, 10, 20, 30, 2),
                new FlowModel.Transition("Paid", "Placed", 1, 0.01, 10, 20, 30, 1));
        return new FlowModel("Placed", 100, nodes, transitions, Map.of("Placed", 99L, "Paid", 1L),
                Map.of("Shipped", 98L, "Refunded", 2L), List.of("Shipped"), Map.of(), 0.01);
    }

    private static InstanceDetail instance(List<String> types, List<ExpectedStep> expected) {
        List<InstanceGraph.Node> nodes = new java.util.ArrayList<>();
        List<InstanceGraph.Edge> edges = new java.util.ArrayList<>();
        for (int i = 0; i < types.size(); i++) {
            nodes.add(new InstanceGraph.Node(i, "e" + i, types.get(i), "svc", "orders", 0, i, T0.plusSeconds(i)));
            if (i > 0) {
                edges.add(new InstanceGraph.Edge(i - 1, i, EdgeKind.CAUSATION));
            }
        }
        String last = types.get(types.size() - 1);
        InstanceSnapshot s = new InstanceSnapshot("o-1", Set.of("o-1"), "Placed", InstanceState.RUNNING, "",
                T0, T0.plusSeconds(types.size()), types.size(), 0, last, "svc", expected, List.of());
        return InstanceDetail.whole(s, List.of(), List.of(), new InstanceGraph("o-1", nodes, edges, 0, 0));
    }

    @Test
    void theModelIsTheFlowMapsDefaultViewAndWhatTheInstanceTookIsDrawnWhateverItsShare() {
        GraphData g = InstanceGraphData.build(noisyModel(), instance(List.of("Placed", "Shipped"), List.of()));

        // the rare transitions the instance did not take are left out, as on the flow map
        assertThat(g.edges()).extracting(GraphData.Edge::id)
                .doesNotContain("Shipped → Refunded", "Paid → Placed")
                .contains("Placed → Paid", "Paid → Shipped", "Placed → Shipped");
        assertThat(g.nodes()).extracting(GraphData.Node::id).doesNotContain("Refunded");
        // the rare one it took is its path, and the model knows it: not "unknown to the model"
        assertThat(g.edge("Placed → Shipped").classes()).contains("path").doesNotContain("unexpected", "dim");
        assertThat(g.edge("Placed → Shipped").label()).isEqualTo("#1");
        assertThat(g.node("Shipped").classes()).contains("visited", "end").doesNotContain("unexpected");
        // main-path order and the main path marked, for the layered layout
        assertThat(g.nodes()).extracting(GraphData.Node::id).startsWith("Placed", "Paid", "Shipped");
        assertThat(g.node("Placed").classes()).contains("start");
        assertThat(g.edge("Placed → Paid").classes()).contains("main", "dim");
    }

    @Test
    void aStepTheFilterHidOrTheModelNeverSawIsToldApart() {
        GraphData g = InstanceGraphData.build(noisyModel(),
                instance(List.of("Placed", "Paid", "Shipped", "Refunded", "Disputed"), List.of()));
        // Refunded is 2% of the instances: hidden on the map, drawn here because the instance has it, and known
        assertThat(g.node("Refunded").classes()).contains("visited").doesNotContain("unexpected");
        assertThat(g.edge("Shipped → Refunded").classes()).contains("path").doesNotContain("unexpected");
        // Disputed the model never saw
        assertThat(g.node("Disputed").classes()).contains("visited", "unexpected");
        assertThat(g.edge("Refunded → Disputed").classes()).contains("path", "unexpected");
    }

    @Test
    void anExpectedNextStepTheFilterHidIsDrawnWithItsChance() {
        GraphData g = InstanceGraphData.build(noisyModel(), instance(List.of("Placed", "Paid", "Shipped"),
                List.of(new ExpectedStep("Refunded", 0.02, 5000, true))));
        assertThat(g.node("Refunded").classes()).contains("expected");
        assertThat(g.edge("Shipped → Refunded").classes()).contains("expected");
        assertThat(g.edge("Shipped → Refunded").label()).isEqualTo("next? 2.0%");
    }
}
