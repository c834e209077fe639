package io.choreoscope.ui.dashboard;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import com.vaadin.flow.component.AttachEvent;
import com.vaadin.flow.component.DetachEvent;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.UIDetachedException;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.data.value.ValueChangeMode;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.QueryParameters;
import com.vaadin.flow.router.Route;
import com.vaadin.flow.router.RouteAlias;

import io.choreoscope.model.api.FlowSummaries;
import io.choreoscope.model.api.FlowSummary;
import io.choreoscope.model.api.LiveUpdate;
import io.choreoscope.ui.UiServices;
import io.choreoscope.ui.client.ApiException;
import io.choreoscope.ui.client.LiveListener;
import io.choreoscope.ui.client.LiveSubscription;
import io.choreoscope.ui.client.TimeWindow;
import io.choreoscope.ui.shell.Formats;
import io.choreoscope.ui.shell.LiveReload;
import io.choreoscope.ui.shell.Loader;
import io.choreoscope.ui.shell.MainLayout;
import io.choreoscope.ui.shell.Notice;
import io.choreoscope.ui.shell.ViewHeader;

/**
 * One card per flow with its KPIs over a chosen window, kept current by the live stream (server push):
 * a {@code flows} or {@code instance} message re-reads the summaries and updates the cards in place.
 * The window is in the URL ({@code ?window=-15m}) so a dashboard can be bookmarked.
 *
 * <p>Noisy traffic can make thousands of flows (every new start event type is one): then the page shows the
 * {@value #MAX_CARDS} busiest (most instances started in the window) and a filter by name finds the others. With 2,003
 * flows on the demo, the page drew no card within two minutes and its session held hundreds of megabytes. The API
 * narrows them ({@code /flows?q&sort=started&limit}): with 10,000 flows a dashboard read 3.4 MB a live change to draw
 * 48 cards.
 */
@Route(value = "", layout = MainLayout.class)
@RouteAlias(value = "dashboard", layout = MainLayout.class)
@PageTitle("Dashboard · choreoscope")
public class DashboardView extends Div implements BeforeEnterObserver {

    /** Cards drawn at most; more flows than this are narrowed to the busiest, or by the filter. */
    static final int MAX_CARDS = 48;

    private final Select<TimeWindow> window = new Select<>();
    private final TextField filter = new TextField();
    private final Span shown = new Span();
    private final Div cards = new Div();
    private final Span liveState = new Span();
    private final Span updated = new Span();
    private final Span subtitle = new Span();
    private final Map<String, FlowCard> cardsByFlow = new LinkedHashMap<>();
    private final Loader loader = new Loader();
    /** One UI access queued for a burst of live changes (any thread); they reload one load at a time (UI thread). */
    private final AtomicBoolean refreshQueued = new AtomicBoolean();
    private final LiveReload reloads = new LiveReload(() -> reload(false));
    private LiveSubscription live;
    private boolean liveLost;

    public DashboardView() {
        addClassNames("view", "dashboard-view");

        H2 title = new H2("Flows");
        subtitle.addClassName("view-subtitle");
        Div titles = ViewHeader.titles(title, subtitle);

        window.setItems(TimeWindow.PRESETS);
        window.setItemLabelGenerator(TimeWindow::label);
        window.setValue(TimeWindow.LAST_HOUR);
        window.setAriaLabel("Time window");
        window.setId("window-picker");
        window.addValueChangeListener(e -> {
            if (e.isFromClient()) {
                UI.getCurrent().navigate(DashboardView.class, QueryParameters.of("window", e.getValue().from()));
            }
        });

        liveState.addClassName("live-indicator");
        liveState.setId("live-indicator");
        liveState.getElement().setAttribute("role", "status");
        setLiveConnected(false);
        updated.addClassName("updated-at");
        updated.setId("updated-at");
        Div header = ViewHeader.of(titles, liveState, updated, window);
        filter.setId("flow-filter");
        filter.setPlaceholder("Filter flows by name");
        filter.setAriaLabel("Filter flows by name");
        filter.setClearButtonVisible(true);
        filter.setValueChangeMode(ValueChangeMode.LAZY);
        filter.addValueChangeListener(e -> reload(false));
        shown.setId("flows-shown");
        shown.addClassName("muted");
        Div narrowing = new Div(filter, shown);
        narrowing.addClassName("flow-narrowing");
        narrowing.setVisible(false);
        cards.addClassName("card-grid");
        cards.setId("flow-cards");
        add(header, narrowing, cards);
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        List<String> w = event.getLocation().getQueryParameters().getParameters().get("window");
        window.setValue(TimeWindow.parse(w == null || w.isEmpty() ? null : w.get(0)));
        subtitle.setText("Instances started in the " + window.getValue().label().toLowerCase(java.util.Locale.ROOT));
        reload(true);
    }

    @Override
    protected void onAttach(AttachEvent attachEvent) {
        super.onAttach(attachEvent);
        UI ui = attachEvent.getUI();
        live = UiServices.current().api().live(new LiveListener() {
            @Override
            public void onUpdate(LiveUpdate update) {
                if (("flows".equals(update.type()) || "instance".equals(update.type()))
                        && refreshQueued.compareAndSet(false, true)) {
                    access(ui, () -> {
                        refreshQueued.set(false);
                        reloads.changed();
                    });
                }
            }

            @Override
            public void onConnectionChanged(boolean connected) {
                access(ui, () -> {
                    setLiveConnected(connected);
                    if (!connected) {
                        liveLost = true;
                    } else if (liveLost) {
                        // back after an outage: what was missed is only in a fresh read
                        liveLost = false;
                        reloads.changed();
                    }
                });
            }
        });
    }

    @Override
    protected void onDetach(DetachEvent detachEvent) {
        if (live != null) {
            live.close();
            live = null;
        }
        loader.cancel();
        reloads.reset();
        super.onDetach(detachEvent);
    }

    /** Reads the summaries again; {@code showLoading} replaces the cards with a loading notice first. */
    void reload(boolean showLoading) {
        TimeWindow w = window.getValue();
        if (showLoading) {
            cards.removeAll();
            cardsByFlow.clear();
            cards.add(Notice.loading("Loading flows…"));
        }
        String typed = filter.getValue() == null ? "" : filter.getValue().strip();
        reloads.started();
        loader.load(api -> api.busiestFlows(w, typed, MAX_CARDS), flows -> {
            show(flows, typed);
            reloads.ended();
        }, e -> {
            showError(e);
            reloads.ended();
        });
    }

    /** Draws {@code answer}, the flows the API found for the filter's text {@code typed}. */
    private void show(FlowSummaries.Narrowed answer, String typed) {
        updated.setText("Updated " + Formats.clock(Instant.now()) + " UTC");
        List<FlowSummary> flows = narrow(answer, typed);
        if (answer.total() == 0) {
            cards.removeAll();
            cardsByFlow.clear();
            cards.add(Notice.empty(FlowCard.emptyIcon(), "No flows yet",
                    "choreoscope learns flows from the events it taps. Once services publish to Kafka, a card "
                            + "appears here for each flow (named after its start event)."));
            return;
        }
        cards.getChildren().filter(c -> !(c instanceof FlowCard)).toList().forEach(cards::remove);
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (FlowSummary s : flows) {
            seen.add(s.flow());
            FlowCard card = cardsByFlow.get(s.flow());
            if (card == null) {
                card = new FlowCard(s);
                cardsByFlow.put(s.flow(), card);
                cards.add(card);
            } else {
                card.update(s);
            }
        }
        for (String gone : new ArrayList<>(cardsByFlow.keySet())) {
            if (!seen.contains(gone)) {
                cards.remove(cardsByFlow.remove(gone));
            }
        }
        // Cards kept from the last read stay where they were; put them in this read's order when it moved.
        List<FlowCard> wanted = flows.stream().map(f -> cardsByFlow.get(f.flow())).toList();
        if (!cards.getChildren().toList().equals(wanted)) {
            cards.removeAll();
            wanted.forEach(cards::add);
        }
    }

    /**
     * The flows to draw of those the API answered for {@code typed}: up to {@link #MAX_CARDS} by name, of more the
     * busiest, busiest first (as answered); the line beside the filter says which. The filter shows once there are
     * too many.
     */
    private List<FlowSummary> narrow(FlowSummaries.Narrowed answer, String typed) {
        boolean many = answer.matching() > MAX_CARDS;
        List<FlowSummary> drawn = many ? answer.flows()
                : answer.flows().stream().sorted(FlowSummaries.BY_FLOW).toList();
        filter.getParent().ifPresent(p -> p.setVisible(answer.total() > MAX_CARDS || !typed.isEmpty()));
        String of = Formats.count(answer.total(), "flow", "flows");
        if (typed.isEmpty()) {
            shown.setText(many ? "Showing the " + MAX_CARDS + " busiest of " + of + " (most instances started in the "
                    + "window); filter by name to find the others" : "");
        } else if (many) {
            shown.setText("Showing the " + MAX_CARDS + " busiest of " + Formats.count(answer.matching()) + " flows whose "
                    + "name contains '" + typed + "' (of " + of + ")");
        } else {
            shown.setText(Formats.count(answer.matching()) + " of " + of + " match '" + typed + "'");
        }
        return drawn;
    }

    private void showError(ApiException e) {
        if (cardsByFlow.isEmpty()) {
            cards.removeAll();
            cards.add(Notice.error("Could not load the flows", e, () -> reload(true)));
        } else {
            // keep the last figures on screen during an incident; say they are stale
            updated.setText("Update failed: " + e.getMessage());
        }
    }

    private void setLiveConnected(boolean connected) {
        liveState.setText(connected ? "Live" : "Reconnecting…");
        liveState.getElement().getClassList().set("live-on", connected);
        liveState.getElement().setAttribute("title", connected
                ? "Updates arrive by server push as they happen" : "The live stream is down; retrying");
    }

    /** Cards currently shown, for tests. */
    Map<String, FlowCard> cards() {
        return cardsByFlow;
    }

    private static void access(UI ui, com.vaadin.flow.server.Command c) {
        try {
            ui.access(c);
        } catch (UIDetachedException gone) {
            // the view went away between the message and now
        }
    }
}
