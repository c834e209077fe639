package io.choreoscope.ui.instance;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

import com.vaadin.flow.component.ComponentEvent;
import com.vaadin.flow.component.ComponentEventListener;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H4;
import com.vaadin.flow.component.html.Pre;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.icon.VaadinIcon;
import com.vaadin.flow.shared.Registration;

import io.choreoscope.model.api.EventView;
import io.choreoscope.ui.client.RawPayload;
import io.choreoscope.ui.shell.Formats;

/**
 * Shows one event: its identity, headers and payload. JSON is indented within {@link PrettyJson}'s bounds (a
 * note says when the end of a very large or deep payload is shown as received); everything is set as text (so
 * markup in data is shown, never run) with invisible control characters made visible. A payload cut by
 * the API shows how much is missing and a "Show all" button, which fires {@link ShowAllEvent}: the view
 * fetches the whole payload and hands it to {@link #showFull}.
 */
public class PayloadViewer extends Div {

    /** Largest payload shown in full on the page; beyond it the text is cut again, with a note. */
    public static final int MAX_SHOWN_BYTES = 4 * 1024 * 1024;

    private final Div meta = new Div();
    private final Div headers = new Div();
    private final Pre payload = new Pre();
    private final Div truncation = new Div();
    private final Button prettyToggle = new Button();
    /** Switches a schema-decoded payload between its JSON view and the raw bytes as received. */
    private final Button decodedToggle = new Button();
    private boolean showDecoded = true;
    private final Span payloadInfo = new Span();
    private EventView event;
    private String shownText = "";
    private boolean pretty = true;

    public PayloadViewer() {
        addClassName("payload-viewer");
        setId("payload-viewer");
        meta.addClassName("facts");
        headers.addClassName("header-table");
        payload.addClassName("payload");
        payload.setId("payload-text");
        payload.getElement().setAttribute("tabindex", "0");
        payload.getElement().setAttribute("aria-label", "Payload");
        truncation.addClassName("truncation");
        truncation.setId("payload-truncation");
        prettyToggle.addThemeVariants(ButtonVariant.LUMO_TERTIARY, ButtonVariant.LUMO_SMALL);
        prettyToggle.addClickListener(e -> {
            pretty = !pretty;
            render();
        });
        decodedToggle.addThemeVariants(ButtonVariant.LUMO_TERTIARY, ButtonVariant.LUMO_SMALL);
        decodedToggle.setId("payload-decoded-toggle");
        decodedToggle.setVisible(false);
        decodedToggle.addClickListener(e -> {
            showDecoded = !showDecoded;
            shownText = payloadShown(event);
            render();
        });
        payloadInfo.addClassName("muted");
        Div payloadHead = new Div(new H4("Payload"), payloadInfo, prettyToggle, decodedToggle);
        payloadHead.addClassName("payload-head");
        add(meta, new H4("Headers"), headers, payloadHead, truncation, payload);
        setVisible(false);
    }

    public EventView event() {
        return event;
    }

    /** The text shown in the payload box, for tests. */
    public String payloadText() {
        return payload.getText();
    }

    public boolean isTruncationShown() {
        return truncation.isVisible();
    }

    public void show(EventView e) {
        this.event = e;
        setVisible(e != null);
        if (e == null) {
            return;
        }
        meta.removeAll();
        meta.add(fact("Event", e.eventType()), fact("Service", e.sourceService()),
                fact("Topic / partition / offset", e.topic() + " / " + e.partition() + " / " + e.offset()),
                fact("Timestamp", Formats.dateTime(e.timestamp())), fact("Key", e.key()),
                fact("Event ID", e.eventId()), fact("Causation ID", e.causationId()),
                fact("Trace / span", (e.traceId() == null ? "–" : e.traceId()) + " / " + (e.spanId() == null ? "–" : e.spanId())));
        if (e.schema() != null) {
            EventView.SchemaView sc = e.schema();
            Div schema = fact("Schema", (sc.subject() == null ? "(subject unknown)" : sc.subject())
                    + (sc.version() > 0 ? " v" + sc.version() : "") + " · " + sc.format() + " · id " + sc.id()
                    + (sc.name() == null ? "" : " · " + sc.name()));
            schema.setId("payload-schema");
            meta.add(schema);
        }
        if (e.parseStatus() != null && !"OK".equalsIgnoreCase(e.parseStatus())) {
            Div warn = fact("Parse status", e.parseStatus() + (e.parseError() == null ? "" : ": " + e.parseError()));
            warn.addClassName("fact-warn");
            meta.add(warn);
        }
        showHeaders(headers, e.headers());
        showDecoded = true;
        decodedToggle.setVisible(e.decodedPayload() != null);
        shownText = payloadShown(e);
        truncation.removeAll();
        truncation.setVisible(e.payloadTruncated());
        if (e.payloadTruncated()) {
            long shown = shownText.getBytes(StandardCharsets.UTF_8).length;
            Span text = new Span("Large payload: showing the first " + Formats.bytes(shown) + " of "
                    + Formats.bytes(e.payloadSize()) + ".");
            Button all = new Button("Show all", VaadinIcon.EXPAND.create(), c -> fireEvent(new ShowAllEvent(this, e)));
            all.addThemeVariants(ButtonVariant.LUMO_SMALL);
            all.setId("payload-show-all");
            truncation.add(VaadinIcon.SCISSORS.create(), text, all);
        }
        render();
    }

    /** Replaces the cut payload with the whole one fetched by the view. */
    public void showFull(RawPayload raw) {
        byte[] bytes = raw.bytes();
        boolean cut = bytes.length > MAX_SHOWN_BYTES;
        String text = new String(bytes, 0, Math.min(bytes.length, MAX_SHOWN_BYTES), StandardCharsets.UTF_8);
        if (event != null && "base64".equals(event.payloadEncoding())) {
            text = java.util.Base64.getEncoder().encodeToString(bytes);
        }
        shownText = text;
        truncation.removeAll();
        truncation.setVisible(cut);
        if (cut) {
            truncation.add(new Span("Still very large: showing the first " + Formats.bytes(MAX_SHOWN_BYTES) + " of "
                    + Formats.bytes(bytes.length) + "."));
        }
        render();
    }

    /** Shows why the whole payload could not be fetched. */
    public void showFullFailed(String message) {
        truncation.removeAll();
        truncation.add(VaadinIcon.WARNING.create(), new Span("Could not load the whole payload: " + message));
        truncation.setVisible(true);
    }

    /** The decoded JSON of a schema-framed payload (unless the raw bytes were asked for), else the payload. */
    private String payloadShown(EventView e) {
        if (e == null) {
            return "";
        }
        if (e.decodedPayload() != null && showDecoded) {
            return e.decodedPayload();
        }
        return e.payload() == null ? "" : e.payload();
    }

    private void render() {
        boolean decoded = event != null && event.decodedPayload() != null && showDecoded;
        decodedToggle.setText(showDecoded ? "Show raw bytes" : "Show decoded");
        boolean json = PrettyJson.looksLikeJson(shownText);
        prettyToggle.setVisible(json);
        prettyToggle.setText(pretty ? "Show raw" : "Pretty-print");
        PrettyJson.Formatted text = json && pretty ? PrettyJson.formatted(shownText) : new PrettyJson.Formatted(shownText, -1);
        payload.setText(PrettyJson.visible(text.text()));
        String enc = event == null || event.payloadEncoding() == null ? "text" : event.payloadEncoding();
        payloadInfo.setText((event == null || event.contentType() == null ? "" : event.contentType() + " · ")
                + (decoded ? "decoded with its " + event.schema().format() + " schema · "
                        : "base64".equals(enc) ? "binary, shown as base64 · " : "")
                + Formats.bytes(event == null ? 0 : event.payloadSize())
                + (text.partlyRaw() ? " · indented up to " + Formats.count(PrettyJson.MAX_FORMATTED_CHARS)
                        + " characters, the rest as received" : ""));
    }

    public Registration addShowAllListener(ComponentEventListener<ShowAllEvent> l) {
        return addListener(ShowAllEvent.class, l);
    }

    private static Div fact(String label, String value) {
        Span l = new Span(label);
        l.addClassName("fact-label");
        Span v = new Span(value == null || value.isEmpty() ? "–" : PrettyJson.visible(value));
        v.addClassNames("fact-value", label.toLowerCase(Locale.ROOT).contains("id") ? "mono" : "plain");
        Div d = new Div(l, v);
        d.addClassName("fact");
        return d;
    }

    /** The person asked for the whole of a cut payload. */
    public static class ShowAllEvent extends ComponentEvent<PayloadViewer> {
        private final EventView event;

        public ShowAllEvent(PayloadViewer source, EventView event) {
            super(source, true);
            this.event = event;
        }

        public EventView getEvent() {
            return event;
        }
    }

    /**
     * Fills {@code target} with one row per header (name, value, a "base64" tag for binary values), or
     * "No headers". Names and values are text with invisible characters made visible, never markup.
     */
    public static void showHeaders(Div target, java.util.List<EventView.HeaderView> list) {
        target.removeAll();
        if (list == null || list.isEmpty()) {
            target.add(new Span("No headers"));
            return;
        }
        for (EventView.HeaderView h : list) {
            Span name = new Span(PrettyJson.visible(h.name()));
            name.addClassName("header-name");
            Span value = new Span(PrettyJson.visible(h.value() == null ? "(no value)" : h.value()));
            value.addClassName("header-value");
            Div row = new Div(name, value);
            if ("base64".equals(h.encoding())) {
                Span enc = new Span("base64");
                enc.addClassName("tag");
                row.add(enc);
            }
            row.addClassName("header-row");
            target.add(row);
        }
    }
}
