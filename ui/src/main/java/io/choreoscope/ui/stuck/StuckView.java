package io.choreoscope.ui.stuck;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import com.vaadin.flow.component.AttachEvent;
import com.vaadin.flow.component.DetachEvent;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.UIDetachedException;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridSortOrder;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.icon.VaadinIcon;
import com.vaadin.flow.component.notification.Notification;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.data.provider.SortDirection;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.QueryParameters;
import com.vaadin.flow.router.Route;

import io.choreoscope.model.api.FlowSummary;
import io.choreoscope.model.api.LiveUpdate;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.ui.UiServices;
import io.choreoscope.ui.client.ChoreoscopeApi;
import io.choreoscope.ui.client.LiveListener;
import io.choreoscope.ui.client.LiveSubscription;
import io.choreoscope.ui.client.TimeWindow;
import io.choreoscope.ui.instance.InstanceList;
import io.choreoscope.ui.replay.ReplayDialog;
import io.choreoscope.ui.shell.Formats;
import io.choreoscope.ui.shell.GridCells;
import io.choreoscope.ui.shell.LiveReload;
import io.choreoscope.ui.shell.Loader;
import io.choreoscope.ui.shell.MainLayout;
import io.choreoscope.ui.shell.Notice;
import io.choreoscope.ui.shell.Permissions;
import io.choreoscope.ui.shell.ViewHeader;

/**
 * Instances with no progress for longer than their expected step's bound, oldest first: age, the service they
 * wait on, why they are stuck, last event, last service and what they wait for. Above the list the instances are
 * grouped by cause ({@link CauseGroups}): a group filters the list, and can be replayed as a whole. Filter by flow ({@code ?flow=} in the URL), select many
 * (checkboxes, Shift+click, or Space on a row) and copy their IDs or replay their last events (after a
 * dry-run preview). Refreshed when an instance changes state on the live stream.
 */
@Route(value = "stuck", layout = MainLayout.class)
@PageTitle("Stuck instances · choreoscope")
public class StuckView extends Div implements BeforeEnterObserver {

    static final String ALL_FLOWS = "All flows";
    /** The first column shows the correlation ID over its flow, and sorts the same way (it sorted by flow alone). */
    static final Comparator<InstanceSnapshot> BY_ID_THEN_FLOW = Comparator
            .comparing((InstanceSnapshot s) -> String.valueOf(s.correlationId()))
            .thenComparing(s -> String.valueOf(s.flow()));

    private final Clock clock = Clock.systemUTC();
    private final Select<String> flowFilter = new Select<>();
    private final Grid<InstanceSnapshot> grid = new Grid<>();
    private final Div status = new Div();
    private final Span count = new Span();
    private final Span selection = new Span();
    private final Button copy = new Button("Copy IDs", VaadinIcon.COPY_O.create());
    private final Button replay = new Button("Replay last events", VaadinIcon.ROTATE_LEFT.create());
    private final Button clear = new Button("Clear selection");
    private final Loader loader = new Loader();
    private final CauseGroups causes = new CauseGroups(this::filterByCause, StuckView::replayGroup);
    private final io.choreoscope.ui.suspects.SuspectsPanel suspects = new io.choreoscope.ui.suspects.SuspectsPanel();
    private List<InstanceSnapshot> all = List.of();
    private String causeFilter;
    private final Loader flowsLoader = new Loader();
    private LiveSubscription live;
    private String flow;
    /** Live changes reload the list, one load at a time. */
    private final LiveReload reloads = new LiveReload(() -> load(false));

    public StuckView() {
        addClassNames("view", "stuck-view");
        H2 title = new H2("Stuck instances");
        count.addClassName("view-subtitle");
        count.setId("stuck-count");
        Div titles = ViewHeader.titles(title, count);
        flowFilter.setAriaLabel("Flow");
        flowFilter.setId("flow-filter");
        flowFilter.setItems(ALL_FLOWS);
        flowFilter.setValue(ALL_FLOWS);
        flowFilter.addValueChangeListener(e -> {
            if (e.isFromClient()) {
                UI.getCurrent().navigate(StuckView.class, ALL_FLOWS.equals(e.getValue())
                        ? QueryParameters.empty() : QueryParameters.of("flow", e.getValue()));
            }
        });
        Button refresh = ViewHeader.refreshButton(e -> load(false));
        Div header = ViewHeader.of(titles, flowFilter, refresh);

        selection.setId("stuck-selection");
        copy.setId("stuck-copy");
        copy.addThemeVariants(ButtonVariant.LUMO_SMALL);
        copy.addClickListener(e -> copySelected());
        replay.setId("stuck-replay");
        replay.addThemeVariants(ButtonVariant.LUMO_SMALL);
        replay.setTooltipText("Send the last event of each selected instance again (a dry run shows them first)");
        replay.addClickListener(e -> replaySelected());
        clear.addThemeVariants(ButtonVariant.LUMO_SMALL, ButtonVariant.LUMO_TERTIARY);
        clear.addClickListener(e -> grid.deselectAll());
        Div bulk = new Div(selection, copy, replay, clear);
        bulk.addClassName("bulk-bar");

        grid.setId("stuck-grid");
        grid.setSelectionMode(Grid.SelectionMode.MULTI);
        // Every column fits the view from 1280 px on, the long texts wrap: eight auto-width columns made the grid scroll
        // sideways at any window size, the expected next events cut off at the right edge (the demo at 1400 and 2200
        // px). The flow is under the correlation ID and the last event's service under the event, each a second line.
        grid.addThemeVariants(GridVariant.LUMO_ROW_STRIPES, GridVariant.LUMO_WRAP_CELL_CONTENT);
        grid.addClassName("dense-grid");
        grid.addComponentColumn(StuckView::idAndFlow).setHeader("Correlation ID · flow").setAutoWidth(true)
                .setFlexGrow(0).setComparator(BY_ID_THEN_FLOW).setKey("id");
        Grid.Column<InstanceSnapshot> age = grid.addColumn(s -> Formats.between(s.lastEventAt(), Instant.now(clock)))
                .setHeader("Age").setAutoWidth(true).setFlexGrow(0).setTooltipGenerator(s -> "Last event at "
                        + Formats.dateTime(s.lastEventAt()))
                .setComparator((a, b) -> b.lastEventAt().compareTo(a.lastEventAt()));
        grid.addColumn(StuckView::waitingOn).setHeader("Waiting on").setAutoWidth(true).setFlexGrow(0).setSortable(true)
                .setKey("waiting-on");
        grid.addColumn(StuckView::cause).setHeader("Why").setWidth("8rem").setFlexGrow(2).setSortable(true)
                .setKey("cause").setTooltipGenerator(s -> s.cause() == null ? "" : s.cause().detail())
                .setPartNameGenerator(GridCells.breakLongWords());
        grid.addComponentColumn(StuckView::lastEvent).setHeader("Last event").setAutoWidth(true).setFlexGrow(0)
                .setComparator((a, b) -> String.valueOf(a.lastEventType()).compareTo(String.valueOf(b.lastEventType())))
                .setKey("last-event");
        grid.addColumn(StuckView::expected).setHeader("Expected next").setWidth("9rem").setFlexGrow(3)
                .setTooltipGenerator(StuckView::expected).setPartNameGenerator(GridCells.breakLongWords());
        grid.sort(List.of(new GridSortOrder<>(age, SortDirection.DESCENDING))); // oldest first
        grid.addSelectionListener(e -> updateSelection());
        grid.setVisible(false);
        updateSelection();
        causes.setId("stuck-causes");
        causes.addClassName("cause-groups");
        add(header, status, causes, suspects, bulk, grid);
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        List<String> f = event.getLocation().getQueryParameters().getParameters().get("flow");
        flow = f == null || f.isEmpty() ? null : f.get(0);
        flowFilter.setValue(flow == null ? ALL_FLOWS : flow);
        if (flow != null) {
            flowFilter.setItems(ALL_FLOWS, flow);
            flowFilter.setValue(flow);
        }
        flowsLoader.load(api -> api.flows(TimeWindow.LAST_24_HOURS), this::offerFlows, e -> { });
        applyPermissions(Permissions.current());
        load(true);
        // one flow: what its stuck instances have in common over the last 24 hours (loads beside the list)
        suspects.show(flow, TimeWindow.LAST_24_HOURS);
    }

    /** Hides the replay action when the person may not replay. */
    public void applyPermissions(Permissions p) {
        replay.setVisible(p.canReplay());
    }

    @Override
    protected void onAttach(AttachEvent attachEvent) {
        super.onAttach(attachEvent);
        UI ui = attachEvent.getUI();
        live = UiServices.current().api().live(new LiveListener() {
            @Override
            public void onUpdate(LiveUpdate u) {
                if ("instance".equals(u.type()) && (flow == null || flow.equals(u.flow()))) {
                    try {
                        ui.access(reloads::changed);
                    } catch (UIDetachedException gone) {
                        // navigated away
                    }
                }
            }
        });
    }

    @Override
    protected void onDetach(DetachEvent detachEvent) {
        if (live != null) {
            live.close();
            live = null;
        }
        reloads.reset();
        super.onDetach(detachEvent);
    }

    private void offerFlows(List<FlowSummary> flows) {
        List<String> items = new ArrayList<>();
        items.add(ALL_FLOWS);
        flows.stream().map(FlowSummary::flow).sorted().forEach(items::add);
        if (flow != null && !items.contains(flow)) {
            items.add(flow);
        }
        flowFilter.setItems(items);
        flowFilter.setValue(flow == null ? ALL_FLOWS : flow);
    }

    private void load(boolean showLoading) {
        reloads.started();
        if (showLoading) {
            status.removeAll();
            status.add(Notice.loading("Loading stuck instances…"));
            grid.setVisible(false);
        }
        String f = flow;
        loader.load(api -> api.stuck(f, ChoreoscopeApi.MAX_LIMIT), list -> {
            show(list);
            reloads.ended();
        }, e -> {
            status.removeAll();
            status.add(Notice.error("Could not load the stuck instances", e, () -> load(true)));
            grid.setVisible(false);
            reloads.ended();
        });
    }

    private void show(List<InstanceSnapshot> stuck) {
        status.removeAll();
        Set<String> selected = grid.getSelectedItems().stream().map(InstanceSnapshot::correlationId)
                .collect(Collectors.toSet());
        count.setText(stuck.isEmpty() ? "" : Formats.count(stuck.size()) + " stuck"
                + (flow == null ? " across all flows" : " in " + flow)
                + (stuck.size() >= ChoreoscopeApi.MAX_LIMIT ? " (the oldest " + ChoreoscopeApi.MAX_LIMIT + ")" : ""));
        if (stuck.isEmpty()) {
            grid.setVisible(false);
            status.add(Notice.empty(VaadinIcon.CHECK_CIRCLE_O, "Nothing is stuck",
                    flow == null ? "Every running instance is within the bound of its expected next step."
                            : "No instance of " + flow + " is stuck."));
            return;
        }
        all = stuck;
        causes.show(stuck, causeFilter);
        List<InstanceSnapshot> shown = causeFilter == null ? stuck
                : stuck.stream().filter(s -> causeFilter.equals(CauseGroups.key(s))).toList();
        grid.setItems(shown);
        // short lists take their own height; long ones scroll inside a fixed box
        grid.setAllRowsVisible(shown.size() <= 20);
        grid.setHeight(shown.size() <= 20 ? null : "640px");
        grid.setVisible(true);
        // keep the person's selection across refreshes
        stuck.stream().filter(s -> selected.contains(s.correlationId())).forEach(grid::select);
        updateSelection();
    }

    private void updateSelection() {
        int n = grid.getSelectedItems().size();
        selection.setText(n == 0 ? "Select instances to act on several at once" : n + " selected");
        copy.setEnabled(n > 0);
        replay.setEnabled(n > 0);
        clear.setEnabled(n > 0);
    }

    private void copySelected() {
        String ids = grid.getSelectedItems().stream().map(InstanceSnapshot::correlationId).sorted()
                .collect(Collectors.joining("\n"));
        UI.getCurrent().getPage().executeJs("navigator.clipboard && navigator.clipboard.writeText($0)", ids);
        Notification.show("Copied " + grid.getSelectedItems().size() + " correlation IDs", 2000,
                Notification.Position.BOTTOM_START);
    }

    private void replaySelected() {
        List<String> ids = grid.getSelectedItems().stream().map(InstanceSnapshot::correlationId).sorted().toList();
        if (!ids.isEmpty()) {
            ReplayDialog.forLastEvents(ids).open();
        }
    }

    /** Shows only the instances of one cause group ({@link CauseGroups#key}); null shows all. */
    void filterByCause(String key) {
        causeFilter = key;
        show(all);
    }

    private static void replayGroup(List<String> ids) {
        if (!ids.isEmpty()) {
            ReplayDialog.forLastEvents(ids).open();
        }
    }

    static String waitingOn(InstanceSnapshot s) {
        return s.waitingOn().isEmpty() ? "–" : String.join(", ", s.waitingOn());
    }

    static String cause(InstanceSnapshot s) {
        return s.cause() == null ? "–" : s.cause().groupLabel();
    }

    /** The instance's link, its flow below it. */
    private static Div idAndFlow(InstanceSnapshot s) {
        return GridCells.twoLines(InstanceList.link(s), s.flow());
    }

    /** The last event, the service that sent it below it. */
    private static Div lastEvent(InstanceSnapshot s) {
        return GridCells.twoLines(s.lastEventType(), s.lastService() == null || s.lastService().isBlank() ? null
                : "from " + s.lastService());
    }

    static String expected(InstanceSnapshot s) {
        if (s.expectedNext().isEmpty()) {
            return "–";
        }
        // a narrow column breaks a line between steps or before the bracket, never inside it ("5.0 / s)")
        return s.expectedNext().stream()
                .map(e -> e.eventType() + " " + ("(" + Math.round(e.probability() * 100) + "%, within "
                        + Formats.duration(e.boundMs()) + ")").replace(' ', '\u00a0'))
                .collect(Collectors.joining(", "));
    }

    Grid<InstanceSnapshot> grid() {
        return grid;
    }

    String selectionText() {
        return selection.getText();
    }
}
