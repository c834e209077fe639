package io.choreoscope.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;
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
 * Redrive of a RabbitMQ dead-letter queue through the REST API, all real: a consumer rejects, RabbitMQ dead-letters to a
 * queue with {@code x-death}, the redrive sends each message back to its original exchange and routing key, and the
 * original queue gets each message once; a message already redriven is not sent again, one that died again is.
 */
@ExtendWith({RabbitMqExtension.class, KafkaExtension.class, ClickHouseExtension.class})
class RabbitDeadLetterRedriveTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static HttpResponse<String> post(ApiClient root, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(root.base() + "/api/v1/replays"))
                .header("Content-Type", "application/json").header(ReplayController.USER_HEADER, "carol")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        return root.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode ok(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static String redrive(String dlq, boolean dryRun) {
        return "{\"mode\":\"DEAD_LETTER\",\"deadLetterTopic\":\"" + dlq + "\",\"dryRun\":" + dryRun + ",\"ratePerSecond\":100}";
    }

    /** The application tapping {@code vhost} of {@code rabbit} (and Kafka topics of a prefix of its own), no alerts. */
    private static ApplicationContext tapping(EmbeddedRabbitMq rabbit, String vhost, String prefix) {
        return TestApplication.start(KafkaExtension.uniqueName(prefix), ClickHouseExtension.createDatabase(), Map.of(
                "choreoscope.rabbitmq.uri", rabbit.amqpUri(),
                "choreoscope.rabbitmq.management-url", rabbit.managementUrl(),
                "choreoscope.rabbitmq.vhosts", List.of(vhost),
                "choreoscope.alerts.enabled", false));
    }

    /**
     * A billing service on {@code queue}: rejects (without requeue: RabbitMQ dead-letters) while {@code broken}, else
     * keeps each message's properties and "routing key body" and acknowledges.
     */
    private static void consumeRejectingWhileBroken(Channel billing, String queue, AtomicBoolean broken,
                                                    List<AMQP.BasicProperties> accepted, List<String> acceptedBodies)
            throws java.io.IOException {
        billing.basicConsume(queue, false, new DefaultConsumer(billing) {
            @Override
            public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties props, byte[] body)
                    throws java.io.IOException {
                if (broken.get()) {
                    getChannel().basicReject(env.getDeliveryTag(), false);
                } else {
                    accepted.add(props);
                    acceptedBodies.add(env.getRoutingKey() + " " + new String(body, StandardCharsets.UTF_8));
                    getChannel().basicAck(env.getDeliveryTag(), false);
                }
            }
        });
    }

    @Test
    void deadLetteredMessagesGoBackToTheirOriginalExchangeOnceEach(EmbeddedRabbitMq rabbit) throws Exception {
        String vhost = RabbitMqExtension.uniqueName("dlq");
        rabbit.createVhost(vhost);
        ConnectionFactory f = new ConnectionFactory();
        f.setUri(rabbit.amqpUri(vhost));
        try (ApplicationContext app = tapping(rabbit, vhost, "dlq");
             Connection c = f.newConnection("test"); Channel ch = c.createChannel(); Channel billing = c.createChannel()) {
            ApiClient root = new ApiClient(app.getBean(EmbeddedServer.class).getURL().toString());
            ch.exchangeDeclare("orders", BuiltinExchangeType.TOPIC, true);
            ch.exchangeDeclare("orders.dlx", BuiltinExchangeType.FANOUT, true);
            ch.queueDeclare("orders-dlq", true, false, false, null);
            ch.queueBind("orders-dlq", "orders.dlx", "");
            ch.queueDeclare("billing", true, false, false, Map.of("x-dead-letter-exchange", "orders.dlx"));
            ch.queueBind("billing", "orders", "order.#");

            // The billing service, broken for now.
            AtomicBoolean broken = new AtomicBoolean(true);
            List<AMQP.BasicProperties> accepted = Collections.synchronizedList(new ArrayList<>());
            List<String> acceptedBodies = Collections.synchronizedList(new ArrayList<>());
            consumeRejectingWhileBroken(billing, "billing", broken, accepted, acceptedBodies);
            ch.confirmSelect();
            ch.basicPublish("orders", "order.placed", new AMQP.BasicProperties.Builder().messageId("o-1")
                    .correlationId("order-1").headers(Map.of("tenant", "t1")).build(), "{\"n\":1}".getBytes(StandardCharsets.UTF_8));
            ch.basicPublish("orders", "order.placed", new AMQP.BasicProperties.Builder().correlationId("order-2").build(),
                    "{\"n\":2}".getBytes(StandardCharsets.UTF_8));
            ch.basicPublish("orders", "order.paid", null, "{\"n\":3}".getBytes(StandardCharsets.UTF_8));
            ch.waitForConfirmsOrDie(10_000);
            await().atMost(WAIT).until(() -> ch.messageCount("orders-dlq") == 3);

            // A copy of a dead-lettered message as it is now (first death), to bring back after it was redriven.
            GetResponse copy = ch.basicGet("orders-dlq", false);
            ch.basicNack(copy.getEnvelope().getDeliveryTag(), false, true);
            String dlq = "rabbitmq:" + vhost + ":orders-dlq";
            String topic = "rabbitmq:" + vhost + ":orders";

            // Dry run: the plan names each original exchange and routing key; the messages stay in the queue.
            JsonNode dry = ok(post(root, redrive(dlq, true)));
            assertThat(dry.get("status").get("state").asText()).isEqualTo("DRY_RUN");
            assertThat(dry.get("records")).hasSize(3);
            List<String> keys = new ArrayList<>();
            for (JsonNode r : dry.get("records")) {
                assertThat(r.get("targetTopic").asText()).isEqualTo(topic);
                assertThat(r.get("source").asText()).startsWith(topic + "/0/").endsWith("#1");
                assertThat(r.get("headers").toString()).contains("x-death", ReplayHeaders.REPLAY_ID);
                keys.add(r.get("key").asText());
            }
            assertThat(keys).containsExactlyInAnyOrder("order.placed", "order.placed", "order.paid");
            await().atMost(WAIT).until(() -> ch.messageCount("orders-dlq") == 3);

            // Redriven while billing is still broken: each dies again (its x-death count goes to 2) and is back.
            JsonNode first = ok(post(root, redrive(dlq, false)));
            assertThat(first.get("status").get("state").asText()).as(first.toString()).isEqualTo("SUCCEEDED");
            assertThat(first.get("status").get("sent").asInt()).isEqualTo(3);
            await().atMost(WAIT).until(() -> ch.messageCount("orders-dlq") == 3);
            JsonNode again = ok(post(root, redrive(dlq, true)));
            assertThat(again.get("records")).hasSize(3).allSatisfy(r -> assertThat(r.get("source").asText()).endsWith("#2"));

            // Billing fixed: the second redrive delivers each message to billing, once.
            broken.set(false);
            JsonNode second = ok(post(root, redrive(dlq, false)));
            assertThat(second.get("status").get("state").asText()).as(second.toString()).isEqualTo("SUCCEEDED");
            String replayId = second.get("status").get("id").asText();
            await().atMost(WAIT).until(() -> acceptedBodies.size() >= 3 && ch.messageCount("orders-dlq") == 0);
            assertThat(acceptedBodies).containsExactlyInAnyOrder(
                    "order.placed {\"n\":1}", "order.placed {\"n\":2}", "order.paid {\"n\":3}");
            for (AMQP.BasicProperties p : accepted) {
                assertThat(p.getHeaders()).containsKeys("x-death", ReplayHeaders.REPLAY_ID);
                assertThat(String.valueOf(p.getHeaders().get(ReplayHeaders.REPLAY_ID))).isEqualTo(replayId);
            }
            AMQP.BasicProperties one = accepted.stream().filter(p -> "o-1".equals(p.getMessageId())).findFirst().orElseThrow();
            assertThat(one.getCorrelationId()).isEqualTo("order-1");
            assertThat(String.valueOf(one.getHeaders().get("tenant"))).isEqualTo("t1");
            JsonNode sent = JSON.readTree(root.get("/api/v1/replays/" + replayId + "/records").text());
            assertThat(sent).hasSize(3).allSatisfy(r -> assertThat(r.get("targetTopic").asText()).isEqualTo(topic));

            // The copy of a first death, already redriven: skipped (taken off the queue), not sent again.
            ch.basicPublish("", "orders-dlq", copy.getProps(), copy.getBody());
            ch.waitForConfirmsOrDie(10_000);
            await().atMost(WAIT).until(() -> ch.messageCount("orders-dlq") == 1);
            JsonNode skip = ok(post(root, redrive(dlq, true)));
            assertThat(skip.get("records")).isEmpty();
            assertThat(skip.get("status").get("message").asText()).contains("1 skipped (already redriven)");
            JsonNode done = ok(post(root, redrive(dlq, false)));
            assertThat(done.get("status").get("sent").asInt()).isZero();
            await().atMost(WAIT).until(() -> ch.messageCount("orders-dlq") == 0);
            assertThat(acceptedBodies).hasSize(3);

            // An empty dead-letter queue, and one that does not exist: 404 with the reason.
            HttpResponse<String> empty = post(root, redrive(dlq, false));
            assertThat(empty.statusCode()).isEqualTo(404);
            assertThat(empty.body()).contains("holds no messages");
            HttpResponse<String> missing = post(root, redrive("rabbitmq:" + vhost + ":no-such-queue", true));
            assertThat(missing.statusCode()).as(missing.body()).isEqualTo(404);
            assertThat(missing.body()).contains("no queue 'no-such-queue'");
            // The audit lists the redrives, with who asked.
            assertThat(root.get("/api/v1/replays").text()).contains(replayId, "carol");
        }
    }

    /**
     * RabbitMQ allows {@code :} in virtual host, exchange and queue names. The name {@code rabbitmq:<vhost>:<queue>} once
     * read such a virtual host as the part before its own {@code :} (here the redrive answered 400, "vhost 'dlq' is not
     * one the RabbitMQ tap taps"); it is escaped now ({@link io.choreoscope.model.Topics#rabbitMq}), and the tapped
     * messages, the redrive's plan and the messages it sends back all name the exchange and virtual host they were.
     */
    @Test
    void namesHoldingColonsAreTheirOwnVirtualHostExchangeAndQueue(EmbeddedRabbitMq rabbit) throws Exception {
        String vhost = "dlq:" + RabbitMqExtension.uniqueName("v");
        rabbit.createVhost(vhost);
        ConnectionFactory f = new ConnectionFactory();
        f.setUri(rabbit.amqpUri(vhost));
        try (ApplicationContext app = tapping(rabbit, vhost, "dlqc");
             Connection c = f.newConnection("test"); Channel ch = c.createChannel(); Channel billing = c.createChannel()) {
            String base = app.getBean(EmbeddedServer.class).getURL().toString();
            ApiClient root = new ApiClient(base);
            ApiClient api = new ApiClient(base + "/api/v1");
            String topic = io.choreoscope.model.Topics.rabbitMq(vhost, "orders:v2");
            String dlq = io.choreoscope.model.Topics.rabbitMq(vhost, "orders:dlq");
            assertThat(topic).isEqualTo("rabbitmq:" + vhost.replace(":", "%3A") + ":orders:v2");
            await().atMost(WAIT).until(() -> root.get("/health").text().contains("\"connectedVhosts\":1"));
            ch.exchangeDeclare("orders:v2", BuiltinExchangeType.TOPIC, true);
            ch.exchangeDeclare("orders:dlx", BuiltinExchangeType.FANOUT, true);
            ch.queueDeclare("orders:dlq", true, false, false, null);
            ch.queueBind("orders:dlq", "orders:dlx", "");
            ch.queueDeclare("billing:v2", true, false, false, Map.of("x-dead-letter-exchange", "orders:dlx"));
            ch.queueBind("billing:v2", "orders:v2", "order.#");
            await().atMost(WAIT).untilAsserted(() -> assertThat(api.ok("/exchanges").toString()).contains(topic, "billing:v2"));

            AtomicBoolean broken = new AtomicBoolean(true);
            List<String> acceptedBodies = Collections.synchronizedList(new ArrayList<>());
            consumeRejectingWhileBroken(billing, "billing:v2", broken, new ArrayList<>(), acceptedBodies);
            ch.confirmSelect();
            for (int n = 1; n <= 2; n++) {
                ch.basicPublish("orders:v2", "order.placed", new AMQP.BasicProperties.Builder().correlationId("colon-" + n)
                        .type("OrderPlaced").build(), ("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8));
            }
            ch.waitForConfirmsOrDie(10_000);
            await().atMost(WAIT).until(() -> ch.messageCount("orders:dlq") == 2);

            // The tapped message is stored under the exchange's own name.
            await().atMost(WAIT).untilAsserted(() -> assertThat(api.get("/instances/colon-1").status()).isEqualTo(200));
            JsonNode stored = api.ok("/instances/colon-1").get("events").get(0);
            assertThat(stored.path("event").path("topic").asText(stored.path("topic").asText())).isEqualTo(topic);

            // The redrive reads the queue of that virtual host and sends each message back to its exchange.
            JsonNode dry = ok(post(root, redrive(dlq, true)));
            assertThat(dry.get("records")).hasSize(2).allSatisfy(r -> assertThat(r.get("targetTopic").asText()).isEqualTo(topic));
            broken.set(false);
            JsonNode done = ok(post(root, redrive(dlq, false)));
            assertThat(done.get("status").get("state").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
            await().atMost(WAIT).until(() -> acceptedBodies.size() >= 2 && ch.messageCount("orders:dlq") == 0);
            assertThat(acceptedBodies).containsExactlyInAnyOrder("order.placed {\"n\":1}", "order.placed {\"n\":2}");
        }
    }
}
