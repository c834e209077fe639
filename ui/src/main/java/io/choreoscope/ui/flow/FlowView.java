package io.choreoscope.ui.flow;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.datetimepicker.DateTimePicker;
import io.choreoscope.model.flow.FlowComparison;
import java.time.Instant;
import com.vaadin.flow.component.html.Anchor;
import com.vaadin.flow.component.html.Input;
import com.vaadin.flow.component.radiobutton.RadioButtonGroup;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.data.value.ValueChangeMode;
import com.vaadin.flow.router.QueryParameters;
import io.choreoscope.model.flow.FlowFilter;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.model.flow.Variant;
import io.choreoscope.ui.client.TimeWindow;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.details.Details;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.icon.VaadinIcon;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.HasDynamicTitle;
import com.vaadin.flow.router.Route;
import com.vaadin.flow.router.RouterLink;

import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.ui.client.ApiException;
import io.choreoscope.ui.client.ChoreoscopeApi;
import io.choreoscope.ui.client.InstanceQuery;
import io.choreoscope.ui.dashboard.DashboardView;
import io.choreoscope.ui.graph.GraphData;
import io.choreoscope.ui.graph.GraphView;
import io.choreoscope.ui.graph.StepKinds;
import io.choreoscope.ui.instance.InstanceList;
import io.choreoscope.ui.shell.Formats;
import io.choreoscope.ui.shell.GridCells;
import io.choreoscope.ui.shell.Loader;
import io.choreoscope.ui.shell.MainLayout;
import io.choreoscope.ui.shell.NameInUrl;
import io.choreoscope.ui.shell.Notice;
import io.choreoscope.ui.shell.ViewHeader;

/**
 * The model of one flow as an interactive map (ELK layered: starts left, ends right, the main path straight; pan and
 * zoom), for a time window ({@code ?window=-1h}, default the last hour; or the live lifetime model), filtered by two
 * sliders (steps and paths by share of instances, {@link FlowFilter}, the same code as the API's) with a note of what
 * is hidden, in a frequency or a performance view. Beside it the window's variants: clicking one lists its
 * instances. Clicking a step or a transition, in the map or in the tables under it (keyboard), shows its figures and
 * the instances that passed through it.
 */
@Route(value = "flows/:flow?", layout = MainLayout.class)
public class FlowView extends Div implements BeforeEnterObserver, HasDynamicTitle {

    public static final String FLOW_PARAMETER = "flow";
    /** The query parameter that carries a flow name the path cannot ({@link NameInUrl}). */
    public static final String FLOW_QUERY = "flow";

    /** A link to the page of {@code flow}, whatever characters its name has. */
    public static com.vaadin.flow.router.RouterLink link(String flow) {
        return NameInUrl.link(FlowView.class, FLOW_PARAMETER, FLOW_QUERY, flow);
    }

    /** Instances listed for a selected step. */
    static final int INSTANCE_LIMIT = 50;

    private final Clock clock = Clock.systemUTC();
    private final H2 title = new H2();
    private final Span subtitle = new Span();
    private final GraphView graph = new GraphView();
    private final Div graphArea = new Div();
    private final Div details = new Div();
    private final Grid<FlowModel.Node> steps = new Grid<>();
    private final Grid<FlowModel.Transition> transitions = new Grid<>();
    private final Div tables = new Div();
    private final Details stepsDetails = new Details("Steps", steps);
    private final Details transitionsDetails = new Details("Transitions", transitions);
    private final Loader modelLoader = new Loader();
    private final Loader instanceLoader = new Loader();
    private final Select<TimeWindow> window = new Select<>();
    /** Issue 16: what the flow's stuck instances have in common; a panel of its own that loads by itself. */
    private final io.choreoscope.ui.suspects.SuspectsPanel suspects = new io.choreoscope.ui.suspects.SuspectsPanel();
    /** Issue 18: the schemas per step; loads by itself and marks the map and the steps table when it arrives. */
    private final SchemasPanel schemas = new SchemasPanel(this::schemasLoaded);
    /** The window's schemas per step; null until they arrived (or when they could not be read). */
    private io.choreoscope.model.api.FlowSchemas schemaView;
    private final RadioButtonGroup<FlowGraph.Mode> mode = new RadioButtonGroup<>();
    private final RadioButtonGroup<Arrows> arrows = new RadioButtonGroup<>();
    /** Whether the shown model's arrows go from each step's cause ({@link Arrows#BY_CAUSE}) as loaded. */
    private boolean byCause;
    private final Input stepSlider = slider("step-slider", "Steps: hide event types fewer instances have");
    private final Input pathSlider = slider("path-slider", "Paths: hide transitions fewer instances take");
    private final Span stepValue = new Span();
    private final Span pathValue = new Span();
    private final Span hiddenNote = new Span();
    private final Div variantsPanel = new Div();
    private final Loader variantLoader = new Loader();
    private final Compare cmp = new Compare();
    private String flow;
    /** The API as the signed-in user, for downloads (which run outside the UI's request). */
    private ChoreoscopeApi api;
    /** The whole (unfiltered) model of the window; {@link #model} is what the map shows. */
    private FlowModel whole;
    private FlowModel model;
    private List<Variant> variants = List.of();
    private Map<String, Long> stuckByType = Map.of();
    private String selected;

    /** Most variants read per window (the API's largest page); enough for an exact hidden count on most flows. */
    static final int VARIANT_LIMIT = ChoreoscopeApi.MAX_LIMIT;
    /** Variants listed beside the map. */
    static final int VARIANTS_SHOWN = 10;

    /**
     * How the map's arrows are drawn: {@code IN_ORDER} from each step to the next in time (the directly-follows graph of
     * process mining), {@code BY_CAUSE} from each step's cause (the step its causation ID names, else the one before
     * it), so that parallel reactions to one event are arrows from it rather than a tangle between them. By cause needs
     * a time window; for one it is the default ({@code ?arrows=order} asks for the other): in a choreography services
     * react to one event at once, and the map in order draws every order their reactions happened to arrive in, while
     * without causation IDs the two maps are the same (docs/INFERENCE.md, "Arrows by cause").
     */
    enum Arrows {
        IN_ORDER, BY_CAUSE;

        /** The arrows the address asks for ({@code arrows}: {@code order}, {@code cause} or absent) in window {@code w}. */
        static Arrows of(String parameter, TimeWindow w) {
            return w.lifetime() || "order".equals(parameter) ? IN_ORDER : BY_CAUSE;
        }

        /** The address's {@code arrows} for these arrows in window {@code w}; null where it is the only choice. */
        String parameter(TimeWindow w) {
            return w == null || w.lifetime() ? null : this == BY_CAUSE ? "cause" : "order";
        }
    }

    /** The model (by cause or not), the stuck instances and the variants, loaded together. */
    record Loaded(FlowModel model, boolean byCause, List<InstanceSnapshot> stuck, List<Variant> variants) {
    }

    public FlowView() {
        addClassNames("view", "flow-view");
        RouterLink back = new RouterLink("Dashboard", DashboardView.class);
        back.addClassName("breadcrumb");
        subtitle.addClassName("view-subtitle");
        Div titles = ViewHeader.titles(back, title, subtitle);

        Button fit = new Button("Fit to view", VaadinIcon.EXPAND_SQUARE.create(),
                e -> graph.getElement().callJsFunction("fit"));
        fit.addThemeVariants(ButtonVariant.LUMO_TERTIARY, ButtonVariant.LUMO_SMALL);
        Div header = ViewHeader.of(titles, legend(), fit);

        graph.setId("flow-graph");
        graph.useLayeredLayout();
        graph.setSizeFull();
        graph.addNodeClickListener(e -> {
            selectNode(e.getId());
            revealDetails();
        });
        graph.addEdgeClickListener(e -> {
            selectEdge(e.getId());
            revealDetails();
        });
        graphArea.addClassNames("graph-card", "card");
        details.addClassNames("details-panel", "card");
        details.setId("selection-details");
        variantsPanel.addClassNames("variants-panel", "card");
        variantsPanel.setId("variants-panel");
        Div side = new Div(variantsPanel, details);
        side.addClassName("flow-side");
        Div body = new Div(graphArea, side);
        body.addClassName("flow-body");

        // Names wrap and a long one breaks rather than being cut ("ModerationApproved", the schema files, in the demo)
        steps.addThemeVariants(GridVariant.LUMO_COMPACT, GridVariant.LUMO_WRAP_CELL_CONTENT);
        steps.setPartNameGenerator(GridCells.breakLongWords());
        steps.addColumn(FlowModel.Node::eventType).setHeader("Step (event type)").setFlexGrow(3);
        steps.addColumn(n -> Formats.count(n.count())).setHeader("Occurrences");
        steps.addColumn(n -> Formats.count(stuckByType.getOrDefault(n.eventType(), 0L))).setHeader("Stuck here");
        steps.addColumn(n -> SchemasPanel.columnText(schemaView, n.eventType())).setHeader("Schema").setFlexGrow(3);
        steps.setAllRowsVisible(true);
        steps.setId("steps-table");
        steps.asSingleSelect().addValueChangeListener(e -> {
            if (e.getValue() != null) {
                selectNode(e.getValue().eventType());
            }
        });
        transitions.addThemeVariants(GridVariant.LUMO_COMPACT, GridVariant.LUMO_WRAP_CELL_CONTENT);
        transitions.setPartNameGenerator(GridCells.breakLongWords());
        transitions.addColumn(FlowModel.Transition::from).setHeader("From").setFlexGrow(2);
        transitions.addColumn(FlowModel.Transition::to).setHeader("To").setFlexGrow(2);
        transitions.addColumn(t -> Formats.count(t.count())).setHeader("Count");
        transitions.addColumn(t -> Formats.percent(t.probability())).setHeader("Share");
        transitions.addColumn(t -> Formats.duration(t.p50Ms())).setHeader("p50");
        transitions.addColumn(t -> Formats.duration(t.p95Ms())).setHeader("p95");
        transitions.addColumn(t -> Formats.duration(t.p99Ms())).setHeader("p99");
        transitions.setAllRowsVisible(true);
        transitions.setId("transitions-table");
        transitions.asSingleSelect().addValueChangeListener(e -> {
            if (e.getValue() != null) {
                selectEdge(FlowGraph.edgeId(e.getValue().from(), e.getValue().to()));
            }
        });
        stepsDetails.setOpened(true);
        transitionsDetails.setOpened(true);
        tables.add(cmp.differencesDetails, stepsDetails, transitionsDetails);
        tables.addClassNames("flow-tables", "card");
        add(header, controls(), cmp.bar(), body, tables, schemas, suspects);
    }

    private Component controls() {
        List<TimeWindow> windows = new java.util.ArrayList<>(TimeWindow.PRESETS);
        windows.add(TimeWindow.LIFETIME);
        window.setItems(windows);
        window.setItemLabelGenerator(TimeWindow::label);
        window.setValue(TimeWindow.LAST_HOUR);
        window.setAriaLabel("Time window");
        window.setId("window-select");
        window.addValueChangeListener(e -> {
            if (e.isFromClient() && e.getValue() != null) {
                // from the lifetime (in order only) to a window: the window's default arrows
                navigate(e.getValue(), e.getOldValue() != null && e.getOldValue().lifetime() ? Arrows.BY_CAUSE : arrows.getValue());
            }
        });
        mode.setItems(FlowGraph.Mode.values());
        mode.setItemLabelGenerator(m -> m == FlowGraph.Mode.FREQUENCY ? "Frequency" : "Performance");
        mode.setValue(FlowGraph.Mode.FREQUENCY);
        mode.setId("view-mode");
        mode.setAriaLabel("Show counts or latencies");
        mode.addValueChangeListener(e -> redraw());
        arrows.setItems(Arrows.values());
        arrows.setItemLabelGenerator(a -> a == Arrows.IN_ORDER ? "In order" : "By cause");
        arrows.setValue(Arrows.BY_CAUSE);
        arrows.setId("arrows-mode");
        arrows.setAriaLabel("Draw arrows from each step to the next in time, or from each step's cause");
        arrows.getElement().setAttribute("title", "In order: an arrow from each step to the step after it in time."
                + " By cause: from the step that caused it (its causation ID), so parallel reactions to one event"
                + " are arrows from that event (the default). By cause needs a time window.");
        arrows.addValueChangeListener(e -> {
            if (e.isFromClient() && e.getValue() != null) {
                if (cmp.windows != null) {
                    cmp.arrowsChanged(); // the comparison's windows stay; both are read again with the other arrows
                } else {
                    navigate(window.getValue(), e.getValue());
                }
            }
        });
        stepSlider.setValue(Long.toString(Math.round(100 * FlowFilter.DEFAULT_MIN_STEP_SHARE)));
        pathSlider.setValue(Long.toString(Math.round(100 * FlowFilter.DEFAULT_MIN_PATH_SHARE)));
        stepSlider.addValueChangeListener(e -> redraw());
        pathSlider.addValueChangeListener(e -> redraw());
        stepValue.setId("step-value");
        pathValue.setId("path-value");
        hiddenNote.setId("hidden-note");
        hiddenNote.addClassName("hidden-note");
        Div steps = new Div(new Span("Steps ≥ "), stepValue, stepSlider);
        steps.addClassName("slider-field");
        Div paths = new Div(new Span("Paths ≥ "), pathValue, pathSlider);
        paths.addClassName("slider-field");
        Div exports = new Div(new Span("Export: "));
        exports.addClassName("flow-exports");
        exports.setId("flow-exports");
        for (String format : EXPORT_FORMATS) {
            Anchor a = new Anchor(new com.vaadin.flow.server.StreamResource(flowFileName(format), () -> exportStream(format)),
                    format.toUpperCase(java.util.Locale.ROOT));
            a.getElement().setAttribute("download", true);
            a.setId("export-" + format);
            a.getElement().setAttribute("title", format.equals("xes") || format.equals("csv")
                    ? "The window's event log (case, activity, timestamp, resource)" : "The map as shown");
            exports.add(a);
        }
        for (String format : IMAGE_FORMATS) {
            // made in the browser from the drawn graph (what is on screen, comparison marks included): no server trip
            Button b = new Button(format.toUpperCase(java.util.Locale.ROOT));
            b.addThemeVariants(ButtonVariant.LUMO_TERTIARY_INLINE, ButtonVariant.LUMO_SMALL);
            b.setId("export-" + format);
            b.getElement().setAttribute("title", "The map as drawn now, as " + format.toUpperCase(java.util.Locale.ROOT));
            b.getElement().executeJs("this.addEventListener('click', () => { const g = document.getElementById('flow-graph');"
                    + " if (g && g.download) { g.download($0, this.dataset.file || ('flow.' + $0)); } })", format);
            imageButtons.add(b);
            exports.add(b);
        }
        Div bar = new Div(window, mode, arrows, steps, paths, hiddenNote, exports);
        bar.addClassName("flow-controls");
        return bar;
    }

    /** Goes to this flow's page for {@code w} with the arrows {@code a} (by cause only for a window). */
    private void navigate(TimeWindow w, Arrows a) {
        java.util.Map<String, String> q = new java.util.LinkedHashMap<>();
        q.put("window", w.lifetime() ? "lifetime" : w.from());
        if (a.parameter(w) != null) {
            q.put("arrows", a.parameter(w));
        }
        getUI().ifPresent(ui -> NameInUrl.navigate(ui, FlowView.class, FLOW_PARAMETER, FLOW_QUERY, flow, q));
    }

    /** Images of the drawn map offered for download, made in the browser ({@code choreo-graph.js}). */
    static final List<String> IMAGE_FORMATS = List.of("svg", "png");
    private final List<Button> imageButtons = new java.util.ArrayList<>();

    /** A download's file name for {@code flow}: letters, digits, dot, dash and underscore kept, at most 80. */
    static String imageFileName(String flow, String format) {
        String safe = flow == null ? "" : flow.replaceAll("[^A-Za-z0-9._-]", "_");
        safe = safe.length() > 80 ? safe.substring(0, 80) : safe;
        return (safe.isEmpty() || safe.startsWith(".") ? "flow" : safe) + "." + format;
    }

    /** Formats offered for download (the API's {@code /export}). */
    static final List<String> EXPORT_FORMATS = List.of("bpmn", "mermaid", "dot", "xes", "csv");

    private String flowFileName(String format) {
        String ext = switch (format) {
            case "mermaid" -> "mmd";
            default -> format;
        };
        return "flow." + ext;
    }

    /** The export as the API answers it, for the current window and sliders; an error becomes a short text file. */
    java.io.InputStream exportStream(String format) {
        try {
            var raw = api.export(flow, window.getValue(), format, shareOf(stepSlider), shareOf(pathSlider), byCause);
            return new java.io.ByteArrayInputStream(raw.bytes());
        } catch (ApiException e) {
            return new java.io.ByteArrayInputStream(("Export failed: " + e.getMessage()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    private static Input slider(String id, String label) {
        Input in = new Input(ValueChangeMode.ON_CHANGE);
        in.setType("range");
        in.getElement().setAttribute("min", "0");
        in.getElement().setAttribute("max", "50");
        in.getElement().setAttribute("step", "1");
        in.getElement().setAttribute("aria-label", label);
        in.getElement().setAttribute("title", label);
        in.setId(id);
        return in;
    }

    /** A slider's value as a share 0..0.5; anything unreadable is 0 (the browser only sends numbers in range). */
    private static double shareOf(Input slider) {
        try {
            return Math.max(0, Math.min(50, Integer.parseInt(slider.getValue().strip()))) / 100.0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The window picked, for tests. */
    TimeWindow window() {
        return window.getValue();
    }

    @Override
    public String getPageTitle() {
        return (flow == null ? "Flow" : flow) + " · choreoscope";
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        flow = NameInUrl.read(event, FLOW_PARAMETER, FLOW_QUERY);
        if (flow.isEmpty()) {
            event.rerouteToError(com.vaadin.flow.router.NotFoundException.class);
            return;
        }
        api = io.choreoscope.ui.UiServices.current().api();
        title.setText(flow);
        imageButtons.forEach(b -> b.getElement().setAttribute("data-file",
                imageFileName(flow, b.getId().orElse("export-svg").substring("export-".length()))));
        String w = event.getLocation().getQueryParameters().getSingleParameter("window").orElse(null);
        window.setValue(w == null ? TimeWindow.LAST_HOUR : "lifetime".equals(w) ? TimeWindow.LIFETIME : TimeWindow.parse(w));
        arrows.setValue(Arrows.of(event.getLocation().getQueryParameters().getSingleParameter("arrows").orElse(null),
                window.getValue()));
        // "By cause" needs a window
        arrows.setItemEnabledProvider(a -> a == Arrows.IN_ORDER || !window.getValue().lifetime());
        cmp.fromUrl(event.getLocation().getQueryParameters().getSingleParameter("compare").orElse(null));
        load();
    }

    private void load() {
        graphArea.removeAll();
        graphArea.add(Notice.loading("Loading the flow model…"));
        details.removeAll();
        tables.setVisible(false);
        subtitle.setText("");
        String f = flow;
        TimeWindow w = window.getValue();
        variantsPanel.removeAll();
        suspects.show(f, w);
        schemaView = null;
        schemas.show(f, w);
        boolean cause = arrows.getValue() == Arrows.BY_CAUSE && !w.lifetime();
        modelLoader.load(api -> new Loaded(cause ? api.flowByCause(f, w) : api.flow(f, w), cause, api.stuck(f, ChoreoscopeApi.MAX_LIMIT),
                        w.lifetime() ? List.of() : api.variants(f, w, VARIANT_LIMIT)), this::show,
                e -> {
                    graphArea.removeAll();
                    graphArea.add(e.isNotFound()
                            ? Notice.empty(VaadinIcon.QUESTION_CIRCLE_O, "No flow named “" + f + "”", e.getMessage()
                                    + " Flows are named after their start event type; pick one on the dashboard.")
                            : Notice.error("Could not load the flow model", e, this::load));
                    details.setVisible(false);
                });
    }

    private void show(Loaded loaded) {
        this.whole = loaded.model();
        this.byCause = loaded.byCause();
        this.variants = loaded.variants();
        this.stuckByType = loaded.stuck().stream()
                .collect(Collectors.groupingBy(InstanceSnapshot::lastEventType, TreeMap::new, Collectors.counting()));
        details.setVisible(true);
        showVariants();
        if (cmp.windows != null) {
            cmp.load();
        } else {
            redraw();
        }
    }

    /** Filters the window's model with the sliders and draws it; no API call. */
    private void redraw() {
        if (cmp.active()) {
            cmp.redraw();
            return;
        }
        cmp.leave();
        if (whole == null) {
            return;
        }
        double step = shareOf(stepSlider);
        double path = shareOf(pathSlider);
        stepValue.setText(Math.round(step * 100) + "%");
        pathValue.setText(Math.round(path * 100) + "%");
        // variants are orders of steps: they count the instances hidden exactly for arrows in order only
        model = FlowFilter.apply(whole, step, path, variants.isEmpty() || byCause ? null : variants);
        String note = FlowFilter.describe(model.hidden());
        hiddenNote.setText(note.isEmpty() ? "Nothing hidden" : note);
        long stuckTotal = stuckByType.values().stream().mapToLong(Long::longValue).sum();
        subtitle.setText(Formats.count(whole.instances()) + " instances"
                + (whole.from() == null ? " (lifetime)" : " started in the window") + " · " + model.nodes().size()
                + " of " + whole.nodes().size() + " steps · " + model.transitions().size() + " of "
                + whole.transitions().size() + (byCause ? " arrows by cause shown" : " transitions shown")
                + (stuckTotal > 0 ? " · " + Formats.count(stuckTotal) + " stuck now" : ""));
        graphArea.removeAll();
        if (model.nodes().isEmpty()) {
            graphArea.add(Notice.empty(VaadinIcon.SITEMAP, whole.from() == null ? "Nothing learned yet"
                            : "No instance started in this window",
                    whole.from() == null ? "This flow has no events in its model yet."
                            : "Pick a longer window, or the lifetime model."));
            tables.setVisible(false);
            return;
        }
        graph.setData(SchemasPanel.mark(FlowGraph.build(model, stuckByType,
                mode.getValue() == null ? FlowGraph.Mode.FREQUENCY : mode.getValue()), schemaView));
        graphArea.add(graph);
        steps.setItems(model.nodes());
        transitions.setItems(model.transitions());
        stepsDetails.setVisible(true);
        transitionsDetails.setVisible(true);
        tables.setVisible(true);
        if (selected == null) {
            showOverview();
        }
    }

    /** The window's schemas arrived: the steps table's schema column and the map's marks follow them. */
    private void schemasLoaded(io.choreoscope.model.api.FlowSchemas s) {
        schemaView = s;
        if (whole != null && !cmp.active() && !SchemasPanel.changedSteps(s).isEmpty()) {
            redraw();
        } else {
            steps.getDataProvider().refreshAll();
        }
    }

    /** The window's most frequent variants, beside the map; a click lists the variant's instances. */
    private void showVariants() {
        variantsPanel.removeAll();
        H3 h = new H3("Variants");
        variantsPanel.add(h);
        if (window.getValue().lifetime()) {
            Paragraph p = new Paragraph("Pick a time window to see the variants of its instances.");
            p.addClassName("muted");
            variantsPanel.add(p);
            return;
        }
        if (variants.isEmpty()) {
            Paragraph p = new Paragraph("No instance started in this window.");
            p.addClassName("muted");
            variantsPanel.add(p);
            return;
        }
        long listed = variants.stream().mapToLong(Variant::count).sum();
        Paragraph sum = new Paragraph(Formats.count(variants.size()) + (listed < whole.instances() ? "+" : "")
                + " variants; the most frequent first");
        sum.addClassName("muted");
        variantsPanel.add(sum);
        for (int i = 0; i < Math.min(VARIANTS_SHOWN, variants.size()); i++) {
            Variant v = variants.get(i);
            int rank = i + 1;
            Span head = new Span("#" + rank + " · " + Formats.percent(v.share()) + " · " + Formats.count(v.count())
                    + " instances · p95 " + Formats.duration(v.p95Ms()));
            head.addClassName("variant-head");
            Span path = new Span(String.join(" → ", v.steps()) + (v.complete() ? "" : " → …"));
            path.addClassName("variant-steps");
            Div item = new Div(head, path);
            item.addClassName("variant-item");
            item.setId("variant-" + rank);
            item.getElement().setAttribute("role", "button");
            item.getElement().setAttribute("tabindex", "0");
            item.addClickListener(e -> selectVariant(rank, v));
            item.getElement().addEventListener("keydown", e -> selectVariant(rank, v)).setFilter("event.key === 'Enter'");
            variantsPanel.add(item);
        }
    }

    /** Shows one variant's figures and its instances. */
    void selectVariant(int rank, Variant v) {
        selected = "variant:" + v.id();
        graph.select(null);
        details.removeAll();
        Span kind = new Span("Variant #" + rank);
        kind.addClassName("eyebrow");
        H3 h = new H3(String.join(" → ", v.steps()));
        h.addClassName("selection-title");
        Div facts = new Div(fact("Instances", Formats.count(v.count())), fact("Share", Formats.percent(v.share())),
                fact("Steps", Formats.count(v.length())), fact("Duration p50", Formats.duration(v.p50Ms())),
                fact("Duration p95", Formats.duration(v.p95Ms())));
        for (Map.Entry<InstanceState, Long> o : new TreeMap<>(v.outcomes()).entrySet()) {
            facts.add(fact(o.getKey().name().toLowerCase(java.util.Locale.ROOT), Formats.count(o.getValue())));
        }
        facts.addClassName("facts");
        details.add(kind, h, facts, new H3("Its instances"));
        Div slot = new Div(Notice.loading("Loading instances…"));
        slot.addClassName("instances-slot");
        details.add(slot);
        String f = flow;
        TimeWindow w = window.getValue();
        variantLoader.load(api -> api.variantInstances(f, v.id(), w, INSTANCE_LIMIT), list -> {
            slot.removeAll();
            if (list.isEmpty()) {
                slot.add(Notice.empty(VaadinIcon.INBOX, "No instances", "None in the stored window."));
                return;
            }
            InstanceList l = new InstanceList(clock, false);
            l.setId("variant-instances");
            l.show(list);
            l.setHeight("320px");
            slot.add(l);
        }, (ApiException e) -> {
            slot.removeAll();
            slot.add(Notice.error("Could not load the instances", e, null));
        });
    }

    private void showOverview() {
        details.removeAll();
        H3 h = new H3("Select a step or a transition");
        Paragraph p = new Paragraph("Click a box or an arrow in the graph, or pick a row in the tables below, to "
                + "see its figures and the instances that passed through it. Drag to pan, scroll to zoom.");
        p.addClassName("muted");
        details.add(h, p);
        if (!stuckByType.isEmpty()) {
            H3 s = new H3("Stuck points");
            details.add(s);
            stuckByType.forEach((type, n) -> {
                Button b = new Button(type + " — " + Formats.count(n) + " stuck", e -> selectNode(type));
                b.addThemeVariants(ButtonVariant.LUMO_TERTIARY, ButtonVariant.LUMO_SMALL);
                b.addClassName("stuck-point");
                details.add(b);
            });
        }
        if (!model.deviationCounts().isEmpty()) {
            H3 d = new H3("Deviations from the model");
            details.add(d);
            model.deviationCounts().forEach((k, n) -> details.add(fact(k.name().replace('_', ' ').toLowerCase(
                    java.util.Locale.ROOT), Formats.count(n))));
        }
    }

    /**
     * Scrolls the details of what the person clicked into view when they are not (below 1300 px of view they are under
     * the map, see styles.css); nothing moves when they are in view already.
     */
    private void revealDetails() {
        details.getElement().executeJs("this.scrollIntoView({block: 'nearest', behavior: 'smooth'})");
    }

    /** Shows a step's details and the instances that contain it. */
    void selectNode(String eventType) {
        if (cmp.active()) {
            cmp.select(eventType, false);
            return;
        }
        if (model == null) {
            return;
        }
        FlowModel.Node node = model.nodes().stream().filter(n -> n.eventType().equals(eventType)).findFirst()
                .orElse(null);
        if (node == null) {
            return;
        }
        selected = eventType;
        graph.select(eventType);
        details.removeAll();
        Span kind = new Span("Step");
        kind.addClassName("eyebrow");
        H3 h = new H3(eventType);
        h.addClassName("selection-title");
        HorizontalLayout tags = new HorizontalLayout();
        tags.addClassName("tags");
        if (model.startCounts().containsKey(eventType)) {
            tags.add(tag("Start", "tag-start"));
        }
        if (model.learnedEnds().contains(eventType)) {
            tags.add(tag("End", "tag-end"));
        }
        if (StepKinds.isCompensation(eventType)) {
            tags.add(tag("Compensation", "tag-compensation"));
        }
        if (StepKinds.isFailure(eventType)) {
            tags.add(tag("Failure", "tag-failure"));
        }
        long stuck = stuckByType.getOrDefault(eventType, 0L);
        if (stuck > 0) {
            tags.add(tag(Formats.count(stuck) + " stuck here", "tag-stuck"));
        }
        if (SchemasPanel.changedSteps(schemaView).contains(eventType)) {
            tags.add(tag("Schema changed", "tag-schema-changed"));
        }
        Div facts = new Div(fact("Occurrences", Formats.count(node.count())),
                fact("Started here", Formats.count(model.startCounts().getOrDefault(eventType, 0L))),
                fact(byCause ? "Caused nothing in" : "Ended here", Formats.count(model.endCounts().getOrDefault(eventType, 0L))));
        String schemaText = SchemasPanel.columnText(schemaView, eventType);
        if (!schemaText.isEmpty()) {
            facts.add(fact("Schema", schemaText));
        }
        facts.addClassName("facts");
        details.add(kind, h, tags, facts);
        List<FlowModel.Transition> out = model.transitions().stream().filter(t -> t.from().equals(eventType)).toList();
        if (!out.isEmpty()) {
            details.add(new H3(byCause ? "Caused next" : "Next steps"));
            for (FlowModel.Transition t : out) {
                details.add(fact("→ " + t.to(), Formats.percent(t.probability()) + " · p95 " + Formats.duration(t.p95Ms())));
            }
        }
        details.add(new H3("Instances through this step"));
        loadInstances(InstanceQuery.ofFlow(flow).withEventType(eventType).withLimit(INSTANCE_LIMIT), null);
    }

    /** Shows a transition's latency figures and the instances that reached its target. */
    void selectEdge(String edgeId) {
        if (cmp.active()) {
            cmp.select(edgeId, true);
            return;
        }
        if (model == null) {
            return;
        }
        FlowModel.Transition t = model.transitions().stream()
                .filter(x -> FlowGraph.edgeId(x.from(), x.to()).equals(edgeId)).findFirst().orElse(null);
        if (t == null) {
            return;
        }
        selected = edgeId;
        graph.select(edgeId);
        details.removeAll();
        Span kind = new Span("Transition");
        kind.addClassName("eyebrow");
        H3 h = new H3(t.from() + " → " + t.to());
        h.addClassName("selection-title");
        Div facts = new Div(fact("Count", Formats.count(t.count())),
                fact(byCause ? "Of instances with " + t.from() : "Share of " + t.from(), Formats.percent(t.probability())),
                fact("Latency p50", Formats.duration(t.p50Ms())), fact("Latency p95", Formats.duration(t.p95Ms())),
                fact("Latency p99", Formats.duration(t.p99Ms())));
        facts.addClassName("facts");
        details.add(kind, h, facts, new H3("Instances that reached " + t.to()));
        loadInstances(InstanceQuery.ofFlow(flow).withEventType(t.to()).withLimit(INSTANCE_LIMIT),
                "Instances of this flow with a " + t.to() + " event; the API filters by event type, so a few may "
                        + "have reached it another way.");
    }

    private void loadInstances(InstanceQuery q, String note) {
        Div slot = new Div(Notice.loading("Loading instances…"));
        slot.addClassName("instances-slot");
        details.add(slot);
        instanceLoader.load(api -> api.instances(q), page -> {
            slot.removeAll();
            if (page.items().isEmpty()) {
                slot.add(Notice.empty(VaadinIcon.INBOX, "No instances", "None in the stored window."));
                return;
            }
            InstanceList list = new InstanceList(clock, false);
            list.setId("step-instances");
            list.show(page.items());
            list.setHeight("320px");
            slot.add(list);
            if (note != null) {
                Paragraph p = new Paragraph(note);
                p.addClassName("muted");
                slot.add(p);
            }
            if (page.nextCursor() != null) {
                Paragraph more = new Paragraph("Showing the newest " + page.items().size() + ".");
                more.addClassName("muted");
                slot.add(more);
            }
        }, (ApiException e) -> {
            slot.removeAll();
            slot.add(Notice.error("Could not load the instances", e, null));
        });
    }

    /** The ID of the selected node or edge, for tests. */
    String selected() {
        return selected;
    }

    GraphData graphData() {
        return graph.getData();
    }

    private static Component legend() {
        Div l = new Div(legendItem("Start", "legend-start"), legendItem("End", "legend-end"),
                legendItem("Compensation", "legend-compensation"), legendItem("Failure", "legend-failure"),
                legendItem("Stuck", "legend-stuck"), legendItem("Schema changed", "legend-schema-changed"));
        l.addClassName("graph-legend");
        return l;
    }

    private static Span legendItem(String text, String cls) {
        Span swatch = new Span();
        swatch.addClassNames("legend-swatch", cls);
        Span s = new Span(swatch, new Span(text));
        s.addClassName("legend-item");
        return s;
    }

    private static Span tag(String text, String cls) {
        Span s = new Span(text);
        s.addClassNames("tag", cls);
        return s;
    }

    static Div fact(String label, String value) {
        Span l = new Span(label);
        l.addClassName("fact-label");
        Span v = new Span(value);
        v.addClassName("fact-value");
        Div d = new Div(l, v);
        d.addClassName("fact");
        return d;
    }

    /**
     * The comparison of two windows on the map (issue 15, item 6): a preset (the last 15 minutes, hour or day against
     * the one before it; {@code ?compare=15m|1h|24h}), before and after a moment such as a deploy, or two custom
     * windows, all in UTC. Both windows' models are read from the API and compared by {@link FlowComparison#of}, the
     * code {@code GET /flows/{flow}/compare} runs, with its default thresholds. The map shows what the sliders keep in
     * either window, each step and transition marked NEW, GONE or CHANGED in colour, line style <em>and</em> text, with
     * a legend; resting the pointer on one shows both windows' figures, clicking shows them beside the map, and the
     * table under the map lists every difference (also the rare ones the sliders keep off the map).
     */
    final class Compare {
        final Select<CompareWindows.Preset> preset = new Select<>();
        final DateTimePicker from1 = picker("compare-from1", "Before: from (UTC)");
        final DateTimePicker to1 = picker("compare-to1", "Before: to (UTC)");
        final DateTimePicker from2 = picker("compare-from2", "After: from (UTC)");
        final DateTimePicker to2 = picker("compare-to2", "After: to (UTC)");
        final DateTimePicker moment = picker("compare-moment", "Moment (UTC)");
        final Select<java.time.Duration> span = new Select<>();
        final Button apply = new Button("Compare");
        final Span error = new Span();
        final Div custom = new Div(from1, to1, from2, to2);
        final Div around = new Div(moment, span);
        final Div legend = compareLegend();
        final Grid<FlowComparison.Item> differences = new Grid<>();
        final Details differencesDetails = new Details("Differences between the windows", differences);
        final Loader loader = new Loader();
        CompareWindows windows;
        FlowModel before;
        FlowModel after;
        FlowComparison comparison;

        Compare() {
            preset.setItems(CompareWindows.Preset.values());
            preset.setItemLabelGenerator(CompareWindows.Preset::label);
            preset.setValue(CompareWindows.Preset.OFF);
            preset.setId("compare-select");
            preset.setWidth("19em");
            preset.setAriaLabel("Compare two windows");
            preset.addValueChangeListener(e -> {
                if (e.isFromClient() && e.getValue() != null) {
                    picked(e.getValue());
                }
            });
            span.setItems(java.time.Duration.ofMinutes(15), java.time.Duration.ofHours(1), java.time.Duration.ofHours(6),
                    java.time.Duration.ofHours(24));
            span.setItemLabelGenerator(d -> Formats.duration(d.toMillis()) + " each side");
            span.setValue(java.time.Duration.ofHours(1));
            span.setId("compare-span");
            span.setAriaLabel("Length of each window");
            apply.setId("compare-apply");
            apply.addThemeVariants(ButtonVariant.LUMO_SMALL, ButtonVariant.LUMO_PRIMARY);
            apply.addClickListener(e -> applyFields());
            error.setId("compare-error");
            error.addClassName("compare-error");
            error.getElement().setAttribute("role", "alert");
            custom.addClassName("compare-fields");
            custom.setId("compare-custom");
            around.addClassName("compare-fields");
            around.setId("compare-around");
            differences.addThemeVariants(GridVariant.LUMO_COMPACT);
            differences.addColumn(i -> CompareGraph.changeText(i.change())).setHeader("Change");
            differences.addColumn(i -> i.to() == null ? i.from() : FlowGraph.edgeId(i.from(), i.to()))
                    .setHeader("Step or transition").setFlexGrow(4);
            differences.addColumn(i -> Formats.count(i.countBefore()) + " · " + Formats.percent(i.shareBefore()))
                    .setHeader("Before");
            differences.addColumn(i -> Formats.count(i.countAfter()) + " · " + Formats.percent(i.shareAfter()))
                    .setHeader("After");
            differences.addColumn(i -> CompareGraph.signedPoints(i.shareDelta())).setHeader("Share change");
            differences.addColumn(i -> i.to() == null ? "" : p95(i.countBefore(), i.p95Before()) + " → "
                    + p95(i.countAfter(), i.p95After())).setHeader("p95");
            differences.setAllRowsVisible(true);
            differences.setId("compare-table");
            differences.asSingleSelect().addValueChangeListener(e -> {
                FlowComparison.Item i = e.getValue();
                if (i != null) {
                    select(i.to() == null ? i.from() : FlowGraph.edgeId(i.from(), i.to()), i.to() != null);
                }
            });
            differencesDetails.setOpened(true);
            differencesDetails.setVisible(false);
            legend.setVisible(false);
            showFields();
        }

        private static String p95(long count, double ms) {
            return count == 0 ? "–" : Formats.duration(ms);
        }

        Component bar() {
            Div bar = new Div(new Span("Compare:"), preset, custom, around, apply, error, legend);
            bar.addClassNames("flow-controls", "compare-bar");
            bar.setId("compare-bar");
            return bar;
        }

        /** Whether the map shows a comparison (both windows loaded). */
        boolean active() {
            return windows != null && comparison != null;
        }

        /** Sets the picker from {@code ?compare=}: a preset's value starts it, anything else leaves it off. */
        void fromUrl(String value) {
            windows = null;
            comparison = null;
            java.util.Optional<CompareWindows.Preset> p = value == null ? java.util.Optional.empty()
                    : CompareWindows.Preset.ofUrlValue(value);
            preset.setValue(p.orElse(CompareWindows.Preset.OFF));
            p.flatMap(CompareWindows.Preset::length).ifPresent(d -> windows = CompareWindows.preceding(d, clock.instant()));
            showFields();
        }

        private void picked(CompareWindows.Preset p) {
            error.setText("");
            showFields();
            if (p.length().isPresent()) {
                windows = CompareWindows.preceding(p.length().get(), clock.instant());
                url(p.urlValue());
                load();
            } else if (p == CompareWindows.Preset.OFF) {
                windows = null;
                comparison = null;
                selected = null;
                url(null);
                FlowView.this.redraw();
            } else {
                // moment or custom windows: filled with a sensible start, compared when "Compare" is pressed
                Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
                if (p == CompareWindows.Preset.AROUND_MOMENT && moment.getValue() == null) {
                    moment.setValue(local(now.minus(java.time.Duration.ofMinutes(30))));
                }
                if (p == CompareWindows.Preset.CUSTOM && from1.getValue() == null) {
                    from1.setValue(local(now.minus(java.time.Duration.ofHours(2))));
                    to1.setValue(local(now.minus(java.time.Duration.ofHours(1))));
                    from2.setValue(local(now.minus(java.time.Duration.ofHours(1))));
                    to2.setValue(local(now));
                }
            }
        }

        private void showFields() {
            CompareWindows.Preset p = preset.getValue();
            custom.setVisible(p == CompareWindows.Preset.CUSTOM);
            around.setVisible(p == CompareWindows.Preset.AROUND_MOMENT);
            apply.setVisible(p == CompareWindows.Preset.CUSTOM || p == CompareWindows.Preset.AROUND_MOMENT);
        }

        /** Compares the windows the fields name; a bad pair is said next to them and nothing is loaded. */
        void applyFields() {
            try {
                windows = preset.getValue() == CompareWindows.Preset.AROUND_MOMENT
                        ? CompareWindows.around(instant(moment, "The moment"), span.getValue())
                        : new CompareWindows(instant(from1, "Before: from"), instant(to1, "Before: to"),
                                instant(from2, "After: from"), instant(to2, "After: to"));
            } catch (IllegalArgumentException e) {
                error.setText(e.getMessage());
                return;
            }
            error.setText("");
            url(null);
            load();
        }

        private Instant instant(DateTimePicker p, String name) {
            if (p.getValue() == null) {
                throw new IllegalArgumentException(name + " is empty or not a date and time.");
            }
            return p.getValue().toInstant(java.time.ZoneOffset.UTC);
        }

        private static java.time.LocalDateTime local(Instant t) {
            return java.time.LocalDateTime.ofInstant(t, java.time.ZoneOffset.UTC);
        }

        /** Keeps {@code ?compare=} in the address (to share the view) without reloading the page. */
        private void url(String compareValue) {
            java.util.Map<String, String> q = new java.util.LinkedHashMap<>();
            TimeWindow w = window.getValue();
            if (w != null) {
                q.put("window", w.lifetime() ? "lifetime" : w.from());
            }
            if (compareValue != null) {
                q.put("compare", compareValue);
            }
            String a = arrows.getValue() == null ? null : arrows.getValue().parameter(w);
            if (a != null) {
                q.put("arrows", a);
            }
            getUI().ifPresent(ui -> ui.getPage().getHistory().replaceState(null,
                    NameInUrl.location(FlowView.class, FLOW_PARAMETER, FLOW_QUERY, flow, q)));
        }

        /**
         * The arrows were switched while comparing: the address keeps both choices, and the page's model and both
         * windows are read again with the other arrows (the comparison's windows stay).
         */
        void arrowsChanged() {
            url(preset.getValue() != null && preset.getValue().length().isPresent() ? preset.getValue().urlValue() : null);
            FlowView.this.load();
        }

        /** Reads both windows' models (in order or by cause, as the arrows say), then draws the comparison. */
        void load() {
            CompareWindows w = windows;
            String f = flow;
            if (w == null) {
                return;
            }
            comparison = null;
            graphArea.removeAll();
            graphArea.add(Notice.loading("Loading both windows…"));
            boolean cause = arrows.getValue() == Arrows.BY_CAUSE;
            loader.load(api -> cause ? List.of(api.flowByCause(f, w.from1(), w.to1()), api.flowByCause(f, w.from2(), w.to2()))
                    : List.of(api.flow(f, w.from1(), w.to1()), api.flow(f, w.from2(), w.to2())), r -> {
                if (w != windows) {
                    return; // another pair was picked meanwhile
                }
                before = r.get(0);
                after = r.get(1);
                comparison = FlowComparison.of(before, after, FlowComparison.DEFAULT_MIN_SHARE_CHANGE,
                        FlowComparison.DEFAULT_MIN_P95_CHANGE);
                selected = null;
                FlowView.this.redraw();
            }, e -> {
                graphArea.removeAll();
                graphArea.add(Notice.error("Could not load the windows to compare", e, this::load));
            });
        }

        /** Draws the comparison filtered by the sliders; no API call. */
        void redraw() {
            double step = shareOf(stepSlider);
            double path = shareOf(pathSlider);
            stepValue.setText(Math.round(step * 100) + "%");
            pathValue.setText(Math.round(path * 100) + "%");
            FlowModel shown = CompareGraph.union(FlowFilter.apply(before, step, path), FlowFilter.apply(after, step, path));
            model = shown;
            java.util.Set<String> onMap = new java.util.HashSet<>();
            shown.nodes().forEach(n -> onMap.add(n.eventType()));
            shown.transitions().forEach(t -> onMap.add(FlowGraph.edgeId(t.from(), t.to())));
            List<FlowComparison.Item> diffs = comparison.differences();
            long offMap = diffs.stream().filter(i -> !onMap.contains(key(i))).count();
            hiddenNote.setText(offMap == 0 ? "Every difference is on the map"
                    : Formats.count(offMap, "difference is", "differences are")
                    + " among rare steps or transitions the sliders hide; the table lists all");
            subtitle.setText("Before: " + Formats.count(comparison.before().instances()) + " instances started "
                    + CompareWindows.range(windows.from1(), windows.to1()) + " · after: "
                    + Formats.count(comparison.after().instances()) + " started "
                    + CompareWindows.range(windows.from2(), windows.to2()) + " UTC · " + summary(comparison)
                    + (byCause ? " · arrows by cause" : ""));
            graphArea.removeAll();
            variantsPanel.setVisible(false);
            legend.setVisible(true);
            if (shown.nodes().isEmpty()) {
                graphArea.add(Notice.empty(VaadinIcon.SITEMAP, "No instance started in either window",
                        "Pick other windows."));
                tables.setVisible(false);
                return;
            }
            graph.setData(CompareGraph.build(shown, comparison, mode.getValue() == null ? FlowGraph.Mode.FREQUENCY
                    : mode.getValue()));
            graphArea.add(graph);
            differences.setItems(diffs);
            differencesDetails.setSummaryText("Differences between the windows (" + diffs.size() + ")");
            differencesDetails.setVisible(true);
            stepsDetails.setVisible(false);
            transitionsDetails.setVisible(false);
            tables.setVisible(true);
            if (selected == null) {
                overview();
            }
        }

        /** Back to one window: the comparison's parts are hidden. */
        void leave() {
            legend.setVisible(false);
            differencesDetails.setVisible(false);
            variantsPanel.setVisible(true);
        }

        private static String key(FlowComparison.Item i) {
            return i.to() == null ? i.from() : FlowGraph.edgeId(i.from(), i.to());
        }

        /** "steps: 1 new, 1 gone · transitions: 1 new, 2 gone, 3 changed" (changes only); "no differences". */
        static String summary(FlowComparison c) {
            String steps = counts(c.steps());
            String transitions = counts(c.transitions());
            if (steps.isEmpty() && transitions.isEmpty()) {
                return "no differences";
            }
            return (steps.isEmpty() ? "" : "steps: " + steps) + (steps.isEmpty() || transitions.isEmpty() ? "" : " · ")
                    + (transitions.isEmpty() ? "" : "transitions: " + transitions);
        }

        private static String counts(List<FlowComparison.Item> items) {
            List<String> parts = new java.util.ArrayList<>();
            for (FlowComparison.Change c : List.of(FlowComparison.Change.ADDED, FlowComparison.Change.GONE,
                    FlowComparison.Change.CHANGED)) {
                long n = items.stream().filter(i -> i.change() == c).count();
                if (n > 0) {
                    parts.add(n + " " + CompareGraph.changeText(c).toLowerCase(java.util.Locale.ROOT));
                }
            }
            return String.join(", ", parts);
        }

        private void overview() {
            details.removeAll();
            Span kind = new Span("Comparison");
            kind.addClassName("eyebrow");
            H3 h = new H3("Before and after");
            Div facts = new Div(fact("Before (UTC)", CompareWindows.range(windows.from1(), windows.to1())),
                    fact("Instances before", Formats.count(comparison.before().instances())),
                    fact("After (UTC)", CompareWindows.range(windows.from2(), windows.to2())),
                    fact("Instances after", Formats.count(comparison.after().instances())));
            facts.addClassName("facts");
            Paragraph p = new Paragraph("NEW: only after. GONE: only before. CHANGED: the share of instances moved by "
                    + Math.round(100 * comparison.minShareChange()) + " points or more, or a transition's p95 by "
                    + Math.round(100 * comparison.minP95Change()) + "% and " + Math.round(FlowComparison.MIN_P95_CHANGE_MS)
                    + " ms or more. Rest the pointer on a box or an arrow "
                    + "for both windows' figures, or click it.");
            p.addClassName("muted");
            details.add(kind, h, facts, p);
        }

        /** Shows both windows' figures of a step ({@code transition} false) or a transition, by map ID. */
        void select(String id, boolean transition) {
            FlowComparison.Item i = (transition ? comparison.transitions() : comparison.steps()).stream()
                    .filter(x -> key(x).equals(id)).findFirst().orElse(null);
            if (i == null) {
                return;
            }
            selected = id;
            graph.select(id);
            details.removeAll();
            Span kind = new Span(transition ? "Transition · compared" : "Step · compared");
            kind.addClassName("eyebrow");
            H3 h = new H3(id);
            h.addClassName("selection-title");
            HorizontalLayout tags = new HorizontalLayout(tag(CompareGraph.changeText(i.change()),
                    "tag-" + CompareGraph.changeClass(i.change())));
            tags.addClassName("tags");
            Div facts = new Div(fact("Before", Formats.count(i.countBefore()) + "× · " + Formats.percent(i.shareBefore())
                            + " of instances"),
                    fact("After", Formats.count(i.countAfter()) + "× · " + Formats.percent(i.shareAfter()) + " of instances"),
                    fact("Share change", CompareGraph.signedPoints(i.shareDelta())));
            if (transition) {
                facts.add(fact("p95 before", p95(i.countBefore(), i.p95Before())),
                        fact("p95 after", p95(i.countAfter(), i.p95After())),
                        fact("p95 change", i.countBefore() == 0 || i.countAfter() == 0 ? "–"
                                : CompareGraph.signedPercent(i.p95Before(), i.p95After())));
            }
            facts.addClassName("facts");
            details.add(kind, h, tags, facts);
        }

        private static DateTimePicker picker(String id, String label) {
            DateTimePicker p = new DateTimePicker(label);
            p.setId(id);
            p.setStep(java.time.Duration.ofMinutes(1));
            return p;
        }

        private static Div compareLegend() {
            Div l = new Div(legendItem("NEW: only after", "legend-added"), legendItem("GONE: only before", "legend-gone"),
                    legendItem("CHANGED: share or p95 moved", "legend-changed"), legendItem("same", "legend-same"));
            l.addClassNames("graph-legend", "compare-legend");
            l.setId("compare-legend");
            return l;
        }
    }

    /** The schemas panel, for tests. */
    SchemasPanel schemas() {
        return schemas;
    }

    /** The comparison part, for tests. */
    Compare compare() {
        return cmp;
    }
}
