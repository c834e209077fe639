package io.choreoscope.ui.dashboard;

import static com.github.mvysny.kaributesting.v10.LocatorJ._click;
import static com.github.mvysny.kaributesting.v10.LocatorJ._find;
import static com.github.mvysny.kaributesting.v10.LocatorJ._get;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.textfield.TextField;

import io.choreoscope.model.api.FlowSummary;
import io.choreoscope.ui.KaribuTest;
import io.choreoscope.ui.client.ApiException;
import io.choreoscope.ui.client.SampleData;
import io.choreoscope.ui.shell.Notice;

class DashboardViewTest extends KaribuTest {

    private static String metric(FlowCard card, String key) {
        return _get(card, Span.class, s -> s.withAttribute("data-metric", key)).getText();
    }

    private static FlowSummary withStuck(FlowSummary f, long stuck) {
        return new FlowSummary(f.flow(), f.windowSeconds(), f.eventsPerSecond(), f.started(), f.running(), f.completed(),
                f.compensated(), f.failed(), stuck, f.completionRate(), f.p50Ms(), f.p95Ms(), f.p99Ms(), f.sparkline());
    }

    @Test
    void showsOneCardPerFlowWithItsKpis() {
        navigate("");
        assertThat(_find(FlowCard.class)).extracting(FlowCard::flow)
                .containsExactly(SampleData.INVOICE_FLOW, SampleData.ORDER_FLOW, SampleData.SIGNUP_FLOW); // by name
        FlowSummary s = api.flowSummary(SampleData.ORDER_FLOW);
        FlowCard card = _get(FlowCard.class, c -> c.withId("flow-card-OrderPlaced"));
        assertThat(metric(card, "stuck")).isEqualTo(String.valueOf(s.stuck()));
        assertThat(metric(card, "in-flight")).isEqualTo(String.valueOf(s.running()));
        assertThat(metric(card, "completion")).endsWith("%");
        assertThat(metric(card, "p95")).isNotEqualTo("–");
        assertThat(_find(card, Sparkline.class)).hasSize(1);
    }

    /** The API calls run on the test thread, except while {@code held}: then they wait, as behind a busy server. */
    private final java.util.List<Runnable> held = new java.util.ArrayList<>();
    private boolean hold;

    @Override
    protected java.util.concurrent.Executor executor() {
        return task -> {
            if (hold) {
                held.add(task);
            } else {
                task.run();
            }
        };
    }

    @Test
    void liveChangesWhileTheFlowsAreLoadingCauseOneMoreLoadNotOneEach() {
        navigate("");
        hold = true; // the server is slow: each /flows call stays in flight
        for (int i = 0; i < 10; i++) {
            api.updateFlow(SampleData.ORDER_FLOW, f -> withStuck(f, 42)); // a live "flows" update
            roundtrip();
        }
        // One call in flight; before, each update queued one more behind it on the UI's shared IO threads.
        assertThat(held).hasSize(1);
        long before = api.calls().stream().filter(c -> c.startsWith("flows")).count();
        hold = false;
        held.remove(0).run();
        roundtrip(); // its answer is shown, and the changes meanwhile load once more
        roundtrip();
        assertThat(api.calls().stream().filter(c -> c.startsWith("flows")).count() - before).isEqualTo(2);
        assertThat(metric(_get(FlowCard.class, c -> c.withId("flow-card-OrderPlaced")), "stuck")).isEqualTo("42");
    }

    @Test
    void aLiveFlowsUpdateChangesTheSameCardInPlace() {
        navigate("");
        FlowCard before = _get(FlowCard.class, c -> c.withId("flow-card-OrderPlaced"));
        int subscribers = api.liveSubscribers();

        api.updateFlow(SampleData.ORDER_FLOW, f -> withStuck(f, 42));
        roundtrip();

        FlowCard after = _get(FlowCard.class, c -> c.withId("flow-card-OrderPlaced"));
        assertThat(after).isSameAs(before);
        assertThat(metric(after, "stuck")).isEqualTo("42");
        assertThat(api.liveSubscribers()).isEqualTo(subscribers);
    }

    @Test
    void theWindowComesFromTheUrlAndIsAskedFor() {
        navigate("?window=-15m");
        assertThat(api.calls()).contains("flows -15m q= busiest 48");
        @SuppressWarnings("unchecked")
        Select<Object> picker = _get(Select.class, s -> s.withId("window-picker"));
        assertThat(picker.getValue()).extracting("label").isEqualTo("Last 15 minutes");
    }

    @Test
    void anUnreachableBackendShowsTheReasonAndRetryRecovers() {
        api.failWith(ApiException.unreachable("The choreoscope API at http://x cannot be reached (refused).", null));
        navigate("");
        Notice error = _get(Notice.class);
        assertThat(error.kind()).isEqualTo(Notice.Kind.ERROR);
        assertThat(text(error)).contains("Could not load the flows").contains("cannot be reached");

        api.clearFailure();
        _click(_get(error, Button.class, b -> b.withText("Retry")));
        roundtrip();
        assertThat(_find(FlowCard.class)).hasSize(3);
    }

    @Test
    void aFailedLiveRefreshKeepsTheLastFiguresAndSaysSo() {
        navigate("");
        api.failWith(ApiException.unreachable("down for maintenance", null));
        api.emit(new io.choreoscope.model.api.LiveUpdate("flows", null, null, null, null));
        roundtrip();
        assertThat(_find(FlowCard.class)).hasSize(3);
        assertThat(_get(Span.class, s -> s.withId("updated-at")).getText()).contains("down for maintenance");
    }

    @Test
    void whenTheStreamComesBackTheCardsRecoverWithoutAClick() {
        api.failWith(ApiException.unreachable("down", null));
        navigate("");
        assertThat(_get(Notice.class).kind()).isEqualTo(Notice.Kind.ERROR);
        api.setLiveConnected(false);
        api.clearFailure();
        api.setLiveConnected(true);
        roundtrip();
        assertThat(_find(FlowCard.class)).hasSize(3);
        assertThat(_find(Notice.class)).isEmpty();
    }

    @Test
    void theLiveIndicatorFollowsTheStream() {
        navigate("");
        Span live = _get(Span.class, s -> s.withId("live-indicator"));
        assertThat(live.getText()).isEqualTo("Live");
        api.setLiveConnected(false);
        roundtrip();
        assertThat(live.getText()).isEqualTo("Reconnecting…");
    }

    @Test
    void manyFlowsShowTheBusiestAndAFilterFindsTheOthers() {
        FlowSummary orders = api.flowSummary(SampleData.ORDER_FLOW);
        for (int i = 0; i < 200; i++) {
            // noise-0 started 0 instances, noise-199 started 199: the busiest are the last ones
            api.putFlow(new FlowSummary("noise-" + i, orders.windowSeconds(), 0.1, i, 0, i, 0, 0, 0, 1.0, 5L, 9L, 9L,
                    orders.sparkline()));
        }
        navigate("");
        // the API narrows them: the dashboard asks for the 48 busiest, not for all 203
        assertThat(api.calls()).contains("flows -1h q= busiest 48").doesNotContain("flows -1h");
        assertThat(_find(FlowCard.class)).hasSize(DashboardView.MAX_CARDS);
        // busiest first: the sample flows start a few hundred instances, then noise-199, noise-198, ...
        assertThat(_find(FlowCard.class)).extracting(FlowCard::flow).contains("noise-199", "noise-160")
                .doesNotContain("noise-0", "noise-100");
        assertThat(_get(Span.class, s -> s.withId("flows-shown")).getText())
                .isEqualTo("Showing the 48 busiest of 203 flows (most instances started in the window); "
                        + "filter by name to find the others");
        TextField filter = _get(TextField.class, t -> t.withId("flow-filter"));
        assertThat(filter.getParent().orElseThrow().isVisible()).isTrue();

        filter.setValue("NOISE-1");
        roundtrip();
        assertThat(api.calls()).contains("flows -1h q=NOISE-1 busiest 48");
        assertThat(_find(FlowCard.class)).hasSize(DashboardView.MAX_CARDS);
        filter.setValue("noise-10");
        roundtrip();
        // noise-10 and noise-100..109, whatever their rank among the 203
        assertThat(_find(FlowCard.class)).extracting(FlowCard::flow).containsExactlyInAnyOrder("noise-10", "noise-100",
                "noise-101", "noise-102", "noise-103", "noise-104", "noise-105", "noise-106", "noise-107", "noise-108",
                "noise-109");
        assertThat(_get(Span.class, s -> s.withId("flows-shown")).getText()).isEqualTo("11 of 203 flows match 'noise-10'");

        // a live update keeps the filter's choice
        api.updateFlow("noise-105", f -> withStuck(f, 3));
        roundtrip();
        assertThat(_find(FlowCard.class)).hasSize(11);

        filter.clear();
        roundtrip();
        assertThat(_find(FlowCard.class)).hasSize(DashboardView.MAX_CARDS);
    }

    @Test
    void aFewFlowsNeedNoFilter() {
        navigate("");
        assertThat(_find(FlowCard.class)).hasSize(3);
        assertThat(_find(TextField.class, t -> t.withId("flow-filter"))).as("no filter shown").isEmpty();
    }
}
