package io.choreoscope.replay;

import io.choreoscope.ingest.TestApplication;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.model.Header;
import io.choreoscope.model.Observation;
import io.choreoscope.storage.clickhouse.ClickHouseConfig;
import io.choreoscope.storage.clickhouse.ClickHouseEventReader;
import io.choreoscope.storage.clickhouse.ClickHouseStore;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Replay through the REST API against a real Kafka and ClickHouse, with the tap running as in the
 * application: originals are read from ClickHouse, re-published to Kafka, and tapped back.
 *
 * <p>Partly waiting (rate-limited replays), so it runs beside the module's other test classes, on topics, groups and a
 * database of its own; never while a class stops the shared ClickHouse ({@link ClickHouseExtension#SHARED_ENGINE_LOCK}).
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(value = ClickHouseExtension.SHARED_ENGINE_LOCK, mode = ResourceAccessMode.READ)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplayTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private String prefix;
    private EmbeddedServer server;
    private ClickHouseEventReader reader;
    private EmbeddedKafka kafka;

    @BeforeAll
    void start() {
        kafka = KafkaExtension.kafka();
        prefix = KafkaExtension.uniqueName("replay");
        String db = ClickHouseExtension.createDatabase();
        Map<String, Object> p = TestApplication.properties(prefix, db);
        p.put("choreoscope.otlp.enabled", false);
        p.put("choreoscope.alerts.enabled", false);
        server = ApplicationContext.run(EmbeddedServer.class, p);
        reader = new ClickHouseEventReader(new ClickHouseStore(new ClickHouseConfig(ClickHouseExtension.engine().httpUrl(), db)));
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.getApplicationContext().close();
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private RecordMetadata send(String topic, String key, String value, Object... headers) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
            ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, key == null ? null : utf8(key), value == null ? null : utf8(value));
            for (int i = 0; i + 1 < headers.length; i += 2) {
                Object v = headers[i + 1];
                r.headers().add((String) headers[i], v instanceof byte[] b ? b : utf8((String) v));
            }
            return p.send(r).get();
        }
    }

    private HttpResponse<String> post(String path, String body, String user) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.getURL() + path))
                .header("Content-Type", "application/json")
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (user != null) {
            b.header(ReplayController.USER_HEADER, user);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.getURL() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private long endOffset(String topic) throws Exception {
        return kafka.admin().listOffsets(Map.of(new TopicPartition(topic, 0), OffsetSpec.latest())).all().get()
                .get(new TopicPartition(topic, 0)).offset();
    }

    private static Map<String, String> headers(Observation o) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (Header h : o.headers()) {
            m.put(h.name(), h.text());
        }
        return m;
    }

    @Test
    void stuckInstancesLastEventIsRepublishedWithKeyHeadersAndPayloadAndIsTappedAsReplayed() throws Exception {
        String orders = prefix + "-orders";
        kafka.createTopic(orders, 2);
        byte[] binary = {(byte) 0xCA, (byte) 0xFE, 0, 1};
        send(orders, "order-7", "{\"amount\":12}", "correlationId", "order-7", "eventType", "OrderPlaced");
        RecordMetadata last = send(orders, "order-7", "{\"paid\":true}", "correlationId", "order-7",
                "eventType", "PaymentCaptured", "trace-bin", binary);
        await().atMost(WAIT).until(() -> reader.eventsOf("order-7").size() == 2);

        HttpResponse<String> r = post("/api/v1/replays",
                "{\"mode\":\"STUCK_LAST_EVENT\",\"correlationIds\":[\"order-7\"]}", "alice");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(r.body());
        assertThat(answer.get("status").get("state").asText()).isEqualTo("SUCCEEDED");
        assertThat(answer.get("status").get("sent").asInt()).isEqualTo(1);
        String replayId = answer.get("status").get("id").asText();

        await().atMost(WAIT).until(() -> reader.eventsOf("order-7").size() == 3);
        List<Observation> events = reader.eventsOf("order-7");
        Observation original = events.stream().filter(o -> o.offset() == last.offset() && o.partition() == last.partition()
                && !o.replayed()).findFirst().orElseThrow();
        Observation replayed = events.stream().filter(Observation::replayed).findFirst().orElseThrow();
        assertThat(replayed.topic()).isEqualTo(orders);
        assertThat(replayed.partition()).as("same key, same partition").isEqualTo(last.partition());
        assertThat(replayed.key()).isEqualTo(original.key());
        assertThat(replayed.payload()).isEqualTo(original.payload());
        assertThat(replayed.eventType()).isEqualTo("PaymentCaptured");
        assertThat(replayed.headers().subList(0, 3)).isEqualTo(original.headers());
        assertThat(replayed.header("trace-bin").value()).isEqualTo(binary);
        Map<String, String> h = headers(replayed);
        assertThat(h).containsEntry(ReplayHeaders.REPLAY_ID, replayId)
                .containsEntry(ReplayHeaders.REPLAY_OF, orders + "/" + last.partition() + "/" + last.offset())
                .containsKey(ReplayHeaders.REPLAYED_AT);
        assertThat(original.replayed()).isFalse();
        assertThat(reader.countReplayed(orders)).as("ClickHouse's replayed column").isEqualTo(1);

        JsonNode status = get("/api/v1/replays/" + replayId);
        assertThat(status.get("requestedBy").asText()).isEqualTo("alice");
        assertThat(status.get("mode").asText()).isEqualTo("STUCK_LAST_EVENT");
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode audit = null;
            for (JsonNode a : get("/api/v1/replays?limit=50")) {
                if (a.get("id").asText().equals(replayId)) {
                    audit = a;
                }
            }
            assertThat(audit).isNotNull();
            assertThat(audit.get("state").asText()).isEqualTo("SUCCEEDED");
            assertThat(server.getApplicationContext().getBean(ReplayAuditRepository.class).findByReplayId(replayId))
                    .hasValueSatisfying(row -> {
                        assertThat(row.requestedBy()).isEqualTo("alice");
                        assertThat(row.status()).isEqualTo("SUCCEEDED");
                        assertThat(row.sent()).isEqualTo(1);
                        assertThat(row.finishedAt()).isNotNull();
                        assertThat(row.request()).contains("order-7");
                    });
        });
    }

    @Test
    void deadLetterTopicIsRedrivenToEachRecordsOriginalTopicWithoutItsDeadLetterHeaders() throws Exception {
        String dlt = prefix + "-payments.DLT";
        String payments = prefix + "-payments";
        String shipping = prefix + "-shipping";
        String fallback = prefix + "-fallback";
        for (String t : List.of(dlt, payments, shipping, fallback)) {
            kafka.createTopic(t, 1);
        }
        send(dlt, "p-1", "{\"n\":1}", "kafka_dlt-original-topic", payments, "kafka_dlt-original-partition",
                ByteBuffer.allocate(4).putInt(2).array(), "kafka_dlt-original-offset", ByteBuffer.allocate(8).putLong(41).array(),
                "kafka_dlt-exception-message", "boom", "correlationId", "pay-1", "tenant", "acme");
        send(dlt, "p-2", "{\"n\":2}", "kafka_dlt-original-topic", payments, "kafka_dlt-exception-fqcn", "x.Y", "correlationId", "pay-2");
        send(dlt, "s-1", "{\"n\":3}", "x-original-topic", shipping, "x-exception-message", "nope", "correlationId", "ship-1");
        send(dlt, null, "{\"n\":4}", "correlationId", "lost-1");
        await().atMost(WAIT).until(() -> reader.countVisible(dlt) == 4);

        HttpResponse<String> refused = post("/api/v1/replays", "{\"mode\":\"DEAD_LETTER\",\"deadLetterTopic\":\"" + dlt + "\"}", null);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(refused.body()).get("message").asText())
                .contains("1 of 4 records").contains("carry no original-topic header").contains(dlt + "/0/3")
                .contains("choose a targetTopic");

        HttpResponse<String> r = post("/api/v1/replays", "{\"mode\":\"DEAD_LETTER\",\"deadLetterTopic\":\"" + dlt
                + "\",\"targetTopic\":\"" + fallback + "\"}", "bob");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).get("status").get("sent").asInt()).isEqualTo(4);

        await().atMost(WAIT).until(() -> reader.countVisible(payments) == 2 && reader.countVisible(shipping) == 1
                && reader.countVisible(fallback) == 1);
        Observation pay1 = reader.eventsOf("pay-1").stream().filter(o -> o.topic().equals(payments)).findFirst().orElseThrow();
        assertThat(pay1.replayed()).isTrue();
        assertThat(new String(pay1.key(), StandardCharsets.UTF_8)).isEqualTo("p-1");
        assertThat(new String(pay1.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"n\":1}");
        Map<String, String> h = headers(pay1);
        assertThat(h.keySet()).containsExactly("correlationId", "tenant", ReplayHeaders.REPLAY_ID, ReplayHeaders.REPLAY_OF,
                ReplayHeaders.REPLAYED_AT, ReplayHeaders.REPLAY_ORIGINAL);
        assertThat(h).containsEntry(ReplayHeaders.REPLAY_OF, dlt + "/0/0")
                .containsEntry(ReplayHeaders.REPLAY_ORIGINAL, payments + "/2/41");
        Observation ship1 = reader.eventsOf("ship-1").stream().filter(o -> o.topic().equals(shipping)).findFirst().orElseThrow();
        assertThat(headers(ship1)).doesNotContainKeys("x-original-topic", "x-exception-message").containsKey(ReplayHeaders.REPLAY_ID);
        assertThat(reader.eventsOf("lost-1")).extracting(Observation::topic).containsExactlyInAnyOrder(dlt, fallback);
        assertThat(reader.countReplayed(payments)).isEqualTo(2);
    }

    @Test
    void dryRunShowsExactlyWhatWouldBeSentAndSendsNothing() throws Exception {
        String dlt = prefix + "-dry.DLT";
        String target = prefix + "-dry";
        kafka.createTopic(dlt, 1);
        kafka.createTopic(target, 1);
        send(dlt, "k", "{\"x\":1}", "kafka_dlt-original-topic", target, "kafka_dlt-exception-message", "boom", "h", "v");
        send(dlt, null, null, "x-original-topic", target);
        await().atMost(WAIT).until(() -> reader.countVisible(dlt) == 2);

        HttpResponse<String> r = post("/api/v1/replays", "{\"mode\":\"DEAD_LETTER\",\"deadLetterTopic\":\"" + dlt + "\",\"dryRun\":true}", "carol");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(r.body());
        assertThat(answer.get("status").get("state").asText()).isEqualTo("DRY_RUN");
        assertThat(answer.get("status").get("total").asInt()).isEqualTo(2);
        assertThat(answer.get("status").get("sent").asInt()).isZero();
        JsonNode records = answer.get("records");
        assertThat(records).hasSize(2);
        JsonNode first = records.get(0);
        assertThat(first.get("source").asText()).isEqualTo(dlt + "/0/0");
        assertThat(first.get("targetTopic").asText()).isEqualTo(target);
        assertThat(first.get("key").asText()).isEqualTo("k");
        assertThat(first.get("payload").asText()).isEqualTo("{\"x\":1}");
        List<String> names = new java.util.ArrayList<>();
        first.get("headers").forEach(x -> names.add(x.get("name").asText()));
        assertThat(names).containsExactly("h", ReplayHeaders.REPLAY_ID, ReplayHeaders.REPLAY_OF, ReplayHeaders.REPLAYED_AT);
        assertThat(records.get(1).get("payload").isNull()).as("a tombstone stays a tombstone").isTrue();
        assertThat(records.get(1).get("key").isNull()).isTrue();

        assertThat(endOffset(target)).isZero();
        String id = answer.get("status").get("id").asText();
        assertThat(server.getApplicationContext().getBean(ReplayAuditRepository.class).findByReplayId(id))
                .hasValueSatisfying(a -> {
                    assertThat(a.dryRun()).isTrue();
                    assertThat(a.status()).isEqualTo("DRY_RUN");
                    assertThat(a.requestedBy()).isEqualTo("carol");
                });
    }

    @Test
    void cancellingARateLimitedBulkReplayStopsItWhereItIs() throws Exception {
        String dlt = prefix + "-bulk.DLT";
        String target = prefix + "-bulk";
        kafka.createTopic(dlt, 1);
        kafka.createTopic(target, 1);
        try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
            for (int i = 0; i < 200; i++) {
                ProducerRecord<byte[], byte[]> rec = new ProducerRecord<>(dlt, utf8("k" + i), utf8("{\"i\":" + i + "}"));
                rec.headers().add("kafka_dlt-original-topic", utf8(target));
                p.send(rec);
            }
        }
        await().atMost(WAIT).until(() -> reader.countVisible(dlt) == 200);

        HttpResponse<String> r = post("/api/v1/replays", "{\"mode\":\"DEAD_LETTER\",\"deadLetterTopic\":\"" + dlt
                + "\",\"ratePerSecond\":10}", null);
        assertThat(r.statusCode()).as("still running after the sync wait").isEqualTo(202);
        String id = JSON.readTree(r.body()).get("status").get("id").asText();
        await().atMost(WAIT).until(() -> get("/api/v1/replays/" + id).get("sent").asInt() >= 3);

        HttpResponse<String> c = post("/api/v1/replays/" + id + "/cancel", null, null);
        assertThat(c.statusCode()).isEqualTo(200);
        JsonNode cancelled = JSON.readTree(c.body());
        assertThat(cancelled.get("state").asText()).isEqualTo("CANCELLED");
        int sent = cancelled.get("sent").asInt();
        assertThat(sent).isBetween(3, 150);
        assertThat(cancelled.get("requestedBy").asText()).isEqualTo("anonymous");
        // Nothing more arrives after the cancel: the topic holds exactly what was reported sent.
        await().during(Duration.ofSeconds(2)).atMost(WAIT).until(() -> endOffset(target) == sent);
        assertThat(server.getApplicationContext().getBean(ReplayAuditRepository.class).findByReplayId(id))
                .hasValueSatisfying(a -> {
                    assertThat(a.status()).isEqualTo("CANCELLED");
                    assertThat(a.sent()).isEqualTo(sent);
                    assertThat(a.total()).isEqualTo(200);
                });
    }

    @Test
    void replaysIntoChoreoscopesOwnInternalOrUntappedTopicsAreRefusedHoweverTheTargetWasChosen() throws Exception {
        String orders = prefix + "-targets-orders";
        String ownDlt = prefix + "-targets-own.DLT";
        String untappedDlt = prefix + "-targets-untapped.DLT";
        for (String t : List.of(orders, ownDlt, untappedDlt)) {
            kafka.createTopic(t, 1);
        }
        send(orders, "o-1", "{\"n\":1}", "correlationId", "targets-1");
        send(ownDlt, "o-2", "{\"n\":2}", "kafka_dlt-original-topic", "choreoscope.observations", "correlationId", "targets-2");
        send(untappedDlt, "o-3", "{\"n\":3}", "x-original-topic", "not-tapped", "correlationId", "targets-3");
        await().atMost(WAIT).until(() -> reader.countVisible(orders) == 1 && reader.countVisible(ownDlt) == 1
                && reader.countVisible(untappedDlt) == 1);
        String event = "{\"mode\":\"EVENT\",\"dryRun\":true,\"events\":[{\"topic\":\"" + orders + "\",\"partition\":0,\"offset\":0}]";

        assertError(post("/api/v1/replays", event + ",\"targetTopic\":\"choreoscope.observations\"}", null),
                400, "targetTopic 'choreoscope.observations': replays into choreoscope's own or Kafka's internal topics");
        assertError(post("/api/v1/replays", event + ",\"targetTopic\":\"__consumer_offsets\"}", null),
                400, "choreoscope's own or Kafka's internal topics");
        assertError(post("/api/v1/replays", "{\"mode\":\"STUCK_LAST_EVENT\",\"dryRun\":true,\"correlationIds\":[\"targets-1\"],"
                + "\"targetTopic\":\"not-tapped\"}", null), 400, "targetTopic 'not-tapped': the topic is not one replays may write to");
        assertError(post("/api/v1/replays", "{\"mode\":\"DEAD_LETTER\",\"dryRun\":true,\"deadLetterTopic\":\"" + ownDlt + "\"}", null),
                400, "record " + ownDlt + "/0/0's dead-letter header names original topic 'choreoscope.observations'");
        assertError(post("/api/v1/replays", "{\"mode\":\"DEAD_LETTER\",\"dryRun\":true,\"deadLetterTopic\":\"" + untappedDlt + "\"}", null),
                400, "original topic 'not-tapped': the topic is not one replays may write to");
        HttpResponse<String> allowed = post("/api/v1/replays", event + "}", null);
        assertThat(allowed.statusCode()).as(allowed.body()).isEqualTo(200);
        assertThat(JSON.readTree(allowed.body()).get("records").get(0).get("targetTopic").asText()).isEqualTo(orders);
    }

    @Test
    void aSecondRedriveOfTheSameDeadLetterTopicSendsOnlyTheRecordsNotSentBefore() throws Exception {
        String dlt = prefix + "-again.DLT";
        String orders = prefix + "-again";
        for (String t : List.of(dlt, orders)) {
            kafka.createTopic(t, 1);
        }
        send(dlt, "a-1", "{\"n\":1}", "kafka_dlt-original-topic", orders, "correlationId", "again-1");
        send(dlt, "a-2", "{\"n\":2}", "kafka_dlt-original-topic", orders, "correlationId", "again-2");
        await().atMost(WAIT).until(() -> reader.countVisible(dlt) == 2);
        String redrive = "{\"mode\":\"DEAD_LETTER\",\"deadLetterTopic\":\"" + dlt + "\"";

        HttpResponse<String> first = post("/api/v1/replays", redrive + "}", "bob");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(JSON.readTree(first.body()).get("status").get("sent").asInt()).isEqualTo(2);
        send(dlt, "a-3", "{\"n\":3}", "kafka_dlt-original-topic", orders, "correlationId", "again-3");
        await().atMost(WAIT).until(() -> reader.countVisible(dlt) == 3);

        HttpResponse<String> dry = post("/api/v1/replays", redrive + ",\"dryRun\":true}", "bob");
        assertThat(dry.statusCode()).as(dry.body()).isEqualTo(200);
        JsonNode plan = JSON.readTree(dry.body());
        assertThat(plan.get("records")).hasSize(1);
        assertThat(plan.get("records").get(0).get("source").asText()).isEqualTo(dlt + "/0/2");
        assertThat(plan.get("status").get("message").asText()).contains("1 record would be sent").contains("2 skipped");

        HttpResponse<String> second = post("/api/v1/replays", redrive + "}", "bob");
        assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
        assertThat(JSON.readTree(second.body()).get("status").get("sent").asInt()).isEqualTo(1);
        await().atMost(WAIT).until(() -> reader.countVisible(orders) == 3);
        assertThat(reader.eventsOf("again-3")).extracting(Observation::topic).containsExactlyInAnyOrder(dlt, orders);
        assertThat(reader.eventsOf("again-1")).extracting(Observation::topic).containsExactlyInAnyOrder(dlt, orders);
    }

    @Test
    void badReplayRequestsAreRefusedWithTheirReason() throws Exception {
        assertError(post("/api/v1/replays", "{}", null), 400, "mode is required");
        assertError(post("/api/v1/replays", "{\"mode\":\"EVENT\"}", null), 400, "events is required");
        assertError(post("/api/v1/replays", "{\"mode\":\"EVENT\",\"events\":[{\"topic\":\"" + prefix + "-none\",\"partition\":0,\"offset\":5}]}", null),
                404, "no stored event at " + prefix + "-none/0/5");
        assertError(post("/api/v1/replays", "{\"mode\":\"STUCK_LAST_EVENT\",\"correlationIds\":[\"never-seen\"]}", null),
                404, "no stored events for correlation ID 'never-seen'");
        assertError(post("/api/v1/replays", "{\"mode\":\"DEAD_LETTER\"}", null), 400, "deadLetterTopic is required");
        assertError(post("/api/v1/replays", "{\"mode\":\"DEAD_LETTER\",\"deadLetterTopic\":\"x\",\"targetTopic\":\"bad topic!\"}", null),
                400, "not a valid Kafka topic name");
        assertError(post("/api/v1/replays", "{\"mode\":\"STUCK_LAST_EVENT\",\"correlationIds\":[\"a\"],\"ratePerSecond\":0}", null),
                400, "ratePerSecond must be above 0");
        assertError(post("/api/v1/replays", "{\"mode\":\"SOMETHING\"}", null), 400, "SOMETHING");
        HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(URI.create(server.getURL() + "/api/v1/replays/nope")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertError(unknown, 404, "no replay with id nope");
    }

    private static void assertError(HttpResponse<String> r, int status, String part) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode e = JSON.readTree(r.body());
        assertThat(e.get("status").asInt()).isEqualTo(status);
        assertThat(e.get("message").asText()).contains(part);
    }
}
