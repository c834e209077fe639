package io.choreoscope.ui.flow;

import static com.github.mvysny.kaributesting.v10.LocatorJ._get;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import com.vaadin.flow.component.ComponentUtil;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.Span;
import org.junit.jupiter.api.Test;

import io.choreoscope.model.FlowSchemaReader.StepSchema;
import io.choreoscope.model.SchemaRef;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.ui.KaribuTest;
import io.choreoscope.ui.client.SampleData;
import io.choreoscope.ui.graph.GraphData;
import io.choreoscope.ui.graph.GraphView;

/** Issue 18 item 5 on the flow page: the schemas per step, the schema column, and the marker on the changed step. */
class FlowSchemasViewTest extends KaribuTest {
    private static final Instant T = Instant.parse("2026-12-01T10:00:00Z");
    private static final SchemaRef V1 = new SchemaRef("avro", "42", "com.acme.OrderPlaced", "orders-value", 1);
    private static final SchemaRef V2 = new SchemaRef("avro", "43", "com.acme.OrderPlaced", "orders-value", 2);
    private static final SchemaRef PAID = new SchemaRef("avro", "fp:0123456789abcdef", "com.acme.PaymentCaptured",
            "payments/PaymentCaptured.avsc", 0);

    @Test
    void theStepWhoseSchemaChangedIsMarkedOnTheMapInItsRowAndInTheSchemasTable() {
        api.schemaRows.put(SampleData.ORDER_FLOW, List.of(
                new StepSchema("OrderPlaced", V1, 120, T, T.plusSeconds(600)),
                new StepSchema("OrderPlaced", V2, 30, T.plusSeconds(500), T.plusSeconds(900)),
                new StepSchema("PaymentCaptured", PAID, 140, T.plusSeconds(1), T.plusSeconds(901))));
        navigate("flows/OrderPlaced");
        assertThat(api.calls()).contains("schemas OrderPlaced -1h");

        GraphData g = _get(GraphView.class).getData();
        GraphData.Node placed = g.node("OrderPlaced");
        assertThat(placed.classes()).contains(SchemasPanel.CHANGED_CLASS);
        assertThat(placed.label()).endsWith("\n" + SchemasPanel.CHANGED_MARK);
        assertThat(placed.tip()).contains("orders-value v1 (id 42): 120 records", "orders-value v2 (id 43): 30 records",
                "Schema changed at 2026-12-01 10:08:20 UTC");
        assertThat(g.node("PaymentCaptured").classes()).doesNotContain(SchemasPanel.CHANGED_CLASS);
        assertThat(g.node("PaymentCaptured").label()).doesNotContain(SchemasPanel.CHANGED_MARK);
        assertThat(g.nodes().stream().filter(n -> n.classes().contains(SchemasPanel.CHANGED_CLASS))).hasSize(1);

        // the steps table's schema column
        @SuppressWarnings("unchecked")
        Grid<FlowModel.Node> steps = _get(Grid.class, s -> s.withId("steps-table"));
        assertThat(com.github.mvysny.kaributesting.v10.GridKt._getFormattedRow(steps, rowOf(steps, "OrderPlaced")))
                .contains("orders-value v1 → v2 · schema changed");
        assertThat(com.github.mvysny.kaributesting.v10.GridKt._getFormattedRow(steps, rowOf(steps, "PaymentCaptured")))
                .contains("payments/PaymentCaptured.avsc");

        // the schemas table: one row per step and version, the changed step first, and a summary
        SchemasPanel panel = _get(FlowView.class).schemas();
        assertThat(panel.isVisible()).isTrue();
        assertThat(panel.rows()).extracting(r -> r.step().step() + " " + SchemasPanel.versionLabel(r.version()))
                .containsExactly("OrderPlaced v1 (id 42)", "OrderPlaced v2 (id 43)", "PaymentCaptured fp:0123456789ab…");
        assertThat(text(_get(Span.class, s -> s.withId("schemas-summary")))).contains("2 steps decoded through a schema",
                "1 step's schema changed");

        // clicking the step says so beside the map
        ComponentUtil.fireEvent(_get(GraphView.class), new GraphView.NodeClickEvent(_get(GraphView.class), true, "OrderPlaced"));
        roundtrip();
        assertThat(text(_get(Div.class, d -> d.withId("selection-details")))).contains("Schema changed",
                "orders-value v1 → v2");
    }

    @Test
    void aFlowWithoutSchemaPayloadsShowsNoSchemaPanelAndNoMarker() {
        navigate("flows/OrderPlaced");
        assertThat(api.calls()).contains("schemas OrderPlaced -1h");
        assertThat(_get(FlowView.class).schemas().isVisible()).isFalse();
        assertThat(_get(GraphView.class).getData().nodes()).noneMatch(n -> n.classes().contains(SchemasPanel.CHANGED_CLASS));
    }

    private static int rowOf(Grid<FlowModel.Node> grid, String type) {
        List<FlowModel.Node> items = grid.getGenericDataView().getItems().toList();
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i).eventType().equals(type)) {
                return i;
            }
        }
        throw new AssertionError(type + " is not in the steps table");
    }
}
