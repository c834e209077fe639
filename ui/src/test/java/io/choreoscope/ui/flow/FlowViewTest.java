package io.choreoscope.ui.flow;

import static com.github.mvysny.kaributesting.v10.LocatorJ._find;
import static com.github.mvysny.kaributesting.v10.LocatorJ._get;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.github.mvysny.kaributesting.v10.GridKt;
import com.vaadin.flow.component.ComponentUtil;
import com.vaadin.flow.component.html.Div;

import io.choreoscope.ui.KaribuTest;
import io.choreoscope.ui.client.SampleData;
import io.choreoscope.ui.graph.GraphData;
import io.choreoscope.ui.graph.GraphView;
import io.choreoscope.ui.instance.InstanceList;
import io.choreoscope.ui.shell.Notice;

class FlowViewTest extends KaribuTest {

    private static void click(GraphView graph, String nodeId) {
        ComponentUtil.fireEvent(graph, new GraphView.NodeClickEvent(graph, true, nodeId));
        roundtrip();
    }

    @Test
    void drawsEveryStepAndTransitionWithCountsLatencyAndVolume() {
        navigate("flows/OrderPlaced");
        GraphData g = _get(GraphView.class).getData();
        var model = api.flow(SampleData.ORDER_FLOW);
        assertThat(g.nodes()).hasSize(model.nodes().size());
        assertThat(g.edges()).hasSize(model.transitions().size());
        GraphData.Edge main = g.edge(FlowGraph.edgeId("OrderPlaced", "PaymentCaptured"));
        GraphData.Edge rare = g.edge(FlowGraph.edgeId("OrderPlaced", "PaymentDeclined"));
        assertThat(main.label()).contains("p95");
        assertThat(main.width()).isGreaterThan(rare.width());
        assertThat(g.rankDir()).isEqualTo("LR");
    }

    @Test
    void highlightsCompensationsFailuresAndStuckPoints() {
        navigate("flows/OrderPlaced");
        GraphData g = _get(GraphView.class).getData();
        assertThat(g.node("PaymentCaptured").classes()).contains("stuck");
        assertThat(g.node("PaymentCaptured").label()).contains("stuck here");
        assertThat(g.node("PaymentRefunded").classes()).contains("compensation");
        assertThat(g.node("PaymentDeclined").classes()).contains("failure");
        assertThat(g.node("OrderPlaced").classes()).contains("start");
        assertThat(g.node("OrderShipped").classes()).contains("end");
        assertThat(g.edge(FlowGraph.edgeId("StockReservationFailed", "PaymentRefunded")).classes())
                .contains("compensation");
    }

    @Test
    void clickingAStepShowsItsDetailsAndTheInstancesThroughIt() {
        navigate("flows/OrderPlaced");
        click(_get(GraphView.class), "PaymentCaptured");

        Div details = _get(Div.class, d -> d.withId("selection-details"));
        assertThat(text(details)).contains("PaymentCaptured").contains("stuck here").contains("Next steps");
        assertThat(api.calls()).contains("instances flow=OrderPlaced eventType=PaymentCaptured");
        InstanceList list = _get(details, InstanceList.class);
        assertThat(GridKt._size(list)).isGreaterThan(10);
    }

    @Test
    void clickingATransitionShowsItsLatencies() {
        navigate("flows/OrderPlaced");
        GraphView graph = _get(GraphView.class);
        ComponentUtil.fireEvent(graph, new GraphView.EdgeClickEvent(graph, true,
                FlowGraph.edgeId("PaymentCaptured", "StockReserved")));
        roundtrip();
        String details = text(_get(Div.class, d -> d.withId("selection-details")));
        assertThat(details).contains("PaymentCaptured → StockReserved").contains("Latency p95")
                .contains("Instances that reached StockReserved");
    }

    @Test
    void theStepsTableSelectsLikeAClickForKeyboardUsers() {
        navigate("flows/OrderPlaced");
        FlowView view = _get(FlowView.class);
        @SuppressWarnings("unchecked")
        var steps = (com.vaadin.flow.component.grid.Grid<io.choreoscope.model.flow.FlowModel.Node>)
                _get(com.vaadin.flow.component.grid.Grid.class, g -> g.withId("steps-table"));
        var node = GridKt._get(steps, 1);
        steps.select(node);
        roundtrip();
        assertThat(view.selected()).isEqualTo(node.eventType());
        assertThat(text(_get(Div.class, d -> d.withId("selection-details")))).contains(node.eventType());
    }

    @Test
    void anUnknownFlowSaysSoInsteadOfAnEmptyGraph() {
        navigate("flows/NoSuchFlow");
        Notice n = _get(Notice.class);
        assertThat(n.kind()).isEqualTo(Notice.Kind.EMPTY);
        assertThat(text(n)).contains("No flow named “NoSuchFlow”");
        assertThat(_find(GraphView.class)).isEmpty();
    }
}
