package io.choreoscope.ui.alerts;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.Key;
import com.vaadin.flow.component.Shortcuts;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.confirmdialog.ConfirmDialog;
import com.vaadin.flow.component.contextmenu.MenuItem;
import com.vaadin.flow.component.contextmenu.SubMenu;
import com.vaadin.flow.component.datetimepicker.DateTimePicker;
import com.vaadin.flow.component.dialog.Dialog;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.icon.VaadinIcon;
import com.vaadin.flow.component.menubar.MenuBar;
import com.vaadin.flow.component.menubar.MenuBarVariant;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.tabs.Tab;
import com.vaadin.flow.component.tabs.TabSheet;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;

import io.choreoscope.model.api.AlertFiringView;
import io.choreoscope.model.api.AlertRuleView;
import io.choreoscope.ui.client.ChoreoscopeApi;
import io.choreoscope.ui.shell.Durations;
import io.choreoscope.ui.shell.Formats;
import io.choreoscope.ui.shell.GridCells;
import io.choreoscope.ui.shell.Loader;
import io.choreoscope.ui.shell.MainLayout;
import io.choreoscope.ui.shell.Notice;
import io.choreoscope.ui.shell.Permissions;
import io.choreoscope.ui.shell.ViewHeader;

/**
 * Alert rules and their firing history. The rules grid shows what each rule watches, its threshold with
 * the unit, window, {@code for}, the series firing and pending now, its silence and whether it is enabled.
 * Select a rule (click, or arrow keys and Space) to edit, test-fire, silence, unsilence or delete it; a
 * double click edits. The history tab lists firings newest first, filterable by rule.
 */
@Route(value = "alerts", layout = MainLayout.class)
@PageTitle("Alerts · choreoscope")
public class AlertsView extends Div implements BeforeEnterObserver {

    /** Firings shown in the history. */
    static final int HISTORY_LIMIT = 200;
    /** Silences offered in the menu, in hours. */
    static final int[] SILENCE_HOURS = {1, 4, 24};
    /** Silence ends in the grid: {@code 11-23 01:40 UTC} (the full date in the tooltip). */
    private static final java.time.format.DateTimeFormatter SILENCE_TIME =
            java.time.format.DateTimeFormatter.ofPattern("MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

    private final Clock clock = Clock.systemUTC();
    private final Span subtitle = new Span();
    private final Button create = new Button("New rule", VaadinIcon.PLUS.create());
    private final Span selectedLabel = new Span();
    private final Button edit = new Button("Edit", VaadinIcon.EDIT.create());
    private final Button testFire = new Button("Test-fire", VaadinIcon.PAPERPLANE_O.create());
    private final MenuBar silence = new MenuBar();
    private final Button unsilence = new Button("Unsilence", VaadinIcon.BELL_O.create());
    private final Button delete = new Button("Delete", VaadinIcon.TRASH.create());
    private final Button showFirings = new Button("Show its firings", VaadinIcon.TIME_BACKWARD.create());
    private final Div actions = new Div();
    private final Div rulesStatus = new Div();
    private final Div outcome = new Div();
    private final Grid<AlertRuleView> rules = new Grid<>();
    private final Select<Long> ruleFilter = new Select<>();
    private final Div historyStatus = new Div();
    private final Grid<AlertFiringView> firings = new Grid<>();
    private final TabSheet tabs = new TabSheet();
    private Tab historyTab;
    private final Loader rulesLoader = new Loader();
    private final Loader firingsLoader = new Loader();
    private final Loader actionLoader = new Loader();
    private final Map<Long, String> ruleNames = new LinkedHashMap<>();
    private Permissions permissions = Permissions.ALL;

    public AlertsView() {
        addClassNames("view", "alerts-view");
        H2 title = new H2("Alerts");
        subtitle.addClassName("view-subtitle");
        subtitle.setId("alerts-subtitle");
        Div titles = ViewHeader.titles(title, subtitle);
        create.setId("alerts-new");
        create.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        create.addClickListener(e -> openEditor(null));
        Button refresh = ViewHeader.refreshButton(e -> {
            loadRules(false);
            loadFirings();
        });
        Div header = ViewHeader.of(titles, create, refresh);

        tabs.setId("alerts-tabs");
        tabs.addClassName("alerts-tabs");
        tabs.add("Rules", rulesTab());
        historyTab = tabs.add("Firing history", historyTab());
        add(header, tabs);
        updateActions();
    }

    private Component rulesTab() {
        selectedLabel.setId("alerts-selected");
        selectedLabel.addClassName("alerts-selected");
        edit.setId("alerts-edit");
        edit.addClickListener(e -> selected().ifPresent(this::openEditor));
        testFire.setId("alerts-test");
        testFire.addClickListener(e -> selected().ifPresent(this::testFire));
        silence.setId("alerts-silence");
        silence.addThemeVariants(MenuBarVariant.LUMO_SMALL);
        MenuItem silenceRoot = silence.addItem("Silence…");
        silenceRoot.getElement().setAttribute("aria-label", "Silence the selected rule");
        SubMenu sub = silenceRoot.getSubMenu();
        for (int h : SILENCE_HOURS) {
            sub.addItem(h == 1 ? "1 hour" : h + " hours",
                    e -> selected().ifPresent(r -> silence(r, Instant.now(clock).plus(Duration.ofHours(h)))));
        }
        sub.addItem("Until…", e -> selected().ifPresent(this::askSilenceUntil));
        unsilence.setId("alerts-unsilence");
        unsilence.addClickListener(e -> selected().ifPresent(r -> silence(r, Instant.now(clock).minusSeconds(1))));
        delete.setId("alerts-delete");
        delete.addThemeVariants(ButtonVariant.LUMO_ERROR);
        delete.addClickListener(e -> selected().ifPresent(this::confirmDelete));
        showFirings.setId("alerts-show-firings");
        showFirings.addThemeVariants(ButtonVariant.LUMO_TERTIARY);
        showFirings.addClickListener(e -> selected().ifPresent(r -> {
            ruleFilter.setValue(r.id());
            tabs.setSelectedTab(historyTab);
        }));
        for (Button b : List.of(edit, testFire, unsilence, delete, showFirings)) {
            b.addThemeVariants(ButtonVariant.LUMO_SMALL);
        }
        actions.setId("alerts-actions");
        actions.addClassName("bulk-bar");
        actions.add(selectedLabel, edit, testFire, silence, unsilence, delete, showFirings);

        outcome.setId("alerts-outcome");
        outcome.getElement().setAttribute("role", "status");
        outcome.getElement().setAttribute("aria-live", "polite");

        rules.setId("alerts-grid");
        // compact, dense, and long names, kinds and states wrap: nine columns fit from 1280 px on (they came to 1080 px
        // and scrolled sideways at 1400 until 2026-12-05); a flow name ("UserRegistered") and "at once" fit unbroken.
        // Widths in rem: an em of the header's smaller font made every header narrower than its column below it
        rules.addThemeVariants(GridVariant.LUMO_ROW_STRIPES, GridVariant.LUMO_COMPACT, GridVariant.LUMO_WRAP_CELL_CONTENT);
        rules.addClassName("dense-grid");
        rules.setAriaLabel("Alert rules");
        rules.addColumn(AlertRuleView::name).setHeader("Name").setWidth("6.5rem").setFlexGrow(2).setSortable(true)
                .setPartNameGenerator(GridCells.breakLongWords());
        rules.addColumn(r -> AlertTexts.kind(r.kind())).setHeader("Kind").setWidth("6rem").setFlexGrow(1)
                .setSortable(true).setPartNameGenerator(GridCells.breakLongWords());
        rules.addColumn(AlertTexts::target).setHeader("Flow / subject").setWidth("8.5rem").setFlexGrow(1)
                .setSortable(true).setPartNameGenerator(GridCells.breakLongWords());
        rules.addColumn(r -> AlertTexts.threshold(r.kind(), r.threshold())).setHeader("Threshold").setWidth("6.5rem")
                .setFlexGrow(0);
        rules.addColumn(r -> AlertTexts.usesWindow(r.kind()) ? Durations.compact(r.windowMs()) : "–").setHeader("Window")
                .setWidth("5rem").setFlexGrow(0);
        rules.addColumn(r -> r.forMs() == 0 ? "at once" : Durations.compact(r.forMs())).setHeader("For")
                .setWidth("5rem").setFlexGrow(0);
        rules.addComponentColumn(AlertsView::stateOf).setHeader("State").setKey("state").setWidth("7.5rem")
                .setFlexGrow(1).setTooltipGenerator(AlertsView::stateText);
        rules.addColumn(r -> r.silencedUntil() == null || !r.silencedUntil().isAfter(Instant.now(clock)) ? "–"
                : SILENCE_TIME.format(r.silencedUntil())).setHeader("Silenced until").setWidth("6rem").setFlexGrow(0)
                .setTooltipGenerator(r -> r.silencedUntil() == null ? null : Formats.dateTime(r.silencedUntil()));
        rules.addColumn(r -> r.enabled() ? "Yes" : "No").setHeader("Enabled").setWidth("5rem").setFlexGrow(0);
        rules.asSingleSelect().addValueChangeListener(e -> updateActions());
        rules.addItemDoubleClickListener(e -> {
            if (permissions.canEditAlerts()) {
                openEditor(e.getItem());
            }
        });
        rules.setVisible(false);
        Div body = new Div(actions, outcome, rulesStatus, rules);
        body.addClassName("tab-body");
        return body;
    }

    private Component historyTab() {
        ruleFilter.setId("firings-rule-filter");
        ruleFilter.setLabel("Rule");
        ruleFilter.setEmptySelectionAllowed(true);
        ruleFilter.setEmptySelectionCaption("All rules");
        ruleFilter.setItemLabelGenerator(id -> id == null ? "All rules" : ruleNames.getOrDefault(id, "rule " + id));
        ruleFilter.addValueChangeListener(e -> loadFirings());
        firings.setId("firings-grid");
        firings.addThemeVariants(GridVariant.LUMO_ROW_STRIPES, GridVariant.LUMO_COMPACT);
        firings.setAriaLabel("Firing history, newest first");
        firings.addColumn(AlertFiringView::ruleName).setHeader("Rule").setAutoWidth(true);
        firings.addColumn(AlertFiringView::series).setHeader("Series").setAutoWidth(true);
        firings.addColumn(f -> f.test() ? "–" : AlertTexts.value(f.kind(), f.firedValue())).setHeader("Fired value")
                .setAutoWidth(true);
        firings.addColumn(f -> f.kind() == null ? "–" : AlertTexts.threshold(f.kind(), f.threshold()))
                .setHeader("Threshold").setAutoWidth(true);
        firings.addColumn(f -> Formats.dateTime(f.firedAt())).setHeader("Fired at").setAutoWidth(true);
        firings.addColumn(f -> f.resolvedAt() == null ? "firing" : Formats.dateTime(f.resolvedAt()))
                .setHeader("Resolved at").setAutoWidth(true);
        firings.addColumn(f -> f.resolution() == null ? "–" : f.resolution()
                + (f.resolvedValue() == null ? "" : " at " + AlertTexts.value(f.kind(), f.resolvedValue())))
                .setHeader("Resolution").setAutoWidth(true);
        firings.addColumn(f -> f.notificationStatus() == null ? (f.silenced() ? "not sent (silenced)" : "none due")
                : f.notificationStatus()).setHeader("Notification").setFlexGrow(1)
                .setTooltipGenerator(f -> f.notificationStatus() == null ? null : f.notificationStatus());
        firings.addComponentColumn(AlertsView::flags).setHeader("Flags").setKey("flags").setAutoWidth(true);
        firings.setVisible(false);
        Div tools = new Div(ruleFilter);
        tools.addClassName("view-tools");
        Div body = new Div(tools, historyStatus, firings);
        body.addClassName("tab-body");
        return body;
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        applyPermissions(Permissions.current());
        loadRules(true);
        loadFirings();
    }

    /** Hides the controls that change rules (everything but looking) when the person may not edit alerts. */
    public void applyPermissions(Permissions p) {
        this.permissions = p;
        create.setVisible(p.canEditAlerts());
        actions.setVisible(p.canEditAlerts());
        updateActions();
    }

    // --- loading ---------------------------------------------------------------------------------------

    private void loadRules(boolean showLoading) {
        if (showLoading) {
            rulesStatus.removeAll();
            rulesStatus.add(Notice.loading("Loading alert rules…"));
        }
        rulesLoader.load(ChoreoscopeApi::alertRules, this::showRules, e -> {
            rulesStatus.removeAll();
            rulesStatus.add(Notice.error("Could not load the alert rules", e, () -> loadRules(true)));
            rules.setVisible(false);
        });
    }

    private void showRules(List<AlertRuleView> list) {
        rulesStatus.removeAll();
        Long selectedId = selected().map(AlertRuleView::id).orElse(null);
        long firing = list.stream().filter(r -> !r.firing().isEmpty()).count();
        long pending = list.stream().filter(r -> !r.pending().isEmpty()).count();
        subtitle.setText(Formats.count(list.size(), "rule", "rules") + " · " + Formats.count(firing) + " firing · "
                + Formats.count(pending) + " pending");
        ruleNames.clear();
        list.forEach(r -> ruleNames.put(r.id(), r.name()));
        Long filter = ruleFilter.getValue();
        ruleFilter.setItems(list.stream().map(AlertRuleView::id).toList());
        if (filter != null && ruleNames.containsKey(filter)) {
            ruleFilter.setValue(filter);
        }
        if (list.isEmpty()) {
            rules.setVisible(false);
            rulesStatus.add(Notice.empty(VaadinIcon.BELL_O, "No alert rules yet", permissions.canEditAlerts()
                    ? "Create one with “New rule”: e.g. the completion rate of a flow below 95% for 5 minutes."
                    : "Nobody has created an alert rule yet; users with the admin role can."));
        } else {
            rules.setItems(list);
            rules.setAllRowsVisible(true);
            rules.setVisible(true);
            list.stream().filter(r -> r.id() == (selectedId == null ? -1 : selectedId)).findFirst()
                    .ifPresent(rules::select);
        }
        updateActions();
    }

    private void loadFirings() {
        Long id = ruleFilter.getValue();
        firingsLoader.load(api -> api.alertFirings(id, HISTORY_LIMIT), list -> {
            historyStatus.removeAll();
            if (list.isEmpty()) {
                firings.setVisible(false);
                historyStatus.add(Notice.empty(VaadinIcon.TIME_BACKWARD, "No firings",
                        id == null ? "No rule has fired or been test-fired yet." : "This rule has not fired yet."));
                return;
            }
            firings.setItems(list);
            firings.setAllRowsVisible(list.size() <= 25);
            firings.setHeight(list.size() <= 25 ? null : "720px");
            firings.setVisible(true);
        }, e -> {
            historyStatus.removeAll();
            historyStatus.add(Notice.error("Could not load the firing history", e, this::loadFirings));
            firings.setVisible(false);
        });
    }

    // --- actions ---------------------------------------------------------------------------------------

    private java.util.Optional<AlertRuleView> selected() {
        return java.util.Optional.ofNullable(rules.asSingleSelect().getValue());
    }

    private void updateActions() {
        AlertRuleView r = rules.asSingleSelect().getValue();
        boolean any = r != null;
        boolean silenced = any && r.silencedUntil() != null && r.silencedUntil().isAfter(Instant.now(clock));
        selectedLabel.setText(any ? "“" + r.name() + "”" : "Select a rule to act on it");
        edit.setEnabled(any);
        testFire.setEnabled(any && r.webhookUrl() != null);
        testFire.setTooltipText(any && r.webhookUrl() == null ? "This rule has no webhook to test" : "Send a test "
                + "notification to the rule's webhook now");
        silence.setEnabled(any);
        unsilence.setVisible(silenced);
        delete.setEnabled(any);
        showFirings.setEnabled(any);
    }

    private void openEditor(AlertRuleView rule) {
        if (!permissions.canEditAlerts()) {
            return;
        }
        new AlertRuleDialog(rule, saved -> {
            say(rule == null ? "Created “" + saved.name() + "”." : "Saved “" + saved.name() + "”.");
            loadRules(false);
            loadFirings();
            rules.select(saved);
        }).open();
    }

    private void testFire(AlertRuleView r) {
        testFire.setEnabled(false);
        actionLoader.load(api -> api.testAlertRule(r.id()), f -> {
            updateActions();
            String s = f.notificationStatus() == null ? "no delivery recorded" : f.notificationStatus();
            say("Test notification of “" + r.name() + "” to " + r.webhookUrl() + ": " + s + ".");
            outcome.getElement().setAttribute("data-delivered", String.valueOf(s.startsWith("delivered")));
            loadFirings();
        }, e -> {
            updateActions();
            fail("The test notification was not sent", e);
        });
    }

    private void silence(AlertRuleView r, Instant until) {
        Instant at = until.truncatedTo(ChronoUnit.SECONDS);
        actionLoader.load(api -> api.silenceAlertRule(r.id(), at), v -> {
            say(v.silencedUntil() == null ? "“" + r.name() + "” is no longer silenced."
                    : "“" + r.name() + "” is silenced until " + Formats.dateTime(v.silencedUntil())
                    + ": firings are recorded but not sent.");
            loadRules(false);
        }, e -> fail("Could not change the silence", e));
    }

    private void askSilenceUntil(AlertRuleView r) {
        Dialog d = new Dialog();
        d.setId("silence-dialog");
        d.setHeaderTitle("Silence “" + r.name() + "” until");
        DateTimePicker until = new DateTimePicker("Until (UTC)");
        until.setId("silence-until");
        until.setStep(Duration.ofMinutes(15));
        LocalDateTime now = LocalDateTime.ofInstant(Instant.now(clock), ZoneOffset.UTC);
        until.setMin(now);
        until.setMax(now.plusDays(365));
        until.setValue(now.plusHours(8).truncatedTo(ChronoUnit.HOURS));
        until.setHelperText("Firings are still recorded; nothing is sent until then (at most a year).");
        d.add(until);
        Button ok = new Button("Silence", e -> {
            if (until.getValue() == null) {
                until.setErrorMessage("Choose a date and time");
                until.setInvalid(true);
                return;
            }
            d.close();
            silence(r, until.getValue().toInstant(ZoneOffset.UTC));
        });
        ok.setId("silence-ok");
        ok.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        Button cancel = new Button("Cancel", e -> d.close());
        d.getFooter().add(cancel, ok);
        Shortcuts.addShortcutListener(d, ok::click, Key.ENTER).listenOn(until).resetFocusOnActiveElement();
        d.open();
    }

    private void confirmDelete(AlertRuleView r) {
        ConfirmDialog c = new ConfirmDialog();
        c.setId("delete-confirm");
        c.setHeader("Delete “" + r.name() + "”?");
        c.setText("The rule stops being evaluated; its open firings are resolved as “rule deleted”. Its history stays.");
        c.setCancelable(true);
        c.setConfirmText("Delete");
        c.setConfirmButtonTheme("error primary");
        c.addConfirmListener(e -> actionLoader.load(api -> {
            api.deleteAlertRule(r.id());
            return r;
        }, gone -> {
            say("Deleted “" + r.name() + "”.");
            rules.deselectAll();
            loadRules(false);
            loadFirings();
        }, x -> fail("Could not delete the rule", x)));
        c.open();
    }

    private void say(String text) {
        outcome.removeAll();
        Span s = new Span(text);
        s.addClassName("outcome-text");
        outcome.add(s);
        outcome.getElement().removeAttribute("data-delivered");
    }

    private void fail(String title, io.choreoscope.ui.client.ApiException e) {
        outcome.removeAll();
        outcome.add(Notice.error(title, e, null));
    }

    // --- cells -----------------------------------------------------------------------------------------

    private static Component stateOf(AlertRuleView r) {
        Div d = new Div();
        d.addClassName("tags");
        if (!r.enabled()) {
            Span s = new Span("disabled");
            s.addClassName("tag");
            d.add(s);
            return d;
        }
        for (String series : r.firing()) {
            Span s = new Span("firing: " + series);
            s.addClassNames("tag", "tag-failure");
            d.add(s);
        }
        for (String series : r.pending()) {
            Span s = new Span("pending: " + series);
            s.addClassNames("tag", "tag-compensation");
            d.add(s);
        }
        if (r.firing().isEmpty() && r.pending().isEmpty()) {
            Span s = new Span("ok");
            s.addClassNames("tag", "tag-end");
            d.add(s);
        }
        return d;
    }

    static String stateText(AlertRuleView r) {
        if (!r.enabled()) {
            return "disabled";
        }
        if (r.firing().isEmpty() && r.pending().isEmpty()) {
            return "ok";
        }
        StringBuilder b = new StringBuilder();
        if (!r.firing().isEmpty()) {
            b.append("firing: ").append(String.join(", ", r.firing()));
        }
        if (!r.pending().isEmpty()) {
            b.append(b.length() > 0 ? "; " : "").append("pending: ").append(String.join(", ", r.pending()));
        }
        return b.toString();
    }

    private static Component flags(AlertFiringView f) {
        Div d = new Div();
        d.addClassName("tags");
        if (f.test()) {
            Span s = new Span("test");
            s.addClassNames("tag", "tag-start");
            d.add(s);
        }
        if (f.silenced()) {
            Span s = new Span("silenced");
            s.addClassName("tag");
            d.add(s);
        }
        return d;
    }

    // --- for tests -------------------------------------------------------------------------------------

    Grid<AlertRuleView> rulesGrid() {
        return rules;
    }

    Grid<AlertFiringView> firingsGrid() {
        return firings;
    }

    String outcomeText() {
        return outcome.getElement().getTextRecursively();
    }
}
