package io.choreoscope.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import io.choreoscope.api.ApiClient;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.ingest.TestApplication;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Issue 16 item 2 on a real Kafka and ClickHouse: a consumer group that stops consuming while the producer keeps
 * producing shows growing lag, in records and in seconds, on its CONSUMES edge of {@code GET /dependencies} and summed
 * on the topic, and fires the consumer-lag alert with the same figure; a group that keeps up shows 0.
 *
 * <p>Mostly waiting (for alert windows to pass, lag to grow), so it runs beside the module's other test classes, on
 * topics, groups and a database of its own; never while a class stops the shared ClickHouse
 * ({@link ClickHouseExtension#SHARED_ENGINE_LOCK}).
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(value = ClickHouseExtension.SHARED_ENGINE_LOCK, mode = ResourceAccessMode.READ)
class ConsumerLagOnTheMapTest {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @Test
    void aStalledGroupLagsGrowOnItsEdgeAndFireTheAlertWhileACaughtUpGroupShowsZero(EmbeddedKafka kafka)
            throws Exception {
        String prefix = KafkaExtension.uniqueName("lagmap");
        String topic = prefix + "-orders";
        String billing = prefix + "-billing"; // keeps up
        String archive = prefix + "-archive"; // stops consuming
        kafka.createTopic(topic, 2);
        Map<String, Object> p = TestApplication.properties(prefix, ClickHouseExtension.createDatabase());
        p.put("choreoscope.otlp.enabled", false);
        p.put("choreoscope.alerts.evaluation-interval", "1s");
        p.put("choreoscope.alerts.webhook.allowed-hosts", WebhookReceiver.ALLOWED_HOSTS);
        AtomicLong produced = new AtomicLong();
        try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, p);
             WebhookReceiver receiver = new WebhookReceiver();
             KafkaProducer<byte[], byte[]> producer = kafka.producer();
             KafkaConsumer<byte[], byte[]> billingConsumer = consumer(kafka, billing, topic);
             KafkaConsumer<byte[], byte[]> archiveConsumer = consumer(kafka, archive, topic)) {
            ApiClient api = new ApiClient(server.getURL() + "/api/v1");
            HttpResponse<String> created = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(server.getURL() + "/api/v1/alerts/rules")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"archive lag\",\"kind\":\"CONSUMER_LAG_ABOVE\","
                            + "\"subject\":\"" + archive + "\",\"threshold\":3,\"hysteresis\":0,\"webhookUrl\":\""
                            + receiver.url() + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

            // Both groups read the first records and commit: both caught up.
            for (int i = 0; i < 10; i++) {
                send(producer, topic, produced);
            }
            producer.flush();
            consumeAll(billingConsumer, produced.get());
            consumeAll(archiveConsumer, produced.get());
            await().atMost(WAIT).untilAsserted(() -> {
                JsonNode map = api.ok("/dependencies");
                assertThat(lag(map, archive, topic).path("records").asLong(-1)).isZero();
                assertThat(lag(map, billing, topic).path("seconds").asDouble(-1)).isZero();
            });

            // The archive stops; the producer goes on; billing keeps consuming.
            ScheduledExecutorService feeder = Executors.newSingleThreadScheduledExecutor();
            feeder.scheduleWithFixedDelay(() -> {
                send(producer, topic, produced);
                producer.flush();
            }, 0, 200, TimeUnit.MILLISECONDS);
            AtomicLong billingSeen = new AtomicLong(produced.get());
            try {
                long[] first = new long[1];
                double[] firstSeconds = new double[1];
                await().atMost(WAIT).untilAsserted(() -> {
                    pollAndCommit(billingConsumer, billingSeen);
                    JsonNode l = lag(api.ok("/dependencies"), archive, topic);
                    assertThat(l.path("records").asLong()).isGreaterThanOrEqualTo(5);
                    assertThat(l.path("seconds").asDouble()).isGreaterThan(1.0);
                    first[0] = l.get("records").asLong();
                    firstSeconds[0] = l.get("seconds").asDouble();
                });
                await().atMost(WAIT).untilAsserted(() -> {
                    pollAndCommit(billingConsumer, billingSeen);
                    JsonNode map = api.ok("/dependencies");
                    JsonNode l = lag(map, archive, topic);
                    assertThat(l.path("records").asLong()).isGreaterThan(first[0]);
                    assertThat(l.path("seconds").asDouble()).isGreaterThan(firstSeconds[0]);
                    // the topic's lag sums its consumers': the archive's records, billing's few in flight
                    JsonNode t = map.path("topicLag").path(topic);
                    assertThat(t.path("records").asLong()).isGreaterThanOrEqualTo(l.get("records").asLong());
                    assertThat(t.path("seconds").asDouble()).isGreaterThanOrEqualTo(l.get("seconds").asDouble());
                });

                // The alert reads the same figure: it fires for the archive group.
                await().atMost(WAIT).until(() -> {
                    pollAndCommit(billingConsumer, billingSeen);
                    return !receiver.bodies().isEmpty();
                });
                JsonNode firing = receiver.json().get(0);
                assertThat(firing.get("status").asText()).isEqualTo("firing");
                assertThat(firing.get("series").asText()).isEqualTo(archive);
                assertThat(firing.get("value").asDouble()).isGreaterThan(3);
            } finally {
                feeder.shutdown();
                assertThat(feeder.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            }

            // Production stopped: billing reads the rest and shows 0 in records and seconds; the archive still lags.
            await().atMost(WAIT).untilAsserted(() -> {
                pollAndCommit(billingConsumer, billingSeen);
                JsonNode map = api.ok("/dependencies");
                JsonNode b = lag(map, billing, topic);
                assertThat(b.path("records").asLong(-1)).isZero();
                assertThat(b.path("seconds").asDouble(-1)).isZero();
                JsonNode a = lag(map, archive, topic);
                assertThat(a.path("records").asLong()).isEqualTo(produced.get() - 10);
                assertThat(map.path("topicLag").path(topic).path("records").asLong()).isEqualTo(produced.get() - 10);
                assertThat(edge(map, billing, topic).path("evidence").toString()).contains("consumer-group");
            });
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, AtomicLong produced) {
        long i = produced.incrementAndGet();
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, (int) (i % 2), null,
                ("{\"order\":" + i + "}").getBytes(StandardCharsets.UTF_8));
        r.headers().add("sourceService", "orders".getBytes(StandardCharsets.UTF_8));
        r.headers().add("eventType", "OrderPlaced".getBytes(StandardCharsets.UTF_8));
        r.headers().add("correlationId", ("order-" + i).getBytes(StandardCharsets.UTF_8));
        producer.send(r);
    }

    private static KafkaConsumer<byte[], byte[]> consumer(EmbeddedKafka kafka, String group, String topic) {
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        c.subscribe(List.of(topic));
        return c;
    }

    private static void consumeAll(KafkaConsumer<byte[], byte[]> c, long expected) {
        AtomicLong seen = new AtomicLong();
        await().atMost(WAIT).until(() -> {
            pollAndCommit(c, seen);
            return seen.get() >= expected;
        });
    }

    private static void pollAndCommit(KafkaConsumer<byte[], byte[]> c, AtomicLong seen) {
        int n = c.poll(Duration.ofMillis(200)).count();
        seen.addAndGet(n);
        c.commitSync();
    }

    private static JsonNode edge(JsonNode map, String service, String topic) {
        for (JsonNode e : map.get("edges")) {
            if (e.get("role").asText().equals("CONSUMES") && e.get("service").asText().equals(service)
                    && e.get("topic").asText().equals(topic)) {
                return e;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private static JsonNode lag(JsonNode map, String service, String topic) {
        return edge(map, service, topic).path("lag");
    }
}
