package io.choreoscope.ui.instance;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.icon.VaadinIcon;
import com.vaadin.flow.component.notification.Notification;
import com.vaadin.flow.component.tabs.TabSheet;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.HasDynamicTitle;
import com.vaadin.flow.router.Route;
import com.vaadin.flow.router.RouterLink;

import io.choreoscope.model.api.EventView;
import io.choreoscope.model.api.InstanceDetail;
import io.choreoscope.model.api.ReplayRequest;
import io.choreoscope.model.flow.Deviation;
import io.choreoscope.model.flow.ExpectedStep;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.ui.client.ApiException;
import io.choreoscope.ui.flow.FlowView;
import io.choreoscope.ui.graph.GraphView;
import io.choreoscope.ui.replay.ReplayDialog;
import io.choreoscope.ui.shell.Formats;
import io.choreoscope.ui.shell.GridCells;
import io.choreoscope.ui.shell.Loader;
import io.choreoscope.ui.shell.MainLayout;
import io.choreoscope.ui.shell.NameInUrl;
import io.choreoscope.ui.shell.Notice;
import io.choreoscope.ui.shell.Permissions;
import io.choreoscope.ui.shell.StateBadge;

/**
 * One instance by correlation ID (any linked ID works), bookmarkable as {@code /instances/{id}}: state
 * and reason, expected next steps, deviations, a waterfall of events and spans across services, the
 * path taken drawn over the flow model, and every event with its headers and payload. Each event can be
 * replayed (sent again to its topic) after a dry-run preview.
 */
@Route(value = "instances/:correlationId?", layout = MainLayout.class)
public class InstanceView extends Div implements BeforeEnterObserver, HasDynamicTitle {

    public static final String ID_PARAMETER = "correlationId";
    /** The query parameter that carries an ID the path cannot ({@link NameInUrl}). */
    public static final String ID_QUERY = "id";

    private final Clock clock = Clock.systemUTC();
    private final Div content = new Div();
    private final Loader loader = new Loader();
    private final Loader payloadLoader = new Loader();
    private String correlationId;
    private InstanceDetail detail;
    private PayloadViewer viewer;
    private Grid<EventView> events;
    private Grid.Column<EventView> replayColumn;
    /** The events shown so far: the detail's first page, then each page "Load more" fetched. */
    private final List<EventView> shown = new java.util.ArrayList<>();
    private String nextEvents;
    private final Loader moreLoader = new Loader();
    private Button loadMore;
    private com.vaadin.flow.component.tabs.Tab eventsTabHandle;
    private TabSheet tabs;
    private Permissions permissions = Permissions.ALL;

    /** The instance and (when known) its flow's model. */
    record Loaded(InstanceDetail detail, FlowModel model) {
    }

    public InstanceView() {
        addClassNames("view", "instance-view");
        content.addClassName("instance-content");
        add(content);
    }

    @Override
    public String getPageTitle() {
        return (correlationId == null ? "Instance" : correlationId) + " · choreoscope";
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        correlationId = NameInUrl.read(event, ID_PARAMETER, ID_QUERY);
        if (correlationId.isEmpty()) {
            event.rerouteToError(com.vaadin.flow.router.NotFoundException.class);
            return;
        }
        applyPermissions(Permissions.current());
        load();
    }

    /** Hides the per-event replay action when the person may not replay. */
    public void applyPermissions(Permissions p) {
        this.permissions = p;
        if (replayColumn != null) {
            replayColumn.setVisible(p.canReplay());
        }
    }

    private void load() {
        content.removeAll();
        content.add(Notice.loading("Loading instance " + correlationId + "…"));
        String id = correlationId;
        loader.load(api -> {
            InstanceDetail d = api.instance(id, 0);
            FlowModel m = null;
            try {
                String flow = d.snapshot().flow();
                m = flow == null || flow.equals(InstanceSnapshot.NO_FLOW) ? null : backdrop(api, flow);
            } catch (ApiException e) {
                // the instance is shown without the model behind its path
            }
            return new Loaded(d, m);
        }, this::show, e -> {
            content.removeAll();
            content.add(e.isNotFound()
                    ? Notice.empty(VaadinIcon.SEARCH_MINUS, "No instance “" + id + "”",
                            e.getMessage() + " Try the search box: it also finds values inside payloads and headers.")
                    : Notice.error("Could not load instance " + id, e, this::load));
        });
    }

    /**
     * The flow map the instance's path is drawn over. The path's arrows run from each event's cause (the instance graph's
     * CAUSATION, TRACE and ORDER edges), so the map is the one by cause too, of the last hour: an event that several
     * services react to in parallel is one step with an arrow to each reaction, as the path has, not a chain through
     * the reactions in some arrival order. When no instance of the flow started in the last hour, the lifetime model
     * (arrows in order) is the only one there is.
     */
    static FlowModel backdrop(io.choreoscope.ui.client.ChoreoscopeApi api, String flow) {
        FlowModel byCause = api.flowByCause(flow, io.choreoscope.ui.client.TimeWindow.LAST_HOUR);
        return byCause.instances() > 0 ? byCause : api.flow(flow);
    }

    private void show(Loaded loaded) {
        this.detail = loaded.detail();
        InstanceSnapshot s = detail.snapshot();
        Instant now = Instant.now(clock);
        content.removeAll();
        content.add(header(s, now), stateCallout(s), facts(s, now));
        Div side = new Div(expectedCard(s, now), deviationsCard(s));
        side.addClassName("instance-cards");
        content.add(side);

        Waterfall waterfall = new Waterfall();
        waterfall.show(detail, now);
        Div timelineTab = new Div(waterfall);
        timelineTab.addClassName("tab-body");

        tabs = new TabSheet();
        tabs.setId("instance-tabs");
        tabs.addClassName("instance-tabs");
        tabs.add("Timeline", timelineTab);
        tabs.add("Graph", graphTab(loaded.model()));
        eventsTabHandle = tabs.add(eventsTabTitle(), eventsTab());
        content.add(tabs);
    }

    private Component header(InstanceSnapshot s, Instant now) {
        Span eyebrow = new Span("Instance");
        eyebrow.addClassName("eyebrow");
        H2 id = new H2(s.correlationId());
        id.addClassNames("mono", "instance-id");
        id.setId("instance-id");
        Button copy = new Button(VaadinIcon.COPY_O.create(), e -> {
            UI.getCurrent().getPage().executeJs("navigator.clipboard && navigator.clipboard.writeText($0)",
                    s.correlationId());
            Notification.show("Copied " + s.correlationId(), 1500, Notification.Position.BOTTOM_START);
        });
        copy.addThemeVariants(ButtonVariant.LUMO_TERTIARY, ButtonVariant.LUMO_ICON, ButtonVariant.LUMO_SMALL);
        copy.setAriaLabel("Copy the correlation ID");
        copy.setTooltipText("Copy");
        StateBadge badge = new StateBadge(s.state());
        badge.setId("instance-state");
        badge.addClassName("state-badge-large");
        Div line = new Div(id, copy, badge);
        line.addClassName("instance-title-line");
        Div flow = new Div();
        flow.addClassName("instance-flow");
        if (s.flow() != null && !s.flow().equals(InstanceSnapshot.NO_FLOW)) {
            RouterLink link = FlowView.link(s.flow());
            link.setText(s.flow());
            flow.add(new Span("Flow "), link);
        } else if (s.flow() != null) {
            // waiting for its late first events (the state's reason says which cause it waits for)
            flow.add(new Span("No flow yet: its first events have not arrived"));
        }
        Div h = new Div(eyebrow, line, flow);
        h.addClassName("view-header-block");
        return h;
    }

    private Component stateCallout(InstanceSnapshot s) {
        Div c = new Div();
        c.addClassNames("callout", StateBadge.cssClass(s.state().name()));
        c.setId("instance-reason");
        Span label = new Span(switch (s.state()) {
            case COMPLETED -> "Completed";
            case COMPENSATED -> "Compensated";
            case FAILED -> "Failed";
            case STUCK -> "Stuck";
            case RUNNING -> "Running";
        });
        label.addClassName("callout-title");
        c.add(label, new Span(s.reason() == null ? "" : s.reason()));
        if (!s.waitingOn().isEmpty()) {
            Span waiting = new Span("Waiting on " + String.join(", ", s.waitingOn()));
            waiting.setId("instance-waiting-on");
            waiting.addClassName("callout-line");
            c.add(waiting);
        }
        if (s.cause() != null) {
            Span cause = new Span("Why: " + s.cause().detail());
            cause.setId("instance-cause");
            cause.addClassName("callout-line");
            cause.setTitle(String.join("; ", s.cause().evidence()));
            c.add(cause);
        }
        List<String> dead = deadLetters(detail.events());
        if (!dead.isEmpty() && (s.cause() == null || s.cause().kind() != io.choreoscope.model.flow.StuckCause.Kind.DEAD_LETTERED)) {
            // A completed instance may have had a message dead-lettered on the way (a notification rejected): its
            // copy is left out of the instance's steps (docs/INFERENCE.md), so without this line nothing here says so.
            Span line = new Span(String.join("; ", dead));
            line.setId("instance-dead-letters");
            line.addClassName("callout-line");
            c.add(line);
        }
        return c;
    }

    /**
     * The dead-letter copies among {@code events} (this page of them), in words, at most 3 and how many more:
     * {@code Dead-lettered: OrderShipped, rejected in queue notifications (rabbitmq:shipping.dlx)}.
     */
    static List<String> deadLetters(List<EventView> events) {
        List<String> out = new ArrayList<>();
        int more = 0;
        for (EventView e : events) {
            java.util.function.Function<String, String> header = header(e);
            if (!io.choreoscope.model.DeadLetters.isDeadLetter(e.topic(), header)) {
                continue;
            }
            if (out.size() == 3) {
                more++;
                continue;
            }
            String reason = io.choreoscope.model.DeadLetters.reason(header);
            out.add((out.isEmpty() ? "Dead-lettered: " : "") + (e.eventType() == null || e.eventType().isBlank() ? "an event"
                    : e.eventType()) + (reason == null ? "" : ", " + cut(reason, 200)) + " ("
                    + io.choreoscope.model.Topics.displayName(e.topic()) + ")");
        }
        if (more > 0) {
            out.add(more + " more");
        }
        return out;
    }

    /** Whether an event is a dead-letter copy ({@link io.choreoscope.model.DeadLetters#isDeadLetter}). */
    static boolean isDeadLetter(EventView e) {
        return io.choreoscope.model.DeadLetters.isDeadLetter(e.topic(), header(e));
    }

    /** An event's text header of a name (the first), or null. */
    static java.util.function.Function<String, String> header(EventView e) {
        return name -> e.headers() == null ? null : e.headers().stream()
                .filter(h -> h.name().equals(name) && "text".equals(h.encoding())).map(EventView.HeaderView::value)
                .findFirst().orElse(null);
    }

    static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "\u2026";
    }

    private Component facts(InstanceSnapshot s, Instant now) {
        Div f = new Div(fact("Started", Formats.dateTime(s.startedAt())),
                fact("Last event", Formats.dateTime(s.lastEventAt()) + " (" + Formats.between(s.lastEventAt(), now) + " ago)"),
                fact(s.state().terminal() ? "Duration" : "Running for", s.state().terminal()
                        ? Formats.between(s.startedAt(), s.lastEventAt()) : Formats.between(s.startedAt(), now)),
                fact("Events", Formats.count(s.eventCount()) + (s.droppedEvents() > 0
                        ? " (+" + s.droppedEvents() + " not kept: cap reached)" : "")),
                fact("Last service", s.lastService()));
        List<String> others = s.linkedIds().stream().filter(x -> !x.equals(s.correlationId())).sorted().toList();
        if (!others.isEmpty()) {
            f.add(fact("Linked IDs", String.join(", ", others)));
        }
        if (detail.graph().duplicates() > 0) {
            f.add(fact("Duplicates dropped", String.valueOf(detail.graph().duplicates())));
        }
        f.addClassNames("facts", "facts-row");
        return f;
    }

    private Component expectedCard(InstanceSnapshot s, Instant now) {
        Div card = new Div(new H3("Expected next"));
        card.addClassNames("card", "expected-card");
        card.setId("expected-next");
        if (s.expectedNext().isEmpty()) {
            Paragraph p = new Paragraph(s.state().terminal() ? "Nothing: the instance has ended." : "The model "
                    + "knows no next step after " + s.lastEventType() + ".");
            p.addClassName("muted");
            card.add(p);
            return card;
        }
        long idle = java.time.Duration.between(s.lastEventAt(), now).toMillis();
        for (ExpectedStep e : s.expectedNext()) {
            Div row = new Div();
            row.addClassName("expected-row");
            Span type = new Span(e.eventType());
            type.addClassName("expected-type");
            Span prob = new Span(Formats.percent(e.probability()) + " of the time");
            prob.addClassName("muted");
            Span bound = new Span("within " + Formats.duration(e.boundMs()) + (e.learned() ? " (learned)" : " (configured)"));
            bound.addClassName("muted");
            row.add(type, prob, bound);
            if (idle > e.boundMs()) {
                Span late = new Span("overdue by " + Formats.duration(idle - e.boundMs()));
                late.addClassNames("tag", "tag-stuck");
                row.add(late);
            }
            card.add(row);
        }
        return card;
    }

    private Component deviationsCard(InstanceSnapshot s) {
        Div card = new Div(new H3("Deviations from the model"));
        card.addClassNames("card", "deviations-card");
        card.setId("deviations");
        if (s.deviations().isEmpty()) {
            Paragraph p = new Paragraph("None: every step matched the learned model.");
            p.addClassName("muted");
            card.add(p);
            return card;
        }
        for (Deviation d : s.deviations()) {
            Span kind = new Span(d.kind().name().replace('_', ' ').toLowerCase(Locale.ROOT));
            kind.addClassNames("tag", "tag-deviation");
            Span text = new Span(d.detail() == null ? d.eventType() : d.detail());
            Div row = new Div(kind, text);
            row.addClassName("deviation-row");
            card.add(row);
        }
        return card;
    }

    private Component graphTab(FlowModel model) {
        Div wrap = new Div();
        wrap.addClassName("tab-body");
        Div area = new Div();
        area.addClassNames("graph-card", "instance-graph-card");
        GraphView graph = new GraphView();
        graph.setId("instance-graph");
        graph.setSizeFull();
        graph.useLayeredLayout(); // as the flow map: the start first, the main path straight
        graph.setData(InstanceGraphData.build(model, detail));
        Div info = new Div();
        info.addClassName("graph-side");
        Paragraph hint = new Paragraph(model == null
                ? "The flow model is not available; showing this instance's own path."
                : "Bold blue: the path this instance took (#n is the order). Dashed: the expected next step. "
                        + "Faded: the rest of the learned model (as the flow map shows it: steps and paths of at least 5% of the "
                        + "instances). Red dashed: steps the model does not know. Drag to pan, scroll to zoom.");
        hint.addClassName("muted");
        info.add(hint);
        graph.addNodeClickListener(e -> showEventsOfType(info, hint, e.getId()));
        area.add(graph);
        Div row = new Div(area, info);
        row.addClassName("instance-graph-row");
        wrap.add(row);
        return wrap;
    }

    private void showEventsOfType(Div info, Paragraph hint, String type) {
        info.removeAll();
        info.add(hint);
        H3 h = new H3(type);
        info.add(h);
        List<EventView> of = detail.events().stream().filter(e -> type.equals(e.eventType())).toList();
        if (of.isEmpty()) {
            info.add(new Paragraph("This instance has no " + type + " event."));
            return;
        }
        for (EventView e : of) {
            Button b = new Button(Formats.time(e.timestamp()) + " · " + e.sourceService(), VaadinIcon.FILE_TEXT_O.create(),
                    c -> openEvent(e));
            b.addThemeVariants(ButtonVariant.LUMO_TERTIARY, ButtonVariant.LUMO_SMALL);
            info.add(b);
        }
    }

    private void openEvent(EventView e) {
        tabs.setSelectedIndex(2);
        events.select(e);
    }

    private Component eventsTab() {
        Div wrap = new Div();
        wrap.addClassNames("tab-body", "events-tab");
        events = new Grid<>();
        events.setId("events-grid");
        // Long topic names and coordinates wrap instead of being cut ("Kafka · moderatio…" at 1400 px until 2026-12-05)
        events.addThemeVariants(GridVariant.LUMO_COMPACT, GridVariant.LUMO_ROW_STRIPES, GridVariant.LUMO_WRAP_CELL_CONTENT);
        shown.clear();
        shown.addAll(detail.events());
        nextEvents = detail.eventsNextCursor();
        List<EventView> list = shown;
        events.addColumn(e -> Formats.time(e.timestamp())).setHeader("Time (UTC)").setAutoWidth(true).setFlexGrow(0);
        events.addColumn(e -> {
            int i = list.indexOf(e);
            return i <= 0 ? "" : "+" + Formats.between(list.get(i - 1).timestamp(), e.timestamp());
        }).setHeader("After previous").setAutoWidth(true).setFlexGrow(0);
        events.addColumn(EventView::eventType).setHeader("Event").setWidth("9rem").setFlexGrow(2)
                .setPartNameGenerator(GridCells.breakLongWords());
        events.addColumn(EventView::sourceService).setHeader("Service").setWidth("7rem").setFlexGrow(1)
                .setPartNameGenerator(GridCells.breakLongWords());
        events.addColumn(BusLabel::of).setHeader("Bus · topic or exchange").setWidth("11rem").setFlexGrow(2)
                .setPartNameGenerator(GridCells.breakLongWords());
        events.addColumn(e -> Formats.bytes(e.payloadSize()) + (e.payloadTruncated() ? " (cut)" : ""))
                .setHeader("Payload").setAutoWidth(true).setFlexGrow(0);
        replayColumn = events.addComponentColumn(this::replayButton).setHeader("Replay").setKey("replay")
                .setAutoWidth(true).setFlexGrow(0);
        replayColumn.setVisible(permissions.canReplay());
        events.setItems(list);
        events.setHeight("260px");
        viewer = new PayloadViewer();
        viewer.addShowAllListener(e -> loadFullPayload(e.getEvent()));
        events.asSingleSelect().addValueChangeListener(e -> viewer.show(e.getValue()));
        if (!list.isEmpty()) {
            events.select(list.get(0));
        }
        loadMore = new Button("Load more events", VaadinIcon.ANGLE_DOUBLE_DOWN.create(), e -> loadMoreEvents());
        loadMore.setId("load-more-events");
        loadMore.addThemeVariants(ButtonVariant.LUMO_SMALL);
        loadMore.setVisible(nextEvents != null);
        wrap.add(events, loadMore, viewer);
        return wrap;
    }

    /** "Events & payloads (50 of 1,200)" while pages remain, "(5)" when all are shown. */
    private String eventsTabTitle() {
        long total = Math.max(detail.eventsTotal(), shown.isEmpty() ? detail.events().size() : shown.size());
        int n = shown.isEmpty() ? detail.events().size() : shown.size();
        return "Events & payloads (" + (n < total ? n + " of " + total : String.valueOf(total)) + ")";
    }

    /** Appends the next page of events to the list; the selection and the payload shown stay. */
    private void loadMoreEvents() {
        String cursor = nextEvents;
        if (cursor == null) {
            return;
        }
        String id = detail.snapshot().correlationId();
        loadMore.setEnabled(false);
        moreLoader.load(api -> api.instanceEvents(id, cursor, 0, 0), page -> {
            shown.addAll(page.events());
            nextEvents = page.nextCursor();
            events.getDataProvider().refreshAll();
            loadMore.setEnabled(true);
            loadMore.setVisible(nextEvents != null);
            if (eventsTabHandle != null) {
                eventsTabHandle.setLabel(eventsTabTitle());
            }
        }, err -> {
            loadMore.setEnabled(true);
            Notification.show("Could not load more events: " + err.getMessage(), 5000, Notification.Position.BOTTOM_START);
        });
    }

    private Button replayButton(EventView e) {
        String where = BusLabel.of(e);
        Button b = new Button("Replay", VaadinIcon.ROTATE_LEFT.create(), c -> ReplayDialog.forEvents(
                List.of(new ReplayRequest.EventRef(e.topic(), e.partition(), e.offset())),
                "The event " + e.eventType() + " at " + where + " of instance " + detail.snapshot().correlationId()
                        + " is sent again, with its key, headers and payload, to " + io.choreoscope.model.Topics.displayName(e.topic())
                        + " unless another topic is named below.").open());
        b.addThemeVariants(ButtonVariant.LUMO_TERTIARY, ButtonVariant.LUMO_SMALL);
        b.addClassName("event-replay");
        b.setAriaLabel("Replay " + e.eventType() + " at " + where);
        return b;
    }

    private void loadFullPayload(EventView e) {
        payloadLoader.load(api -> api.payload(e.topic(), e.partition(), e.offset()), raw -> {
            if (viewer.event() == e) {
                viewer.showFull(raw);
            }
        }, err -> viewer.showFullFailed(err.getMessage()));
    }

    /** For tests. */
    PayloadViewer payloadViewer() {
        return viewer;
    }

    Grid<EventView> eventsGrid() {
        return events;
    }

    private static Div fact(String label, String value) {
        Span l = new Span(label);
        l.addClassName("fact-label");
        Span v = new Span(value == null || value.isEmpty() ? "–" : value);
        v.addClassName("fact-value");
        Div d = new Div(l, v);
        d.addClassName("fact");
        return d;
    }
}
