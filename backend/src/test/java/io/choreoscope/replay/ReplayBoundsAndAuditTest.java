package io.choreoscope.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.ingest.TestApplication;
import io.choreoscope.storage.clickhouse.ClickHouseConfig;
import io.choreoscope.storage.clickhouse.ClickHouseEventReader;
import io.choreoscope.storage.clickhouse.ClickHouseStore;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 20, items 5 and 7, through the REST API with real Kafka and ClickHouse: refused requests are audited, the
 * audit lists every record sent (bounded), running replays are capped in number and in total rate, and a finished
 * replay lets go of its plan.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplayBoundsAndAuditTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double TOTAL_RATE = 50;
    private static final long AUDIT_MAX_SENT = 100;
    private final HttpClient http = HttpClient.newHttpClient();
    private String prefix;
    private EmbeddedServer server;
    private ClickHouseEventReader reader;
    private EmbeddedKafka kafka;

    @BeforeAll
    void start() {
        kafka = KafkaExtension.kafka();
        prefix = KafkaExtension.uniqueName("bounds");
        String db = ClickHouseExtension.createDatabase();
        Map<String, Object> p = TestApplication.properties(prefix, db);
        p.put("choreoscope.otlp.enabled", false);
        p.put("choreoscope.alerts.enabled", false);
        p.put("choreoscope.replay.max-concurrent", 2);
        p.put("choreoscope.replay.total-rate", TOTAL_RATE);
        p.put("choreoscope.replay.audit-max-sent-records", AUDIT_MAX_SENT);
        p.put("choreoscope.replay.sync-wait", "500ms");
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

    /** A dead-letter topic of {@code n} records whose original topic is {@code target}, stored by the tap. */
    private String deadLetters(String name, String target, int n) {
        String dlt = prefix + "-" + name + ".DLT";
        kafka.createTopic(dlt, 1);
        kafka.createTopic(target, 1);
        try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
            for (int i = 0; i < n; i++) {
                ProducerRecord<byte[], byte[]> rec = new ProducerRecord<>(dlt, utf8(name + "-" + i), utf8("{\"i\":" + i + "}"));
                rec.headers().add("kafka_dlt-original-topic", utf8(target));
                p.send(rec);
            }
        }
        await().atMost(WAIT).until(() -> reader.countVisible(dlt) == n);
        return dlt;
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

    private String redrive(String dlt, double rate, String user) throws Exception {
        HttpResponse<String> r = post("/api/v1/replays", "{\"mode\":\"DEAD_LETTER\",\"deadLetterTopic\":\"" + dlt
                + "\",\"ratePerSecond\":" + rate + "}", user);
        assertThat(r.statusCode()).as(r.body()).isIn(200, 202);
        return JSON.readTree(r.body()).get("status").get("id").asText();
    }

    private ReplayAudit audit(String id) {
        return server.getApplicationContext().getBean(ReplayAuditRepository.class).findByReplayId(id).orElseThrow();
    }

    /** The newest audit row of a user: refused requests have no ID the client saw. */
    private JsonNode newestOf(String user) throws Exception {
        for (JsonNode a : get("/api/v1/replays?limit=500")) {
            if (a.get("requestedBy").asText().equals(user)) {
                return a;
            }
        }
        throw new AssertionError("no audit row of " + user);
    }

    private String waitFinished(String id) {
        await().atMost(WAIT).until(() -> !get("/api/v1/replays/" + id).get("state").asText().equals("RUNNING"));
        return id;
    }

    @Test
    void refusedRequestsAreAuditedWithWhoWhatAndWhy() throws Exception {
        HttpResponse<String> noEvents = post("/api/v1/replays", "{\"mode\":\"EVENT\",\"dryRun\":true}", "mallory");
        assertThat(noEvents.statusCode()).isEqualTo(400);
        JsonNode a = newestOf("mallory");
        assertThat(a.get("state").asText()).isEqualTo("REFUSED");
        assertThat(a.get("mode").asText()).isEqualTo("EVENT");
        assertThat(a.get("message").asText()).contains("400").contains("events is required");
        assertThat(a.get("requestedAt").asText()).isNotBlank();
        assertThat(audit(a.get("id").asText()).request()).contains("\"mode\":\"EVENT\"");

        HttpResponse<String> unknown = post("/api/v1/replays", "{\"mode\":\"STUCK_LAST_EVENT\",\"correlationIds\":[\"never-seen-x\"],"
                + "\"targetTopic\":\"choreoscope.observations\"}", "trudy");
        assertThat(unknown.statusCode()).isEqualTo(404);
        JsonNode notFound = newestOf("trudy");
        assertThat(notFound.get("state").asText()).isEqualTo("REFUSED");
        assertThat(notFound.get("message").asText()).contains("404 not_found").contains("never-seen-x");
        assertThat(audit(notFound.get("id").asText()).request()).contains("choreoscope.observations");
        // what was asked, in words, read back from the stored request
        assertThat(notFound.get("subject").asText())
                .isEqualTo("last event of instance never-seen-x \u2192 choreoscope.observations");

        HttpResponse<String> unreadable = post("/api/v1/replays", "{\"mode\":\"SOMETHING\",\"events\":[]}", "oscar");
        assertThat(unreadable.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(unreadable.body()).get("message").asText()).contains("SOMETHING");
        JsonNode bad = newestOf("oscar");
        assertThat(bad.get("state").asText()).isEqualTo("REFUSED");
        assertThat(bad.get("mode").isNull()).as("no mode could be read").isTrue();
        assertThat(bad.get("message").asText()).contains("not a replay request");
        assertThat(audit(bad.get("id").asText()).request()).as("the body as sent").isEqualTo("{\"mode\":\"SOMETHING\",\"events\":[]}");
        assertThat(bad.get("subject").isNull()).as("nothing to say of a body that could not be read").isTrue();

        // A request longer than the 4,000 characters of it the audit keeps still names what it asked for: the subject
        // is kept in its own column (before, it was parsed back from the stored request, which was cut).
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i < 1_000; i++) {
            ids.append(i == 0 ? "" : ",").append("\"never-seen-").append(i).append('"');
        }
        HttpResponse<String> many = post("/api/v1/replays", "{\"mode\":\"STUCK_LAST_EVENT\",\"correlationIds\":[" + ids + "]}",
                "mallory");
        assertThat(many.statusCode()).isEqualTo(404);
        JsonNode manyRow = newestOf("mallory");
        assertThat(audit(manyRow.get("id").asText()).request()).hasSize(4000);
        assertThat(manyRow.get("subject").asText()).startsWith("last events of 1000 instances: never-seen-0, never-seen-1,");
        assertThat(audit(manyRow.get("id").asText()).ratePerSecond()).as("refused: never sent at any rate").isNull();
    }

    @Test
    void aReplayBeyondTheConcurrentCapIsRefusedWith429AndAuditedWhileDryRunsStillWork() throws Exception {
        String a = deadLetters("capa", prefix + "-capa", 40);
        String b = deadLetters("capb", prefix + "-capb", 40);
        String c = deadLetters("capc", prefix + "-capc", 3);
        String first = redrive(a, 1, "op");
        String second = redrive(b, 1, "op");
        try {
            HttpResponse<String> third = post("/api/v1/replays", "{\"mode\":\"DEAD_LETTER\",\"deadLetterTopic\":\"" + c + "\"}", "op3");
            assertThat(third.statusCode()).as(third.body()).isEqualTo(429);
            JsonNode error = JSON.readTree(third.body());
            assertThat(error.get("error").asText()).isEqualTo("too_many_replays");
            assertThat(error.get("message").asText()).contains("2 replays are running").contains("choreoscope.replay.max-concurrent")
                    .contains(first).contains(second);
            JsonNode refused = newestOf("op3");
            assertThat(refused.get("state").asText()).isEqualTo("REFUSED");
            assertThat(refused.get("message").asText()).contains("429").contains("max-concurrent");
            assertThat(audit(refused.get("id").asText()).request()).contains(c);
            assertThat(refused.get("subject").asText()).isEqualTo("dead-letter topic " + c);
            assertThat(get("/api/v1/replays/" + first).get("subject").asText()).as("a running replay's own status")
                    .isEqualTo("dead-letter topic " + a);

            HttpResponse<String> dry = post("/api/v1/replays", "{\"mode\":\"DEAD_LETTER\",\"dryRun\":true,\"deadLetterTopic\":\""
                    + c + "\"}", "op3");
            assertThat(dry.statusCode()).as("a dry run sends nothing and is not capped").isEqualTo(200);
        } finally {
            post("/api/v1/replays/" + first + "/cancel", null, null);
            post("/api/v1/replays/" + second + "/cancel", null, null);
        }
        ReplayService service = server.getApplicationContext().getBean(ReplayService.class);
        await().atMost(WAIT).until(() -> service.jobsHeld() == 0);
        // Let go of, the cancelled replay is answered from its audit row: what it sent, and the rate it was sent at.
        JsonNode past = get("/api/v1/replays/" + first);
        assertThat(past.get("state").asText()).isEqualTo("CANCELLED");
        assertThat(past.get("subject").asText()).isEqualTo("dead-letter topic " + a);
        assertThat(past.get("ratePerSecond").asDouble()).isEqualTo(1.0);
        assertThat(audit(first).subject()).isEqualTo("dead-letter topic " + a);
        HttpResponse<String> now = post("/api/v1/replays", "{\"mode\":\"DEAD_LETTER\",\"deadLetterTopic\":\"" + c + "\"}", "op3");
        assertThat(now.statusCode()).as("the slots are free again once the replays ended: " + now.body()).isIn(200, 202);
        waitFinished(JSON.readTree(now.body()).get("status").get("id").asText());
    }

    @Test
    void theTotalRateBoundsAllRunningReplaysTogetherAndFinishedReplaysAreLetGo() throws Exception {
        int n = 40;
        String a = deadLetters("ratea", prefix + "-ratea", n);
        String b = deadLetters("rateb", prefix + "-rateb", n);
        long started = System.nanoTime();
        // Each asks for 1000 records/s: alone they would be done in well under a second.
        String first = redrive(a, 1000, "fast");
        String second = redrive(b, 1000, "fast");
        List<double[]> seen = new ArrayList<>();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
            int sent = get("/api/v1/replays/" + first).get("sent").asInt() + get("/api/v1/replays/" + second).get("sent").asInt();
            seen.add(new double[] {(System.nanoTime() - started) / 1e9, sent});
            return sent == 2 * n;
        });
        double elapsed = (System.nanoTime() - started) / 1e9;
        // 80 records at 50/s in all take at least 79/50 s, however the two replays share the slots.
        assertThat(elapsed).as("80 records under a total rate of 50/s").isGreaterThanOrEqualTo((2 * n - 1) / TOTAL_RATE);
        for (double[] s : seen) {
            assertThat(s[1]).as("records sent after %.2f s", s[0]).isLessThanOrEqualTo(TOTAL_RATE * s[0] + 2);
        }
        waitFinished(first);
        waitFinished(second);
        ReplayService service = server.getApplicationContext().getBean(ReplayService.class);
        await().atMost(WAIT).until(() -> service.jobsHeld() == 0);
        // Let go of, a finished replay is answered from its audit row, with the rate it asked for (not the total bound).
        assertThat(get("/api/v1/replays/" + first).get("ratePerSecond").asDouble()).isEqualTo(1000.0);
        assertThat(get("/api/v1/replays/" + first).get("state").asText()).as("the summary stays").isEqualTo("SUCCEEDED");
        assertThat(audit(first).sent()).isEqualTo(n);
    }

    @Test
    void theAuditListsEveryRecordSentWithWhereItLandedPagedInOrder() throws Exception {
        String target = prefix + "-listed";
        String dlt = deadLetters("listed", target, 7);
        String id = waitFinished(redrive(dlt, 1000, "lister"));

        Map<String, long[]> landed = new HashMap<>(); // key -> partition, offset, as Kafka holds them
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(target, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.currentTimeMillis() + 30_000;
            while (landed.size() < 7 && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    landed.put(new String(r.key(), StandardCharsets.UTF_8), new long[] {r.partition(), r.offset()});
                }
            }
        }
        assertThat(landed).hasSize(7);

        List<JsonNode> rows = new ArrayList<>();
        long after = 0;
        while (true) {
            JsonNode page = get("/api/v1/replays/" + id + "/records?limit=3&after=" + after);
            page.forEach(rows::add);
            if (page.size() < 3) {
                break;
            }
            after = page.get(page.size() - 1).get("id").asLong();
        }
        assertThat(rows).hasSize(7);
        List<String> sources = new ArrayList<>();
        for (JsonNode r : rows) {
            String key = r.get("key").asText();
            sources.add(r.get("source").asText());
            assertThat(r.get("targetTopic").asText()).isEqualTo(target);
            assertThat(new long[] {r.get("targetPartition").asLong(), r.get("targetOffset").asLong()})
                    .as("where %s landed", key).isEqualTo(landed.get(key));
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            expected.add(dlt + "/0/" + i);
        }
        assertThat(sources).as("each record once").containsExactlyInAnyOrderElementsOf(expected);
        HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(URI.create(server.getURL() + "/api/v1/replays/nope/records"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
        HttpResponse<String> badAfter = http.send(HttpRequest.newBuilder(URI.create(server.getURL() + "/api/v1/replays/" + id
                + "/records?after=x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(badAfter.statusCode()).isEqualTo(400);
    }

    @Test
    void theListsOfSentRecordsStayWithinTheirBoundOldestReplayPrunedFirst() throws Exception {
        String older = waitFinished(redrive(deadLetters("prunea", prefix + "-prunea", 60), 1000, "pruner"));
        String newer = waitFinished(redrive(deadLetters("pruneb", prefix + "-pruneb", 60), 1000, "pruner"));
        SentRecordRepository rows = server.getApplicationContext().getBean(SentRecordRepository.class);
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(rows.count()).isLessThanOrEqualTo(AUDIT_MAX_SENT);
            assertThat(rows.countByReplayId(newer)).as("the newest list is whole").isEqualTo(60);
            assertThat(rows.countByReplayId(older)).as("the oldest list goes whole").isZero();
            assertThat(audit(older).recordsPruned()).isTrue();
            assertThat(audit(older).sent()).as("its summary stays").isEqualTo(60);
            assertThat(audit(newer).recordsPruned()).isFalse();
        });
    }
}
