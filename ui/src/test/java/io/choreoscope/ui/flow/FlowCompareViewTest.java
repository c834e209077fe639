package io.choreoscope.ui.flow;

import static com.github.mvysny.kaributesting.v10.LocatorJ._click;
import static com.github.mvysny.kaributesting.v10.LocatorJ._find;
import static com.github.mvysny.kaributesting.v10.LocatorJ._get;
import static com.github.mvysny.kaributesting.v10.LocatorJ._setValue;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.github.mvysny.kaributesting.v10.GridKt;
import com.vaadin.flow.component.ComponentUtil;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.datetimepicker.DateTimePicker;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.select.Select;

import io.choreoscope.model.flow.FlowComparison;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.ui.KaribuTest;
import io.choreoscope.ui.client.SampleData;
import io.choreoscope.ui.graph.GraphData;
import io.choreoscope.ui.graph.GraphView;

/**
 * The flow page comparing two windows: the sample data's last hour (payment, stock reservation, shipping, with
 * compensations) against the hour before, in which 20 orders shipped straight after the payment (no stock step).
 */
class FlowCompareViewTest extends KaribuTest {
    private static final List<String> OLD_PATH = List.of("OrderPlaced", "PaymentCaptured", "OrderShipped");
    private static final int OLD_ORDERS = 20;

    private void placeOldOrders() {
        Instant now = Instant.now();
        // one a minute from 110 minutes ago: all started in the hour before the last
        SampleData.placeOrders(api, now, "old", OLD_PATH, now.minus(Duration.ofMinutes(110)), OLD_ORDERS);
    }

    private static FlowView view() {
        return _get(FlowView.class);
    }

    private static GraphData graph() {
        return _get(GraphView.class).getData();
    }

    @SuppressWarnings("unchecked")
    private static Select<CompareWindows.Preset> preset() {
        return _get(Select.class, s -> s.withId("compare-select"));
    }

    private static void pick(CompareWindows.Preset p) {
        _setValue(preset(), p);
        roundtrip();
    }

    /** What {@code /compare} answers for the windows the page compares (the same code on the same two models). */
    private FlowComparison expected(CompareWindows w) {
        return FlowComparison.of(api.flow(SampleData.ORDER_FLOW, w.from1(), w.to1()),
                api.flow(SampleData.ORDER_FLOW, w.from2(), w.to2()), FlowComparison.DEFAULT_MIN_SHARE_CHANGE,
                FlowComparison.DEFAULT_MIN_P95_CHANGE);
    }

    @Test
    void lastHourAgainstTheHourBeforeMarksWhatIsNewGoneAndChangedByColourAndText() {
        placeOldOrders();
        navigate("flows/OrderPlaced?compare=1h&arrows=order");
        roundtrip();
        CompareWindows w = view().compare().windows;
        assertThat(w).isNotNull();
        assertThat(Duration.between(w.from2(), w.to2())).isEqualTo(Duration.ofHours(1));
        assertThat(w.to1()).isEqualTo(w.from2());
        assertThat(preset().getValue()).isEqualTo(CompareWindows.Preset.LAST_HOUR);
        assertThat(api.calls()).contains("flow OrderPlaced " + w.from1() + " " + w.to1(),
                "flow OrderPlaced " + w.from2() + " " + w.to2());

        GraphData g = graph();
        // the old orders shipped straight after the payment: that transition is gone, the stock step is new
        GraphData.Edge gone = g.edge(FlowGraph.edgeId("PaymentCaptured", "OrderShipped"));
        assertThat(gone.classes()).contains("gone");
        assertThat(gone.label()).startsWith(CompareGraph.GONE_MARK + " · was ");
        assertThat(gone.tip()).contains("GONE").contains("Before: " + OLD_ORDERS + "×").contains("After: 0×");
        GraphData.Node stock = g.node("StockReserved");
        assertThat(stock.classes()).contains("added");
        assertThat(stock.label()).contains(CompareGraph.ADDED_MARK);
        assertThat(stock.tip()).contains("Before: 0×").contains("After: ");
        // every step and transition on the map carries its change as a class and, unless the same, as text
        FlowComparison c = expected(w);
        for (FlowComparison.Item i : c.steps()) {
            GraphData.Node n = g.node(i.from());
            if (n != null) {
                assertThat(n.classes()).as(i.from()).contains(CompareGraph.changeClass(i.change()));
                if (i.change() == FlowComparison.Change.CHANGED) {
                    assertThat(n.label()).as(i.from()).contains(" → ");
                }
            }
        }
        for (FlowComparison.Item i : c.transitions()) {
            GraphData.Edge e = g.edge(FlowGraph.edgeId(i.from(), i.to()));
            if (e != null) {
                assertThat(e.classes()).as(e.id()).contains(CompareGraph.changeClass(i.change()));
                switch (i.change()) {
                    case ADDED -> assertThat(e.label()).startsWith(CompareGraph.ADDED_MARK);
                    case GONE -> assertThat(e.label()).startsWith(CompareGraph.GONE_MARK);
                    case CHANGED -> assertThat(e.label()).contains(" → ");
                    case SAME -> assertThat(e.label()).doesNotContain(CompareGraph.ADDED_MARK, CompareGraph.GONE_MARK);
                }
            }
        }
        // the table lists exactly the API's differences; the legend explains the marks in words
        @SuppressWarnings("unchecked")
        Grid<FlowComparison.Item> table = _get(Grid.class, t -> t.withId("compare-table"));
        assertThat(GridKt._size(table)).isEqualTo(c.differences().size());
        assertThat(GridKt._get(table, 0)).isIn(c.differences());
        assertThat(text(_get(Div.class, d -> d.withId("compare-legend")))).contains("NEW").contains("GONE").contains("CHANGED");
        assertThat(text(_get(Span.class, s -> s.withClasses("view-subtitle"))))
                .contains("Before: " + OLD_ORDERS + " instances started")
                .contains("transitions: ").contains("gone");
    }

    @Test
    void clickingAStepOrATableRowShowsBothWindowsFiguresAndOffGoesBackToOneWindow() {
        placeOldOrders();
        navigate("flows/OrderPlaced?compare=1h");
        roundtrip();
        GraphView graph = _get(GraphView.class);
        ComponentUtil.fireEvent(graph, new GraphView.EdgeClickEvent(graph, true,
                FlowGraph.edgeId("PaymentCaptured", "OrderShipped")));
        roundtrip();
        String details = text(_get(Div.class, d -> d.withId("selection-details")));
        assertThat(details).contains("Transition · compared").contains("GONE").contains("Before" + OLD_ORDERS + "×")
                .contains("p95 before").contains("Share change");
        @SuppressWarnings("unchecked")
        Grid<FlowComparison.Item> table = _get(Grid.class, t -> t.withId("compare-table"));
        FlowComparison.Item stockRow = null;
        for (int r = 0; r < GridKt._size(table); r++) {
            if ("StockReserved".equals(GridKt._get(table, r).from()) && GridKt._get(table, r).to() == null) {
                stockRow = GridKt._get(table, r);
            }
        }
        assertThat(stockRow).isNotNull();
        table.select(stockRow);
        roundtrip();
        assertThat(view().selected()).isEqualTo("StockReserved");
        assertThat(text(_get(Div.class, d -> d.withId("selection-details")))).contains("Step · compared").contains("NEW");

        pick(CompareWindows.Preset.OFF);
        assertThat(view().compare().active()).isFalse();
        assertThat(graph().edges()).noneMatch(e -> e.classes().contains("gone") || e.classes().contains("added"));
        // Karibu finds visible components only: the comparison's parts are gone, the one-window parts back
        assertThat(_find(Grid.class, t -> t.withId("compare-table"))).isEmpty();
        assertThat(_find(Div.class, d -> d.withId("compare-legend"))).isEmpty();
        assertThat(_find(Grid.class, t -> t.withId("steps-table"))).hasSize(1);
        assertThat(_find(Div.class, d -> d.withId("variants-panel"))).hasSize(1);
    }

    @Test
    void customWindowsAreCheckedBeforeAnythingIsLoaded() {
        placeOldOrders();
        navigate("flows/OrderPlaced");
        pick(CompareWindows.Preset.CUSTOM);
        assertThat(_get(Div.class, d -> d.withId("compare-custom")).isVisible()).isTrue();
        LocalDateTime now = LocalDateTime.ofInstant(Instant.now(), ZoneOffset.UTC).withSecond(0).withNano(0);
        _setValue(_get(DateTimePicker.class, p -> p.withId("compare-from1")), now.minusHours(2));
        _setValue(_get(DateTimePicker.class, p -> p.withId("compare-to1")), now.minusHours(3));
        int calls = api.calls().size();
        _click(_get(Button.class, b -> b.withId("compare-apply")));
        roundtrip();
        assertThat(text(_get(Span.class, s -> s.withId("compare-error")))).isEqualTo("The first window must start before it ends.");
        assertThat(api.calls()).hasSize(calls);
        assertThat(view().compare().active()).isFalse();

        _setValue(_get(DateTimePicker.class, p -> p.withId("compare-to1")), now.minusHours(1));
        _setValue(_get(DateTimePicker.class, p -> p.withId("compare-from2")), now.minusHours(1));
        _setValue(_get(DateTimePicker.class, p -> p.withId("compare-to2")), now.plusMinutes(1));
        _click(_get(Button.class, b -> b.withId("compare-apply")));
        roundtrip();
        assertThat(text(_get(Span.class, s -> s.withId("compare-error")))).isEmpty();
        assertThat(view().compare().active()).isTrue();
        assertThat(view().compare().comparison.before().instances()).isEqualTo(OLD_ORDERS);
        assertThat(graph().edge(FlowGraph.edgeId("PaymentCaptured", "OrderShipped")).classes()).contains("gone");
    }

    @Test
    void beforeAndAfterAMomentComparesEqualWindowsOnEitherSide() {
        placeOldOrders();
        navigate("flows/OrderPlaced");
        pick(CompareWindows.Preset.AROUND_MOMENT);
        Instant moment = Instant.now().minus(Duration.ofMinutes(60)).truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
        _setValue(_get(DateTimePicker.class, p -> p.withId("compare-moment")), LocalDateTime.ofInstant(moment, ZoneOffset.UTC));
        @SuppressWarnings("unchecked")
        Select<Duration> span = _get(Select.class, s -> s.withId("compare-span"));
        _setValue(span, Duration.ofHours(1));
        _click(_get(Button.class, b -> b.withId("compare-apply")));
        roundtrip();
        assertThat(view().compare().windows).isEqualTo(CompareWindows.around(moment, Duration.ofHours(1)));
        FlowModel before = api.flow(SampleData.ORDER_FLOW, moment.minus(Duration.ofHours(1)), moment);
        assertThat(view().compare().comparison.before().instances()).isEqualTo(before.instances()).isEqualTo(OLD_ORDERS);
    }

    @Test
    void theImageDownloadsAreNamedAfterTheFlowWithNothingUnsafeInTheName() {
        navigate("flows/OrderPlaced");
        assertThat(_get(Button.class, b -> b.withId("export-svg")).getElement().getAttribute("data-file"))
                .isEqualTo("OrderPlaced.svg");
        assertThat(_get(Button.class, b -> b.withId("export-png")).getElement().getAttribute("data-file"))
                .isEqualTo("OrderPlaced.png");
        assertThat(FlowView.imageFileName("Order/Placed \"<x>", "svg")).isEqualTo("Order_Placed___x_.svg");
        assertThat(FlowView.imageFileName("../etc/passwd", "svg")).isEqualTo("flow.svg");
        assertThat(FlowView.imageFileName("...", "png")).isEqualTo("flow.png");
        assertThat(FlowView.imageFileName("x".repeat(300), "svg")).hasSize(84);
    }

    /**
     * Switching to arrows by cause while comparing reads both windows by cause, keeps the comparison and its windows,
     * and the address keeps both choices; the sign-ups' welcome mail, caused by the sign-up, is an arrow from it in
     * both windows.
     */
    @Test
    void theArrowsByCauseApplyToBothWindowsOfAComparison() {
        SampleData.welcomeMailCausedBySignUp(api);
        navigate("flows/" + SampleData.SIGNUP_FLOW + "?compare=1h&arrows=order");
        roundtrip();
        CompareWindows w = view().compare().windows;
        assertThat(w).isNotNull();
        assertThat(graph().edge(FlowGraph.edgeId("ProfileCompleted", "WelcomeEmailSent"))).isNotNull();

        @SuppressWarnings("unchecked")
        com.vaadin.flow.component.radiobutton.RadioButtonGroup<FlowView.Arrows> arrows =
                _get(com.vaadin.flow.component.radiobutton.RadioButtonGroup.class, r -> r.withId("arrows-mode"));
        _setValue(arrows, FlowView.Arrows.BY_CAUSE);
        roundtrip();

        assertThat(api.calls()).contains("flowByCause " + SampleData.SIGNUP_FLOW + " " + w.from1() + " " + w.to1(),
                "flowByCause " + SampleData.SIGNUP_FLOW + " " + w.from2() + " " + w.to2());
        assertThat(view().compare().windows).isEqualTo(w);
        assertThat(view().compare().active()).isTrue();
        assertThat(graph().edge(FlowGraph.edgeId("UserSignedUp", "WelcomeEmailSent"))).isNotNull();
        assertThat(graph().edge(FlowGraph.edgeId("ProfileCompleted", "WelcomeEmailSent"))).isNull();
        assertThat(text(_get(Span.class, sp -> sp.withClasses("view-subtitle")))).contains("arrows by cause");
    }
}
