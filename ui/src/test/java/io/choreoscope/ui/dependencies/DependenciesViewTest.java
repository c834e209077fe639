package io.choreoscope.ui.dependencies;

import static com.github.mvysny.kaributesting.v10.LocatorJ._get;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.github.mvysny.kaributesting.v10.GridKt;
import com.vaadin.flow.component.ComponentUtil;
import com.vaadin.flow.component.combobox.ComboBox;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.Div;

import io.choreoscope.ui.KaribuTest;
import io.choreoscope.ui.graph.GraphData;
import io.choreoscope.ui.graph.GraphView;

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
        ComboBox<io.choreoscope.model.flow.DependencyMap.Node> find = _get(ComboBox.class, c -> c.withId("dependency-find"));
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
        assertThat(DependencyGraph.kindLabel(io.choreoscope.model.flow.DependencyMap.NodeKind.TOPIC, "rabbitmq:shipping"))
                .isEqualTo("RabbitMQ exchange");
        assertThat(DependencyGraph.kindLabel(io.choreoscope.model.flow.DependencyMap.NodeKind.TOPIC, "orders"))
                .isEqualTo("Topic");
    }
}
