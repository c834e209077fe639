package io.choreoscope.ui.replay;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

import com.vaadin.flow.component.Key;
import com.vaadin.flow.component.Shortcuts;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.combobox.ComboBox;
import com.vaadin.flow.component.dialog.Dialog;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.icon.VaadinIcon;
import com.vaadin.flow.component.notification.Notification;
import com.vaadin.flow.component.textfield.NumberField;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.router.QueryParameters;

import io.choreoscope.model.Topics;
import io.choreoscope.model.api.ExchangeInfo;
import io.choreoscope.model.api.ReplayMode;
import io.choreoscope.model.api.ReplayPlanView;
import io.choreoscope.model.api.ReplayRequest;
import io.choreoscope.model.api.ReplayStatus;
import io.choreoscope.model.api.TopicInfo;
import io.choreoscope.ui.client.ApiException;
import io.choreoscope.ui.shell.Formats;
import io.choreoscope.ui.shell.Loader;
import io.choreoscope.ui.shell.Notice;

/**
 * Starting a replay always goes through a dry run: the dialog asks the backend for exactly the records that
 * would be sent (target topic, key, headers with the replay headers, payload) and lists them; only then can
 * the person confirm the real run, which is sent with the same inputs. Changing an input after the dry run
 * asks for a new one. After the start, the Replay view opens on the new replay's progress.
 *
 * <p>Keyboard: Enter in a text field runs the dry run, or confirms once its preview is shown (the confirm
 * button has the focus then); Escape closes.
 */
public class ReplayDialog extends Dialog {

    private final ReplayMode mode;
    private final List<ReplayRequest.EventRef> events;
    private final List<String> correlationIds;
    private final ComboBox<String> deadLetterTopic = new ComboBox<>("Dead-letter topic or queue");
    /** What the list shows for each offered topic or queue (a queue with its waiting messages). */
    private final Map<String, String> choiceLabels = new LinkedHashMap<>();
    private final TextField targetTopic = new TextField();
    private final NumberField rate = new NumberField("Rate");
    private final Button dryRun = new Button("Dry run", VaadinIcon.EYE.create());
    private final Button confirm = new Button("Replay");
    private final Div status = new Div();
    private final Span summary = new Span();
    private final ReplayRecordList preview = new ReplayRecordList();
    private final Loader loader = new Loader();
    private final Loader topicsLoader = new Loader();
    /** The request the shown preview answers; null when there is none or the inputs changed since. */
    private ReplayRequest previewed;
    private int previewedCount;

    private ReplayDialog(ReplayMode mode, String title, String what, List<ReplayRequest.EventRef> events,
                         List<String> correlationIds) {
        this.mode = mode;
        this.events = events;
        this.correlationIds = correlationIds;
        setHeaderTitle(title);
        setId("replay-dialog");
        addClassName("replay-dialog");
        setWidth("min(1100px, 96vw)");
        setCloseOnOutsideClick(false);
        setCloseOnEsc(true);

        Paragraph intro = new Paragraph(what);
        intro.addClassName("muted");
        intro.setId("replay-what");

        deadLetterTopic.setId("replay-dlt");
        deadLetterTopic.setAllowCustomValue(true);
        deadLetterTopic.addCustomValueSetListener(e -> deadLetterTopic.setValue(typed(e.getDetail(), choiceLabels.keySet())));
        deadLetterTopic.setHelperText(DEAD_LETTER_HELP);
        deadLetterTopic.setItemLabelGenerator(v -> choiceLabels.getOrDefault(v, v));
        deadLetterTopic.setRequired(true);
        deadLetterTopic.setWidthFull();
        targetTopic.setId("replay-target");
        targetTopic.setWidthFull();
        targetTopic.setClearButtonVisible(true);
        if (mode == ReplayMode.DEAD_LETTER) {
            targetTopic.setLabel("Target topic for records without an original topic");
            targetTopic.setHelperText("Optional. Used only for records whose headers name no original topic; "
                    + "without it such records make the redrive fail.");
        } else {
            targetTopic.setLabel("Send to another topic");
            targetTopic.setHelperText("Optional. Empty: each record goes back to the topic it came from.");
        }
        rate.setId("replay-rate");
        rate.setMin(0.01);
        rate.setStep(1);
        rate.setSuffixComponent(new Span("records/s"));
        rate.setPlaceholder("server default");
        rate.setHelperText("Empty: the server's default rate (100/s unless configured).");
        // The backend judges the request; its reasons go on these fields, no client-side rules compete.
        deadLetterTopic.setManualValidation(true);
        targetTopic.setManualValidation(true);
        rate.setManualValidation(true);
        Div form = new Div();
        form.addClassName("replay-form");
        if (mode == ReplayMode.DEAD_LETTER) {
            form.add(deadLetterTopic);
        }
        form.add(targetTopic, rate);
        deadLetterTopic.addValueChangeListener(e -> {
            targetForQueue(isRabbitQueue(e.getValue()));
            inputsChanged();
        });
        targetTopic.addValueChangeListener(e -> inputsChanged());
        rate.addValueChangeListener(e -> inputsChanged());

        status.setId("replay-dialog-status");
        summary.setId("replay-summary");
        summary.addClassName("replay-summary");
        preview.setId("replay-preview");
        preview.setVisible(false);

        add(intro, form, status, summary, preview);

        dryRun.setId("replay-dry-run");
        dryRun.addClickListener(e -> runDry());
        confirm.setId("replay-confirm");
        confirm.addThemeVariants(ButtonVariant.LUMO_ERROR);
        confirm.addClickListener(e -> runReal());
        Button close = new Button("Cancel", e -> close());
        close.setId("replay-close");
        getFooter().add(close, dryRun, confirm);
        // Enter in a text field: the dry run, or the confirmation once its preview is shown. Only the text
        // fields listen: Enter in the topic list picks a topic, Enter in the records grid must never start a
        // replay. The focused field is blurred first so that its value reaches the server before the action.
        Shortcuts.addShortcutListener(this, this::primary, Key.ENTER).listenOn(targetTopic, rate)
                .resetFocusOnActiveElement();
        updateButtons();
    }

    /** Re-publishing single stored records (mode EVENT), each to its own topic. */
    public static ReplayDialog forEvents(List<ReplayRequest.EventRef> events, String what) {
        ReplayDialog d = new ReplayDialog(ReplayMode.EVENT, events.size() == 1 ? "Replay an event" : "Replay events",
                what, List.copyOf(events), null);
        d.addOpenedChangeListener(e -> {
            if (e.isOpened() && d.previewed == null) {
                d.runDry();
            }
        });
        return d;
    }

    /** Re-publishing the last event of each of these instances (mode STUCK_LAST_EVENT). */
    public static ReplayDialog forLastEvents(List<String> correlationIds) {
        ReplayDialog d = new ReplayDialog(ReplayMode.STUCK_LAST_EVENT, "Replay last events",
                "The last stored event of " + (correlationIds.size() == 1 ? "instance " + correlationIds.get(0)
                        : correlationIds.size() + " instances") + " is sent again, so that the service that should "
                        + "have reacted to it gets another chance.", null, List.copyOf(correlationIds));
        d.addOpenedChangeListener(e -> {
            if (e.isOpened() && d.previewed == null) {
                d.runDry();
            }
        });
        return d;
    }

    /**
     * Redriving a dead-letter topic or RabbitMQ dead-letter queue (mode DEAD_LETTER); the Kafka topics are offered from
     * {@code GET /topics}, the RabbitMQ queues from {@code GET /exchanges}.
     */
    public static ReplayDialog forDeadLetters() {
        ReplayDialog d = new ReplayDialog(ReplayMode.DEAD_LETTER, "Redrive dead letters",
                "Sends the records of a dead-letter topic, or the messages of a RabbitMQ dead-letter queue, back to where "
                        + "they first failed. Run the dry run to see exactly what would be sent before anything is.",
                null, null);
        d.addOpenedChangeListener(e -> {
            if (e.isOpened()) {
                d.offerTopics();
                d.deadLetterTopic.focus();
            }
        });
        return d;
    }

    private void offerTopics() {
        topicsLoader.load(api -> {
            List<TopicInfo> topics = api.topics();
            List<ExchangeInfo> exchanges;
            try {
                exchanges = api.exchanges();
            } catch (ApiException e) {
                exchanges = List.of(); // RabbitMQ's management API not answering: its queues can still be typed
            }
            return choices(topics, exchanges);
        }, choices -> {
            String v = deadLetterTopic.getValue();
            choiceLabels.clear();
            choices.forEach(c -> choiceLabels.put(c.value(), c.label()));
            deadLetterTopic.setItems(choices.stream().map(Choice::value).toList());
            if (v != null) {
                deadLetterTopic.setValue(v);
            }
        }, e -> deadLetterTopic.setHelperText("The topics could not be listed (" + e.getMessage()
                + "); type the topic's name, or rabbitmq:[vhost:]queue for a RabbitMQ queue."));
    }

    /** One entry of the dead-letter list: what is sent ({@code topic} or {@code rabbitmq:[vhost:]queue}) and shown. */
    record Choice(String value, String label, boolean deadLetter) {
    }

    /**
     * The topics and the RabbitMQ queues (each once, as {@code rabbitmq:[vhost:]queue}, the name the redrive takes), those
     * that look like dead letters first (by name, or a queue bound to a dead-letter exchange), then by name.
     */
    static List<Choice> choices(List<TopicInfo> topics, List<ExchangeInfo> exchanges) {
        Map<String, Choice> out = new LinkedHashMap<>();
        for (TopicInfo t : topics) {
            out.putIfAbsent(t.name(), new Choice(t.name(), t.name(), Topics.looksLikeDeadLetter(t.name())));
        }
        for (ExchangeInfo x : exchanges) {
            for (ExchangeInfo.QueueLag q : x.queues()) {
                String value = Topics.rabbitMq(x.vhost(), q.name());
                boolean dead = Topics.looksLikeDeadLetter(q.name()) || Topics.looksLikeDeadLetter(x.name())
                        || DEAD_LETTER_EXCHANGE.matcher(x.name()).matches();
                Choice had = out.get(value);
                if (had == null || dead && !had.deadLetter()) {
                    out.put(value, new Choice(value, Topics.displayName(value) + " · RabbitMQ queue, "
                            + Formats.count(q.lag(), "message waiting", "messages waiting"), dead));
                }
            }
        }
        List<Choice> sorted = new ArrayList<>(out.values());
        sorted.sort(Comparator.comparing((Choice c) -> !c.deadLetter()).thenComparing(Choice::value));
        return sorted;
    }

    /**
     * What a typed dead-letter name stands for: a listed queue typed as the list shows it ({@link Topics#displayName},
     * {@code rabbitmq:orders:dlq} for the queue {@code orders:dlq} on {@code /}) is that queue; anything else is sent as
     * typed, {@code rabbitmq:[vhost:]queue} or a topic.
     */
    static String typed(String text, java.util.Collection<String> listed) {
        String t = text == null ? null : text.strip();
        if (t == null || t.isEmpty() || listed.contains(t)) {
            return t;
        }
        return listed.stream().filter(v -> !v.equals(Topics.displayName(v)) && Topics.displayName(v).equals(t))
                .findFirst().orElse(t);
    }

    /** An exchange named as a dead-letter exchange ({@code orders.dlx}, {@code DLX}): its queues hold dead letters. */
    private static final Pattern DEAD_LETTER_EXCHANGE = Pattern.compile("(?i)(^|.*[._-])dlx([._-].*|$)");

    private static final String DEAD_LETTER_HELP = "A Kafka topic: every stored record goes back to the topic its headers "
            + "name (kafka_dlt-original-topic, x-original-topic or __connect.errors.topic), without the dead-letter "
            + "headers. A RabbitMQ queue (rabbitmq:[vhost:]queue): its messages go back to the exchange and routing key "
            + "their x-death header names.";

    static boolean isRabbitQueue(String value) {
        return value != null && value.strip().startsWith(Topics.RABBITMQ_PREFIX);
    }

    /** A RabbitMQ queue's messages go where their x-death says: the target field is not used then. */
    private void targetForQueue(boolean queue) {
        if (mode != ReplayMode.DEAD_LETTER) {
            return;
        }
        if (queue) {
            targetTopic.clear();
        }
        targetTopic.setEnabled(!queue);
        targetTopic.setHelperText(queue
                ? "Not used for a RabbitMQ queue: each message goes back to the exchange its x-death header names."
                : "Optional. Used only for records whose headers name no original topic; without it such records "
                        + "make the redrive fail.");
    }

    /** The request for the current inputs, dry or not. */
    ReplayRequest request(boolean dry) {
        String target = blankToNull(targetTopic.getValue());
        return new ReplayRequest(mode, events, correlationIds,
                mode == ReplayMode.DEAD_LETTER ? blankToNull(deadLetterTopic.getValue()) : null, target, dry,
                rate.getValue());
    }

    private void primary() {
        if (previewed != null && confirm.isEnabled()) {
            runReal();
        } else if (dryRun.isEnabled()) {
            runDry();
        }
    }

    private void runDry() {
        if (mode == ReplayMode.DEAD_LETTER && blankToNull(deadLetterTopic.getValue()) == null) {
            deadLetterTopic.setInvalid(true);
            deadLetterTopic.setErrorMessage("Choose or type the dead-letter topic or queue to redrive.");
            deadLetterTopic.focus();
            return;
        }
        deadLetterTopic.setInvalid(false);
        ReplayRequest dry = request(true);
        showStatus(Notice.loading("Asking for the records that would be sent…"));
        dryRun.setEnabled(false);
        loader.load(api -> api.replay(dry, null), plan -> {
            dryRun.setEnabled(true);
            status.removeAll();
            previewed = request(false);
            if (!Objects.equals(previewed, asReal(dry))) {
                previewed = null; // the inputs changed while the answer was on its way
            }
            previewedCount = plan.records().size();
            showPreview(plan);
            updateButtons();
            if (previewed != null) {
                confirm.focus();
            }
        }, e -> {
            dryRun.setEnabled(true);
            previewed = null;
            preview.setVisible(false);
            summary.setText("");
            showStatus(Notice.error("The dry run was refused", e, null));
            markField(e);
            updateButtons();
        });
    }

    private void runReal() {
        ReplayRequest real = previewed;
        if (real == null) {
            return;
        }
        confirm.setEnabled(false);
        dryRun.setEnabled(false);
        showStatus(Notice.loading("Starting the replay…"));
        loader.load(api -> api.replay(real, null), plan -> {
            ReplayStatus s = plan.status();
            close();
            Notification.show(s.finished() ? "Replay " + label(s.state()) + ": " + s.message()
                    : "Replay started: " + Formats.count(s.total(), "record", "records"), 4000, Notification.Position.BOTTOM_START);
            UI.getCurrent().navigate(ReplayView.class, QueryParameters.of(ReplayView.ID_PARAMETER, s.id()));
        }, e -> {
            showStatus(Notice.error("The replay could not be started", e, null));
            dryRun.setEnabled(true);
            updateButtons();
        });
    }

    private void showPreview(ReplayPlanView plan) {
        int n = plan.records().size();
        summary.setText(n == 1 ? "Dry run: this record would be sent. Nothing has been sent yet."
                : "Dry run: these " + Formats.count(n) + " records would be sent, in this order. Nothing has been "
                        + "sent yet. The replay headers of the real run get a new ID and time.");
        preview.show(plan.records());
        preview.setVisible(true);
    }

    private void inputsChanged() {
        if (previewed != null) {
            previewed = null;
            summary.setText("The inputs changed: run the dry run again to see what would be sent.");
            preview.setVisible(false);
        }
        targetTopic.setInvalid(false);
        rate.setInvalid(false);
        deadLetterTopic.setInvalid(false);
        updateButtons();
    }

    /** Puts the backend's reason on the field it names, when it names one. */
    private void markField(ApiException e) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        if (m.startsWith("targetTopic") || m.contains("choose a targetTopic")) {
            targetTopic.setInvalid(true);
            targetTopic.setErrorMessage(m);
        } else if (m.startsWith("ratePerSecond")) {
            rate.setInvalid(true);
            rate.setErrorMessage(m);
        } else if (m.startsWith("deadLetterTopic") || m.startsWith("no stored events on dead-letter topic")
                || m.startsWith("no queue ") || m.startsWith("dead-letter queue ") || m.startsWith("vhost ")
                || m.startsWith("redriving RabbitMQ")) {
            deadLetterTopic.setInvalid(true);
            deadLetterTopic.setErrorMessage(m);
        }
    }

    private void updateButtons() {
        boolean ready = previewed != null;
        confirm.setEnabled(ready && previewedCount > 0);
        confirm.setText(ready ? "Replay " + Formats.count(previewedCount, "record", "records")
                : "Replay");
        if (ready) {
            confirm.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
            dryRun.removeThemeVariants(ButtonVariant.LUMO_PRIMARY);
        } else {
            confirm.removeThemeVariants(ButtonVariant.LUMO_PRIMARY);
            dryRun.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        }
    }

    private void showStatus(Notice n) {
        status.removeAll();
        status.add(n);
    }

    private static ReplayRequest asReal(ReplayRequest r) {
        return new ReplayRequest(r.mode(), r.events(), r.correlationIds(), r.deadLetterTopic(), r.targetTopic(), false,
                r.ratePerSecond());
    }

    static String label(ReplayStatus.State s) {
        return s.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    // --- for tests -------------------------------------------------------------------------------------

    public ReplayRecordList preview() {
        return preview;
    }

    public String summaryText() {
        return summary.getText();
    }

    ComboBox<String> deadLetterTopicField() {
        return deadLetterTopic;
    }

    TextField targetTopicField() {
        return targetTopic;
    }
}
