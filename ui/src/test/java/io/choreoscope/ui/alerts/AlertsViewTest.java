package io.choreoscope.ui.alerts;

import static com.github.mvysny.kaributesting.v10.LocatorJ._click;
import static com.github.mvysny.kaributesting.v10.LocatorJ._find;
import static com.github.mvysny.kaributesting.v10.LocatorJ._get;
import static com.github.mvysny.kaributesting.v10.LocatorJ._setValue;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.github.mvysny.kaributesting.v10.ContextMenuKt;
import com.github.mvysny.kaributesting.v10.GridKt;
import com.github.mvysny.kaributesting.v10.ShortcutsKt;
import com.github.mvysny.kaributesting.v10.pro.ConfirmDialogKt;
import com.vaadin.flow.component.Key;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.combobox.ComboBox;
import com.vaadin.flow.component.confirmdialog.ConfirmDialog;
import com.vaadin.flow.component.datetimepicker.DateTimePicker;
import com.vaadin.flow.component.dialog.Dialog;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.menubar.MenuBar;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.tabs.TabSheet;
import com.vaadin.flow.component.textfield.NumberField;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.server.VaadinSession;

import io.choreoscope.model.api.AlertFiringView;
import io.choreoscope.model.api.AlertKind;
import io.choreoscope.model.api.AlertRuleView;
import io.choreoscope.ui.KaribuTest;
import io.choreoscope.ui.client.SampleData;
import io.choreoscope.ui.shell.Permissions;

class AlertsViewTest extends KaribuTest {

    @SuppressWarnings("unchecked")
    private static Grid<AlertRuleView> rules() {
        return _get(Grid.class, g -> g.withId("alerts-grid"));
    }

    /** The history grid (in the second tab, so not attached while the first one shows). */
    private static Grid<AlertFiringView> firings() {
        return _get(AlertsView.class).firingsGrid();
    }

    private static Button button(String id) {
        return _get(Button.class, b -> b.withId(id));
    }

    private static int rowOf(Grid<AlertRuleView> g, String name) {
        for (int i = 0; i < GridKt._size(g); i++) {
            if (GridKt._get(g, i).name().equals(name)) {
                return i;
            }
        }
        throw new AssertionError("no rule " + name + " in the grid");
    }

    private static AlertRuleView select(String name) {
        Grid<AlertRuleView> g = rules();
        AlertRuleView r = GridKt._get(g, rowOf(g, name));
        g.select(r);
        return r;
    }

    private static String outcome() {
        return text(_get(Div.class, d -> d.withId("alerts-outcome")));
    }

    private static String stateCell(String name) {
        Grid<AlertRuleView> g = rules();
        return text(GridKt._getCellComponent(g, rowOf(g, name), "state"));
    }

    @SuppressWarnings("unchecked")
    private static void fillNewRule(String name, AlertKind kind, String flow, double threshold, String window) {
        _setValue(_get(TextField.class, t -> t.withId("rule-name")), name);
        _setValue((Select<AlertKind>) _get(Select.class, s -> s.withId("rule-kind")), kind);
        if (flow != null) {
            _setValue((ComboBox<String>) _get(ComboBox.class, c -> c.withId("rule-flow")), flow);
        }
        _setValue(_get(NumberField.class, n -> n.withId("rule-threshold")), threshold);
        if (window != null) {
            _setValue(_get(TextField.class, t -> t.withId("rule-window")), window);
        }
    }

    @Test
    void listsEveryRuleWithThresholdUnitWindowStateAndSilence() {
        navigate("alerts");
        Grid<AlertRuleView> g = rules();
        assertThat(GridKt._size(g)).isEqualTo(api.alertRules().size()).isEqualTo(4);
        List<String> row = GridKt._getFormattedRow(g, rowOf(g, SampleData.FIRING_RULE));
        assertThat(row).contains(SampleData.FIRING_RULE, "Completion rate below", SampleData.ORDER_FLOW, "< 95%",
                "10m", "1m", "–", "Yes");
        assertThat(stateCell(SampleData.FIRING_RULE)).isEqualTo("firing: " + SampleData.ORDER_FLOW);
        assertThat(stateCell("Sign-ups stuck")).isEqualTo("pending: " + SampleData.SIGNUP_FLOW);
        assertThat(stateCell("Checkout p95")).isEqualTo("disabled");
        assertThat(GridKt._getFormattedRow(g, rowOf(g, "Sign-ups stuck"))).contains("> 3 instances", "–");
        assertThat(GridKt._getFormattedRow(g, rowOf(g, "Dead letters arriving"))).contains("All dead letters")
                .anyMatch(c -> c.endsWith(" UTC"));
        assertThat(text(_get(com.vaadin.flow.component.html.Span.class, s -> s.withId("alerts-subtitle"))))
                .isEqualTo("4 rules · 2 firing · 1 pending");
    }

    @Test
    void aRuleCreatedThroughTheDialogAppearsInTheGrid() {
        navigate("alerts");
        _click(button("alerts-new"));
        Dialog dialog = _get(Dialog.class, d -> d.withId("rule-dialog"));
        assertThat(dialog.isOpened()).isTrue();
        fillNewRule("Invoices completing", AlertKind.COMPLETION_RATE_BELOW, SampleData.INVOICE_FLOW, 99.5, "15m");
        _setValue(_get(TextField.class, t -> t.withId("rule-for")), "2m");
        _setValue(_get(TextField.class, t -> t.withId("rule-webhook")), "https://hooks.example/invoices");
        _click(button("rule-save"));
        roundtrip();

        assertThat(dialog.isOpened()).isFalse();
        AlertRuleView saved = api.alertRules().stream().filter(r -> r.name().equals("Invoices completing")).findFirst()
                .orElseThrow();
        assertThat(saved.flow()).isEqualTo(SampleData.INVOICE_FLOW);
        assertThat(saved.windowMs()).isEqualTo(900_000);
        assertThat(saved.forMs()).isEqualTo(120_000);
        assertThat(saved.webhookUrl()).isEqualTo("https://hooks.example/invoices");
        Grid<AlertRuleView> g = rules();
        assertThat(GridKt._getFormattedRow(g, rowOf(g, "Invoices completing")))
                .contains(SampleData.INVOICE_FLOW, "< 99.5%", "15m", "2m");
        assertThat(outcome()).contains("Created “Invoices completing”");
    }

    @Test
    void theBackendsValidationErrorIsShownOnTheFieldItNames() {
        navigate("alerts");
        _click(button("alerts-new"));
        fillNewRule("Too much", AlertKind.COMPLETION_RATE_BELOW, null, 150, null);
        _click(button("rule-save"));
        roundtrip();

        Dialog dialog = _get(Dialog.class, d -> d.withId("rule-dialog"));
        assertThat(dialog.isOpened()).isTrue();
        String reason = "threshold of COMPLETION_RATE_BELOW must be 0..100 (percent), was 150.0";
        assertThat(text(_get(Div.class, d -> d.withId("rule-error")))).contains("The rule was not saved").contains(reason);
        NumberField threshold = _get(NumberField.class, n -> n.withId("rule-threshold"));
        assertThat(threshold.isInvalid()).isTrue();
        assertThat(threshold.getErrorMessage()).isEqualTo(reason);
        assertThat(api.alertRules()).noneMatch(r -> r.name().equals("Too much"));

        // fixed and saved with Enter
        _setValue(threshold, 90.0);
        ShortcutsKt._fireShortcut(threshold, Key.ENTER);
        roundtrip();
        assertThat(dialog.isOpened()).isFalse();
        assertThat(api.alertRules()).anyMatch(r -> r.name().equals("Too much") && r.threshold() == 90.0);
    }

    @Test
    void aDurationThatIsNoneIsCaughtBeforeAnythingIsSent() {
        navigate("alerts");
        _click(button("alerts-new"));
        fillNewRule("Odd window", AlertKind.P95_DURATION_ABOVE, null, 800, "five minutes");
        int calls = api.calls().size();
        _click(button("rule-save"));
        roundtrip();
        TextField window = _get(TextField.class, t -> t.withId("rule-window"));
        assertThat(window.isInvalid()).isTrue();
        assertThat(window.getErrorMessage()).contains("'five minutes' is not a duration");
        assertThat(api.calls().subList(calls, api.calls().size())).noneMatch(c -> c.startsWith("createAlertRule"));
    }

    @Test
    void theKindExplainsItsUnitAndAsksForWhatItNeeds() {
        navigate("alerts");
        _click(button("alerts-new"));
        @SuppressWarnings("unchecked")
        Select<AlertKind> kind = _get(Select.class, s -> s.withId("rule-kind"));
        _setValue(kind, AlertKind.CONSUMER_LAG_ABOVE);
        assertThat(text(_get(com.vaadin.flow.component.html.Span.class, s -> s.withId("rule-kind-help"))))
                .contains("Age in seconds");
        assertThat(_get(TextField.class, t -> t.withId("rule-subject")).getLabel()).isEqualTo("Consumer group");
        assertThat(_find(ComboBox.class, c -> c.withId("rule-flow"))).isEmpty();
        assertThat(_find(TextField.class, t -> t.withId("rule-window"))).isEmpty();
        _setValue(kind, AlertKind.P95_DURATION_ABOVE);
        assertThat(_find(ComboBox.class, c -> c.withId("rule-flow"))).hasSize(1);
        assertThat(_find(TextField.class, t -> t.withId("rule-window"))).hasSize(1);
    }

    @Test
    void editingChangesTheRuleAndKeepsItsSilence() {
        navigate("alerts");
        AlertRuleView dlt = select("Dead letters arriving");
        _click(button("alerts-edit"));
        assertThat(_get(TextField.class, t -> t.withId("rule-window")).getValue()).isEqualTo("15m");
        assertThat(_get(TextField.class, t -> t.withId("rule-webhook")).getValue()).isEqualTo(dlt.webhookUrl());
        _setValue(_get(NumberField.class, n -> n.withId("rule-threshold")), 5.0);
        _setValue(_get(TextField.class, t -> t.withId("rule-subject")), ".*\\.DLT");
        _click(button("rule-save"));
        roundtrip();

        AlertRuleView now = api.alertRule(dlt.id());
        assertThat(now.threshold()).isEqualTo(5.0);
        assertThat(now.subject()).isEqualTo(".*\\.DLT");
        assertThat(now.silencedUntil()).isEqualTo(dlt.silencedUntil());
        Grid<AlertRuleView> g = rules();
        assertThat(GridKt._getFormattedRow(g, rowOf(g, "Dead letters arriving"))).contains("> 5 records", ".*\\.DLT");
        assertThat(outcome()).contains("Saved");
    }

    @Test
    void deletingAsksFirstAndResolvesTheOpenFirings() {
        navigate("alerts");
        AlertRuleView r = select(SampleData.FIRING_RULE);
        _click(button("alerts-delete"));
        ConfirmDialog confirm = _get(ConfirmDialog.class, c -> c.withId("delete-confirm"));
        assertThat(ConfirmDialogKt.getHeader(confirm)).isEqualTo("Delete “" + SampleData.FIRING_RULE + "”?");
        ConfirmDialogKt._fireCancel(confirm);
        roundtrip();
        assertThat(api.alertRules()).extracting(AlertRuleView::id).contains(r.id());

        select(SampleData.FIRING_RULE);
        _click(button("alerts-delete"));
        ConfirmDialogKt._fireConfirm(_get(ConfirmDialog.class, c -> c.withId("delete-confirm")));
        roundtrip();
        assertThat(api.alertRules()).extracting(AlertRuleView::id).doesNotContain(r.id());
        assertThat(GridKt._size(rules())).isEqualTo(3);
        assertThat(outcome()).contains("Deleted “" + SampleData.FIRING_RULE + "”");
        assertThat(api.alertFirings(r.id(), 10)).allSatisfy(f -> assertThat(f.resolvedAt()).isNotNull())
                .anySatisfy(f -> assertThat(f.resolution()).isEqualTo("rule deleted"));
    }

    @Test
    void aTestFireShowsTheDeliveryOutcomeAndLandsInTheHistory() {
        navigate("alerts");
        select(SampleData.FIRING_RULE);
        _click(button("alerts-test"));
        roundtrip();
        assertThat(outcome()).contains("Test notification of “" + SampleData.FIRING_RULE + "”")
                .contains("delivered (200) after 1 attempt");
        AlertFiringView newest = GridKt._get(firings(), 0);
        assertThat(newest.test()).isTrue();
        assertThat(newest.ruleName()).isEqualTo(SampleData.FIRING_RULE);
        assertThat(text(GridKt._getCellComponent(firings(), 0, "flags"))).isEqualTo("test");

        select("Dead letters arriving");
        _click(button("alerts-test"));
        roundtrip();
        assertThat(outcome()).contains("failed after 5 attempts");

        select("Sign-ups stuck"); // no webhook: nothing to test
        assertThat(button("alerts-test").isEnabled()).isFalse();
    }

    @Test
    void silencingForHoursAndLiftingIt() {
        navigate("alerts");
        AlertRuleView r = select("Sign-ups stuck");
        assertThat(_find(Button.class, b -> b.withId("alerts-unsilence"))).isEmpty();
        Instant before = Instant.now();
        ContextMenuKt._clickItemWithCaption(_get(MenuBar.class, m -> m.withId("alerts-silence")), "4 hours");
        roundtrip();
        Instant until = api.alertRule(r.id()).silencedUntil();
        assertThat(until).isBetween(before.plusSeconds(4 * 3600 - 2), before.plusSeconds(4 * 3600 + 60));
        assertThat(outcome()).contains("is silenced until");
        Grid<AlertRuleView> g = rules();
        assertThat(GridKt._getFormattedRow(g, rowOf(g, "Sign-ups stuck"))).anyMatch(c -> c.endsWith(" UTC"));

        _click(button("alerts-unsilence"));
        roundtrip();
        assertThat(api.alertRule(r.id()).silencedUntil()).isNull();
        assertThat(outcome()).contains("no longer silenced");
    }

    @Test
    void silencingUntilAChosenTime() {
        navigate("alerts");
        AlertRuleView r = select(SampleData.FIRING_RULE);
        ContextMenuKt._clickItemWithCaption(_get(MenuBar.class, m -> m.withId("alerts-silence")), "Until…");
        LocalDateTime at = LocalDateTime.now(ZoneOffset.UTC).plusDays(2).withNano(0).withSecond(0).withMinute(0);
        _setValue(_get(DateTimePicker.class, p -> p.withId("silence-until")), at);
        _click(button("silence-ok"));
        roundtrip();
        assertThat(api.alertRule(r.id()).silencedUntil()).isEqualTo(at.toInstant(ZoneOffset.UTC));
    }

    @Test
    void theHistoryListsFiringsNewestFirstAndFiltersByRule() {
        navigate("alerts");
        Grid<AlertFiringView> h = firings();
        assertThat(GridKt._size(h)).isEqualTo(4);
        AlertFiringView first = GridKt._get(h, 0);
        assertThat(first.resolvedAt()).isNull();
        assertThat(GridKt._getFormattedRow(h, 0)).contains(SampleData.FIRING_RULE, SampleData.ORDER_FLOW, "86%",
                "< 95%", "firing", "firing delivered (200) after 2 attempts");
        assertThat(GridKt._getFormattedRow(h, 1)).contains("not sent (silenced)");
        assertThat(text(GridKt._getCellComponent(h, 1, "flags"))).isEqualTo("silenced");
        assertThat(GridKt._getFormattedRow(h, 3)).contains("recovered at 97.4%");

        AlertRuleView r = select(SampleData.FIRING_RULE);
        _click(button("alerts-show-firings"));
        roundtrip();
        assertThat(_get(TabSheet.class, t -> t.withId("alerts-tabs")).getSelectedIndex()).isEqualTo(1);
        assertThat(api.calls()).contains("alertFirings " + r.id());
        h = firings();
        assertThat(GridKt._size(h)).isEqualTo(2);
        for (int i = 0; i < GridKt._size(h); i++) {
            assertThat(GridKt._get(h, i).ruleId()).isEqualTo(r.id());
        }
    }

    @Test
    void withoutThePermissionToEditAlertsTheControlsAreHiddenNotJustDisabled() {
        Permissions.setForSession(VaadinSession.getCurrent(), new Permissions(true, false));
        navigate("alerts");
        assertThat(_find(Button.class, b -> b.withId("alerts-new"))).isEmpty();
        assertThat(_find(Div.class, d -> d.withId("alerts-actions"))).isEmpty();
        assertThat(_find(Button.class, b -> b.withId("alerts-delete"))).isEmpty();
        assertThat(_find(MenuBar.class, m -> m.withId("alerts-silence"))).isEmpty();
        // still readable
        assertThat(GridKt._size(rules())).isEqualTo(4);
        assertThat(GridKt._size(firings())).isEqualTo(4);
        // a double click does not open the editor either
        GridKt._doubleClickItem(rules(), 0, 1, false, false, false, false);
        assertThat(_find(Dialog.class, d -> d.withId("rule-dialog"))).isEmpty();
    }

    @Test
    void withThePermissionTheControlsAreThere() {
        navigate("alerts");
        assertThat(_find(Button.class, b -> b.withId("alerts-new"))).hasSize(1);
        assertThat(_find(Div.class, d -> d.withId("alerts-actions"))).hasSize(1);
    }
}
