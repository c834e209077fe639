package io.choreoscope.alerts;

import io.choreoscope.ingest.TestApplication;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An alert on real data, end to end: records land on a dead-letter topic of a real Kafka, the tap
 * stores them in a real ClickHouse, the scheduled evaluation computes the growth from there, the rule
 * fires to a real local webhook, and resolves once the window has passed with no new dead letters.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class DeadLetterAlertOnRealDataTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void deadLetterGrowthFiresToTheWebhookAndResolvesWhenTheTopicGoesQuiet(EmbeddedKafka kafka) throws Exception {
        String prefix = KafkaExtension.uniqueName("dltalert");
        String dlt = prefix + "-orders.DLT";
        kafka.createTopic(dlt, 1);
        try (EmbeddedServer server = start(prefix); WebhookReceiver receiver = new WebhookReceiver()) {
            createRule(server, "{\"name\":\"orders dead letters\",\"kind\":\"DEAD_LETTER_GROWTH_ABOVE\","
                    + "\"subject\":\"" + prefix + ".*\\\\.DLT\",\"threshold\":2,\"windowMs\":8000,\"hysteresis\":0,"
                    + "\"webhookUrl\":\"" + receiver.url() + "\"}");

            try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
                for (int i = 0; i < 5; i++) {
                    producer.send(new ProducerRecord<>(dlt, ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8))).get();
                }
            }

            assertThat(firstFiring(receiver, dlt)).isGreaterThan(2);

            // No new dead letters: once the 8 s window has slid past them, growth is 0 and the rule resolves.
            await().atMost(WAIT).until(() -> receiver.bodies().size() >= 2);
            JsonNode resolved = receiver.json().get(1);
            assertThat(resolved.get("status").asText()).isEqualTo("resolved");
            assertThat(resolved.get("series").asText()).isEqualTo(dlt);
            assertThat(resolved.get("value").asDouble()).isLessThanOrEqualTo(2);
            assertThat(receiver.bodies()).hasSize(2);
        }
    }

    /**
     * A rule that names no topics counts every dead letter, as the stuck causes see them: here records on a topic whose
     * name says nothing ({@code orders-failed}), which a Kafka tool marked with their original topic's header. Before,
     * such a rule counted only the topics named like dead-letter topics, and said nothing.
     */
    @Test
    void aRuleWithoutTopicsCountsDeadLettersByTheirHeadersOnAnyTopic(EmbeddedKafka kafka) throws Exception {
        String prefix = KafkaExtension.uniqueName("dlhalert");
        String failed = prefix + "-orders-failed";
        kafka.createTopic(failed, 1);
        try (EmbeddedServer server = start(prefix); WebhookReceiver receiver = new WebhookReceiver()) {
            createRuleForEveryDeadLetter(server, receiver);

            try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
                for (int i = 0; i < 3; i++) {
                    ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(failed, ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8));
                    r.headers().add("x-original-topic", (prefix + "-orders").getBytes(StandardCharsets.UTF_8));
                    producer.send(r).get();
                }
                // the same topic's records without the header are not dead letters
                for (int i = 0; i < 5; i++) {
                    producer.send(new ProducerRecord<>(failed, ("{\"ok\":" + i + "}").getBytes(StandardCharsets.UTF_8))).get();
                }
            }

            assertThat(firstFiring(receiver, failed)).isEqualTo(3);
        }
    }

    /**
     * Kafka Connect's dead-letter queue keeps each failed record's timestamp: a connector running behind writes dead
     * letters stamped before the window they arrive in. Here three arrive stamped 20 minutes ago, on a topic known as
     * a dead-letter topic by its headers only, after the rule's first evaluations (which read the day): they count in
     * the minute they arrive in. Before, the window was read by timestamp, and the rule said nothing.
     */
    @Test
    void deadLettersStampedBeforeTheWindowCountWhenTheyArrive(EmbeddedKafka kafka) throws Exception {
        String prefix = KafkaExtension.uniqueName("dllate");
        String errors = prefix + "-sink-errors";
        kafka.createTopic(errors, 1);
        try (EmbeddedServer server = start(prefix); WebhookReceiver receiver = new WebhookReceiver()) {
            createRuleForEveryDeadLetter(server, receiver);
            Thread.sleep(3_000); // evaluated every second: the first evaluations, which read the day, have run

            long stamped = System.currentTimeMillis() - Duration.ofMinutes(20).toMillis();
            try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
                for (int i = 0; i < 3; i++) {
                    ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(errors, 0, stamped + i, null,
                            ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8));
                    r.headers().add("__connect.errors.topic", (prefix + "-orders").getBytes(StandardCharsets.UTF_8));
                    producer.send(r).get();
                }
            }

            assertThat(firstFiring(receiver, errors)).isEqualTo(3);
        }
    }

    /** The first webhook call, once it came: firing for {@code series}; its value. */
    private static double firstFiring(WebhookReceiver receiver, String series) throws Exception {
        await().atMost(WAIT).until(() -> receiver.bodies().size() >= 1);
        JsonNode firing = receiver.json().get(0);
        assertThat(firing.get("status").asText()).isEqualTo("firing");
        assertThat(firing.get("series").asText()).isEqualTo(series);
        return firing.get("value").asDouble();
    }

    /** The application tapping the topics of {@code prefix}, evaluating alerts every second, webhooks to loopback allowed. */
    private static EmbeddedServer start(String prefix) {
        Map<String, Object> p = TestApplication.properties(prefix, ClickHouseExtension.createDatabase());
        p.put("choreoscope.otlp.enabled", false);
        p.put("choreoscope.alerts.evaluation-interval", "1s");
        p.put("choreoscope.alerts.webhook.allowed-hosts", WebhookReceiver.ALLOWED_HOSTS);
        return ApplicationContext.run(EmbeddedServer.class, p);
    }

    /** A rule without topics: every dead letter, more than 2 in a minute fires, to {@code receiver}. */
    private static void createRuleForEveryDeadLetter(EmbeddedServer server, WebhookReceiver receiver) throws Exception {
        createRule(server, "{\"name\":\"every dead letter\",\"kind\":\"DEAD_LETTER_GROWTH_ABOVE\","
                + "\"threshold\":2,\"windowMs\":60000,\"hysteresis\":0,\"webhookUrl\":\"" + receiver.url() + "\"}");
    }

    private static void createRule(EmbeddedServer server, String json) throws Exception {
        HttpResponse<String> created = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(server.getURL() + "/api/v1/alerts/rules")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }
}
