package io.choreoscope.ui.flow;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.Span;

import io.choreoscope.model.api.FlowSchemas;
import io.choreoscope.ui.client.TimeWindow;
import io.choreoscope.ui.graph.GraphData;
import io.choreoscope.ui.shell.Formats;
import io.choreoscope.ui.shell.GridCells;
import io.choreoscope.ui.shell.Loader;

/**
 * The schemas each step of a flow was written with over the window ({@code GET /flows/{flow}/schemas}, issue 18): one
 * row per step and schema version with its format, subject or record name, version or fingerprint, records and when the
 * first and last appeared; a step whose schema changed inside the window is marked CHANGED here, in the steps table's
 * schema column and on the map ({@link #mark}). A panel of its own that loads by itself; hidden when no record of the
 * window was decoded through a schema.
 */
public class SchemasPanel extends Div {
    /** Label text of a step whose schema changed in the window (the map and the tables: text, not colour alone). */
    public static final String CHANGED_MARK = "schema changed";
    /** Class of such a step on the map ({@code choreo-graph.js}). */
    public static final String CHANGED_CLASS = "schema-changed";

    /** One row of the table: a step and one of its schemas. */
    record Row(FlowSchemas.Step step, FlowSchemas.Version version) {
    }

    private final Loader loader = new Loader();
    private final Span summary = new Span();
    private final Grid<Row> table = new Grid<>();
    private final Consumer<FlowSchemas> onLoaded;
    private FlowSchemas shown;

    /** @param onLoaded told each time a window's schemas arrived (the view marks its map and steps table) */
    public SchemasPanel(Consumer<FlowSchemas> onLoaded) {
        this.onLoaded = onLoaded;
        setId("schemas");
        addClassNames("schemas-panel", "card");
        summary.setId("schemas-summary");
        summary.addClassName("muted");
        table.setId("schemas-table");
        // subjects, file names and fingerprints wrap and break rather than being cut (31 cells in the demo at 1400 px)
        table.addThemeVariants(GridVariant.LUMO_COMPACT, GridVariant.LUMO_WRAP_CELL_CONTENT);
        table.setPartNameGenerator(GridCells.breakLongWords());
        table.addColumn(r -> r.step().step()).setHeader("Step").setFlexGrow(2);
        table.addColumn(r -> r.step().changed() ? "CHANGED" : "").setHeader("Change").setFlexGrow(1);
        table.addColumn(r -> schemaName(r.version())).setHeader("Schema (subject or record)").setFlexGrow(3);
        table.addColumn(r -> versionLabel(r.version())).setHeader("Version / ID").setFlexGrow(2);
        table.addColumn(r -> r.version().format()).setHeader("Format").setFlexGrow(1);
        table.addColumn(r -> Formats.count(r.version().records())).setHeader("Records").setFlexGrow(1);
        table.addColumn(r -> Formats.dateTime(r.version().firstSeen())).setHeader("First seen").setFlexGrow(2);
        table.addColumn(r -> Formats.dateTime(r.version().lastSeen())).setHeader("Last seen").setFlexGrow(2);
        table.setAllRowsVisible(true);
        add(new H3("Schemas per step"), summary, table);
        setVisible(false);
    }

    /** Loads and shows the schemas of {@code flow} over {@code window}; null flow hides the panel. */
    public void show(String flow, TimeWindow window) {
        shown = null;
        if (flow == null) {
            loader.cancel();
            setVisible(false);
            return;
        }
        loader.load(api -> api.schemas(flow, window), this::show, e -> {
            setVisible(!e.isNotFound());
            summary.setText(e.isNotFound() ? "" : "Could not read the schemas of the steps: " + e.getMessage());
            table.setItems(List.of());
        });
    }

    void show(FlowSchemas s) {
        shown = s;
        List<Row> rows = new ArrayList<>();
        s.steps().forEach(step -> step.versions().forEach(v -> rows.add(new Row(step, v))));
        table.setItems(rows);
        setVisible(!rows.isEmpty());
        long changed = s.steps().stream().filter(FlowSchemas.Step::changed).count();
        summary.setText(Formats.count(s.steps().size(), "step", "steps") + " decoded through a schema in "
                + Formats.dateTime(s.from()) + " – " + Formats.dateTime(s.to()) + "; "
                + (changed == 0 ? "no step's schema changed." : Formats.count(changed, "step's schema", "steps' schemas")
                + " changed (marked on the map).") + (s.truncated()
                ? " Only the first " + Formats.count(rows.size()) + " step and schema pairs are listed." : ""));
        onLoaded.accept(s);
    }

    /** What was shown last; null before the first answer. */
    public FlowSchemas shown() {
        return shown;
    }

    /** The table's rows, for tests. */
    List<Row> rows() {
        return table.getGenericDataView().getItems().toList();
    }

    /** The steps whose schema changed in {@code s}; empty for null. */
    public static Set<String> changedSteps(FlowSchemas s) {
        Set<String> out = new TreeSet<>();
        if (s != null) {
            s.steps().stream().filter(FlowSchemas.Step::changed).forEach(x -> out.add(x.step()));
        }
        return out;
    }

    /**
     * What the steps table's schema column shows for {@code step}: its schemas in the order they appeared
     * ({@code orders-value v1 → v2}, {@code content/ContentUploaded-v1.avsc → content/ContentUploaded-v2.avsc}), with
     * {@link #CHANGED_MARK} when it changed; empty when none.
     */
    public static String columnText(FlowSchemas s, String step) {
        if (s == null) {
            return "";
        }
        for (FlowSchemas.Step x : s.steps()) {
            if (x.step().equals(step)) {
                List<String> labels = new ArrayList<>();
                String previousName = null;
                for (FlowSchemas.Version v : x.versions()) {
                    String name = schemaName(v);
                    String label = v.version() > 0 ? (name.equals(previousName) ? "v" + v.version() : name + " v" + v.version())
                            : name.equals(previousName) || name.equals(v.id()) ? versionLabel(v) : name;
                    labels.add(label);
                    previousName = name;
                }
                return String.join(" → ", labels) + (x.changed() ? " · " + CHANGED_MARK : "");
            }
        }
        return "";
    }

    /**
     * {@code data} with every node of a step in {@code changed} marked: the class {@link #CHANGED_CLASS}, a label line
     * {@link #CHANGED_MARK} (text, not colour alone) and a tip naming the schemas and when the change appeared.
     */
    public static GraphData mark(GraphData data, FlowSchemas s) {
        Set<String> changed = changedSteps(s);
        if (changed.isEmpty()) {
            return data;
        }
        Map<String, FlowSchemas.Step> bySteps = new LinkedHashMap<>();
        s.steps().forEach(x -> bySteps.put(x.step(), x));
        List<GraphData.Node> nodes = new ArrayList<>();
        for (GraphData.Node n : data.nodes()) {
            if (!changed.contains(n.id())) {
                nodes.add(n);
                continue;
            }
            List<String> classes = new ArrayList<>(n.classes());
            classes.add(CHANGED_CLASS);
            FlowSchemas.Step step = bySteps.get(n.id());
            StringBuilder tip = new StringBuilder(n.tip() == null ? "" : n.tip() + "\n");
            tip.append("Schema changed at ").append(Formats.dateTime(step.changedAt())).append(':');
            for (FlowSchemas.Version v : step.versions()) {
                tip.append("\n").append(schemaName(v)).append(' ').append(versionLabel(v)).append(": ")
                        .append(Formats.count(v.records())).append(" records, ").append(Formats.dateTime(v.firstSeen()))
                        .append(" – ").append(Formats.dateTime(v.lastSeen()));
            }
            nodes.add(new GraphData.Node(n.id(), n.label() + "\n" + CHANGED_MARK, classes, tip.toString()));
        }
        return new GraphData(nodes, data.edges(), data.rankDir(), data.rankSep());
    }

    /** The subject (registry subject or schema file), else the record or message name, else the ID. */
    static String schemaName(FlowSchemas.Version v) {
        return v.subject() != null ? v.subject() : v.name() != null ? v.name() : v.id();
    }

    /** {@code v3 (id 42)}, or the ID (an Avro fingerprint {@code fp:...} shortened to 12 hex digits) without a version. */
    static String versionLabel(FlowSchemas.Version v) {
        String id = v.id() != null && v.id().startsWith("fp:") && v.id().length() > 15 ? v.id().substring(0, 15) + "…" : v.id();
        return v.version() > 0 ? "v" + v.version() + " (id " + id + ")" : id;
    }
}
