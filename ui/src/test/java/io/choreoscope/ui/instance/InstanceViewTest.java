package io.choreoscope.ui.instance;

import static com.github.mvysny.kaributesting.v10.LocatorJ._click;
import static com.github.mvysny.kaributesting.v10.LocatorJ._find;
import static com.github.mvysny.kaributesting.v10.LocatorJ._get;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.github.mvysny.kaributesting.v10.GridKt;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.server.VaadinSession;

import com.vaadin.flow.component.Html;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.tabs.TabSheet;

import io.choreoscope.model.api.EventView;
import io.choreoscope.model.api.InstanceDetail;
import io.choreoscope.model.api.ReplayMode;
import io.choreoscope.model.api.ReplayStatus;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.ui.KaribuTest;
import io.choreoscope.ui.client.SampleData;
import io.choreoscope.ui.graph.GraphData;
import io.choreoscope.ui.graph.GraphView;
import io.choreoscope.ui.replay.ReplayDialog;
import io.choreoscope.ui.replay.ReplayRecordList;
import io.choreoscope.ui.shell.Permissions;
import io.choreoscope.ui.shell.Notice;
import io.choreoscope.ui.shell.StateBadge;

class InstanceViewTest extends KaribuTest {

    private PayloadViewer openEvents() {
        TabSheet tabs = _get(TabSheet.class, t -> t.withId("instance-tabs"));
        tabs.setSelectedIndex(2);
        return _get(PayloadViewer.class);
    }

    @Test
    void anInstanceWithMoreEventsThanAPageShowsTheFirstPageAndLoadsTheRestOnRequest() {
        SampleData.putManyEvents(api, "ord-many", 120);
        navigate("instances/ord-many");
        TabSheet tabs = _get(TabSheet.class, t -> t.withId("instance-tabs"));
        assertThat(tabs.getTabAt(2).getLabel()).isEqualTo("Events & payloads (50 of 120)");
        openEvents();
        @SuppressWarnings("unchecked")
        var grid = (com.vaadin.flow.component.grid.Grid<EventView>) _get(com.vaadin.flow.component.grid.Grid.class,
                g -> g.withId("events-grid"));
        assertThat(GridKt._size(grid)).isEqualTo(50);
        EventView selected = grid.asSingleSelect().getValue();
        Button more = _get(Button.class, b -> b.withId("load-more-events"));

        _click(more);
        roundtrip();
        assertThat(GridKt._size(grid)).isEqualTo(100);
        assertThat(tabs.getTabAt(2).getLabel()).isEqualTo("Events & payloads (100 of 120)");
        assertThat(grid.asSingleSelect().getValue()).as("the selection stays").isEqualTo(selected);

        _click(more);
        roundtrip();
        assertThat(GridKt._size(grid)).isEqualTo(120);
        assertThat(tabs.getTabAt(2).getLabel()).isEqualTo("Events & payloads (120)");
        assertThat(more.isVisible()).as("nothing more to load").isFalse();
        List<Long> offsets = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            offsets.add(GridKt._get(grid, i).offset());
        }
        assertThat(offsets).as("each event once, in order").isSorted().doesNotHaveDuplicates();
        assertThat(api.calls()).filteredOn(c -> c.startsWith("instanceEvents ord-many")).hasSize(2);
    }

    /** A completed order whose notification RabbitMQ dead-lettered on the way: the callout and the timeline say so. */
    @Test
    void aDeadLetteredMessageOfACompletedInstanceIsNamedWithWhereAndWhy() {
        InstanceDetail d = api.instance(SampleData.COMPLETED_ORDER, Integer.MAX_VALUE);
        assertThat(d.snapshot().state()).isEqualTo(io.choreoscope.model.flow.InstanceState.COMPLETED);
        EventView last = d.events().get(d.events().size() - 1);
        List<EventView.HeaderView> deathHeaders = List.of(new EventView.HeaderView("x-first-death-exchange", "shipping", "text"),
                new EventView.HeaderView("x-first-death-queue", "shipping-notifications", "text"),
                new EventView.HeaderView("x-first-death-reason", "rejected", "text"));
        EventView dead = copy(last, "rabbitmq:shipping.dlx", deathHeaders, false);
        List<EventView> events = new ArrayList<>(d.events());
        events.add(dead);
        // the same message sent back by a redrive: death headers kept, plus the replay's; not a dead letter
        List<EventView.HeaderView> redriven = new ArrayList<>(deathHeaders);
        redriven.add(new EventView.HeaderView(io.choreoscope.model.Observation.REPLAY_ID_HEADER, "r-1", "text"));
        events.add(copy(last, "rabbitmq:shipping", redriven, true));
        api.putInstance(new InstanceDetail(d.snapshot(), events, d.spans(), d.graph(), events.size(), null));

        navigate("instances/" + SampleData.COMPLETED_ORDER);

        assertThat(_get(com.vaadin.flow.component.html.Span.class, sp -> sp.withId("instance-dead-letters")).getText())
                .isEqualTo("Dead-lettered: " + last.eventType() + ", rejected in queue shipping-notifications (rabbitmq:shipping.dlx)");
        // the timeline marks the copy, which keeps the original's type and service, as a dead letter (and only it)
        Waterfall w = _get(Waterfall.class);
        List<String> names = _find(w, com.vaadin.flow.component.html.Span.class, sp -> sp.withClasses("wf-event-name"))
                .stream().map(com.vaadin.flow.component.html.Span::getText).toList();
        assertThat(names).filteredOn(n -> n.equals(last.eventType())).hasSize(3); // the original, the copy, the redriven
        assertThat(_find(w, com.vaadin.flow.component.html.Span.class, sp -> sp.withClasses("wf-marker-tag")))
                .extracting(com.vaadin.flow.component.html.Span::getText).containsExactly("dead letter");
        assertThat(_find(w, Div.class, x -> x.withClasses("wf-marker wf-error")))
                .extracting(x -> x.getElement().getAttribute("title"))
                .containsExactly("Dead letter of " + last.eventType() + " on " + BusLabel.of(dead) + " at "
                        + io.choreoscope.ui.shell.Formats.dateTime(dead.timestamp())
                        + ": rejected in queue shipping-notifications");
        assertThat(InstanceView.deadLetters(d.events())).as("the sample's own events").isEmpty();
        List<EventView> many = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            many.add(copy(last, "orders.DLT", List.of(new EventView.HeaderView("kafka_dlt-exception-message", "<b>boom</b>", "text")), false));
        }
        assertThat(InstanceView.deadLetters(many)).containsExactly("Dead-lettered: " + last.eventType() + ", <b>boom</b> (orders.DLT)",
                last.eventType() + ", <b>boom</b> (orders.DLT)", last.eventType() + ", <b>boom</b> (orders.DLT)", "2 more");
    }

    private static EventView copy(EventView e, String topic, List<EventView.HeaderView> headers, boolean replayed) {
        return new EventView(topic, 0, e.offset() + 1_000, e.timestamp(), e.ingestTime(), e.key(), headers, e.payload(),
                e.payloadEncoding(), false, e.payloadSize(), e.contentType(), e.correlationId(), e.eventId(), e.eventType(),
                e.sourceService(), e.causationId(), e.traceId(), e.spanId(), e.parseStatus(), e.parseError(), replayed);
    }

    @Test
    void aStuckInstanceShowsStateReasonAndOverdueExpectedStep() {
        navigate("instances/" + SampleData.STUCK_ORDER);
        assertThat(_get(H2.class, h -> h.withId("instance-id")).getText()).isEqualTo(SampleData.STUCK_ORDER);
        assertThat(_get(StateBadge.class, b -> b.withId("instance-state")).getText()).isEqualTo("Stuck");
        assertThat(text(_get(Div.class, d -> d.withId("instance-reason")))).contains("waiting for StockReserved");
        assertThat(text(_get(Div.class, d -> d.withId("expected-next"))))
                .contains("StockReserved").contains("86.0%").contains("overdue by");
    }

    @Test
    void aStuckInstanceSaysWhoItWaitsOnAndWhyAsText() {
        navigate("instances/" + SampleData.STUCK_ORDER);
        InstanceSnapshot s = api.instance(SampleData.STUCK_ORDER, 0).snapshot();
        assertThat(s.cause()).isNotNull();
        assertThat(_get(com.vaadin.flow.component.html.Span.class, x -> x.withId("instance-waiting-on")).getText())
                .isEqualTo("Waiting on " + String.join(", ", s.waitingOn()));
        com.vaadin.flow.component.html.Span cause = _get(com.vaadin.flow.component.html.Span.class,
                x -> x.withId("instance-cause"));
        assertThat(cause.getText()).isEqualTo("Why: " + s.cause().detail());
        // a service's exception message is shown as text, never as markup
        assertThat(cause.getElement().getChildren()).allMatch(com.vaadin.flow.dom.Element::isTextNode);
    }

    @Test
    void deviationsAreListed() {
        navigate("instances/ord-6001");
        assertThat(text(_get(Div.class, d -> d.withId("deviations"))))
                .contains("skipped step").contains("skips PaymentCaptured");
    }

    @Test
    void theWaterfallShowsEveryEventAndSpanAndShadesTheLongGap() {
        navigate("instances/" + SampleData.COMPLETED_ORDER);
        Waterfall w = _get(Waterfall.class);
        var detail = api.instance(SampleData.COMPLETED_ORDER, 0);
        assertThat(_find(w, Div.class, d -> d.withClasses("wf-event-row"))).hasSize(detail.events().size());
        assertThat(_find(w, Div.class, d -> d.withClasses("wf-span-row"))).hasSize(detail.spans().size());
        // every row's label says itself whole on hover (the label column cuts long span names)
        var spanLabels = _find(w, Div.class, d -> d.withClasses("wf-label")).stream()
                .map(d -> d.getElement().getAttribute("title")).filter(java.util.Objects::nonNull).toList();
        assertThat(spanLabels).hasSize(detail.events().size() + detail.spans().size());
        assertThat(spanLabels).contains(detail.spans().get(0).service() + " · " + detail.spans().get(0).name()
                + " (" + detail.spans().get(0).kind().toLowerCase(java.util.Locale.ROOT) + ")");
        // the sample order idles ~4.2 s before StockReserved
        assertThat(w.gapsMs()).anySatisfy(g -> assertThat(g).isGreaterThan(3500));
    }

    @Test
    void theGraphDrawsThePathTakenOverTheModel() {
        navigate("instances/" + SampleData.COMPENSATED_ORDER);
        TabSheet tabs = _get(TabSheet.class, t -> t.withId("instance-tabs"));
        tabs.setSelectedIndex(1);
        GraphData g = _get(GraphView.class, v -> v.withId("instance-graph")).getData();
        assertThat(g.edge("StockReservationFailed → PaymentRefunded").classes()).contains("path");
        assertThat(g.edge("StockReservationFailed → PaymentRefunded").label()).isEqualTo("#3");
        assertThat(g.node("PaymentRefunded").classes()).contains("visited", "compensation");
        assertThat(g.node("OrderShipped").classes()).contains("dim");
    }

    /**
     * The path's arrows run from each event's cause, and so does the map under it: a sign-up whose welcome mail is
     * caused by the sign-up itself (sent in parallel with the verification) is drawn with that arrow as a step of the
     * map, not as a transition the model does not know, and without the arrival-order arrow ProfileCompleted ->
     * WelcomeEmailSent.
     */
    @Test
    void theGraphDrawsThePathOverTheMapByCause() {
        SampleData.welcomeMailCausedBySignUp(api);
        String id = api.instances(io.choreoscope.ui.client.InstanceQuery.ofFlow(SampleData.SIGNUP_FLOW)
                .withState(io.choreoscope.model.flow.InstanceState.COMPLETED).withLimit(1)).items().get(0).correlationId();
        navigate("instances/" + id);
        assertThat(api.calls()).contains("flowByCause " + SampleData.SIGNUP_FLOW + " -1h");
        TabSheet tabs = _get(TabSheet.class, t -> t.withId("instance-tabs"));
        tabs.setSelectedIndex(1);
        GraphData g = _get(GraphView.class, v -> v.withId("instance-graph")).getData();
        assertThat(g.edge("UserSignedUp → WelcomeEmailSent").classes()).contains("path").doesNotContain("unexpected");
        assertThat(g.edge("ProfileCompleted → WelcomeEmailSent")).isNull();
        assertThat(g.edge("EmailVerified → ProfileCompleted").classes()).contains("path");
    }

    @Test
    void payloadsArePrettyPrintedAndMarkupStaysText() {
        navigate("instances/" + SampleData.LARGE_PAYLOAD_ORDER);
        PayloadViewer viewer = openEvents();
        var grid = _get(com.vaadin.flow.component.grid.Grid.class, g -> g.withId("events-grid"));
        @SuppressWarnings("unchecked")
        var events = (com.vaadin.flow.component.grid.Grid<EventView>) grid;
        events.select(com.github.mvysny.kaributesting.v10.GridKt._get(events, 1));
        assertThat(viewer.payloadText()).contains("{\n  \"type\": \"PaymentCaptured\"")
                .contains("<script>alert('x')</script>");
        assertThat(_find(Html.class)).isEmpty();
    }

    @Test
    void aCutPayloadSaysHowBigItIsAndShowsAllOnRequest() {
        navigate("instances/" + SampleData.LARGE_PAYLOAD_ORDER);
        PayloadViewer viewer = openEvents();
        assertThat(viewer.event().payloadTruncated()).isTrue();
        assertThat(viewer.isTruncationShown()).isTrue();
        assertThat(text(_get(Div.class, d -> d.withId("payload-truncation")))).contains("64.0 KiB of");
        int cutLength = viewer.payloadText().length();

        _click(_get(Button.class, b -> b.withId("payload-show-all")));
        roundtrip();

        assertThat(viewer.isTruncationShown()).isFalse();
        assertThat(viewer.payloadText().length()).isGreaterThan(cutLength);
        assertThat(viewer.payloadText().trim()).endsWith("}");
        assertThat(api.calls()).anyMatch(c -> c.startsWith("payload orders/"));
    }

    @Test
    void anInstanceWhoseFirstEventIsSixtyFourKibOfBracketsOpensWithTheFormattingBounded() {
        // The record that ran the demo's JVM out of heap as soon as its instance page opened.
        String brackets = "[".repeat(65_536);
        var d = api.instance(SampleData.COMPENSATED_ORDER, Integer.MAX_VALUE);
        List<EventView> events = new ArrayList<>(d.events());
        EventView e = events.get(0);
        events.set(0, new EventView(e.topic(), e.partition(), e.offset(), e.timestamp(), e.ingestTime(), e.key(), e.headers(),
                brackets, "text", false, brackets.length(), "application/json", e.correlationId(), e.eventId(), e.eventType(),
                e.sourceService(), e.causationId(), e.traceId(), e.spanId(), "NOT_JSON", "unexpected end of input at byte 65536", false));
        api.putInstance(InstanceDetail.whole(d.snapshot(), events, d.spans(), d.graph()));

        navigate("instances/" + SampleData.COMPENSATED_ORDER);
        PayloadViewer viewer = openEvents();

        assertThat(viewer.event().offset()).isEqualTo(e.offset());
        assertThat(viewer.payloadText()).startsWith("[\n  [\n    [");
        assertThat(viewer.payloadText().length()).isLessThan(PrettyJson.MAX_FORMATTED_CHARS + brackets.length() + 200);
        assertThat(text(viewer)).contains("indented up to");

        // the other place payloads are indented: the records of a replay's dry run
        _click((Button) GridKt._getCellComponent(eventsGrid(), 0, "replay"));
        roundtrip();
        ReplayDialog dialog = _get(ReplayDialog.class);
        assertThat(dialog.preview().records()).singleElement().satisfies(r -> assertThat(r.payload()).isEqualTo(brackets));
        assertThat(dialog.preview().payloadText()).startsWith("[\n  [").hasSize(ReplayRecordList.MAX_PAYLOAD_CHARS);
    }

    @Test
    void aLinkedIdOpensTheSameInstance() {
        navigate("instances/" + SampleData.COMPLETED_ORDER_PAYMENT_ID);
        assertThat(_get(H2.class, h -> h.withId("instance-id")).getText()).isEqualTo(SampleData.COMPLETED_ORDER);
    }

    @Test
    void anUnknownIdSaysSoAndPointsToSearch() {
        navigate("instances/nope-123");
        Notice n = _get(Notice.class);
        assertThat(n.kind()).isEqualTo(Notice.Kind.EMPTY);
        assertThat(text(n)).contains("No instance “nope-123”").contains("search");
    }

    @SuppressWarnings("unchecked")
    private static com.vaadin.flow.component.grid.Grid<EventView> eventsGrid() {
        return _get(com.vaadin.flow.component.grid.Grid.class, g -> g.withId("events-grid"));
    }

    @Test
    void anEventIsReplayedAfterADryRunOfExactlyThatRecord() {
        navigate("instances/" + SampleData.COMPENSATED_ORDER);
        openEvents();
        var grid = eventsGrid();
        EventView third = GridKt._get(grid, 2);
        _click((Button) GridKt._getCellComponent(grid, 2, "replay"));
        roundtrip();

        ReplayDialog dialog = _get(ReplayDialog.class);
        assertThat(dialog.preview().records()).singleElement().satisfies(r -> {
            assertThat(r.source()).isEqualTo(third.topic() + "/" + third.partition() + "/" + third.offset());
            assertThat(r.targetTopic()).isEqualTo(third.topic());
            assertThat(r.payload()).isEqualTo(third.payload());
        });
        assertThat(dialog.summaryText()).contains("this record would be sent");

        _click(_get(Button.class, b -> b.withId("replay-confirm")));
        roundtrip();
        ReplayStatus started = api.replays(1).get(0);
        assertThat(started.mode()).isEqualTo(ReplayMode.EVENT);
        assertThat(started.dryRun()).isFalse();
        assertThat(UI.getCurrent().getInternals().getActiveViewLocation().getPathWithQueryParameters())
                .isEqualTo("replays?id=" + started.id());
    }

    @Test
    void withoutThePermissionToReplayTheEventsHaveNoReplayAction() {
        Permissions.setForSession(VaadinSession.getCurrent(), Permissions.READ_ONLY);
        navigate("instances/" + SampleData.COMPENSATED_ORDER);
        openEvents();
        assertThat(eventsGrid().getColumnByKey("replay").isVisible()).isFalse();
        assertThat(_find(Button.class, b -> b.withClasses("event-replay"))).isEmpty();
    }

    @Test
    void withThePermissionEveryEventHasAReplayAction() {
        navigate("instances/" + SampleData.COMPENSATED_ORDER);
        openEvents();
        assertThat(eventsGrid().getColumnByKey("replay").isVisible()).isTrue();
        assertThat(GridKt._getCellComponent(eventsGrid(), 0, "replay")).isInstanceOf(Button.class);
    }
}
