package io.choreoscope.services;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.choreoscope.collectors.kafka.TapConfig;
import io.choreoscope.live.InferenceConfig;
import io.choreoscope.model.DependencyReader;
import io.choreoscope.model.Topics;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.lag.ConsumerLag;
import io.choreoscope.model.lag.ConsumerLagReader;
import io.choreoscope.model.service.ServiceIdentity;
import org.junit.jupiter.api.Test;

/**
 * Where the dependency map draws dead letters from. The stored side is a fake of our own {@link DependencyReader}; the
 * real reader's SQL is covered by the storage contract ({@code FlowModelStoreContract}) and {@code RabbitMqOnTheMapTest}
 * on a real broker.
 */
class ServiceMapDeadLettersTest {
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");

    /**
     * Two virtual hosts with a queue of the same name, each read by its own service: a message that died in one of them
     * is drawn from that virtual host's consumer only.
     */
    @Test
    void aDeadLetterIsDrawnFromTheConsumersOfItsOwnVirtualHostsQueue() {
        String dlxA = Topics.rabbitMq("tenant-a", "orders.dlx");
        String dlxB = Topics.rabbitMq("tenant-b", "orders.dlx");
        String ordersA = Topics.rabbitMq("tenant-a", "orders");
        String ordersB = Topics.rabbitMq("tenant-b", "orders");
        String ordersDefault = Topics.rabbitMq("/", "orders");
        DependencyReader stored = new StoredDeadLetters(List.of(
                new DependencyReader.DeadLettered(dlxA, "billing-in", 3, Set.of("OrderPlaced")),
                new DependencyReader.DeadLettered(dlxB, "billing-in", 2, Set.of("OrderPlaced"))),
                Map.of(ordersA, Map.of("billing-in", 10L), ordersB, Map.of("billing-in", 10L),
                        ordersDefault, Map.of("billing-in", 10L)), List.of(), Set.of(), new java.util.ArrayList<>());
        ConsumerLagReader broker = new ConsumerLagReader() {
            @Override
            public String bus() {
                return Topics.RABBITMQ;
            }

            @Override
            public List<ConsumerLag> read(Instant now) {
                return List.of(
                        ConsumerLag.ofQueue(ordersA, "billing-in", Set.of("billing-a"), 0, 0, null, now),
                        ConsumerLag.ofQueue(ordersB, "billing-in", Set.of("billing-b"), 0, 0, null, now),
                        ConsumerLag.ofQueue(ordersDefault, "billing-in", Set.of("billing-legacy"), 0, 0, null, now));
            }
        };
        List<DependencyMap.Edge> dead = serviceMap(stored, broker).dependencies(NOW.minus(Duration.ofHours(1)), NOW).edges().stream()
                .filter(e -> e.role() == DependencyMap.EdgeRole.DEAD_LETTERS).toList();

        assertThat(dead).extracting(DependencyMap.Edge::service, DependencyMap.Edge::topic, DependencyMap.Edge::count)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("billing-a", dlxA, 3L),
                        org.assertj.core.groups.Tuple.tuple("billing-b", dlxB, 2L));
    }

    /**
     * A service publishing to a Kafka topic of dead letters, known by the topic's name or by its records'
     * original-topic headers, has the dead-letter evidence on its PRODUCES edge (the UI draws it as dead letters);
     * other topics, and a RabbitMQ exchange whose records merely carry such a header, do not.
     */
    @Test
    void publishingToATopicOfDeadLettersByNameOrHeadersIsDeadLetterEvidence() {
        List<DependencyMap.Edge> produced = List.of(
                produces("billing", "orders-failed"), produces("billing", "payments.DLT"), produces("orders", "orders"),
                produces("orders", Topics.rabbitMq("/", "orders")));
        List<Instant> headersAsked = new java.util.ArrayList<>(); // where each read of the headers started
        DependencyReader stored = new StoredDeadLetters(List.of(), Map.of(), produced,
                Set.of("orders-failed", Topics.rabbitMq("/", "orders")), headersAsked);

        Map<String, Set<String>> evidence = new java.util.TreeMap<>();
        serviceMap(stored, null).dependencies(NOW.minus(Duration.ofHours(1)), NOW).edges().stream()
                .filter(e -> e.role() == DependencyMap.EdgeRole.PRODUCES)
                .forEach(e -> evidence.put(e.service() + " -> " + e.topic(), e.evidence()));

        assertThat(evidence).containsExactlyInAnyOrderEntriesOf(Map.of(
                "billing -> orders-failed", Set.of("observation", DependencyMap.DEAD_LETTER_EVIDENCE),
                "billing -> payments.DLT", Set.of("observation", DependencyMap.DEAD_LETTER_EVIDENCE),
                "orders -> orders", Set.of("observation"),
                "orders -> " + Topics.rabbitMq("/", "orders"), Set.of("observation")));
        assertThat(headersAsked).containsExactly(NOW.minus(Duration.ofHours(1)));

        // a week's map reads the headers of its last hour only
        serviceMap(stored, null).dependencies(NOW.minus(Duration.ofDays(7)), NOW);
        assertThat(headersAsked).containsExactly(NOW.minus(Duration.ofHours(1)), NOW.minus(ServiceMap.HEADERS_WINDOW));
    }


    private static DependencyMap.Edge produces(String service, String topic) {
        return new DependencyMap.Edge(DependencyMap.EdgeRole.PRODUCES, service, topic, Set.of("OrderPlaced"), 60, 0.0167,
                Double.NaN, Double.NaN, Set.of("observation"));
    }

    private static ServiceMap serviceMap(DependencyReader stored, ConsumerLagReader broker) {
        return new ServiceMap(stored, new ServiceIdentity(Map.of(), ServiceIdentity.UriPart.LAST_SEGMENT),
                new ConsumerLags(broker == null ? List.of() : List.of(broker), Clock.fixed(NOW, ZoneOffset.UTC),
                        Duration.ZERO), new TapConfig(), new InferenceConfig());
    }

    /**
     * Dead letters, routed queues, PRODUCES edges and header-found dead-letter topics as given, noting where each read
     * of the headers started; nothing else stored.
     */
    private record StoredDeadLetters(List<DeadLettered> dead, Map<String, Map<String, Long>> routed,
                                     List<DependencyMap.Edge> produced, Set<String> byHeaders,
                                     List<Instant> headersAsked) implements NoDependencies {
        @Override
        public DependencyMap dependencies(Instant from, Instant to) {
            return new DependencyMap(List.of(), produced);
        }

        @Override
        public Set<String> deadLetterTopicsByHeaders(Instant from, Instant to) {
            headersAsked.add(from);
            return byHeaders;
        }

        @Override
        public Map<String, Map<String, Long>> routedQueues(Instant from, Instant to) {
            return routed;
        }

        @Override
        public List<DeadLettered> deadLettered(Instant from, Instant to) {
            return dead;
        }
    }
}
