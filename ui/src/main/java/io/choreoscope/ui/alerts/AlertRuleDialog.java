package io.choreoscope.ui.alerts;

import java.util.List;
import java.util.function.Consumer;

import com.vaadin.flow.component.Key;
import com.vaadin.flow.component.Shortcuts;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.checkbox.Checkbox;
import com.vaadin.flow.component.combobox.ComboBox;
import com.vaadin.flow.component.dialog.Dialog;
import com.vaadin.flow.component.formlayout.FormLayout;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.textfield.NumberField;
import com.vaadin.flow.component.textfield.TextField;

import io.choreoscope.model.api.AlertKind;
import io.choreoscope.model.api.AlertRuleRequest;
import io.choreoscope.model.api.AlertRuleView;
import io.choreoscope.model.api.FlowSummary;
import io.choreoscope.model.api.WebhookFormat;
import io.choreoscope.ui.client.ApiException;
import io.choreoscope.ui.client.TimeWindow;
import io.choreoscope.ui.shell.Durations;
import io.choreoscope.ui.shell.Loader;
import io.choreoscope.ui.shell.Notice;

/**
 * Creates or edits one alert rule. The backend checks the rule; its reason is shown above the form and on
 * the field it names, so "threshold of COMPLETION_RATE_BELOW must be 0..100" lands on the threshold.
 * Durations are typed as {@code 30s}, {@code 5m}, {@code 1h}. Enter in a text field saves, Escape closes.
 */
public class AlertRuleDialog extends Dialog {

    private final AlertRuleView existing;
    private final Consumer<AlertRuleView> onSaved;
    private final TextField name = new TextField("Name");
    private final Select<AlertKind> kind = new Select<>();
    private final Span kindHelp = new Span();
    private final ComboBox<String> flow = new ComboBox<>("Flow");
    private final TextField subject = new TextField();
    private final NumberField threshold = new NumberField("Threshold");
    private final Span thresholdUnit = new Span();
    private final TextField window = new TextField("Window");
    private final TextField forDuration = new TextField("For");
    private final NumberField hysteresis = new NumberField("Hysteresis");
    private final Span hysteresisUnit = new Span();
    private final TextField webhookUrl = new TextField("Webhook URL");
    private final Select<WebhookFormat> webhookFormat = new Select<>();
    private final Checkbox enabled = new Checkbox("Enabled");
    private final Div error = new Div();
    private final Button save = new Button("Save");
    private final Loader loader = new Loader();
    private final Loader flowsLoader = new Loader();

    /**
     * @param existing the rule to edit, or null for a new one
     * @param onSaved  called on the UI with the rule as the backend saved it
     */
    public AlertRuleDialog(AlertRuleView existing, Consumer<AlertRuleView> onSaved) {
        this.existing = existing;
        this.onSaved = onSaved;
        setId("rule-dialog");
        addClassName("rule-dialog");
        setHeaderTitle(existing == null ? "New alert rule" : "Edit “" + existing.name() + "”");
        setWidth("min(760px, 96vw)");
        setCloseOnOutsideClick(false);

        name.setId("rule-name");
        name.setRequired(true);
        name.setMaxLength(200);
        name.setPlaceholder("e.g. Orders completing");
        kind.setLabel("Kind");
        kind.setId("rule-kind");
        kind.setItems(AlertKind.values());
        kind.setItemLabelGenerator(AlertTexts::kind);
        kindHelp.addClassName("muted");
        kindHelp.setId("rule-kind-help");
        kind.setHelperComponent(kindHelp);
        flow.setId("rule-flow");
        flow.setAllowCustomValue(true);
        flow.addCustomValueSetListener(e -> flow.setValue(e.getDetail()));
        flow.setClearButtonVisible(true);
        flow.setPlaceholder("All flows (one series each)");
        subject.setId("rule-subject");
        subject.setClearButtonVisible(true);
        threshold.setId("rule-threshold");
        threshold.setRequiredIndicatorVisible(true);
        threshold.setSuffixComponent(thresholdUnit);
        window.setId("rule-window");
        window.setHelperText("How far back the value is computed, e.g. 5m, 1h (1s to 31d)");
        forDuration.setId("rule-for");
        forDuration.setHelperText("How long the threshold must be crossed before it fires; 0 fires at once (up to 1d)");
        hysteresis.setId("rule-hysteresis");
        hysteresis.setSuffixComponent(hysteresisUnit);
        hysteresis.setHelperText("How far back past the threshold the value must come to resolve");
        webhookUrl.setId("rule-webhook");
        webhookUrl.setPlaceholder("https://… (empty: history only)");
        webhookUrl.setClearButtonVisible(true);
        webhookFormat.setLabel("Webhook format");
        webhookFormat.setId("rule-webhook-format");
        webhookFormat.setItems(WebhookFormat.values());
        webhookFormat.setItemLabelGenerator(f -> f == WebhookFormat.SLACK ? "Slack ({\"text\": …})" : "Generic JSON");
        enabled.setId("rule-enabled");

        // The backend is the one judge of a rule: its reasons go on the fields, no client-side rules compete.
        for (var f : List.of(name, subject, window, forDuration, webhookUrl)) {
            f.setManualValidation(true);
        }
        threshold.setManualValidation(true);
        hysteresis.setManualValidation(true);
        flow.setManualValidation(true);
        kind.setManualValidation(true);

        FormLayout form = new FormLayout();
        form.setResponsiveSteps(new FormLayout.ResponsiveStep("0", 1), new FormLayout.ResponsiveStep("520px", 2));
        form.add(name, 2);
        form.add(kind, 2);
        form.add(flow, subject, threshold, hysteresis, window, forDuration);
        form.add(webhookUrl, 2);
        form.add(webhookFormat, enabled);

        error.setId("rule-error");
        error.addClassName("form-error");
        add(error, form);

        kind.addValueChangeListener(e -> kindChanged(e.getValue()));
        fill(existing);

        save.setId("rule-save");
        save.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        save.addClickListener(e -> save());
        Button cancel = new Button("Cancel", e -> close());
        cancel.setId("rule-cancel");
        getFooter().add(cancel, save);
        // Enter in a text field saves; the selects and the flow list keep Enter for choosing.
        Shortcuts.addShortcutListener(this, this::save, Key.ENTER)
                .listenOn(name, subject, threshold, window, forDuration, hysteresis, webhookUrl)
                .resetFocusOnActiveElement();
        addOpenedChangeListener(e -> {
            if (e.isOpened()) {
                name.focus();
                flowsLoader.load(api -> api.flows(TimeWindow.LAST_24_HOURS), this::offerFlows, x -> { });
            }
        });
    }

    private void fill(AlertRuleView r) {
        if (r == null) {
            kind.setValue(AlertKind.COMPLETION_RATE_BELOW);
            window.setValue("5m");
            forDuration.setValue("0");
            hysteresis.setValue(0.0);
            webhookFormat.setValue(WebhookFormat.GENERIC);
            enabled.setValue(true);
            return;
        }
        name.setValue(r.name());
        kind.setValue(r.kind());
        if (r.flow() != null) {
            flow.setItems(r.flow());
            flow.setValue(r.flow());
        }
        subject.setValue(r.subject() == null ? "" : r.subject());
        threshold.setValue(r.threshold());
        window.setValue(Durations.compact(r.windowMs()));
        forDuration.setValue(Durations.compact(r.forMs()));
        hysteresis.setValue(r.hysteresis());
        webhookUrl.setValue(r.webhookUrl() == null ? "" : r.webhookUrl());
        webhookFormat.setValue(r.webhookFormat() == null ? WebhookFormat.GENERIC : r.webhookFormat());
        enabled.setValue(r.enabled());
    }

    private void offerFlows(List<FlowSummary> flows) {
        String v = flow.getValue();
        List<String> names = new java.util.ArrayList<>(flows.stream().map(FlowSummary::flow).sorted().toList());
        if (v != null && !names.contains(v)) {
            names.add(0, v);
        }
        flow.setItems(names);
        flow.setValue(v);
    }

    private void kindChanged(AlertKind k) {
        if (k == null) {
            return;
        }
        kindHelp.setText(AlertTexts.explain(k));
        String unit = AlertTexts.unitWord(k);
        thresholdUnit.setText(unit);
        hysteresisUnit.setText(unit);
        threshold.setHelperText(k.isPercent() ? "0 to 100" : "At least 0");
        flow.setVisible(k.scope() == AlertKind.Scope.FLOW);
        subject.setVisible(k.scope() != AlertKind.Scope.FLOW);
        if (k.scope() == AlertKind.Scope.CONSUMER_GROUP) {
            subject.setLabel("Consumer group");
            subject.setPlaceholder("All consumer groups");
        } else {
            subject.setLabel("Topic regex");
            subject.setPlaceholder("The server's dead-letter pattern");
        }
        window.setVisible(AlertTexts.usesWindow(k));
    }

    /** Builds the request (durations parsed here) and sends it; field errors are shown on the fields. */
    void save() {
        clearErrors();
        AlertKind k = kind.getValue();
        Long windowMs = null;
        Long forMs;
        try {
            if (k == null || AlertTexts.usesWindow(k)) {
                windowMs = Durations.parse(window.getValue());
            } else if (existing != null) {
                windowMs = existing.windowMs(); // kept as it was: the kind does not read it
            }
        } catch (IllegalArgumentException e) {
            fieldError(window, e.getMessage());
            return;
        }
        try {
            forMs = Durations.parse(forDuration.getValue());
        } catch (IllegalArgumentException e) {
            fieldError(forDuration, e.getMessage());
            return;
        }
        boolean flowKind = k == null || k.scope() == AlertKind.Scope.FLOW;
        AlertRuleRequest request = new AlertRuleRequest(name.getValue(), flowKind ? blankToNull(flow.getValue()) : null,
                flowKind ? null : blankToNull(subject.getValue()), k, threshold.getValue(), windowMs, forMs,
                hysteresis.getValue(), blankToNull(webhookUrl.getValue()), webhookFormat.getValue(), enabled.getValue());
        save.setEnabled(false);
        Long id = existing == null ? null : existing.id();
        loader.load(api -> id == null ? api.createAlertRule(request) : api.updateAlertRule(id, request), saved -> {
            save.setEnabled(true);
            close();
            onSaved.accept(saved);
        }, e -> {
            save.setEnabled(true);
            showError(e);
        });
    }

    private void showError(ApiException e) {
        error.removeAll();
        error.add(Notice.error(e.status() == 400 ? "The rule was not saved" : "Could not save the rule", e, null));
        String m = e.getMessage() == null ? "" : e.getMessage();
        String field = m.contains(" ") ? m.substring(0, m.indexOf(' ')) : m;
        switch (field) {
            case "name" -> fieldError(name, m);
            case "kind" -> kind.setInvalid(true);
            case "threshold" -> fieldError(threshold, m);
            case "windowMs" -> fieldError(window, m);
            case "forMs" -> fieldError(forDuration, m);
            case "hysteresis" -> fieldError(hysteresis, m);
            case "flow" -> {
                flow.setErrorMessage(m);
                flow.setInvalid(true);
            }
            case "subject" -> fieldError(subject, m);
            case "webhookUrl" -> fieldError(webhookUrl, m);
            default -> { }
        }
    }

    private static void fieldError(com.vaadin.flow.component.textfield.TextFieldBase<?, ?> f, String message) {
        f.setErrorMessage(message);
        f.setInvalid(true);
        f.focus();
    }

    private void clearErrors() {
        error.removeAll();
        for (var f : List.of(name, subject, window, forDuration, webhookUrl)) {
            f.setInvalid(false);
        }
        threshold.setInvalid(false);
        hysteresis.setInvalid(false);
        flow.setInvalid(false);
        kind.setInvalid(false);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
