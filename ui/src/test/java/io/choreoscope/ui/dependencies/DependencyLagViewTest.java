package io.choreoscope.ui.dependencies;

import static com.github.mvysny.kaributesting.v10.LocatorJ._get;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.vaadin.flow.component.ComponentUtil;
import com.vaadin.flow.component.html.Div;

import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.DependencyMap.EdgeRole;
import io.choreoscope.model.flow.DependencyMap.NodeKind;
import io.choreoscope.ui.KaribuTest;
import io.choreoscope.ui.graph.GraphData;
import io.choreoscope.ui.graph.GraphView;

/** Issues 16 (lag on the map) and 17 (RabbitMQ on the map): lag and queues on the edges, the sum on the topic. */
class DependencyLagViewTest extends KaribuTest {
    private static final String EXCHANGE = "rabbitmq:notifications";

    private static DependencyMap map() {
        List<DependencyMap.Node> nodes = List.of(new DependencyMap.Node(NodeKind.SERVICE, "orders"),
                new DependencyMap.Node(NodeKind.SERVICE, "billing"), new DependencyMap.Node(NodeKind.SERVICE, "archive"),
                new DependencyMap.Node(NodeKind.SERVICE, "mailer"), new DependencyMap.Node(NodeKind.TOPIC, "orders"),
                new DependencyMap.Node(NodeKind.TOPIC, EXCHANGE));
        List<DependencyMap.Edge> edges = List.of(
                new DependencyMap.Edge(EdgeRole.PRODUCES, "orders", "orders", Set.of("OrderPlaced"), 600, 10,
                        Double.NaN, Double.NaN, Set.of("observation")),
                new DependencyMap.Edge(EdgeRole.CONSUMES, "billing", "orders", Set.of("OrderPlaced"), 600, 10,
                        Double.NaN, Double.NaN, Set.of("consumer-group"), Set.of(), new DependencyMap.Lag(0, 0.0)),
                new DependencyMap.Edge(EdgeRole.CONSUMES, "archive", "orders", Set.of("OrderPlaced"), 600, 10,
                        Double.NaN, Double.NaN, Set.of("consumer-group"), Set.of(),
                        new DependencyMap.Lag(4_210, 42.0)),
                new DependencyMap.Edge(EdgeRole.PRODUCES, "orders", EXCHANGE, Set.of("OrderPlaced"), 60, 1,
                        Double.NaN, Double.NaN, Set.of("observation")),
                new DependencyMap.Edge(EdgeRole.CONSUMES, "mailer", EXCHANGE, Set.of("OrderPlaced"), 60, 1,
                        Double.NaN, Double.NaN, Set.of("queue"), Set.of("mail-in"), new DependencyMap.Lag(6, null)));
        return new DependencyMap(nodes, edges, Map.of("orders", new DependencyMap.Lag(4_210, 42.0),
                EXCHANGE, new DependencyMap.Lag(6, null)));
    }

    @Test
    void consumesEdgesShowLagInRecordsAndSecondsAndTheTopicTheSum() {
        api.setDependencies(map());
        navigate("dependencies");
        GraphData g = _get(GraphView.class).getData();
        GraphData.Edge archive = g.edge("CONSUMES:archive:orders");
        assertThat(archive.label()).contains("lag 4,210 · 42.0 s");
        assertThat(archive.classes()).contains("bottleneck");
        GraphData.Edge billing = g.edge("CONSUMES:billing:orders");
        assertThat(billing.label()).doesNotContain("lag"); // caught up: "lag 0" only in the details
        assertThat(billing.classes()).doesNotContain("bottleneck");
        assertThat(g.edge("PRODUCES:orders:orders").label()).doesNotContain("lag");
        assertThat(g.node("topic:orders").label()).contains("lag 4,210 · 42.0 s");
        assertThat(g.node("topic:orders").classes()).contains("stuck");
    }

    @Test
    void aRecordInFlightIsNotLagOnTheMapButIsInTheDetails() {
        // the demo's map read "lag 1 · 0 ms" on most topics: a record produced and not consumed yet that instant
        DependencyMap inFlight = new DependencyMap(
                List.of(new DependencyMap.Node(NodeKind.SERVICE, "payments"), new DependencyMap.Node(NodeKind.TOPIC, "payments"),
                        new DependencyMap.Node(NodeKind.SERVICE, "orders")),
                List.of(new DependencyMap.Edge(EdgeRole.PRODUCES, "payments", "payments", Set.of("PaymentCaptured"), 600,
                                10, Double.NaN, Double.NaN, Set.of("observation")),
                        new DependencyMap.Edge(EdgeRole.CONSUMES, "orders", "payments", Set.of("PaymentCaptured"), 600, 10,
                                12, 40, Set.of("consumer-group"), Set.of(), new DependencyMap.Lag(1, 0.0))),
                Map.of("payments", new DependencyMap.Lag(1, 0.0)));
        api.setDependencies(inFlight);
        navigate("dependencies");
        GraphData g = _get(GraphView.class).getData();
        assertThat(g.edge("CONSUMES:orders:payments").label()).isEqualTo("10/s · p99 40 ms");
        assertThat(g.node("topic:payments").label()).isEqualTo("payments");
        GraphView graph = _get(GraphView.class);
        com.vaadin.flow.component.ComponentUtil.fireEvent(graph,
                new GraphView.EdgeClickEvent(graph, true, "CONSUMES:orders:payments"));
        roundtrip();
        assertThat(text(_get(com.vaadin.flow.component.html.Div.class, d -> d.withId("dependency-details"))))
                .contains("Lag now: lag 1 · 0 ms");
        // a second or older is behind, and shown
        assertThat(DependencyGraph.onTheMap(new DependencyMap.Lag(1, 1.0))).isTrue();
        assertThat(DependencyGraph.onTheMap(new DependencyMap.Lag(3, null))).isTrue();
        assertThat(DependencyGraph.onTheMap(new DependencyMap.Lag(0, 5.0))).isFalse();
    }

    @Test
    void rabbitMqEdgesNameTheirQueueAndItsDepth() {
        api.setDependencies(map());
        navigate("dependencies");
        GraphData g = _get(GraphView.class).getData();
        assertThat(g.edge("CONSUMES:mailer:" + EXCHANGE).label()).contains("via mail-in").contains("lag 6 · age unknown");
        assertThat(g.node("topic:" + EXCHANGE).label()).contains("lag 6");

        GraphView graph = _get(GraphView.class);
        ComponentUtil.fireEvent(graph, new GraphView.EdgeClickEvent(graph, true, "CONSUMES:mailer:" + EXCHANGE));
        roundtrip();
        assertThat(text(_get(Div.class, d -> d.withId("dependency-details"))))
                .contains("Through queue mail-in").contains("Lag now: lag 6 · age unknown")
                .contains("messages ready and unacknowledged in the queue");
    }

    @Test
    void clickingATopicListsItsConsumersWithTheirLag() {
        api.setDependencies(map());
        navigate("dependencies");
        GraphView graph = _get(GraphView.class);
        ComponentUtil.fireEvent(graph, new GraphView.NodeClickEvent(graph, true, "topic:orders"));
        roundtrip();
        assertThat(text(_get(Div.class, d -> d.withId("dependency-details"))))
                .contains("consumed by archive").contains("lag 4,210 · 42.0 s").contains("consumed by billing");
    }

    @Test
    void deadLettersAreADashedArrowFromTheServiceWhoseQueueTheyDiedInToTheDeadLetterExchange() {
        String dlx = "rabbitmq:notifications.dlx";
        List<DependencyMap.Node> nodes = new java.util.ArrayList<>(map().nodes());
        nodes.add(new DependencyMap.Node(NodeKind.TOPIC, dlx));
        List<DependencyMap.Edge> edges = new java.util.ArrayList<>(map().edges());
        edges.add(new DependencyMap.Edge(EdgeRole.DEAD_LETTERS, "mailer", dlx, Set.of("OrderShipped"), 12, 0.2,
                Double.NaN, Double.NaN, Set.of("dead-letter"), Set.of("mail-in"), null));
        // Kafka: a service publishing to a dead-letter topic is drawn alike, the topic known by its name or by its
        // records' original-topic headers (the API's dead-letter evidence on the PRODUCES edge, either way)
        nodes.add(new DependencyMap.Node(NodeKind.TOPIC, "orders.DLT"));
        edges.add(new DependencyMap.Edge(EdgeRole.PRODUCES, "billing", "orders.DLT", Set.of("OrderPlaced"), 6, 0.1,
                Double.NaN, Double.NaN, Set.of("observation", "dead-letter")));
        nodes.add(new DependencyMap.Node(NodeKind.TOPIC, "orders-failed"));
        edges.add(new DependencyMap.Edge(EdgeRole.PRODUCES, "billing", "orders-failed", Set.of("OrderPlaced"), 3, 0.05,
                Double.NaN, Double.NaN, Set.of("observation", "dead-letter")));
        api.setDependencies(new DependencyMap(nodes, edges, map().topicLag()));
        navigate("dependencies");
        GraphData g = _get(GraphView.class).getData();
        GraphData.Edge dead = g.edge("DEAD_LETTERS:mailer:" + dlx);
        assertThat(dead.source()).isEqualTo("service:mailer");
        assertThat(dead.target()).isEqualTo("topic:" + dlx);
        assertThat(dead.label()).contains("dead-lettered from mail-in");
        assertThat(dead.classes()).containsExactly("dead-letters");
        assertThat(g.edge("PRODUCES:billing:orders.DLT").classes()).containsExactly("dead-letters");
        assertThat(g.edge("PRODUCES:billing:orders.DLT").label()).isEqualTo("0.1/s dead-lettered");
        assertThat(g.edge("PRODUCES:billing:orders-failed").classes()).containsExactly("dead-letters");
        assertThat(g.edge("PRODUCES:billing:orders-failed").label()).isEqualTo("0.05/s dead-lettered");
        assertThat(g.edge("PRODUCES:orders:orders").classes()).containsExactly("produces");

        GraphView graph = _get(GraphView.class);
        ComponentUtil.fireEvent(graph, new GraphView.EdgeClickEvent(graph, true, "DEAD_LETTERS:mailer:" + dlx));
        roundtrip();
        assertThat(text(_get(Div.class, d -> d.withId("dependency-details"))))
                .contains("Dead letters").contains("mailer → " + dlx)
                .contains("12 messages").contains("dead-lettered by the broker from queue mail-in: OrderShipped");
        ComponentUtil.fireEvent(graph, new GraphView.NodeClickEvent(graph, true, "service:mailer"));
        roundtrip();
        assertThat(text(_get(Div.class, d -> d.withId("dependency-details"))))
                .contains("dead-letters into " + dlx).contains("died in queue mail-in");
        ComponentUtil.fireEvent(graph, new GraphView.EdgeClickEvent(graph, true, "PRODUCES:billing:orders-failed"));
        roundtrip();
        assertThat(text(_get(Div.class, d -> d.withId("dependency-details"))))
                .contains("Dead letters").contains("billing → orders-failed").contains("3 records")
                .contains("billing gave up on these records").contains("Replay redrives them");
        ComponentUtil.fireEvent(graph, new GraphView.NodeClickEvent(graph, true, "service:billing"));
        roundtrip();
        assertThat(text(_get(Div.class, d -> d.withId("dependency-details"))))
                .contains("dead-letters into orders-failed").contains("dead-letters into orders.DLT");
    }

    @Test
    void exchangesAreNamedAsPeopleReadThemNotInTheirStoredEscapedForm() {
        String dlx = io.choreoscope.model.Topics.rabbitMq("/", "orders:dlx"); // rabbitmq:%2F:orders:dlx
        String shipping = io.choreoscope.model.Topics.rabbitMq("tenant:a", "shipping"); // rabbitmq:tenant%3Aa:shipping
        List<DependencyMap.Node> nodes = List.of(new DependencyMap.Node(NodeKind.SERVICE, "mailer"),
                new DependencyMap.Node(NodeKind.TOPIC, dlx), new DependencyMap.Node(NodeKind.TOPIC, shipping));
        List<DependencyMap.Edge> edges = List.of(
                new DependencyMap.Edge(EdgeRole.DEAD_LETTERS, "mailer", dlx, Set.of("OrderShipped"), 12, 0.2,
                        Double.NaN, Double.NaN, Set.of("dead-letter"), Set.of("orders:dlq"), null),
                new DependencyMap.Edge(EdgeRole.CONSUMES, "mailer", shipping, Set.of("OrderShipped"), 60, 1,
                        Double.NaN, Double.NaN, Set.of("queue"), Set.of("mail-in"), new DependencyMap.Lag(0, null)));
        api.setDependencies(new DependencyMap(nodes, edges, Map.of()));
        navigate("dependencies");
        GraphData g = _get(GraphView.class).getData();
        assertThat(g.node("topic:" + dlx).label()).isEqualTo("rabbitmq:orders:dlx");
        assertThat(g.node("topic:" + shipping).label()).isEqualTo("rabbitmq:shipping on vhost tenant:a");

        GraphView graph = _get(GraphView.class);
        ComponentUtil.fireEvent(graph, new GraphView.EdgeClickEvent(graph, true, "DEAD_LETTERS:mailer:" + dlx));
        roundtrip();
        assertThat(text(_get(Div.class, d -> d.withId("dependency-details")))).contains("mailer → rabbitmq:orders:dlx")
                .contains("from queue orders:dlq").doesNotContain("%2F");
        ComponentUtil.fireEvent(graph, new GraphView.NodeClickEvent(graph, true, "service:mailer"));
        roundtrip();
        assertThat(text(_get(Div.class, d -> d.withId("dependency-details"))))
                .contains("dead-letters into rabbitmq:orders:dlx").contains("consumes rabbitmq:shipping on vhost tenant:a")
                .doesNotContain("%2F").doesNotContain("%3A");
        ComponentUtil.fireEvent(graph, new GraphView.NodeClickEvent(graph, true, "topic:" + shipping));
        roundtrip();
        assertThat(text(_get(Div.class, d -> d.withId("dependency-details"))))
                .contains("RabbitMQ exchange").contains("rabbitmq:shipping on vhost tenant:a").contains("consumed by mailer");
        @SuppressWarnings("unchecked")
        com.vaadin.flow.component.combobox.ComboBox<DependencyMap.Node> find = _get(
                com.vaadin.flow.component.combobox.ComboBox.class, c -> c.withId("dependency-find"));
        assertThat(find.getItemLabelGenerator().apply(new DependencyMap.Node(NodeKind.TOPIC, dlx)))
                .isEqualTo("rabbitmq:orders:dlx · rabbitmq exchange");
    }
}
