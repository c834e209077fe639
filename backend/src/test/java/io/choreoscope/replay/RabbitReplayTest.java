package io.choreoscope.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
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
 * Replay of stored RabbitMQ messages through the REST API, all real (RabbitMQ, Kafka, ClickHouse, the taps running as
 * in the application): the message goes back to its exchange with its routing key, body and AMQP properties plus the
 * replay headers, confirmed by the broker, and the audit lists it; an unroutable one is reported failed.
 */
@ExtendWith({RabbitMqExtension.class, KafkaExtension.class, ClickHouseExtension.class})
class RabbitReplayTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static HttpResponse<String> post(ApiClient root, String body, String user) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(root.base() + "/api/v1/replays"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (user != null) {
            b.header(ReplayController.USER_HEADER, user);
        }
        return root.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode ok(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** The stored event of an instance (the first not replayed) as a replay request's event reference. */
    private static String eventRef(ApiClient api, String correlationId) {
        JsonNode events = api.ok("/instances/" + correlationId).get("events");
        for (JsonNode e : events) {
            JsonNode ev = e.has("event") ? e.get("event") : e;
            return "{\"topic\":" + ev.get("topic").toString() + ",\"partition\":" + ev.get("partition").asInt()
                    + ",\"offset\":" + ev.get("offset").asLong() + "}";
        }
        throw new AssertionError("no events for " + correlationId);
    }

    @Test
    void storedMessageIsRepublishedToItsExchangeWithItsRoutingKeyPropertiesAndReplayHeaders(EmbeddedRabbitMq rabbit)
            throws Exception {
        String vhost = RabbitMqExtension.uniqueName("replay");
        rabbit.createVhost(vhost);
        String prefix = KafkaExtension.uniqueName("rreplay");
        String db = ClickHouseExtension.createDatabase();
        Map<String, Object> extra = Map.of(
                "choreoscope.rabbitmq.uri", rabbit.amqpUri(),
                "choreoscope.rabbitmq.management-url", rabbit.managementUrl(),
                "choreoscope.rabbitmq.vhosts", List.of(vhost),
                "choreoscope.rabbitmq.batch-linger", "100ms",
                "choreoscope.alerts.enabled", false);
        ConnectionFactory f = new ConnectionFactory();
        f.setUri(rabbit.amqpUri(vhost));
        try (ApplicationContext app = TestApplication.start(prefix, db, extra);
             Connection c = f.newConnection("test"); Channel ch = c.createChannel()) {
            ApiClient root = new ApiClient(app.getBean(EmbeddedServer.class).getURL().toString());
            ApiClient api = new ApiClient(root.base() + "/api/v1");
            await().atMost(WAIT).until(() -> root.get("/health").text().contains("\"connectedVhosts\":1"));
            ch.exchangeDeclare("shipping", BuiltinExchangeType.TOPIC, true);
            ch.queueDeclare("shipping-service", true, false, false, null);
            ch.queueBind("shipping-service", "shipping", "order.#");
            ch.exchangeDeclare("audit", BuiltinExchangeType.FANOUT, true); // no queue bound: unroutable
            ch.confirmSelect();
            Date ts = new Date(1_700_000_000_000L);
            AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().correlationId("order-r").messageId("e2")
                    .type("OrderShipped").appId("shipping").contentType("application/json").deliveryMode(2).priority(3)
                    .timestamp(ts).headers(Map.of("causationId", "e1")).build();
            byte[] body = utf8("{\"carrier\":\"post\",\"html\":\"<b>\"}");
            ch.basicPublish("shipping", "order.shipped", props, body);
            ch.basicPublish("audit", "x", new AMQP.BasicProperties.Builder().correlationId("audit-r").messageId("a1").build(),
                    utf8("{}"));
            ch.waitForConfirmsOrDie(10_000);
            assertThat(ch.basicGet("shipping-service", true)).as("the original").isNotNull();
            await().atMost(WAIT).untilAsserted(() -> assertThat(api.get("/instances/order-r").status()).isEqualTo(200));
            await().atMost(WAIT).untilAsserted(() -> assertThat(api.get("/instances/audit-r").status()).isEqualTo(200));
            String topic = "rabbitmq:" + vhost + ":shipping";
            String ref = eventRef(api, "order-r");

            // Dry run: the plan names the exchange, nothing is sent.
            JsonNode dry = ok(post(root, "{\"mode\":\"EVENT\",\"dryRun\":true,\"events\":[" + ref + "]}", "alice"));
            assertThat(dry.get("status").get("state").asText()).isEqualTo("DRY_RUN");
            assertThat(dry.get("records").get(0).get("targetTopic").asText()).isEqualTo(topic);

            JsonNode run = ok(post(root, "{\"mode\":\"EVENT\",\"events\":[" + ref + "]}", "alice"));
            assertThat(run.get("status").get("state").asText()).as(run.toString()).isEqualTo("SUCCEEDED");
            String replayId = run.get("status").get("id").asText();
            GetResponse got = await().atMost(WAIT).until(() -> ch.basicGet("shipping-service", true), g -> g != null);
            assertThat(got.getBody()).isEqualTo(body);
            assertThat(got.getEnvelope().getExchange()).isEqualTo("shipping");
            assertThat(got.getEnvelope().getRoutingKey()).isEqualTo("order.shipped");
            AMQP.BasicProperties p = got.getProps();
            assertThat(p.getCorrelationId()).isEqualTo("order-r");
            assertThat(p.getMessageId()).isEqualTo("e2");
            assertThat(p.getType()).isEqualTo("OrderShipped");
            assertThat(p.getAppId()).isEqualTo("shipping");
            assertThat(p.getContentType()).isEqualTo("application/json");
            assertThat(p.getDeliveryMode()).isEqualTo(2);
            assertThat(p.getPriority()).isEqualTo(3);
            assertThat(p.getTimestamp()).isEqualTo(ts);
            Map<String, Object> h = p.getHeaders();
            assertThat(String.valueOf(h.get("causationId"))).isEqualTo("e1");
            assertThat(String.valueOf(h.get(ReplayHeaders.REPLAY_ID))).isEqualTo(replayId);
            assertThat(String.valueOf(h.get(ReplayHeaders.REPLAY_OF))).isEqualTo(topic + "/" + JSON.readTree(ref).get("partition")
                    .asInt() + "/" + JSON.readTree(ref).get("offset").asLong());
            assertThat(h).containsKey(ReplayHeaders.REPLAYED_AT).doesNotContainKeys("amqp:exchange", "amqp:routing_key",
                    "amqp:correlation_id");
            JsonNode records = api.ok("/replays/" + replayId + "/records");
            assertThat(records).hasSize(1);
            assertThat(records.get(0).get("targetTopic").asText()).isEqualTo(topic);
            assertThat(records.get(0).get("key").asText()).isEqualTo("order.shipped");
            assertThat(api.ok("/replays/" + replayId).get("requestedBy").asText()).isEqualTo("alice");
            // The tapped copy is a second event (flagged replayed), not a replacement of the original.
            await().atMost(WAIT).untilAsserted(() -> assertThat(api.ok("/instances/order-r").get("events")).hasSize(2));

            // Stuck instance: its last event (the replayed copy now) goes back the same way.
            JsonNode stuck = ok(post(root, "{\"mode\":\"STUCK_LAST_EVENT\",\"correlationIds\":[\"order-r\"]}", "bob"));
            assertThat(stuck.get("status").get("state").asText()).as(stuck.toString()).isEqualTo("SUCCEEDED");
            GetResponse again = await().atMost(WAIT).until(() -> ch.basicGet("shipping-service", true), g -> g != null);
            assertThat(again.getBody()).isEqualTo(body);
            assertThat(String.valueOf(again.getProps().getHeaders().get(ReplayHeaders.REPLAY_ID)))
                    .isEqualTo(stuck.get("status").get("id").asText());
            assertThat(String.valueOf(again.getProps().getHeaders().get("causationId"))).isEqualTo("e1");

            // Unroutable: the broker returns it, the replay says so instead of counting it sent.
            JsonNode lost = ok(post(root, "{\"mode\":\"EVENT\",\"events\":[" + eventRef(api, "audit-r") + "]}", "bob"));
            assertThat(lost.get("status").get("state").asText()).as(lost.toString()).isEqualTo("FAILED");
            assertThat(lost.get("status").get("sent").asInt()).isZero();
            assertThat(lost.get("status").toString()).contains("routed routing key 'x' to no queue");
        }
    }
}
