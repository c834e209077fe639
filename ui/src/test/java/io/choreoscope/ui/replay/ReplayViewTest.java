package io.choreoscope.ui.replay;

import static com.github.mvysny.kaributesting.v10.LocatorJ._click;
import static com.github.mvysny.kaributesting.v10.LocatorJ._find;
import static com.github.mvysny.kaributesting.v10.LocatorJ._get;
import static com.github.mvysny.kaributesting.v10.LocatorJ._setValue;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.github.mvysny.kaributesting.v10.GridKt;
import com.github.mvysny.kaributesting.v10.ShortcutsKt;
import com.vaadin.flow.component.ComponentUtil;
import com.vaadin.flow.component.Html;
import com.vaadin.flow.component.Key;
import com.vaadin.flow.component.PollEvent;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.combobox.ComboBox;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.progressbar.ProgressBar;
import com.vaadin.flow.component.textfield.NumberField;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.server.VaadinSession;

import io.choreoscope.model.api.EventView;
import io.choreoscope.model.api.ReplayMode;
import io.choreoscope.model.api.ReplayPlanView;
import io.choreoscope.model.api.ReplayRequest;
import io.choreoscope.model.api.ReplayStatus;
import io.choreoscope.ui.KaribuTest;
import io.choreoscope.ui.MutableClock;
import io.choreoscope.ui.client.FakeChoreoscopeApi;
import io.choreoscope.ui.client.SampleData;
import io.choreoscope.ui.shell.Permissions;

class ReplayViewTest extends KaribuTest {

    private final MutableClock clock = new MutableClock(Instant.now());

    @Override
    protected FakeChoreoscopeApi createApi() {
        return FakeChoreoscopeApi.withSampleData(clock.instant()).setClock(clock);
    }

    @SuppressWarnings("unchecked")
    private static Grid<ReplayStatus> audit() {
        return _get(Grid.class, g -> g.withId("replay-audit"));
    }

    private static Button button(String id) {
        return _get(Button.class, b -> b.withId(id));
    }

    /** What the browser does every second while the page asks for polling. */
    private static void poll() {
        UI ui = UI.getCurrent();
        ComponentUtil.fireEvent(ui, new PollEvent(ui, true));
        roundtrip();
    }

    @SuppressWarnings("unchecked")
    private static ReplayDialog openRedrive(String topic, String target) {
        _click(button("replay-new"));
        roundtrip();
        ReplayDialog d = _get(ReplayDialog.class);
        _setValue((ComboBox<String>) _get(ComboBox.class, c -> c.withId("replay-dlt")), topic);
        if (target != null) {
            _setValue(_get(TextField.class, t -> t.withId("replay-target")), target);
        }
        return d;
    }

    @Test
    void theAuditListsEveryReplayNewestFirst() {
        navigate("replays");
        Grid<ReplayStatus> g = audit();
        List<ReplayStatus> expected = api.replays(50);
        assertThat(GridKt._size(g)).isEqualTo(expected.size()).isEqualTo(4);
        for (int i = 1; i < GridKt._size(g); i++) {
            assertThat(GridKt._get(g, i - 1).requestedAt()).isAfterOrEqualTo(GridKt._get(g, i).requestedAt());
        }
        assertThat(GridKt._getFormattedRow(g, 0)).contains("anonymous", "300", "112", "0", "5.0/s",
                "cancelled after 112 of 300 records were sent");
        assertThat(GridKt._getFormattedRow(g, 1)).contains("jonas", "3", "1")
                .anyMatch(c -> c.startsWith("3 of 4 records sent, 1 failed"));
        // the mode, and under it what was replayed
        assertThat(text(ReplayView.what(GridKt._get(g, 0)))).startsWith("Events").contains("300 events: orders/0/17");
        assertThat(text(ReplayView.what(GridKt._get(g, 1)))).startsWith("Last events of stuck instances")
                .contains("last events of 4 instances: ord-1001");
        assertThat(text(ReplayView.what(GridKt._get(g, 3)))).contains("dead-letter topic " + SampleData.PAYMENTS_DLT);
        assertThat(GridKt._getFormattedRow(g, 2)).contains("dry run: 4 records would be sent");
        assertThat(_find(Div.class, d -> d.withClasses("replay-card"))).isEmpty();
        assertThat(UI.getCurrent().getPollInterval()).isEqualTo(-1);
    }

    @Test
    void aDryRunListsExactlyTheRecordsThatWouldBeSentAndShowsMarkupAsText() {
        navigate("replays");
        ReplayDialog d = openRedrive(SampleData.ORDERS_DLQ, "orders");
        _click(button("replay-dry-run"));
        roundtrip();

        ReplayPlanView expected = api.replay(new ReplayRequest(ReplayMode.DEAD_LETTER, null, null,
                SampleData.ORDERS_DLQ, "orders", true, null), null);
        ReplayRecordList preview = d.preview();
        assertThat(preview.records()).hasSize(SampleData.ORDERS_DLQ_RECORDS);
        for (int i = 0; i < expected.records().size(); i++) {
            ReplayPlanView.ReplayRecordView shown = preview.records().get(i);
            ReplayPlanView.ReplayRecordView want = expected.records().get(i);
            assertThat(shown.source()).isEqualTo(want.source());
            assertThat(shown.targetTopic()).isEqualTo(want.targetTopic());
            assertThat(shown.key()).isEqualTo(want.key());
            assertThat(shown.payload()).isEqualTo(want.payload());
            // the same headers but for the replay ID and time, which are each dry run's own
            assertThat(shown.headers()).extracting(EventView.HeaderView::name)
                    .isEqualTo(want.headers().stream().map(EventView.HeaderView::name).toList());
        }
        assertThat(preview.records().get(1).headers()).extracting(EventView.HeaderView::name)
                .doesNotContain("x-original-topic", "x-exception-message").contains("choreoscope-replay-of");
        assertThat(GridKt._getFormattedRow(preview.grid(), 1)).contains(SampleData.ORDERS_DLQ + "/0/1", "orders",
                "ord-5302");
        assertThat(GridKt._getFormattedRow(preview.grid(), 1)).anyMatch(c -> c.contains(SampleData.HOSTILE_NOTE));
        assertThat(d.summaryText()).contains("these 3 records would be sent");

        preview.grid().select(preview.records().get(1));
        assertThat(preview.payloadText()).contains("\"note\": \"" + SampleData.HOSTILE_NOTE + "\"");
        assertThat(text(_get(Div.class, x -> x.withId("replay-record-headers")))).contains("choreoscope-replay-of")
                .contains(SampleData.ORDERS_DLQ + "/0/1");
        assertThat(_find(Html.class)).isEmpty();
        assertThat(button("replay-confirm").isEnabled()).isTrue();
        assertThat(button("replay-confirm").getText()).isEqualTo("Replay 3 records");
        assertThat(api.replayStatus(expected.status().id()).state()).isEqualTo(ReplayStatus.State.DRY_RUN);
    }

    @Test
    @SuppressWarnings("unchecked")
    void theRedriveOffersRabbitMqQueuesBesideTheTopicsDeadLettersFirst() {
        navigate("replays");
        _click(button("replay-new"));
        roundtrip();
        ComboBox<String> dlt = _get(ComboBox.class, c -> c.withId("replay-dlt"));
        List<String> items = com.github.mvysny.kaributesting.v10.ComboBoxKt.getSuggestionItems(dlt);
        String queue = "rabbitmq:" + SampleData.RABBIT_DLQ;
        // the two dead-letter topics and the dead-letter queue first, by name; then every other topic and queue
        assertThat(items.subList(0, 3)).containsExactly(SampleData.ORDERS_DLQ, SampleData.PAYMENTS_DLT, queue);
        assertThat(items).contains("orders", "rabbitmq:shipping-notifications").doesNotHaveDuplicates()
                .hasSize(api.topics().size() + 2);
        assertThat(dlt.getItemLabelGenerator().apply(queue))
                .isEqualTo(queue + " · RabbitMQ queue, " + SampleData.RABBIT_DLQ_MESSAGES + " messages waiting");
        assertThat(dlt.getItemLabelGenerator().apply(SampleData.PAYMENTS_DLT)).isEqualTo(SampleData.PAYMENTS_DLT);
        assertThat(dlt.getHelperText()).contains("rabbitmq:[vhost:]queue", "x-death");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aRabbitMqQueueTakesNoTargetTopicItsMessagesGoWhereTheirXDeathSays() {
        navigate("replays");
        openRedrive(SampleData.ORDERS_DLQ, "orders");
        TextField target = _get(TextField.class, t -> t.withId("replay-target"));
        assertThat(target.isEnabled()).isTrue();

        _setValue((ComboBox<String>) _get(ComboBox.class, c -> c.withId("replay-dlt")), "rabbitmq:" + SampleData.RABBIT_DLQ);
        assertThat(target.isEnabled()).isFalse();
        assertThat(target.getValue()).isEmpty(); // the backend refuses a targetTopic for a queue
        assertThat(target.getHelperText()).contains("x-death");
        assertThat(_get(ReplayDialog.class).request(true).targetTopic()).isNull();

        _setValue((ComboBox<String>) _get(ComboBox.class, c -> c.withId("replay-dlt")), SampleData.PAYMENTS_DLT);
        assertThat(target.isEnabled()).isTrue();
        assertThat(target.getHelperText()).contains("headers name no original topic");
    }

    @Test
    void queuesAreOfferedOnceUnderTheNameTheRedriveTakesAndThoseOfADeadLetterExchangeFirst() {
        List<io.choreoscope.model.api.TopicInfo> topics = List.of(
                new io.choreoscope.model.api.TopicInfo("orders", 3, 10, 0.1, List.of()),
                new io.choreoscope.model.api.TopicInfo("orders.DLT", 1, 2, 0.0, List.of()),
                new io.choreoscope.model.api.TopicInfo("dead-letters", 3, 7, 0.0, List.of()));
        io.choreoscope.model.api.ExchangeInfo.QueueLag failed = new io.choreoscope.model.api.ExchangeInfo.QueueLag(
                "billing-failed", List.of(""), 4, 1, 0, 5);
        List<io.choreoscope.model.api.ExchangeInfo> exchanges = List.of(
                // the same queue bound to a plain exchange and to the dead-letter exchange: once, as a dead letter
                new io.choreoscope.model.api.ExchangeInfo("rabbitmq:tenant-a:billing", "tenant-a", "billing", "topic",
                        "rabbitmq", 1.0, List.of(failed, new io.choreoscope.model.api.ExchangeInfo.QueueLag("billing",
                                List.of("#"), 0, 0, 2, 0))),
                new io.choreoscope.model.api.ExchangeInfo("rabbitmq:tenant-a:billing_dlx", "tenant-a", "billing_dlx",
                        "fanout", "rabbitmq", 0.0, List.of(failed)),
                new io.choreoscope.model.api.ExchangeInfo("rabbitmq:dead-letters", "/", "dead-letters", "fanout",
                        "rabbitmq", 0.0, List.of(new io.choreoscope.model.api.ExchangeInfo.QueueLag("parked", List.of(""),
                                1, 0, 0, 1))),
                new io.choreoscope.model.api.ExchangeInfo("rabbitmq:sandbox", "/", "sandbox", "direct", "rabbitmq", 0.0,
                        List.of(new io.choreoscope.model.api.ExchangeInfo.QueueLag("dlxtester", List.of("k"), 0, 0, 1, 0))));

        List<ReplayDialog.Choice> choices = ReplayDialog.choices(topics, exchanges);

        assertThat(choices).extracting(ReplayDialog.Choice::value).containsExactly("dead-letters", "orders.DLT",
                "rabbitmq:parked", "rabbitmq:tenant-a:billing-failed", "orders", "rabbitmq:dlxtester",
                "rabbitmq:tenant-a:billing");
        // shown as people read it: the queue, then its virtual host (the value sent stays the stored name)
        assertThat(choices.get(3).label()).isEqualTo("rabbitmq:billing-failed on vhost tenant-a · RabbitMQ queue, 5 messages waiting");
        assertThat(choices.get(2).label()).endsWith("1 message waiting");
    }

    @Test
    void aQueueWhoseNameHoldsAColonIsListedAndTypedAsShownNotEscaped() {
        List<io.choreoscope.model.api.ExchangeInfo> exchanges = List.of(new io.choreoscope.model.api.ExchangeInfo(
                "rabbitmq:%2F:orders:dlx", "/", "orders:dlx", "fanout", "rabbitmq", 0.0, List.of(
                        new io.choreoscope.model.api.ExchangeInfo.QueueLag("orders:dlq", List.of(""), 2, 0, 0, 2))));

        List<ReplayDialog.Choice> choices = ReplayDialog.choices(List.of(), exchanges);

        assertThat(choices).extracting(ReplayDialog.Choice::value).containsExactly("rabbitmq:%2F:orders:dlq");
        assertThat(choices.get(0).label()).isEqualTo("rabbitmq:orders:dlq · RabbitMQ queue, 2 messages waiting");
        List<String> listed = List.of("orders.DLT", "rabbitmq:%2F:orders:dlq");
        // typed as the list shows it: that queue, not queue "dlq" of a virtual host "orders"
        assertThat(ReplayDialog.typed(" rabbitmq:orders:dlq ", listed)).isEqualTo("rabbitmq:%2F:orders:dlq");
        assertThat(ReplayDialog.typed("rabbitmq:%2F:orders:dlq", listed)).isEqualTo("rabbitmq:%2F:orders:dlq");
        assertThat(ReplayDialog.typed("orders.DLT", listed)).isEqualTo("orders.DLT");
        // anything else goes as typed
        assertThat(ReplayDialog.typed("rabbitmq:eu:parked", listed)).isEqualTo("rabbitmq:eu:parked");
    }

    @Test
    void aRefusedDryRunShowsTheReasonOnTheTargetFieldAndNothingCanBeConfirmed() {
        navigate("replays");
        openRedrive(SampleData.ORDERS_DLQ, null);
        _click(button("replay-dry-run"));
        roundtrip();
        assertThat(text(_get(Div.class, x -> x.withId("replay-dialog-status")))).contains("The dry run was refused")
                .contains("1 of 3 records on 'orders-dlq' carry no original-topic header");
        TextField target = _get(TextField.class, t -> t.withId("replay-target"));
        assertThat(target.isInvalid()).isTrue();
        assertThat(target.getErrorMessage()).contains("choose a targetTopic");
        assertThat(button("replay-confirm").isEnabled()).isFalse();
    }

    @Test
    void changingAnInputAfterTheDryRunAsksForANewOne() {
        navigate("replays");
        ReplayDialog d = openRedrive(SampleData.PAYMENTS_DLT, null);
        ShortcutsKt._fireShortcut(_get(TextField.class, t -> t.withId("replay-target")), Key.ENTER); // the dry run
        roundtrip();
        assertThat(d.preview().records()).hasSize(SampleData.PAYMENTS_DLT_RECORDS);
        assertThat(button("replay-confirm").isEnabled()).isTrue();
        _setValue(_get(NumberField.class, n -> n.withId("replay-rate")), 10.0);
        assertThat(button("replay-confirm").isEnabled()).isFalse();
        assertThat(d.summaryText()).contains("run the dry run again");
    }

    @Test
    void confirmingStartsTheReplayWhoseProgressShowsAndWhichCanBeCancelled() {
        navigate("replays");
        openRedrive(SampleData.ORDERS_DLQ, "orders");
        _setValue(_get(NumberField.class, n -> n.withId("replay-rate")), 1.0);
        _click(button("replay-dry-run"));
        roundtrip();
        _click(button("replay-confirm"));
        roundtrip();

        assertThat(_find(ReplayDialog.class)).isEmpty();
        ReplayStatus started = api.replays(1).get(0);
        assertThat(started.dryRun()).isFalse();
        assertThat(started.state()).isEqualTo(ReplayStatus.State.RUNNING);
        assertThat(started.ratePerSecond()).isEqualTo(1.0);
        assertThat(UI.getCurrent().getInternals().getActiveViewLocation().getPathWithQueryParameters())
                .isEqualTo("replays?id=" + started.id());
        Div card = _get(Div.class, x -> x.withId("replay-card-" + started.id()));
        assertThat(text(card)).contains("0 of 3 sent").contains("Running…")
                .contains("dead-letter topic " + SampleData.ORDERS_DLQ + " \u2192 orders");
        assertThat(text(_get(com.vaadin.flow.component.html.Span.class, s -> s.withId("replay-subtitle"))))
                .isEqualTo("6 replays in the audit · 1 running");
        assertThat(UI.getCurrent().getPollInterval()).isEqualTo(ReplayView.POLL_MS);

        clock.advance(Duration.ofMillis(1500));
        poll();
        assertThat(text(card)).contains("1 of 3 sent").contains("33%");
        assertThat(_get(card, ProgressBar.class).getValue()).isCloseTo(1 / 3.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(GridKt._get(audit(), 0).sent()).isEqualTo(1);

        _click(_get(card, Button.class, b -> b.withText("Cancel replay")));
        roundtrip();
        assertThat(api.replayStatus(started.id()).state()).isEqualTo(ReplayStatus.State.CANCELLED);
        assertThat(text(card)).contains("cancelled after 1 of 3 records were sent");
        assertThat(_find(card, Button.class, b -> b.withText("Cancel replay"))).isEmpty();
        assertThat(UI.getCurrent().getPollInterval()).isEqualTo(-1);
        assertThat(GridKt._getFormattedRow(audit(), 0)).contains("cancelled after 1 of 3 records were sent");
    }

    @Test
    void aReplayThatRunsToTheEndStopsThePolling() {
        navigate("replays");
        openRedrive(SampleData.PAYMENTS_DLT, null);
        _click(button("replay-dry-run"));
        roundtrip();
        _click(button("replay-confirm"));
        roundtrip();
        String id = api.replays(1).get(0).id();
        clock.advance(Duration.ofSeconds(10));
        poll();
        Div card = _get(Div.class, x -> x.withId("replay-card-" + id));
        assertThat(card.getElement().getAttribute("data-state")).isEqualTo("SUCCEEDED");
        assertThat(text(card)).contains("3 of 3 sent").contains("3 records sent");
        assertThat(UI.getCurrent().getPollInterval()).isEqualTo(-1);
        assertThat(text(_get(com.vaadin.flow.component.html.Span.class, s -> s.withId("replay-subtitle"))))
                .isEqualTo("6 replays in the audit");
    }

    @Test
    void withoutThePermissionToReplayStartAndCancelAreHidden() {
        String running = api.replay(new ReplayRequest(ReplayMode.DEAD_LETTER, null, null, SampleData.PAYMENTS_DLT,
                null, false, 1.0), null).status().id();
        Permissions.setForSession(VaadinSession.getCurrent(), new Permissions(false, true));
        navigate("replays");
        assertThat(_find(Button.class, b -> b.withId("replay-new"))).isEmpty();
        Div card = _get(Div.class, x -> x.withId("replay-card-" + running));
        assertThat(text(card)).contains("0 of 3 sent");
        assertThat(_find(card, Button.class)).isEmpty();
        assertThat(GridKt._size(audit())).isEqualTo(5);
    }

    @Test
    void withThePermissionStartAndCancelAreThere() {
        String running = api.replay(new ReplayRequest(ReplayMode.DEAD_LETTER, null, null, SampleData.PAYMENTS_DLT,
                null, false, 1.0), null).status().id();
        navigate("replays");
        assertThat(_find(Button.class, b -> b.withId("replay-new"))).hasSize(1);
        Div card = _get(Div.class, x -> x.withId("replay-card-" + running));
        assertThat(_find(card, Button.class, b -> b.withText("Cancel replay"))).hasSize(1);
    }

    @Test
    void anUnknownReplayInTheLinkStillShowsTheAudit() {
        navigate("replays?id=no-such-replay");
        assertThat(GridKt._size(audit())).isEqualTo(4);
        assertThat(api.calls()).contains("replayStatus no-such-replay");
        assertThat(_find(Div.class, d -> d.withClasses("replay-card"))).isEmpty();
    }
}
