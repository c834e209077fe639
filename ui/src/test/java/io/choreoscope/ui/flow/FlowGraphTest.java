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

    private static FlowModel.Transition t(String from, String to, long count) {
        return new FlowModel.Transition(from, to, count, count / 100.0, 5, 9, 9, count);
    }

    /**
     * The demo's order saga by cause, early in its first hour: one declined payment (OrderPlaced -> PaymentDeclined ->
     * OrderCancelled) beside one refund (... -> StockUnavailable -> PaymentRefunded -> OrderCancelled). The map's
     * order put PaymentDeclined after the whole main path and OrderCancelled, so the layout broke the cycle it did not
     * have by drawing PaymentDeclined -> OrderCancelled backwards, from the map's right edge. Now every arrow but a
     * loop's arrow back goes forward in the order, and the main path leads.
     */
    @Test
    void theOrderPutsEveryStepAfterItsCausesAndOnlyLoopsGoBack() {
        List<FlowModel.Transition> ts = List.of(t("OrderPlaced", "PaymentCaptured", 18), t("OrderPlaced", "PaymentDeclined", 1),
                t("PaymentCaptured", "StockReserved", 17), t("PaymentCaptured", "StockUnavailable", 1),
                t("StockReserved", "OrderShipped", 17), t("StockUnavailable", "PaymentRefunded", 1),
                t("PaymentRefunded", "OrderCancelled", 1), t("PaymentDeclined", "OrderCancelled", 1),
                // a lagging clock's arrow back to the start, and a retry loop
                t("PaymentCaptured", "OrderPlaced", 1), t("OrderShipped", "OrderShipped", 2));
        List<FlowModel.Node> nodes = List.of(new FlowModel.Node("OrderPlaced", 20, 20), new FlowModel.Node("PaymentCaptured", 18, 18),
                new FlowModel.Node("StockReserved", 17, 17), new FlowModel.Node("OrderShipped", 17, 17),
                new FlowModel.Node("StockUnavailable", 1, 1), new FlowModel.Node("PaymentRefunded", 1, 1),
                new FlowModel.Node("OrderCancelled", 2, 2), new FlowModel.Node("PaymentDeclined", 1, 1));
        FlowModel model = new FlowModel("OrderPlaced", 20, nodes, ts, Map.of("OrderPlaced", 20L),
                Map.of("OrderShipped", 17L, "OrderCancelled", 2L), List.of("OrderShipped", "OrderCancelled"), Map.of(), 0);
        List<String> order = FlowGraph.mainPathOrder(model);
        assertThat(order).hasSize(nodes.size()).doesNotHaveDuplicates();
        assertThat(order.subList(0, 4)).containsExactly("OrderPlaced", "PaymentCaptured", "StockReserved", "OrderShipped");
        List<String> backwards = ts.stream().filter(x -> order.indexOf(x.from()) >= order.indexOf(x.to()))
                .map(x -> FlowGraph.edgeId(x.from(), x.to())).toList();
        assertThat(backwards).containsExactlyInAnyOrder(FlowGraph.edgeId("PaymentCaptured", "OrderPlaced"),
                FlowGraph.edgeId("OrderShipped", "OrderShipped"));

        // steps no start reaches come too, each after the steps that lead to it
        FlowModel islands = new FlowModel("A", 3, List.of(new FlowModel.Node("A", 3, 3), new FlowModel.Node("X", 2, 2),
                new FlowModel.Node("Y", 1, 1)), List.of(t("Y", "X", 1)), Map.of("A", 3L), Map.of(), List.of(), Map.of(), 0);
        List<String> o = FlowGraph.mainPathOrder(islands);
        assertThat(o).containsExactlyInAnyOrder("A", "X", "Y");
        assertThat(o.indexOf("Y")).isLessThan(o.indexOf("X"));
    }
}
