package io.choreoscope.collectors.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.choreoscope.collectors.rabbitmq.ManagementClient.Exchange;
import io.choreoscope.collectors.rabbitmq.ManagementClient.Route;
import io.choreoscope.collectors.rabbitmq.TapQueueTopology.TapBinding;
import org.junit.jupiter.api.Test;

/** What the tap queue binds and where the broker routes, from management API listings (the broker's side: RabbitMqTapTest). */
class TapQueueTopologyTest {
    private static final String TAP = "choreoscope.tap";
    private static final Pattern EXCLUDE = Pattern.compile(RabbitMqConfig.DEFAULT_EXCLUDE);

    private static Route toQueue(String source, String queue, String key) {
        return new Route(source, queue, false, key, Map.of());
    }

    private static TapQueueTopology topology(List<Exchange> exchanges, List<Route> routes) {
        return new TapQueueTopology(exchanges, routes, TAP, x -> EXCLUDE.matcher(x).matches());
    }

    @Test
    void bindsEachTypeAsTheBrokerMatchesEveryMessageAndDirectExchangesByTheirKeys() {
        List<Exchange> xs = List.of(new Exchange("/", "", "direct"), new Exchange("/", "amq.topic", "topic"),
                new Exchange("/", "amq.rabbitmq.trace", "topic"), new Exchange("/", "d", "direct"),
                new Exchange("/", "f", "fanout"), new Exchange("/", "t", "topic"), new Exchange("/", "h", "headers"),
                new Exchange("/", "hash", "x-consistent-hash"), new Exchange("/", "lonely", "direct"));
        List<Route> routes = List.of(toQueue("d", "billing", "a"), toQueue("d", "audit", "a"),
                new Route("d", "f", true, "b", Map.of()), toQueue("amq.topic", "q", "#"),
                // already there: the firehose's binding (to go) and one wanted
                toQueue("amq.rabbitmq.trace", TAP, "publish.#"), toQueue("f", TAP, ""),
                // a key no one binds any more
                toQueue("d", TAP, "gone"));
        TapQueueTopology t = topology(xs, routes);
        assertThat(t.toBind()).containsExactlyInAnyOrder(new TapBinding("d", "a", Map.of()),
                new TapBinding("d", "b", Map.of()), new TapBinding("t", "#", Map.of()),
                new TapBinding("h", "", Map.of("x-match", "all")));
        assertThat(t.toUnbind()).containsExactlyInAnyOrder(new TapBinding("amq.rabbitmq.trace", "publish.#", Map.of()),
                new TapBinding("d", "gone", Map.of()));
        assertThat(t.untapped()).containsExactly("hash (x-consistent-hash)");
        assertThat(t.tappedExchanges()).isEqualTo(4);
    }

    /** The firehose mechanism's queue: bound to the dead-letter exchanges only (and the firehose, which it keeps itself). */
    @Test
    void onlyToDeadLetterExchangesBindsThoseAndUnbindsTheRest() {
        List<Exchange> xs = List.of(new Exchange("/", "amq.rabbitmq.trace", "topic"), new Exchange("/", "orders", "topic"),
                new Exchange("/", "orders.dlx", "direct"), new Exchange("/", "shipping.dlx", "fanout"));
        List<Route> routes = List.of(toQueue("orders.dlx", "orders.dlq", "order.placed"),
                toQueue("amq.rabbitmq.trace", TAP, "publish.#"), toQueue("orders", TAP, "#"), toQueue("shipping.dlx", TAP, ""));
        TapQueueTopology t = topology(xs, routes).onlyTo(java.util.Set.of("orders.dlx", "shipping.dlx", "gone.dlx"));
        assertThat(t.toBind()).containsExactly(new TapBinding("orders.dlx", "order.placed", Map.of()));
        assertThat(t.toUnbind()).containsExactlyInAnyOrder(new TapBinding("amq.rabbitmq.trace", "publish.#", Map.of()),
                new TapBinding("orders", "#", Map.of()));
    }

    @Test
    void routesAsTheBrokerDoesThroughExchangeToExchangeBindingsAndCycles() {
        List<Exchange> xs = List.of(new Exchange("/", "t", "topic"), new Exchange("/", "f", "fanout"),
                new Exchange("/", "h", "headers"), new Exchange("/", "d", "direct"));
        List<Route> routes = List.of(toQueue("t", "orders", "order.*"), toQueue("t", "all", "#"),
                new Route("t", "f", true, "order.#", Map.of()), toQueue("f", "archive", ""),
                new Route("f", "t", true, "", Map.of()), // a cycle
                new Route("h", "refunds", false, "", Map.of("x-match", "any", "kind", "refund", "x-tag", "1")),
                toQueue("d", "billing", "a"), toQueue("t", TAP, "#"));
        TapQueueTopology t = topology(xs, routes);
        assertThat(t.routedQueues("t", List.of("order.placed"), Map.of())).containsExactly("all", "archive", "orders");
        assertThat(t.routedQueues("t", List.of("order.placed.eu"), Map.of())).containsExactly("all", "archive");
        assertThat(t.routedQueues("f", List.of("x"), Map.of())).containsExactly("all", "archive");
        assertThat(t.routedQueues("h", List.of(""), Map.of("kind", "refund"))).containsExactly("refunds");
        assertThat(t.routedQueues("h", List.of(""), Map.of("kind", "order", "x-tag", "1"))).isEmpty();
        assertThat(t.routedQueues("d", List.of("b", "a"), Map.of())).containsExactly("billing");
        assertThat(t.routedQueues("d", List.of("b"), Map.of())).isEmpty();
        assertThat(t.routedQueues("unknown", List.of("a"), Map.of())).isEmpty();
    }

    @Test
    void topicPatternsMatchWordsAsRabbitMqDoes() {
        assertThat(TapQueueTopology.topicMatches("#", "")).isTrue();
        assertThat(TapQueueTopology.topicMatches("#", "a.b.c")).isTrue();
        assertThat(TapQueueTopology.topicMatches("a.*", "a.b")).isTrue();
        assertThat(TapQueueTopology.topicMatches("a.*", "a")).isFalse();
        assertThat(TapQueueTopology.topicMatches("a.*", "a.b.c")).isFalse();
        assertThat(TapQueueTopology.topicMatches("a.#", "a")).isTrue();
        assertThat(TapQueueTopology.topicMatches("a.#.z", "a.b.c.z")).isTrue();
        assertThat(TapQueueTopology.topicMatches("a.#.z", "a.z")).isTrue();
        assertThat(TapQueueTopology.topicMatches("*.#.*", "a")).isFalse();
        assertThat(TapQueueTopology.topicMatches("*.#.*", "a.b")).isTrue();
        assertThat(TapQueueTopology.topicMatches("a.b", "a.bb")).isFalse();
    }

    @Test
    void headersMatchAllAnyAndWithX() {
        assertThat(TapQueueTopology.headersMatch(Map.of("x-match", "all", "a", "1", "b", "2"), Map.of("a", "1", "b", 2))).isTrue();
        assertThat(TapQueueTopology.headersMatch(Map.of("x-match", "all", "a", "1", "b", "2"), Map.of("a", "1"))).isFalse();
        assertThat(TapQueueTopology.headersMatch(Map.of("a", "1"), Map.of("a", "1"))).isTrue();
        assertThat(TapQueueTopology.headersMatch(Map.of("x-match", "any", "a", "1", "b", "2"), Map.of("b", "2"))).isTrue();
        assertThat(TapQueueTopology.headersMatch(Map.of("x-match", "any-with-x", "x-a", "1"), Map.of("x-a", "1"))).isTrue();
        assertThat(TapQueueTopology.headersMatch(Map.of("x-match", "any", "x-a", "1"), Map.of("x-a", "1"))).isFalse();
    }
}
