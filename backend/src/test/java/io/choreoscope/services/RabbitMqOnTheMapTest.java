package io.choreoscope.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import io.choreoscope.api.ApiClient;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.harness.rabbitmq.EmbeddedRabbitMq;
import io.choreoscope.harness.rabbitmq.RabbitMqExtension;
import io.choreoscope.ingest.TestApplication;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 17 on a real RabbitMQ (with Kafka and ClickHouse as in the application): the dependency map shows the
 * publishing service -> exchange (PRODUCES, from the tapped messages) and exchange -> consuming service through each
 * bound queue (CONSUMES, evidence {@code queue}): the service named by its consumer connection's client-provided
 * name, else by the queue; the count is what the broker routed to that queue (only the matching routing keys); the
 * queue's depth (ready + unacknowledged) is the edge's lag, with the head message's age, and sums on the exchange; a
 * message the consumer rejected is an arrow from that service into the dead-letter exchange (DEAD_LETTERS).
 */
@ExtendWith({RabbitMqExtension.class, KafkaExtension.class, ClickHouseExtension.class})
class RabbitMqOnTheMapTest {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @Test
    void exchangeToQueueToServiceEdgesCarryRoutedCountsAndQueueDepthAsLag(EmbeddedRabbitMq rabbit) throws Exception {
        String vhost = RabbitMqExtension.uniqueName("depmap");
        ConnectionFactory f = new ConnectionFactory();
        try (ApplicationContext app = startTapping(rabbit, vhost, KafkaExtension.uniqueName("rdepmap"), f);
             Connection publisher = f.newConnection("orders");
             Connection billingConnection = f.newConnection("billing");
             Channel ch = publisher.createChannel();
             Channel billing = billingConnection.createChannel()) {
            ApiClient api = new ApiClient(app.getBean(EmbeddedServer.class).getURL() + "/api/v1");
            ch.exchangeDeclare("orders", BuiltinExchangeType.TOPIC, true);
            ch.queueDeclare("billing-in", true, false, false, null);
            ch.queueBind("billing-in", "orders", "order.placed");
            ch.queueDeclare("audit-in", true, false, false, null); // nobody consumes it: its depth grows
            ch.queueBind("audit-in", "orders", "order.#");
            billing.basicConsume("billing-in", true, new DefaultConsumer(billing) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                    // consumed and acknowledged at once
                }
            });
            ch.confirmSelect();
            Date stamped = new Date();
            for (int i = 0; i < 6; i++) {
                String key = i < 4 ? "order.placed" : "order.cancelled"; // billing gets 4, audit all 6
                ch.basicPublish("orders", key, new AMQP.BasicProperties.Builder().correlationId("order-" + i)
                        .messageId("m" + i).type(i < 4 ? "OrderPlaced" : "OrderCancelled").appId("orders")
                        .timestamp(stamped).build(), ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8));
            }
            ch.waitForConfirmsOrDie(10_000);
            String exchange = "rabbitmq:" + vhost + ":orders";

            await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                JsonNode map = api.ok("/dependencies");
                assertThat(edge(map, "PRODUCES", "orders", exchange).path("count").asLong()).isEqualTo(6);
                assertThat(edge(map, "CONSUMES", "billing", exchange).path("count").asLong()).isEqualTo(4);
                assertThat(edge(map, "CONSUMES", "audit-in", exchange).path("count").asLong()).isEqualTo(6);
                // Queue depths come from the management API's statistics, which the broker refreshes every few
                // seconds: the six unread messages may show there after the edges' counts (read from ClickHouse).
                assertThat(edge(map, "CONSUMES", "audit-in", exchange).path("lag").path("records").asLong()).isEqualTo(6);
                assertThat(map.path("topicLag").path(exchange).path("records").asLong()).isEqualTo(6);
            });
            JsonNode map = api.ok("/dependencies");
            JsonNode billingEdge = edge(map, "CONSUMES", "billing", exchange);
            assertThat(set(billingEdge.get("queues"))).containsExactly("billing-in");
            assertThat(set(billingEdge.get("evidence"))).containsExactly("queue");
            assertThat(billingEdge.path("lag").path("records").asLong(-1)).isZero();
            assertThat(billingEdge.path("lag").path("seconds").asDouble(-1)).isZero();
            assertThat(set(billingEdge.get("eventTypes"))).contains("OrderPlaced");

            JsonNode audit = edge(map, "CONSUMES", "audit-in", exchange); // no consumer: named by its queue
            assertThat(set(audit.get("queues"))).containsExactly("audit-in");
            assertThat(audit.path("lag").path("records").asLong()).isEqualTo(6);
            assertThat(map.path("topicLag").path(exchange).path("records").asLong()).isEqualTo(6);
            // The age comes from the head message's timestamp property when the broker reports it, else it is unknown.
            JsonNode queue = new com.fasterxml.jackson.databind.ObjectMapper().readTree(rabbit.management("GET",
                    "/queues/" + EmbeddedRabbitMq.segment(vhost) + "/audit-in", null));
            if (queue.path("head_message_timestamp").isNumber()) {
                assertThat(audit.path("lag").path("seconds").asDouble(-1))
                        .isBetween(0.0, (System.currentTimeMillis() - stamped.getTime()) / 1000.0 + 1);
            } else {
                JsonNode seconds = audit.path("lag").path("seconds");
                assertThat(seconds.isNull() || seconds.isMissingNode()).as(audit.toString()).isTrue();
            }
            List<String> services = new java.util.ArrayList<>();
            map.get("nodes").forEach(n -> {
                if (n.get("kind").asText().equals("SERVICE")) {
                    services.add(n.get("name").asText());
                }
            });
            assertThat(services).contains("orders", "billing", "audit-in").doesNotContain("billing-in");
        }
    }

    /**
     * A dead-letter exchange: the tap stores what RabbitMQ dead-letters through it, without a producing service (the
     * copy's app_id names the original publisher, who did not send it there); the map shows the exchange with its
     * dead-letter queue and that queue's depth, no producer of it, and an arrow into it from the service that rejected
     * the message.
     */
    @Test
    void aDeadLetterExchangeShowsItsQueueAndDepthTheServiceThatRejectedAndNoProducer(EmbeddedRabbitMq rabbit) throws Exception {
        String vhost = RabbitMqExtension.uniqueName("dlxmap");
        ConnectionFactory f = new ConnectionFactory();
        try (ApplicationContext app = startTapping(rabbit, vhost, KafkaExtension.uniqueName("rdlxmap"), f);
             Connection publisher = f.newConnection("orders");
             Connection billingConnection = f.newConnection("billing");
             Channel ch = publisher.createChannel();
             Channel billing = billingConnection.createChannel()) {
            ApiClient api = new ApiClient(app.getBean(EmbeddedServer.class).getURL() + "/api/v1");
            ch.exchangeDeclare("orders", BuiltinExchangeType.TOPIC, true);
            ch.exchangeDeclare("orders.dlx", BuiltinExchangeType.FANOUT, true);
            // the dead-letter queue's binding first: the tap's read that finds the exchange (through billing-in's
            // argument) then has it too, and names the queue the copy is routed to (it reads bindings every interval)
            ch.queueDeclare("orders.dlq", true, false, false, null);
            ch.queueBind("orders.dlq", "orders.dlx", "");
            ch.queueDeclare("billing-in", true, false, false, Map.of("x-dead-letter-exchange", "orders.dlx"));
            ch.queueBind("billing-in", "orders", "order.#");
            // the tap follows the dead-letter exchange within its discovery interval
            await().atMost(WAIT).until(() -> rabbit.management("GET", "/exchanges/" + EmbeddedRabbitMq.segment(vhost)
                    + "/orders.dlx/bindings/source", null).contains("\"choreoscope.tap\""));
            ch.confirmSelect();
            ch.basicPublish("orders", "order.placed", new AMQP.BasicProperties.Builder().correlationId("order-d")
                    .messageId("d1").type("OrderPlaced").appId("orders").build(), "{}".getBytes(StandardCharsets.UTF_8));
            // billing rejects what it reads: RabbitMQ dead-letters it into orders.dlx
            billing.basicConsume("billing-in", false, new DefaultConsumer(billing) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties props, byte[] body)
                        throws java.io.IOException {
                    billing.basicReject(envelope.getDeliveryTag(), false);
                }
            });
            ch.waitForConfirmsOrDie(10_000);
            await().atMost(WAIT).until(() -> ch.messageCount("orders.dlq") == 1);
            String dlx = "rabbitmq:" + vhost + ":orders.dlx";

            await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                JsonNode map = api.ok("/dependencies");
                JsonNode dlq = edge(map, "CONSUMES", "orders.dlq", dlx);
                assertThat(dlq.path("count").asLong()).as(map.toString()).isEqualTo(1);
                assertThat(dlq.path("lag").path("records").asLong()).isEqualTo(1);
                assertThat(set(dlq.get("queues"))).containsExactly("orders.dlq");
                // the arrow into the dead-letter exchange starts at the service that gave up on the message
                JsonNode died = edge(map, "DEAD_LETTERS", "billing", dlx);
                assertThat(died.path("count").asLong()).as(map.toString()).isEqualTo(1);
                assertThat(set(died.get("queues"))).containsExactly("billing-in");
                assertThat(set(died.get("eventTypes"))).containsExactly("OrderPlaced");
                assertThat(set(died.get("evidence"))).containsExactly("dead-letter");
            });
            JsonNode map = api.ok("/dependencies");
            for (JsonNode e : map.get("edges")) {
                assertThat(e.get("role").asText().equals("PRODUCES") && e.get("topic").asText().equals(dlx))
                        .as("no producer of the dead-letter exchange: " + e).isFalse();
            }
            assertThat(edge(map, "PRODUCES", "orders", "rabbitmq:" + vhost + ":orders").path("count").asLong()).isEqualTo(1);
        }
    }

    /**
     * The application tapping virtual host {@code vhost} (created here) into a fresh ClickHouse database, connected to
     * it (health says so); {@code f} is pointed at the virtual host for the test's own connections.
     */
    private static ApplicationContext startTapping(EmbeddedRabbitMq rabbit, String vhost, String prefix, ConnectionFactory f)
            throws Exception {
        rabbit.createVhost(vhost);
        f.setUri(rabbit.amqpUri(vhost));
        ApplicationContext app = TestApplication.start(prefix, ClickHouseExtension.createDatabase(), Map.of(
                "choreoscope.rabbitmq.uri", rabbit.amqpUri(),
                "choreoscope.rabbitmq.management-url", rabbit.managementUrl(),
                "choreoscope.rabbitmq.vhosts", List.of(vhost),
                "choreoscope.rabbitmq.batch-linger", "100ms",
                "choreoscope.rabbitmq.discovery-interval", "300ms",
                "choreoscope.alerts.enabled", false));
        try {
            ApiClient root = new ApiClient(app.getBean(EmbeddedServer.class).getURL().toString());
            await().atMost(WAIT).until(() -> root.get("/health").text().contains("\"connectedVhosts\":1"));
            return app;
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
    }

    private static JsonNode edge(JsonNode map, String role, String service, String topic) {
        for (JsonNode e : map.get("edges")) {
            if (e.get("role").asText().equals(role) && e.get("service").asText().equals(service)
                    && e.get("topic").asText().equals(topic)) {
                return e;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private static Set<String> set(JsonNode array) {
        Set<String> out = new TreeSet<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
