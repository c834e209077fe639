package io.choreoscope.ui.dependencies;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.DependencyMap.EdgeRole;
import io.choreoscope.model.flow.DependencyMap.NodeKind;
import io.choreoscope.ui.graph.GraphData;

/**
 * The demo's order saga on the dependency map: orders publishes OrderPlaced, payments answers on its topic (which
 * orders reads too, to cancel after a declined payment), inventory answers on its topic (which payments reads too, to
 * refund), shipping ships. The layout (dagre) breaks cycles by walking the boxes in the order they are given and
 * turning the arrows back to a box it is still inside; given in the map's own order (inventory first), it drew the
 * orders topic at the bottom and its busiest arrow upwards across the map.
 */
class DependencyGraphOrderTest {

    private static DependencyMap.Edge produces(String service, String topic, String type, long count) {
        return new DependencyMap.Edge(EdgeRole.PRODUCES, service, topic, Set.of(type), count, count / 3600.0,
                Double.NaN, Double.NaN, Set.of("observation"));
    }

    private static DependencyMap.Edge consumes(String service, String topic, long count) {
        return new DependencyMap.Edge(EdgeRole.CONSUMES, service, topic, Set.of(), count, count / 3600.0,
                Double.NaN, Double.NaN, Set.of("consumer-group"), Set.of(), null);
    }

    private static DependencyMap saga() {
        List<DependencyMap.Node> nodes = new ArrayList<>();
        for (String s : List.of("inventory", "orders", "payments", "shipping")) {
            nodes.add(new DependencyMap.Node(NodeKind.SERVICE, s));
        }
        for (String t : List.of("inventory", "orders", "payments")) {
            nodes.add(new DependencyMap.Node(NodeKind.TOPIC, t));
        }
        return new DependencyMap(nodes, List.of(
                consumes("inventory", "payments", 1000), produces("inventory", "inventory", "StockReserved", 900),
                consumes("orders", "payments", 1000), produces("orders", "orders", "OrderPlaced", 1000),
                consumes("payments", "orders", 1000), consumes("payments", "inventory", 900),
                produces("payments", "payments", "PaymentCaptured", 1000), consumes("shipping", "inventory", 900)));
    }

    /** The arrows dagre's depth-first cycle breaking turns round when given the boxes in {@code order}. */
    private static Set<String> turned(GraphData g) {
        Map<String, List<GraphData.Edge>> out = new HashMap<>();
        g.edges().forEach(e -> out.computeIfAbsent(e.source(), k -> new ArrayList<>()).add(e));
        Set<String> visited = new HashSet<>();
        Set<String> inside = new HashSet<>();
        Set<String> back = new HashSet<>();
        for (GraphData.Node n : g.nodes()) {
            walk(n.id(), out, visited, inside, back);
        }
        return back;
    }

    private static void walk(String v, Map<String, List<GraphData.Edge>> out, Set<String> visited, Set<String> inside,
                             Set<String> back) {
        if (!visited.add(v)) {
            return;
        }
        inside.add(v);
        for (GraphData.Edge e : out.getOrDefault(v, List.of())) {
            if (inside.contains(e.target())) {
                back.add(e.source() + " -> " + e.target());
            } else {
                walk(e.target(), out, visited, inside, back);
            }
        }
        inside.remove(v);
    }

    @Test
    void theBoxesStartFromTheServiceThatPublishesAFlowsStartSoOnlyRepliesGoBackUp() {
        GraphData g = DependencyGraph.build(saga(), List.of(), Set.of("OrderPlaced"));
        assertThat(g.nodes().subList(0, 4)).extracting(GraphData.Node::id).containsExactly(DependencyGraph.serviceId("orders"),
                DependencyGraph.topicId("orders"), DependencyGraph.serviceId("payments"), DependencyGraph.topicId("payments"));
        assertThat(g.nodes()).hasSize(7);
        assertThat(turned(g)).containsExactlyInAnyOrder(
                DependencyGraph.topicId("payments") + " -> " + DependencyGraph.serviceId("orders"),
                DependencyGraph.topicId("inventory") + " -> " + DependencyGraph.serviceId("payments"));

        // without the flows' starts: the map's own order, as before (the orders topic's arrow into payments turned)
        GraphData plain = DependencyGraph.build(saga(), List.of(), Set.of());
        assertThat(plain.nodes().get(0).id()).isEqualTo(DependencyGraph.serviceId("inventory"));
        assertThat(turned(plain)).contains(DependencyGraph.topicId("orders") + " -> " + DependencyGraph.serviceId("payments"));
    }
}
