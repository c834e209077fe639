package io.choreoscope.ui.dependencies;

import java.util.List;
import java.util.Map;

import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.combobox.ComboBox;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.icon.VaadinIcon;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.QueryParameters;
import com.vaadin.flow.router.Route;

import io.choreoscope.model.Topics;
import io.choreoscope.model.api.TopicInfo;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.ui.client.ApiException;
import io.choreoscope.ui.client.TimeWindow;
import io.choreoscope.ui.graph.GraphView;
import io.choreoscope.ui.shell.Formats;
import io.choreoscope.ui.shell.Loader;
import io.choreoscope.ui.shell.MainLayout;
import io.choreoscope.ui.shell.Notice;
import io.choreoscope.ui.shell.ViewHeader;

/**
 * Which service talks to which through which topic, with rates, consumer delays and consumer-group lag.
 * The map and the topics are loaded together; when Kafka's admin API is unavailable the map is still
 * shown, with a note where the lag would be.
 */
@Route(value = "dependencies", layout = MainLayout.class)
@PageTitle("Dependencies · choreoscope")
public class DependenciesView extends Div implements BeforeEnterObserver {

    private final Select<TimeWindow> window = new Select<>();
    /** Find a service or topic by name: selects it, shows its details and brings it into view (keyboard alike). */
    private final ComboBox<DependencyMap.Node> find = new ComboBox<>();
    private final GraphView graph = new GraphView();
    private final Div graphArea = new Div();
    private final Div side = new Div();
    private final Grid<TopicInfo> topicGrid = new Grid<>();
    private final Div topicsArea = new Div();
    private final Loader loader = new Loader();
    private DependencyMap map;
    /** The map's services drawn folded into one box ({@link DependencyGraph#folds}). */
    private List<DependencyGraph.Fold> folds = List.of();

    /** The map plus the topics, or the reason the topics are missing. */
    record Loaded(DependencyMap map, List<TopicInfo> topics, ApiException topicsError, java.util.Set<String> startTypes) {
    }

    public DependenciesView() {
        addClassNames("view", "dependencies-view");
        H2 title = new H2("Dependencies");
        Span subtitle = new Span("Services and topics, with rates and consumer lag");
        subtitle.addClassName("view-subtitle");
        Div titles = ViewHeader.titles(title, subtitle);
        window.setItems(TimeWindow.PRESETS);
        window.setItemLabelGenerator(TimeWindow::label);
        window.setValue(TimeWindow.LAST_HOUR);
        window.setAriaLabel("Time window");
        window.addValueChangeListener(e -> {
            if (e.isFromClient()) {
                UI.getCurrent().navigate(DependenciesView.class, QueryParameters.of("window", e.getValue().from()));
            }
        });
        find.setId("dependency-find");
        find.setPlaceholder("Find a service or topic");
        find.setWidth("17em"); // the placeholder whole (cut to "Find a service or to" at 1280 px)
        find.setAriaLabel("Find a service or topic in the map");
        find.setClearButtonVisible(true);
        find.setItemLabelGenerator(n -> Topics.displayName(n.name()) + " · " + DependencyGraph.kindLabel(n.kind(), n.name()).toLowerCase(
                java.util.Locale.ROOT));
        find.addValueChangeListener(e -> {
            if (e.isFromClient() && e.getValue() != null) {
                String id = DependencyGraph.nodeId(e.getValue());
                showNode(id);
                graph.reveal(drawnAs(id));
            }
        });
        Div header = ViewHeader.of(titles, legend(), find, window);

        graph.setId("dependency-graph");
        graph.setWidthFull();
        graph.setHeight("680px");
        graph.growTo(2400); // taller rather than unreadable; the details beside it stay in view (styles.css)
        graph.focusNeighboursOnSelect();
        graph.addNodeClickListener(e -> showNode(e.getId()));
        graph.addEdgeClickListener(e -> showEdge(e.getId()));
        graphArea.addClassNames("graph-card", "card", "dependency-graph-card");
        side.addClassNames("details-panel", "card");
        side.setId("dependency-details");
        Div body = new Div(graphArea, side);
        body.addClassName("flow-body");

        topicGrid.setId("topics-grid");
        topicGrid.addThemeVariants(GridVariant.LUMO_ROW_STRIPES, GridVariant.LUMO_COMPACT);
        topicGrid.addColumn(TopicInfo::name).setHeader("Topic").setAutoWidth(true).setSortable(true);
        topicGrid.addColumn(TopicInfo::partitions).setHeader("Partitions").setAutoWidth(true);
        topicGrid.addColumn(t -> Formats.rate(t.eventsPerSecond())).setHeader("Events (5 min)").setAutoWidth(true);
        topicGrid.addColumn(t -> Formats.count(t.endOffsetSum())).setHeader("End offsets").setAutoWidth(true);
        topicGrid.addComponentColumn(DependenciesView::groups).setHeader("Consumer groups and lag").setFlexGrow(3);
        topicGrid.setAllRowsVisible(true);
        topicsArea.addClassNames("card", "topics-card");
        add(header, body, topicsArea);
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        List<String> w = event.getLocation().getQueryParameters().getParameters().get("window");
        window.setValue(TimeWindow.parse(w == null || w.isEmpty() ? null : w.get(0)));
        load();
    }

    private void load() {
        graphArea.removeAll();
        graphArea.add(Notice.loading("Loading the dependency map…"));
        topicsArea.removeAll();
        side.removeAll();
        TimeWindow w = window.getValue();
        // the three calls at once (one after the other they took 250-300 ms on the demo, the topics' lag most of it)
        loader.loadTogether(List.of(api -> api.dependencies(w),
                // the flows' start events put each saga's start at the top of the map (DependencyGraph.order); without
                // them the map is still drawn, only less well ordered. A layout hint: the last hour's flows whatever the
                // map's window (at 100M events a day's /flows took 0.5-1.2 s, the hour's 50-100 ms; docs/BENCHMARKS.md)
                api -> {
                    try {
                        return api.flows(TimeWindow.LAST_HOUR).stream().map(io.choreoscope.model.api.FlowSummary::flow)
                                .collect(java.util.stream.Collectors.toSet());
                    } catch (ApiException e) {
                        return java.util.Set.<String>of();
                    }
                },
                api -> {
                    try {
                        return api.topics();
                    } catch (ApiException e) {
                        return e;
                    }
                }), answers -> {
            @SuppressWarnings("unchecked")
            java.util.Set<String> starts = (java.util.Set<String>) answers.get(1);
            @SuppressWarnings("unchecked")
            Loaded l = answers.get(2) instanceof ApiException e ? new Loaded((DependencyMap) answers.get(0), List.of(), e, starts)
                    : new Loaded((DependencyMap) answers.get(0), (List<TopicInfo>) answers.get(2), null, starts);
            return l;
        }, this::show, e -> {
            graphArea.removeAll();
            graphArea.add(Notice.error("Could not load the dependency map", e, this::load));
        });
    }

    private void show(Loaded l) {
        this.map = l.map();
        graphArea.removeAll();
        if (map.nodes().isEmpty()) {
            graphArea.add(Notice.empty(VaadinIcon.CLUSTER, "No dependencies seen yet",
                    "Services appear here once they produce to or consume from a tapped topic."));
        } else {
            folds = DependencyGraph.folds(map);
            graph.setData(DependencyGraph.build(map, l.topics(), l.startTypes(), folds));
            graphArea.add(graph);
        }
        find.setItems(map.nodes().stream().sorted(java.util.Comparator.comparing(DependencyMap.Node::name)
                .thenComparing(DependencyMap.Node::kind)).toList());
        find.setEnabled(!map.nodes().isEmpty());
        side.removeAll();
        side.add(new H3("Select a service or a topic"));
        Paragraph p = new Paragraph("Click a box, or find it by name above, to list what it produces and consumes "
                + "and fade the rest of the map (click the background to bring it back); click an arrow for its figures. "
                + "Edge labels show records per second and, for consumers, the p99 delay from record to processing "
                + "and, when the consumer is behind, the lag now: records not consumed yet and the age of the oldest "
                + "(RabbitMQ: the queue's depth).");
        p.addClassName("muted");
        side.add(p);
        topicsArea.removeAll();
        topicsArea.add(new H3("Topics"));
        if (l.topicsError() != null) {
            topicsArea.add(Notice.error("Topic lag is unavailable", l.topicsError(), this::load));
        } else if (l.topics().isEmpty()) {
            topicsArea.add(Notice.empty(VaadinIcon.DATABASE, "No topics", "No Kafka topic is tapped yet."));
        } else {
            topicGrid.setItems(l.topics());
            topicsArea.add(topicGrid);
        }
    }

    /** The box a node is drawn in: its own, or the box its service is folded into. */
    private String drawnAs(String id) {
        for (DependencyGraph.Fold f : folds) {
            if (id.startsWith("service:") && f.holds(id.substring("service:".length()))) {
                return f.id();
            }
        }
        return id;
    }

    void showNode(String id) {
        if (map == null) {
            return;
        }
        graph.select(drawnAs(id));
        side.removeAll();
        DependencyGraph.Fold fold = folds.stream().filter(f -> f.id().equals(id)).findFirst().orElse(null);
        if (fold != null) {
            Span eyebrow = new Span(fold.role() == DependencyMap.EdgeRole.PRODUCES ? "Producers" : "Consumers");
            eyebrow.addClassName("eyebrow");
            side.add(eyebrow, new H3(fold.label() + (fold.role() == DependencyMap.EdgeRole.PRODUCES ? " → " : " ← ")
                    + Topics.displayName(fold.topic())));
            Paragraph why = new Paragraph("Drawn as one box: more than " + DependencyGraph.FOLD_OVER + " services "
                    + (fold.role() == DependencyMap.EdgeRole.PRODUCES ? "produce to" : "consume") + " this topic and "
                    + "nothing else on the map; the busiest " + DependencyGraph.KEEP + " have boxes of their own. "
                    + "Find one by name above to see it alone.");
            why.addClassName("muted");
            side.add(why);
            fold.edges().forEach(e -> side.add(row(e, false)));
            return;
        }
        boolean service = id.startsWith("service:");
        String name = id.substring(id.indexOf(':') + 1);
        Span eyebrow = new Span(DependencyGraph.kindLabel(service ? DependencyMap.NodeKind.SERVICE
                : DependencyMap.NodeKind.TOPIC, name));
        eyebrow.addClassName("eyebrow");
        side.add(eyebrow, new H3(service ? name : Topics.displayName(name)));
        for (DependencyMap.Edge e : map.edges()) {
            boolean mine = service ? e.service().equals(name) : e.topic().equals(name);
            if (mine) {
                side.add(row(e, service));
            }
        }
    }

    /** One of a box's arrows in the details: what it carries, from the service's side or the topic's. */
    private static Div row(DependencyMap.Edge e, boolean service) {
        boolean deadLetters = DependencyGraph.deadLetters(e);
        boolean produces = e.role() == DependencyMap.EdgeRole.PRODUCES || deadLetters;
        String other = service ? Topics.displayName(e.topic()) : e.service();
        String verb = deadLetters ? (service ? "dead-letters into " : "dead letters from ")
                : service ? (produces ? "produces to " : "consumes ") : (produces ? "produced by " : "consumed by ");
        Div row = new Div();
        row.addClassName("dep-row");
        Span what = new Span(verb + other);
        what.addClassName("dep-what");
        Span figures = new Span(Formats.count(e.count()) + " records · " + Formats.rate(e.ratePerSecond())
                + (!produces && !Double.isNaN(e.p50Ms()) ? " · delay p50 " + Formats.duration(e.p50Ms()) + ", p99 "
                + Formats.duration(e.p99Ms()) : "")
                + (e.queues().isEmpty() ? "" : (deadLetters ? " · died in queue " : " · via queue ")
                + String.join(", ", e.queues()))
                + (!produces && e.lag() != null ? " · " + DependencyGraph.lagText(e.lag()) : ""));
        figures.addClassName("muted");
        row.add(what, figures);
        if (!e.eventTypes().isEmpty()) {
            Span types = new Span(String.join(", ", e.eventTypes().stream().sorted().toList()));
            types.addClassName("dep-types");
            row.add(types);
        }
        return row;
    }

    /** An arrow's figures: its service and topic, rate, queue and lag, with what the lag means. */
    void showEdge(String id) {
        if (map == null) {
            return;
        }
        String fold = DependencyGraph.foldOfArrow(id);
        if (fold != null) {
            showNode(fold); // a fold's arrow: its services' figures
            return;
        }
        for (DependencyMap.Edge e : map.edges()) {
            if (!DependencyGraph.edgeId(e).equals(id)) {
                continue;
            }
            side.removeAll();
            if (e.role() == DependencyMap.EdgeRole.DEAD_LETTERS) {
                showDeadLetters(e);
                return;
            }
            boolean produces = e.role() == DependencyMap.EdgeRole.PRODUCES;
            boolean deadLetters = DependencyGraph.deadLetters(e); // a PRODUCES edge here: DEAD_LETTERS returned above
            Span eyebrow = new Span(deadLetters ? "Dead letters" : produces ? "Produces" : "Consumes");
            eyebrow.addClassName("eyebrow");
            side.add(eyebrow, new H3(produces ? e.service() + " → " + Topics.displayName(e.topic())
                    : Topics.displayName(e.topic()) + " → " + e.service()));
            side.add(new Paragraph(Formats.count(e.count()) + " records · " + Formats.rate(e.ratePerSecond())
                    + " · evidence: " + String.join(", ", e.evidence().stream().sorted().toList())));
            if (!e.queues().isEmpty()) {
                side.add(new Paragraph("Through queue " + String.join(", ", e.queues())));
            }
            if (deadLetters) {
                Paragraph why = new Paragraph(e.service() + " gave up on these records and published them to a topic of "
                        + "dead letters (named as one, or its records name their original topic in a header); each one's "
                        + "instance page says why, and Replay redrives them to where they came from.");
                why.addClassName("muted");
                side.add(why);
            }
            if (!produces) {
                Paragraph lag = new Paragraph(e.lag() == null ? "Lag unknown: no consumer group or queue behind this "
                        + "edge, or the broker did not answer."
                        : "Lag now: " + DependencyGraph.lagText(e.lag()) + (e.queues().isEmpty()
                        ? " (records the consumer group has not consumed; the age of the oldest)"
                        : " (messages ready and unacknowledged in the queue)"));
                lag.addClassName("edge-lag");
                side.add(lag);
            }
            return;
        }
    }

    /** A dead-letter arrow: what died where, and where to read why. */
    private void showDeadLetters(DependencyMap.Edge e) {
        Span eyebrow = new Span("Dead letters");
        eyebrow.addClassName("eyebrow");
        side.add(eyebrow, new H3(e.service() + " → " + Topics.displayName(e.topic())));
        side.add(new Paragraph(Formats.count(e.count()) + " messages · " + Formats.rate(e.ratePerSecond())
                + " dead-lettered by the broker from queue " + String.join(", ", e.queues())
                + (e.eventTypes().isEmpty() ? "" : ": " + String.join(", ", e.eventTypes().stream().sorted().toList()))));
        Paragraph why = new Paragraph("The queue's consumer rejected them, or they expired or overflowed there; each "
                + "one's instance page says which (x-first-death-reason), and Search finds them by that reason.");
        why.addClassName("muted");
        side.add(why);
    }

    private static Div groups(TopicInfo t) {
        Div d = new Div();
        d.addClassName("lag-list");
        if (t.consumerGroups().isEmpty()) {
            Span none = new Span("no consumer group");
            none.addClassName("muted");
            d.add(none);
        }
        for (TopicInfo.ConsumerGroupLag g : t.consumerGroups()) {
            Span s = new Span(g.groupId() + ": lag " + Formats.count(g.lag())
                    + ("Stable".equalsIgnoreCase(g.state()) || g.state() == null ? "" : " (" + g.state() + ")"));
            s.addClassNames("lag", g.lag() > DependencyGraph.LagLevels.ALERT ? "lag-alert"
                    : g.lag() > DependencyGraph.LagLevels.WARN ? "lag-warn" : "lag-ok");
            d.add(s);
        }
        return d;
    }

    private static Div legend() {
        Div l = new Div();
        l.addClassName("graph-legend");
        // in this order (Map.of's order changed from one start to the next); a RabbitMQ exchange is drawn as a topic
        for (Map.Entry<String, String> e : List.of(Map.entry("Service", "legend-service"),
                Map.entry("Topic or exchange", "legend-topic"), Map.entry("Dead letters", "legend-dead-letters"))) {
            Span sw = new Span();
            sw.addClassNames("legend-swatch", e.getValue());
            Span item = new Span(sw, new Span(e.getKey()));
            item.addClassName("legend-item");
            l.add(item);
        }
        return l;
    }
}
