package io.choreoscope.ui.dependencies;

import static com.github.mvysny.kaributesting.v10.LocatorJ._get;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.github.mvysny.kaributesting.v10.GridKt;
import com.vaadin.flow.component.ComponentUtil;
import com.vaadin.flow.component.combobox.ComboBox;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.Div;

import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.ui.KaribuTest;
import io.choreoscope.ui.graph.GraphData;
import io.choreoscope.ui.graph.GraphView;
import io.choreoscope.ui.shell.Formats;

class DependenciesViewTest extends KaribuTest {

    @Test
    void servicesAndTopicsAreNodesWithRatesOnTheEdges() {
        navigate("dependencies");
        GraphData g = _get(GraphView.class).getData();
        assertThat(g.node("service:payment-service").classes()).contains("service");
        assertThat(g.node("topic:orders").classes()).contains("topic");
        assertThat(g.edges()).allSatisfy(e -> assertThat(e.label()).contains("/s"));
    }

    @Test
    void topicsShowConsumerLagAndBigLagIsHighlighted() {
        navigate("dependencies");
        GraphData g = _get(GraphView.class).getData();
        assertThat(g.node("topic:identity").label()).contains("lag 1,870");
        assertThat(g.node("topic:identity").classes()).contains("stuck");
        Grid<?> topics = _get(Grid.class, x -> x.withId("topics-grid"));
        assertThat(GridKt._size(topics)).isEqualTo(api.topics().size());
    }

    @Test
    void clickingAServiceListsWhatItProducesAndConsumes() {
        navigate("dependencies");
        GraphView graph = _get(GraphView.class);
        ComponentUtil.fireEvent(graph, new GraphView.NodeClickEvent(graph, true, "service:payment-service"));
        roundtrip();
        assertThat(text(_get(Div.class, d -> d.withId("dependency-details"))))
                .contains("produces to payments").contains("consumes orders");
    }

    @Test
    void aServiceOrTopicIsFoundByNameAndShownAsIfClicked() {
        navigate("dependencies");
        @SuppressWarnings("unchecked")
        ComboBox<DependencyMap.Node> find = _get(ComboBox.class, c -> c.withId("dependency-find"));
        var items = com.github.mvysny.kaributesting.v10.ComboBoxKt.getSuggestionItems(find);
        assertThat(items).hasSize(api.dependencies(null).nodes().size());
        var payment = items.stream().filter(n -> n.name().equals("payment-service")).findFirst().orElseThrow();
        assertThat(find.getItemLabelGenerator().apply(payment)).isEqualTo("payment-service · service");

        com.github.mvysny.kaributesting.v10.LocatorJ._setValue(find, payment);
        roundtrip();

        assertThat(text(_get(Div.class, d -> d.withId("dependency-details"))))
                .contains("produces to payments").contains("consumes orders");
        assertThat(_get(GraphView.class).getElement().getProperty("selected")).isEqualTo("service:payment-service");
    }

    @Test
    void aRabbitMqExchangeIsCalledOne() {
        assertThat(DependencyGraph.kindLabel(DependencyMap.NodeKind.TOPIC, "rabbitmq:shipping"))
                .isEqualTo("RabbitMQ exchange");
        assertThat(DependencyGraph.kindLabel(DependencyMap.NodeKind.TOPIC, "orders"))
                .isEqualTo("Topic");
    }

    /**
     * Noisy traffic: 50 services that each publish only to {@code orders} (2,000 noise records on the demo) and 12 that
     * each only read it. Without folding, 50 boxes stood side by side above the topic and the map scrolled sideways.
     */
    @Test
    void manyServicesThatOnlyProduceToOrOnlyConsumeOneTopicAreFoldedIntoOneBox() {
        List<DependencyMap.Node> nodes = new ArrayList<>();
        List<DependencyMap.Edge> edges = new ArrayList<>();
        var service = DependencyMap.NodeKind.SERVICE;
        var produces = DependencyMap.EdgeRole.PRODUCES;
        var consumes = DependencyMap.EdgeRole.CONSUMES;
        nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.TOPIC, "orders"));
        nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.TOPIC, "payments"));
        nodes.add(new DependencyMap.Node(service, "order-service"));
        edges.add(new DependencyMap.Edge(produces, "order-service", "orders", Set.of("OrderPlaced"),
                5_000, 5_000 / 3600.0, Double.NaN, Double.NaN, Set.of("observation")));
        edges.add(new DependencyMap.Edge(consumes, "order-service", "payments", Set.of(),
                900, 0.25, Double.NaN, Double.NaN, Set.of("consumer-group")));
        for (int i = 1; i <= 50; i++) {
            String name = String.format("noise-%02d", i);
            nodes.add(new DependencyMap.Node(service, name));
            edges.add(new DependencyMap.Edge(produces, name, "orders", Set.of("Noise" + i), i,
                    i / 3600.0, Double.NaN, Double.NaN, Set.of("observation")));
        }
        for (int i = 1; i <= 12; i++) {
            String name = String.format("reader-%02d", i);
            nodes.add(new DependencyMap.Node(service, name));
            edges.add(new DependencyMap.Edge(consumes, name, "orders", Set.of(), 100 + i,
                    (100 + i) / 3600.0, Double.NaN, Double.NaN, Set.of("consumer-group")));
        }
        api.setDependencies(new DependencyMap(nodes, edges));
        navigate("dependencies");
        GraphView graph = _get(GraphView.class);
        GraphData g = graph.getData();

        Set<String> boxes = new HashSet<>();
        g.nodes().forEach(n -> boxes.add(n.id()));
        // the busiest 3 of each group keep their boxes; the service that also reads payments is no group's
        assertThat(DependencyGraph.KEEP).isEqualTo(3);
        assertThat(boxes).contains("service:noise-50", "service:noise-49", "service:noise-48", "service:order-service",
                "service:reader-12", "service:reader-11", "service:reader-10")
                .doesNotContain("service:noise-47", "service:noise-01", "service:reader-09", "service:reader-01");
        assertThat(g.node("fold:PRODUCES:orders").label()).isEqualTo("47 more services");
        assertThat(g.node("fold:PRODUCES:orders").classes()).contains("service", "folded");
        assertThat(g.node("fold:PRODUCES:orders").tip()).contains("noise-47 · ").contains("noise-18 · ")
                .doesNotContain("noise-17 · ").contains("… and 17 more");
        assertThat(g.node("fold:CONSUMES:orders").label()).isEqualTo("9 more services");
        assertThat(g.nodes()).hasSize(2 + 1 + 3 + 1 + 3 + 1);
        GraphData.Edge arrow = g.edges().stream().filter(e -> e.id().equals("fold:PRODUCES:orders:arrow")).findFirst()
                .orElseThrow();
        assertThat(arrow.source()).isEqualTo("fold:PRODUCES:orders");
        assertThat(arrow.target()).isEqualTo("topic:orders");
        // the 47 folded: records 1 + 2 + ... + 47 = 1,128 in the hour
        assertThat(arrow.label()).isEqualTo(Formats.rate(1_128 / 3600.0) + " in all");
        Set<String> ends = new HashSet<>();
        g.edges().forEach(e -> {
            ends.add(e.source());
            ends.add(e.target());
        });
        assertThat(boxes).containsAll(ends);

        // the fold's box, or its arrow, lists every folded service with its figures
        ComponentUtil.fireEvent(graph, new GraphView.EdgeClickEvent(graph, true, "fold:PRODUCES:orders:arrow"));
        roundtrip();
        String details = text(_get(Div.class, d -> d.withId("dependency-details")));
        assertThat(details).contains("47 more services → orders").contains("produced by noise-01")
                .contains("produced by noise-47").doesNotContain("noise-48");
        ComponentUtil.fireEvent(graph, new GraphView.NodeClickEvent(graph, true, "fold:CONSUMES:orders"));
        roundtrip();
        assertThat(text(_get(Div.class, d -> d.withId("dependency-details")))).contains("9 more services ← orders")
                .contains("consumed by reader-01").contains("consumed by reader-09").doesNotContain("reader-10");

        // found by name, a folded service is shown alone and its fold selected on the map
        @SuppressWarnings("unchecked")
        ComboBox<DependencyMap.Node> find = _get(ComboBox.class, c -> c.withId("dependency-find"));
        var noise7 = com.github.mvysny.kaributesting.v10.ComboBoxKt.getSuggestionItems(find).stream()
                .filter(n -> n.name().equals("noise-07")).findFirst().orElseThrow();
        com.github.mvysny.kaributesting.v10.LocatorJ._setValue(find, noise7);
        roundtrip();
        assertThat(text(_get(Div.class, d -> d.withId("dependency-details")))).contains("noise-07")
                .contains("produces to orders");
        assertThat(graph.getElement().getProperty("selected")).isEqualTo("fold:PRODUCES:orders");
    }

    @Test
    void asManyServicesOfOneTopicAsTheFoldAllowsKeepTheirBoxes() {
        List<DependencyMap.Node> nodes = new ArrayList<>();
        List<DependencyMap.Edge> edges = new ArrayList<>();
        nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.TOPIC, "orders"));
        for (int i = 1; i <= DependencyGraph.FOLD_OVER; i++) {
            nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.SERVICE, "s" + i));
            edges.add(new DependencyMap.Edge(DependencyMap.EdgeRole.PRODUCES,
                    "s" + i, "orders", Set.of("T"), i, i / 3600.0, Double.NaN, Double.NaN, Set.of("observation")));
        }
        var map = new DependencyMap(nodes, edges);
        assertThat(DependencyGraph.folds(map)).isEmpty();
        assertThat(DependencyGraph.build(map, List.of(), Set.of()).nodes()).hasSize(1 + DependencyGraph.FOLD_OVER);
    }
}
