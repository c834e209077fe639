package io.choreoscope.ui.flow;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import com.vaadin.flow.component.Component;
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
import io.choreoscope.ui.shell.Loader;
import io.choreoscope.ui.shell.MainLayout;
import io.choreoscope.ui.shell.Notice;
import io.choreoscope.ui.shell.ViewHeader;

/**
 * The learned model of one flow as an interactive graph (layers left to right, pan and zoom). Clicking
 * a step or a transition, in the graph or in the tables under it (keyboard), shows its figures and the
 * instances that passed through it.
 */
@Route(value = "flows/:flow", layout = MainLayout.class)
public class FlowView extends Div implements BeforeEnterObserver, HasDynamicTitle {

    public static final String FLOW_PARAMETER = "flow";
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
    private final Loader modelLoader = new Loader();
    private final Loader instanceLoader = new Loader();
    private String flow;
    private FlowModel model;
    private Map<String, Long> stuckByType = Map.of();
    private String selected;

    /** The model and the stuck instances, loaded together. */
    record Loaded(FlowModel model, List<InstanceSnapshot> stuck) {
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
        graph.setSizeFull();
        graph.addNodeClickListener(e -> selectNode(e.getId()));
        graph.addEdgeClickListener(e -> selectEdge(e.getId()));
        graphArea.addClassNames("graph-card", "card");
        details.addClassNames("details-panel", "card");
        details.setId("selection-details");
        Div body = new Div(graphArea, details);
        body.addClassName("flow-body");

        steps.addThemeVariants(GridVariant.LUMO_COMPACT);
        steps.addColumn(FlowModel.Node::eventType).setHeader("Step (event type)").setFlexGrow(3);
        steps.addColumn(n -> Formats.count(n.count())).setHeader("Occurrences");
        steps.addColumn(n -> Formats.count(stuckByType.getOrDefault(n.eventType(), 0L))).setHeader("Stuck here");
        steps.setAllRowsVisible(true);
        steps.setId("steps-table");
        steps.asSingleSelect().addValueChangeListener(e -> {
            if (e.getValue() != null) {
                selectNode(e.getValue().eventType());
            }
        });
        transitions.addThemeVariants(GridVariant.LUMO_COMPACT);
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
        Details stepsDetails = new Details("Steps", steps);
        stepsDetails.setOpened(true);
        Details transitionsDetails = new Details("Transitions", transitions);
        transitionsDetails.setOpened(true);
        tables.add(stepsDetails, transitionsDetails);
        tables.addClassNames("flow-tables", "card");
        add(header, body, tables);
    }

    @Override
    public String getPageTitle() {
        return (flow == null ? "Flow" : flow) + " · choreoscope";
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        flow = event.getRouteParameters().get(FLOW_PARAMETER).orElse("");
        title.setText(flow);
        load();
    }

    private void load() {
        graphArea.removeAll();
        graphArea.add(Notice.loading("Loading the flow model…"));
        details.removeAll();
        tables.setVisible(false);
        subtitle.setText("");
        String f = flow;
        modelLoader.load(api -> new Loaded(api.flow(f), api.stuck(f, ChoreoscopeApi.MAX_LIMIT)), this::show,
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
        this.model = loaded.model();
        this.stuckByType = loaded.stuck().stream()
                .collect(Collectors.groupingBy(InstanceSnapshot::lastEventType, TreeMap::new, Collectors.counting()));
        long stuckTotal = loaded.stuck().size();
        subtitle.setText(Formats.count(model.instances()) + " instances · " + model.nodes().size() + " steps · "
                + model.transitions().size() + " transitions"
                + (stuckTotal > 0 ? " · " + Formats.count(stuckTotal) + " stuck now" : ""));
        graphArea.removeAll();
        details.setVisible(true);
        if (model.nodes().isEmpty()) {
            graphArea.add(Notice.empty(VaadinIcon.SITEMAP, "Nothing learned yet",
                    "This flow has no events in its model yet."));
            return;
        }
        graph.setData(FlowGraph.build(model, stuckByType));
        graphArea.add(graph);
        steps.setItems(model.nodes());
        transitions.setItems(model.transitions());
        tables.setVisible(true);
        showOverview();
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

    /** Shows a step's details and the instances that contain it. */
    void selectNode(String eventType) {
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
        Div facts = new Div(fact("Occurrences", Formats.count(node.count())),
                fact("Started here", Formats.count(model.startCounts().getOrDefault(eventType, 0L))),
                fact("Ended here", Formats.count(model.endCounts().getOrDefault(eventType, 0L))));
        facts.addClassName("facts");
        details.add(kind, h, tags, facts);
        List<FlowModel.Transition> out = model.transitions().stream().filter(t -> t.from().equals(eventType)).toList();
        if (!out.isEmpty()) {
            details.add(new H3("Next steps"));
            for (FlowModel.Transition t : out) {
                details.add(fact("→ " + t.to(), Formats.percent(t.probability()) + " · p95 " + Formats.duration(t.p95Ms())));
            }
        }
        details.add(new H3("Instances through this step"));
        loadInstances(InstanceQuery.ofFlow(flow).withEventType(eventType).withLimit(INSTANCE_LIMIT), null);
    }

    /** Shows a transition's latency figures and the instances that reached its target. */
    void selectEdge(String edgeId) {
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
                fact("Share of " + t.from(), Formats.percent(t.probability())),
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
                legendItem("Stuck", "legend-stuck"));
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
}
