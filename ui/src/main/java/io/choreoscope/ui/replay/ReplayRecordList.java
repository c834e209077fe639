package io.choreoscope.ui.replay;

import java.util.List;

import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H4;
import com.vaadin.flow.component.html.Pre;
import com.vaadin.flow.component.html.Span;

import io.choreoscope.model.api.ReplayPlanView.ReplayRecordView;
import io.choreoscope.ui.instance.PayloadViewer;
import io.choreoscope.ui.instance.PrettyJson;
import io.choreoscope.ui.shell.Formats;

/**
 * The records of a replay plan: one grid row per record (source, target topic, key, headers, the start of
 * the payload) and, for the selected row, every header and the payload. Everything is set as text, with
 * invisible characters made visible: markup in keys, headers or payloads is shown, never interpreted.
 */
public class ReplayRecordList extends Div {

    /** Characters of a payload shown in the details, counted after indenting (which {@link PrettyJson} bounds); the rest is cut with a note. */
    public static final int MAX_PAYLOAD_CHARS = 16 * 1024;
    /** Characters of a payload shown in its grid cell. */
    static final int CELL_CHARS = 120;

    private final Grid<ReplayRecordView> grid = new Grid<>();
    private final Div details = new Div();
    private final Div headers = new Div();
    private final Pre payload = new Pre();
    private final Span payloadInfo = new Span();
    private final Span detailsTitle = new Span();
    private List<ReplayRecordView> records = List.of();

    public ReplayRecordList() {
        addClassName("replay-records");
        grid.setId("replay-records-grid");
        grid.addThemeVariants(GridVariant.LUMO_COMPACT, GridVariant.LUMO_ROW_STRIPES);
        grid.setAriaLabel("Records of the replay");
        grid.addColumn(r -> records.indexOf(r) + 1).setHeader("#").setAutoWidth(true).setFlexGrow(0);
        grid.addColumn(ReplayRecordView::source).setHeader("Source").setAutoWidth(true).setFlexGrow(0)
                .setTooltipGenerator(r -> "Copied from " + r.source());
        grid.addColumn(ReplayRecordView::targetTopic).setHeader("Target topic").setAutoWidth(true).setFlexGrow(0);
        grid.addColumn(r -> key(r)).setHeader("Key").setAutoWidth(true).setFlexGrow(0);
        grid.addColumn(r -> r.headers() == null ? 0 : r.headers().size()).setHeader("Headers").setAutoWidth(true)
                .setFlexGrow(0);
        grid.addColumn(r -> cell(r)).setHeader("Payload").setFlexGrow(1);
        grid.setHeight("220px");
        grid.asSingleSelect().addValueChangeListener(e -> showDetails(e.getValue()));

        details.addClassNames("payload-viewer", "replay-record-details");
        details.setId("replay-record-details");
        detailsTitle.addClassName("replay-record-title");
        headers.addClassName("header-table");
        headers.setId("replay-record-headers");
        payload.addClassName("payload");
        payload.setId("replay-record-payload");
        payload.getElement().setAttribute("tabindex", "0");
        payload.getElement().setAttribute("aria-label", "Payload of the selected record");
        payloadInfo.addClassName("muted");
        Div payloadHead = new Div(new H4("Payload"), payloadInfo);
        payloadHead.addClassName("payload-head");
        details.add(detailsTitle, new H4("Headers, as they will be sent"), headers, payloadHead, payload);
        details.setVisible(false);
        add(grid, details);
    }

    public void show(List<ReplayRecordView> list) {
        records = list == null ? List.of() : List.copyOf(list);
        grid.setItems(records);
        grid.setAllRowsVisible(records.size() <= 6);
        if (records.size() > 6) {
            grid.setHeight("220px");
        }
        if (records.isEmpty()) {
            showDetails(null);
        } else {
            grid.select(records.get(0));
        }
    }

    public List<ReplayRecordView> records() {
        return records;
    }

    public Grid<ReplayRecordView> grid() {
        return grid;
    }

    /** The payload text shown for the selected record (for tests). */
    public String payloadText() {
        return payload.getText();
    }

    private void showDetails(ReplayRecordView r) {
        details.setVisible(r != null);
        if (r == null) {
            return;
        }
        detailsTitle.setText("Record " + (records.indexOf(r) + 1) + " of " + records.size() + ": " + r.source() + " → "
                + r.targetTopic() + " · key " + key(r));
        PayloadViewer.showHeaders(headers, r.headers());
        if (r.payload() == null) {
            payload.setText("(no payload: a tombstone)");
            payloadInfo.setText("");
            return;
        }
        boolean base64 = "base64".equals(r.payloadEncoding());
        String text = !base64 && PrettyJson.looksLikeJson(r.payload()) ? PrettyJson.format(r.payload()) : r.payload();
        boolean cut = text.length() > MAX_PAYLOAD_CHARS;
        payload.setText(PrettyJson.visible(cut ? text.substring(0, MAX_PAYLOAD_CHARS) : text));
        payloadInfo.setText((base64 ? "binary, shown as base64 · " : "") + Formats.count(r.payload().length())
                + " characters" + (cut ? " · showing the first " + Formats.count(MAX_PAYLOAD_CHARS) : ""));
    }

    static String key(ReplayRecordView r) {
        if (r.key() == null) {
            return "(none)";
        }
        return PrettyJson.visible(r.key()) + ("base64".equals(r.keyEncoding()) ? " (base64)" : "");
    }

    /** The start of the payload on one line. */
    static String cell(ReplayRecordView r) {
        if (r.payload() == null) {
            return "(tombstone)";
        }
        String one = r.payload().replaceAll("\\s+", " ");
        String cut = one.length() > CELL_CHARS ? one.substring(0, CELL_CHARS) + "…" : one;
        return ("base64".equals(r.payloadEncoding()) ? "[base64] " : "") + PrettyJson.visible(cut);
    }
}
