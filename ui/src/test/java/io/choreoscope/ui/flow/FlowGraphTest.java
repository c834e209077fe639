package io.choreoscope.ui.flow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.ui.graph.GraphData;

class FlowGraphTest {

    /**
     * The demo's noise as the e2e browser test met it: a lagging clock stamps a few PaymentCaptured and OrderShipped
     * events before their cause, so those steps begin a few instances too. Only the step that begins most of its
     * instances is drawn as a start; in the browser the layered layout pins starts to the first column, and ELK refuses
     * that for a step other steps lead into (the map then fell back to dagre: ends not last, 10 px arrow labels).
     */
    @Test
    void onlyAStepThatBeginsMostOfItsInstancesIsDrawnAsAStart() {
        FlowModel model = new FlowModel("OrderPlaced", 100,
                List.of(new FlowModel.Node("OrderPlaced", 100, 100), new FlowModel.Node("PaymentCaptured", 90, 90),
                        new FlowModel.Node("OrderShipped", 80, 80)),
                List.of(new FlowModel.Transition("OrderPlaced", "PaymentCaptured", 88, 0.88, 5, 9, 9, 88),
                        new FlowModel.Transition("PaymentCaptured", "OrderPlaced", 2, 0.02, 5, 9, 9, 2),
                        new FlowModel.Transition("PaymentCaptured", "OrderShipped", 79, 0.79, 5, 9, 9, 79),
                        new FlowModel.Transition("OrderShipped", "PaymentCaptured", 1, 0.01, 5, 9, 9, 1)),
                Map.of("OrderPlaced", 98L, "PaymentCaptured", 2L, "OrderShipped", 1L), Map.of("OrderShipped", 79L),
                List.of("OrderShipped"), Map.of(), 0);
        GraphData g = FlowGraph.build(model, Map.of());
        assertThat(g.node("OrderPlaced").classes()).contains("start");
        assertThat(g.node("PaymentCaptured").classes()).doesNotContain("start");
        assertThat(g.node("OrderShipped").classes()).contains("end").doesNotContain("start");
        // a flow with two entry points draws both
        FlowModel twoEntries = new FlowModel("Signup", 10,
                List.of(new FlowModel.Node("Web", 6, 6), new FlowModel.Node("Mobile", 4, 4), new FlowModel.Node("Done", 10, 10)),
                List.of(new FlowModel.Transition("Web", "Done", 6, 1, 5, 9, 9, 6),
                        new FlowModel.Transition("Mobile", "Done", 4, 1, 5, 9, 9, 4)),
                Map.of("Web", 6L, "Mobile", 4L), Map.of("Done", 10L), List.of("Done"), Map.of(), 0);
        GraphData two = FlowGraph.build(twoEntries, Map.of());
        assertThat(two.node("Web").classes()).contains("start");
        assertThat(two.node("Mobile").classes()).contains("start");
        assertThat(two.node("Done").classes()).doesNotContain("start");
    }
}
