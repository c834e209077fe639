package io.choreoscope.ui.flow;

import static com.github.mvysny.kaributesting.v10.LocatorJ._find;
import static com.github.mvysny.kaributesting.v10.LocatorJ._get;
import static com.github.mvysny.kaributesting.v10.LocatorJ._click;
import static com.github.mvysny.kaributesting.v10.LocatorJ._setValue;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.github.mvysny.kaributesting.v10.GridKt;
import com.vaadin.flow.component.ComponentUtil;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.Input;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.radiobutton.RadioButtonGroup;

import io.choreoscope.model.flow.FlowFilter;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.ui.client.TimeWindow;

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

    private static void slide(String id, int percent) {
        _setValue(_get(Input.class, s -> s.withId(id)), Integer.toString(percent));
        roundtrip();
    }

    @Test
    void withTheSlidersAtZeroDrawsEveryStepAndTransitionOfTheWindowWithCountsShareAndVolume() {
        navigate("flows/OrderPlaced");
        slide("step-slider", 0);
        slide("path-slider", 0);
        GraphData g = _get(GraphView.class).getData();
        FlowModel model = api.flow(SampleData.ORDER_FLOW, TimeWindow.LAST_HOUR);
        assertThat(g.nodes()).hasSize(model.nodes().size());
        assertThat(g.edges()).hasSize(model.transitions().size());
        GraphData.Edge main = g.edge(FlowGraph.edgeId("OrderPlaced", "PaymentCaptured"));
        GraphData.Edge rare = g.edge(FlowGraph.edgeId("OrderPlaced", "PaymentDeclined"));
        assertThat(main.label()).contains(Long.toString(model.transition("OrderPlaced", "PaymentCaptured").count())).contains("%");
        assertThat(main.width()).isGreaterThan(rare.width());
        assertThat(main.classes()).contains("main");
        assertThat(g.nodes().get(0).id()).isEqualTo("OrderPlaced");
        assertThat(text(_get(Span.class, s -> s.withId("hidden-note")))).isEqualTo("Nothing hidden");
    }

    /**
     * By default the page shows the last hour with arrows by cause (a choreography's parallel reactions drawn from the
     * event they react to); the address names the other choice only.
     */
    @Test
    void byDefaultShowsTheLastHourByCause() {
        navigate("flows/OrderPlaced");
        assertThat(_get(FlowView.class).window()).isEqualTo(TimeWindow.LAST_HOUR);
        @SuppressWarnings("unchecked")
        RadioButtonGroup<FlowView.Arrows> arrows = _get(RadioButtonGroup.class, s -> s.withId("arrows-mode"));
        assertThat(arrows.getValue()).isEqualTo(FlowView.Arrows.BY_CAUSE);
        assertThat(api.calls()).contains("flowByCause OrderPlaced -1h").doesNotContain("flow OrderPlaced -1h");
        FlowModel shown = FlowFilter.apply(api.flowByCause(SampleData.ORDER_FLOW, TimeWindow.LAST_HOUR),
                FlowFilter.DEFAULT_MIN_STEP_SHARE, FlowFilter.DEFAULT_MIN_PATH_SHARE, null);
        assertThat(_get(GraphView.class).getData().edges()).hasSize(shown.transitions().size());
        assertThat(text(_get(Span.class, s -> s.withClasses("view-subtitle")))).contains("arrows by cause shown");
    }

    @Test
    void inOrderShowsTheLastHourFilteredAtFivePercentAndSaysWhatIsHidden() {
        navigate("flows/OrderPlaced?arrows=order");
        assertThat(_get(FlowView.class).window()).isEqualTo(TimeWindow.LAST_HOUR);
        assertThat(api.calls()).contains("flow OrderPlaced -1h", "variants OrderPlaced");
        FlowModel whole = api.flow(SampleData.ORDER_FLOW, TimeWindow.LAST_HOUR);
        FlowModel expected = FlowFilter.apply(whole, FlowFilter.DEFAULT_MIN_STEP_SHARE, FlowFilter.DEFAULT_MIN_PATH_SHARE,
                api.variants(SampleData.ORDER_FLOW, TimeWindow.LAST_HOUR, 500));
        GraphData g = _get(GraphView.class).getData();
        assertThat(g.edges()).hasSize(expected.transitions().size());
        assertThat(expected.hidden().transitions()).isPositive();
        assertThat(text(_get(Span.class, s -> s.withId("hidden-note")))).isEqualTo(FlowFilter.describe(expected.hidden()))
                .contains("rare transition").contains("of instances");
        assertThat(text(_get(Span.class, s -> s.withId("path-value")))).isEqualTo("5%");
        // stricter sliders hide more, without another call to the API
        int calls = api.calls().size();
        slide("step-slider", 30);
        slide("path-slider", 30);
        assertThat(_get(GraphView.class).getData().edges().size()).isLessThan(g.edges().size());
        assertThat(api.calls()).hasSize(calls);
    }

    @Test
    void theExportLinksDownloadWhatTheApiExportsForTheWindowAndSliders() throws Exception {
        navigate("flows/OrderPlaced?arrows=order");
        assertThat(FlowView.EXPORT_FORMATS).allMatch(f -> _find(com.vaadin.flow.component.html.Anchor.class,
                a -> a.withId("export-" + f)).size() == 1);
        slide("path-slider", 30);
        String mermaid = new String(_get(FlowView.class).exportStream("mermaid").readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
        FlowModel shown = FlowFilter.apply(api.flow(SampleData.ORDER_FLOW, TimeWindow.LAST_HOUR), 0.05, 0.30);
        assertThat(mermaid.lines().filter(l -> l.contains("-->"))).hasSize(shown.transitions().size());
        assertThat(api.calls()).contains("export OrderPlaced mermaid");
    }

    @Test
    void theWindowPickerLoadsAnotherWindowOrTheLifetimeModel() {
        navigate("flows/OrderPlaced?window=lifetime");
        assertThat(_get(FlowView.class).window()).isEqualTo(TimeWindow.LIFETIME);
        assertThat(api.calls()).contains("flow OrderPlaced");
        assertThat(text(_get(Div.class, d -> d.withId("variants-panel")))).contains("Pick a time window");
        navigate("flows/OrderPlaced?window=-24h");
        assertThat(api.calls()).contains("flowByCause OrderPlaced -24h");
        // leaving the lifetime (arrows in order only) for a window gives the window's default arrows
        @SuppressWarnings("unchecked")
        com.vaadin.flow.component.select.Select<TimeWindow> picker =
                _get(com.vaadin.flow.component.select.Select.class, c -> c.withId("window-select"));
        navigate("flows/OrderPlaced?window=lifetime");
        _setValue(picker, TimeWindow.LAST_HOUR);
        roundtrip();
        assertThat(com.vaadin.flow.component.UI.getCurrent().getInternals().getActiveViewLocation().getQueryParameters()
                .getParameters()).containsEntry("arrows", java.util.List.of("cause"));
    }

    @Test
    void thePerformanceViewShowsLatenciesAndMarksTheBottleneck() {
        navigate("flows/OrderPlaced");
        @SuppressWarnings("unchecked")
        RadioButtonGroup<FlowGraph.Mode> mode = _get(RadioButtonGroup.class, r -> r.withId("view-mode"));
        _setValue(mode, FlowGraph.Mode.PERFORMANCE);
        roundtrip();
        GraphData g = _get(GraphView.class).getData();
        assertThat(g.edges()).allMatch(e -> e.label().startsWith("p50 ") && e.label().contains(" · p95 "));
        assertThat(g.edges().stream().filter(e -> e.classes().contains("bottleneck"))).isNotEmpty();
        assertThat(g.nodes().stream().filter(n -> n.classes().contains("bottleneck"))).hasSize(1);
        assertThat(g.node("PaymentCaptured").label()).contains("waits");
    }

    @Test
    void theVariantsBesideTheMapListTheirInstancesWhenClicked() {
        navigate("flows/OrderPlaced");
        var variants = api.variants(SampleData.ORDER_FLOW, TimeWindow.LAST_HOUR, 500);
        Div panel = _get(Div.class, d -> d.withId("variants-panel"));
        assertThat(text(panel)).contains(String.join(" → ", variants.get(0).steps()));
        _click(_get(panel, Div.class, b -> b.withId("variant-1")));
        roundtrip();
        Div details = _get(Div.class, d -> d.withId("selection-details"));
        assertThat(text(details)).contains("Variant #1").contains("Its instances");
        assertThat(api.calls()).contains("variant instances OrderPlaced " + variants.get(0).id());
        InstanceList list = _get(details, InstanceList.class);
        assertThat(GridKt._size(list)).isEqualTo((int) Math.min(variants.get(0).count(), FlowView.INSTANCE_LIMIT));
    }

    @Test
    void highlightsCompensationsFailuresAndStuckPoints() {
        navigate("flows/OrderPlaced");
        slide("step-slider", 0);
        slide("path-slider", 0);
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
        assertThat(text(details)).contains("PaymentCaptured").contains("stuck here").contains("Caused next");
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

    @Test
    void arrowsByCauseDrawAParallelReactionFromItsCauseAndKeepTheChoiceInTheUrl() throws Exception {
        SampleData.welcomeMailCausedBySignUp(api);
        navigate("flows/UserSignedUp?arrows=order");
        slide("step-slider", 0);
        slide("path-slider", 0);
        GraphData inOrder = _get(GraphView.class).getData();
        assertThat(inOrder.edge(FlowGraph.edgeId("ProfileCompleted", "WelcomeEmailSent"))).isNotNull();
        assertThat(inOrder.edge(FlowGraph.edgeId("UserSignedUp", "WelcomeEmailSent"))).isNull();

        @SuppressWarnings("unchecked")
        RadioButtonGroup<FlowView.Arrows> arrows = _get(RadioButtonGroup.class, s -> s.withId("arrows-mode"));
        _setValue(arrows, FlowView.Arrows.BY_CAUSE);
        roundtrip();
        com.vaadin.flow.router.Location at = com.vaadin.flow.component.UI.getCurrent().getInternals().getActiveViewLocation();
        assertThat(at.getPath()).isEqualTo("flows/UserSignedUp");
        assertThat(at.getQueryParameters().getParameters()).isEqualTo(java.util.Map.of("window", java.util.List.of("-1h"),
                "arrows", java.util.List.of("cause")));
        assertThat(api.calls()).contains("flowByCause UserSignedUp -1h");
        slide("step-slider", 0);
        slide("path-slider", 0);
        GraphData byCause = _get(GraphView.class).getData();
        assertThat(byCause.edge(FlowGraph.edgeId("UserSignedUp", "WelcomeEmailSent"))).isNotNull();
        assertThat(byCause.edge(FlowGraph.edgeId("ProfileCompleted", "WelcomeEmailSent"))).isNull();
        assertThat(byCause.edge(FlowGraph.edgeId("EmailVerified", "ProfileCompleted"))).isNotNull();
        FlowModel m = api.flowByCause(SampleData.SIGNUP_FLOW, TimeWindow.LAST_HOUR);
        assertThat(m.transition("UserSignedUp", "WelcomeEmailSent").probability()).as("share of instances with the cause")
                .isEqualTo((double) m.transition("UserSignedUp", "WelcomeEmailSent").instances()
                        / m.nodes().stream().filter(n -> n.eventType().equals("UserSignedUp")).findFirst().orElseThrow().instances());

        // "the map as shown": the export has the arrows by cause too
        String mermaid = new String(_get(FlowView.class).exportStream("mermaid").readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
        assertThat(api.calls()).contains("export UserSignedUp mermaid by cause");
        assertThat(mermaid).contains("UserSignedUp --> WelcomeEmailSent").doesNotContain("ProfileCompleted --> WelcomeEmailSent");

        // the lifetime model has arrows in order only: the page falls back to them and says so by disabling the choice
        navigate("flows/UserSignedUp?window=lifetime&arrows=cause");
        @SuppressWarnings("unchecked")
        RadioButtonGroup<FlowView.Arrows> again = _get(RadioButtonGroup.class, s -> s.withId("arrows-mode"));
        assertThat(again.getValue()).isEqualTo(FlowView.Arrows.IN_ORDER);
        assertThat(again.getItemEnabledProvider().test(FlowView.Arrows.BY_CAUSE)).isFalse();
    }
}
