package io.choreoscope.ui.replay;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.vaadin.flow.component.AttachEvent;
import com.vaadin.flow.component.DetachEvent;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.icon.VaadinIcon;
import com.vaadin.flow.component.progressbar.ProgressBar;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import com.vaadin.flow.shared.Registration;

import io.choreoscope.model.api.ReplayMode;
import io.choreoscope.model.api.ReplayStatus;
import io.choreoscope.ui.client.ApiException;
import io.choreoscope.ui.shell.Formats;
import io.choreoscope.ui.shell.GridCells;
import io.choreoscope.ui.shell.Loader;
import io.choreoscope.ui.shell.MainLayout;
import io.choreoscope.ui.shell.Notice;
import io.choreoscope.ui.shell.Permissions;
import io.choreoscope.ui.shell.StateBadge;
import io.choreoscope.ui.shell.ViewHeader;

/**
 * The replay audit, newest first (who, when, mode, state, counts, rate, result), and the progress of the
 * replays that are running: while one runs, the page asks for its status every {@link #POLL_MS} ms (browser
 * polling) and shows a progress bar and a Cancel button. "Redrive dead letters" starts a dead-letter replay
 * through the dry-run dialog; replays of events and stuck instances start from the instance and stuck
 * views. {@code ?id=} names a replay to show at the top (the one just started).
 */
@Route(value = "replays", layout = MainLayout.class)
@PageTitle("Replay · choreoscope")
public class ReplayView extends Div implements BeforeEnterObserver {

    public static final String ID_PARAMETER = "id";
    /** Audit entries shown. */
    static final int LIMIT = 200;
    /** How often running replays are asked for their status. */
    static final int POLL_MS = 1000;

    private final Span subtitle = new Span();
    private final Button redrive = new Button("Redrive dead letters", VaadinIcon.ROTATE_LEFT.create());
    private final Div running = new Div();
    private final Div pollStatus = new Div();
    private final Div status = new Div();
    private final Grid<ReplayStatus> grid = new Grid<>();
    private final Loader loader = new Loader();
    private final Loader pollLoader = new Loader();
    /** Running replays by ID, with their card. */
    private final Map<String, RunningCard> cards = new LinkedHashMap<>();
    private List<ReplayStatus> audit = new ArrayList<>();
    private Permissions permissions = Permissions.ALL;
    private String highlighted;
    private Registration pollRegistration;

    public ReplayView() {
        addClassNames("view", "replay-view");
        H2 title = new H2("Replay");
        subtitle.addClassName("view-subtitle");
        subtitle.setId("replay-subtitle");
        Div titles = ViewHeader.titles(title, subtitle);
        redrive.setId("replay-new");
        redrive.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        redrive.addClickListener(e -> ReplayDialog.forDeadLetters().open());
        Button refresh = ViewHeader.refreshButton(e -> load(false));
        Div header = ViewHeader.of(titles, redrive, refresh);

        running.setId("replay-running");
        running.addClassName("replay-running");
        running.getElement().setAttribute("aria-live", "polite");

        grid.setId("replay-audit");
        // A refusal's reason is the row's point: wrapped, not cut to "refused (400 bad_…".
        grid.addThemeVariants(GridVariant.LUMO_ROW_STRIPES, GridVariant.LUMO_COMPACT, GridVariant.LUMO_WRAP_CELL_CONTENT);
        grid.setAriaLabel("Replay audit, newest first");
        grid.addColumn(s -> Formats.dateTime(s.requestedAt())).setHeader("When").setAutoWidth(true).setFlexGrow(0);
        grid.addColumn(ReplayStatus::requestedBy).setHeader("Who").setAutoWidth(true).setFlexGrow(0);
        // what was replayed under the mode: which dead-letter topic or queue, which instances or events
        grid.addComponentColumn(ReplayView::what).setHeader("What").setKey("what").setWidth("12rem").setFlexGrow(1)
                .setTooltipGenerator(ReplayStatus::subject);
        grid.addComponentColumn(s -> new StateBadge(s.state().name())).setHeader("State").setAutoWidth(true)
                .setFlexGrow(0);
        grid.addColumn(s -> Formats.count(s.total())).setHeader("Total").setAutoWidth(true).setFlexGrow(0);
        grid.addColumn(s -> s.dryRun() ? "–" : Formats.count(s.sent())).setHeader("Sent").setAutoWidth(true).setFlexGrow(0);
        grid.addColumn(s -> s.dryRun() ? "–" : Formats.count(s.errors())).setHeader("Errors").setAutoWidth(true)
                .setFlexGrow(0);
        grid.addColumn(s -> s.dryRun() || s.ratePerSecond() <= 0 ? "–" : Formats.rate(s.ratePerSecond()))
                .setHeader("Rate").setAutoWidth(true).setFlexGrow(0);
        grid.addColumn(ReplayView::result).setHeader("Result").setWidth("11rem").setFlexGrow(1)
                .setTooltipGenerator(ReplayView::result).setPartNameGenerator(GridCells.breakLongWords());
        grid.setItemDetailsRenderer(new com.vaadin.flow.data.renderer.ComponentRenderer<>(ReplayView::details));
        grid.setDetailsVisibleOnClick(true);
        grid.setVisible(false);

        H3 auditTitle = new H3("Audit");
        pollStatus.setId("replay-poll-status");
        add(header, running, pollStatus, auditTitle, status, grid);
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        List<String> id = event.getLocation().getQueryParameters().getParameters().get(ID_PARAMETER);
        highlighted = id == null || id.isEmpty() ? null : id.get(0);
        applyPermissions(Permissions.current());
        load(true);
    }

    /** Hides what the person may not do: starting and cancelling replays. */
    public void applyPermissions(Permissions p) {
        this.permissions = p;
        redrive.setVisible(p.canReplay());
        cards.values().forEach(c -> c.cancel.setVisible(p.canReplay() && c.cancel.isEnabled()));
    }

    @Override
    protected void onAttach(AttachEvent attachEvent) {
        super.onAttach(attachEvent);
        pollRegistration = attachEvent.getUI().addPollListener(e -> poll());
    }

    @Override
    protected void onDetach(DetachEvent detachEvent) {
        if (pollRegistration != null) {
            pollRegistration.remove();
            pollRegistration = null;
        }
        detachEvent.getUI().setPollInterval(-1);
        super.onDetach(detachEvent);
    }

    private void load(boolean showLoading) {
        if (showLoading) {
            status.removeAll();
            status.add(Notice.loading("Loading the replay audit…"));
        }
        String wanted = highlighted;
        loader.load(api -> {
            List<ReplayStatus> list = new ArrayList<>(api.replays(LIMIT));
            if (wanted != null && list.stream().noneMatch(s -> s.id().equals(wanted))) {
                try {
                    list.add(0, api.replayStatus(wanted));
                } catch (ApiException e) {
                    if (!e.isNotFound()) {
                        throw e;
                    }
                    // an unknown ?id= (a stale link): the audit is still worth showing
                }
            }
            return list;
        }, this::show, e -> {
            status.removeAll();
            status.add(Notice.error("Could not load the replay audit", e, () -> load(true)));
            grid.setVisible(false);
        });
    }

    private void show(List<ReplayStatus> list) {
        status.removeAll();
        audit = new ArrayList<>(list);
        if (list.isEmpty()) {
            grid.setVisible(false);
            status.add(Notice.empty(VaadinIcon.ROTATE_LEFT, "No replay yet",
                    "Replays of single events (instance view), of the last events of stuck instances (stuck list) "
                            + "and dead-letter redrives are listed here with who started them."));
        } else {
            grid.setItems(audit);
            grid.setAllRowsVisible(audit.size() <= 25);
            grid.setHeight(audit.size() <= 25 ? null : "720px");
            grid.setVisible(true);
            // The grid, shown after it was hidden, left the details cells of its first rows open and empty (a blank
            // band under them; vaadin/flow-components#7062): drawing the rows again closes them.
            grid.getElement().executeJs("requestAnimationFrame(() => this.requestContentUpdate())");
        }
        updateRunning();
    }

    /** Cards for the running replays (and the one just started, finished or not); polling while any runs. */
    private void updateRunning() {
        long runningCount = audit.stream().filter(s -> !s.finished()).count();
        subtitle.setText(audit.isEmpty() ? "" : Formats.count(audit.size(), "replay", "replays") + " in the audit"
                + (runningCount > 0 ? " · " + runningCount + " running" : ""));
        List<ReplayStatus> shown = audit.stream()
                .filter(s -> !s.finished() || s.id().equals(highlighted) && !s.dryRun()).toList();
        cards.keySet().removeIf(id -> shown.stream().noneMatch(s -> s.id().equals(id)));
        running.removeAll();
        for (ReplayStatus s : shown) {
            RunningCard c = cards.computeIfAbsent(s.id(), id -> new RunningCard());
            c.update(s);
            running.add(c);
        }
        boolean any = shown.stream().anyMatch(s -> !s.finished());
        UI ui = UI.getCurrent();
        if (ui != null) {
            ui.setPollInterval(any ? POLL_MS : -1);
        }
    }

    /** One poll: the status of every running replay; the audit once none runs any more. */
    private void poll() {
        List<String> ids = audit.stream().filter(s -> !s.finished()).map(ReplayStatus::id).toList();
        if (ids.isEmpty()) {
            return;
        }
        pollLoader.load(api -> ids.stream().map(api::replayStatus).toList(), updates -> {
            pollStatus.removeAll();
            for (ReplayStatus u : updates) {
                replace(u);
            }
            grid.getDataProvider().refreshAll();
            updateRunning();
        }, e -> {
            pollStatus.removeAll();
            pollStatus.add(Notice.error("Could not read the progress (trying again)", e, null));
        });
    }

    private void cancel(String id, Button button) {
        button.setEnabled(false);
        loader.load(api -> api.cancelReplay(id), s -> {
            replace(s);
            grid.getDataProvider().refreshAll();
            updateRunning();
        }, e -> {
            button.setEnabled(true);
            pollStatus.removeAll();
            pollStatus.add(Notice.error("Could not cancel the replay", e, null));
        });
    }

    private void replace(ReplayStatus s) {
        for (int i = 0; i < audit.size(); i++) {
            if (audit.get(i).id().equals(s.id())) {
                audit.set(i, s);
                return;
            }
        }
        audit.add(0, s);
    }

    /** A running (or just finished) replay: what, who, a progress bar, counts and Cancel. */
    private final class RunningCard extends Div {
        final Span title = new Span();
        final ProgressBar bar = new ProgressBar();
        final Span counts = new Span();
        final Span result = new Span();
        final Button cancel = new Button("Cancel replay", VaadinIcon.STOP.create());
        private String id;

        RunningCard() {
            addClassNames("card", "replay-card");
            title.addClassName("replay-card-title");
            bar.setMin(0);
            bar.setMax(1);
            bar.addClassName("replay-progress");
            counts.addClassName("replay-counts");
            result.addClassName("muted");
            cancel.addThemeVariants(ButtonVariant.LUMO_ERROR, ButtonVariant.LUMO_SMALL);
            cancel.addClickListener(e -> ReplayView.this.cancel(id, cancel));
            Div head = new Div(title, cancel);
            head.addClassName("replay-card-head");
            add(head, bar, counts, result);
        }

        void update(ReplayStatus s) {
            this.id = s.id();
            setId("replay-card-" + s.id());
            getElement().setAttribute("data-state", s.state().name());
            title.removeAll();
            title.add(new StateBadge(s.state().name()), new Span(" " + modeLabel(s.mode()) + " by " + s.requestedBy()
                    + " · started " + Formats.dateTime(s.requestedAt())));
            if (s.subject() != null) {
                Span what = new Span(s.subject());
                what.addClassNames("muted", "replay-card-subject");
                title.add(what);
            }
            double done = s.total() == 0 ? 1 : (double) (s.sent() + s.errors()) / s.total();
            bar.setValue(Math.min(1, done));
            bar.getElement().setAttribute("aria-label", "Progress of replay " + s.id());
            counts.setText(Formats.count(s.sent()) + " of " + Formats.count(s.total()) + " sent"
                    + (s.errors() > 0 ? " · " + Formats.count(s.errors()) + " failed" : "")
                    + (s.ratePerSecond() > 0 ? " · at most " + Formats.rate(s.ratePerSecond()) : "")
                    + " · " + String.format(Locale.ROOT, "%.0f%%", done * 100));
            result.setText(s.finished() ? (s.message() == null ? label(s) : s.message()) : "Running…");
            cancel.setEnabled(!s.finished());
            cancel.setVisible(permissions.canReplay() && !s.finished());
        }
    }

    // --- texts ------------------------------------------------------------------------------------------

    /** The mode, and under it what was replayed (a long list of IDs wraps). */
    static com.vaadin.flow.component.html.Div what(ReplayStatus s) {
        com.vaadin.flow.component.html.Div d = GridCells.twoLines(modeLabel(s.mode()), s.subject());
        d.addClassName("wrap-lines");
        return d;
    }

    static String modeLabel(ReplayMode m) {
        if (m == null) {
            return "–";
        }
        return switch (m) {
            case EVENT -> "Events";
            case STUCK_LAST_EVENT -> "Last events of stuck instances";
            case DEAD_LETTER -> "Dead-letter redrive";
        };
    }

    private static String label(ReplayStatus s) {
        return ReplayDialog.label(s.state());
    }

    static String result(ReplayStatus s) {
        if (s.message() != null) {
            return s.message();
        }
        return s.finished() ? label(s) : "running: " + s.sent() + " of " + s.total() + " sent";
    }

    private static Div details(ReplayStatus s) {
        Div d = new Div();
        d.addClassName("replay-details");
        d.add(line("Replay ID", s.id()));
        d.add(line("Finished", Formats.dateTime(s.finishedAt())));
        if (!s.errorSamples().isEmpty()) {
            d.add(line("First errors", String.join("\n", s.errorSamples())));
        }
        return d;
    }

    private static Div line(String label, String value) {
        Span l = new Span(label);
        l.addClassName("fact-label");
        Span v = new Span(value == null ? "–" : value);
        v.addClassNames("fact-value", "mono");
        Div d = new Div(l, v);
        d.addClassName("fact");
        return d;
    }

    // --- for tests ---------------------------------------------------------------------------------------

    Grid<ReplayStatus> grid() {
        return grid;
    }

    Button redriveButton() {
        return redrive;
    }
}
