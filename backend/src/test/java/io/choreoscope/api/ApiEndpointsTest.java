package io.choreoscope.api;

import io.choreoscope.ingest.TestApplication;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every endpoint of the REST API against the application as it runs (real Kafka, real ClickHouse, the tap,
 * live inference), including the refusals. One small saga log is produced once for the class: twelve
 * completed orders, one compensated, one stuck.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class ApiEndpointsTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static ApplicationContext app;
    static ApiClient api;
    private static String topic;
    private static KafkaProducer<byte[], byte[]> producer;

    static Map<String, Object> appProperties(String prefix, String database) {
        Map<String, Object> p = TestApplication.properties(prefix, database);
        p.put("choreoscope.inference.evaluate-interval", "200ms");
        p.put("choreoscope.inference.model-interval", "300ms");
        p.put("choreoscope.inference.end-event-types", "OrderShipped");
        p.put("choreoscope.inference.stuck-floor", "1s");
        p.put("choreoscope.inference.default-bound", "3s");
        p.put("choreoscope.api.live-poll-interval", "200ms");
        p.put("choreoscope.api.heartbeat-interval", "1s");
        return p;
    }

    /** The ClickHouse the application stores in (the node it queries, on a cluster). */
    static String clickHouseUrl;

    @BeforeAll
    static void produceASagaLogAndStartTheApp(EmbeddedKafka kafka) {
        start(kafka, ClickHouseExtension.engine().httpUrl(), ClickHouseExtension.createDatabase(), Map.of());
    }

    /**
     * Starts the application on ClickHouse at {@code url} ({@code clickhouse}: more of its settings, e.g. a cluster's)
     * and produces the saga log; returns when the application shows all of it.
     */
    static void start(EmbeddedKafka kafka, String url, String db, Map<String, Object> clickhouse) {
        String prefix = KafkaExtension.uniqueName("api");
        topic = prefix + "-orders";
        kafka.createTopic(topic, 3);
        clickHouseUrl = url;
        Map<String, Object> properties = appProperties(prefix, db);
        properties.put("choreoscope.clickhouse.url", url);
        properties.putAll(clickhouse);
        app = ApplicationContext.run(EmbeddedServer.class, properties).getApplicationContext();
        api = new ApiClient(app.getBean(EmbeddedServer.class).getURL() + "/api/v1");
        producer = kafka.producer();
        Saga saga = new Saga(producer, topic);
        Instant base = Instant.now().minusSeconds(60);
        for (int i = 1; i <= 12; i++) {
            saga.completed("order-" + i, base.plusSeconds(i));
        }
        saga.event("comp-1", "OrderPlaced", "orders", base.plusSeconds(20), "{\"orderId\":\"comp-1\"}");
        saga.event("comp-1", "PaymentFailed", "payments", base.plusSeconds(21), "{\"reason\":\"needle-in-haystack\"}");
        saga.event("comp-1", "OrderCancelled", "orders", base.plusSeconds(22), "{\"orderId\":\"comp-1\"}");
        saga.event("stuck-1", "OrderPlaced", "orders", base.plusSeconds(25), "{\"orderId\":\"stuck-1\"}");
        saga.flush();
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode page = api.ok("/instances?limit=500");
            assertThat(page.get("items")).hasSize(14);
            assertThat(api.ok("/stuck").size()).isEqualTo(1);
            assertThat(api.ok("/instances?state=COMPLETED&limit=500").get("items")).hasSize(12);
            assertThat(api.get("/flows/OrderPlaced").status()).isEqualTo(200);
        });
    }

    @AfterAll
    static void stop() {
        if (producer != null) {
            producer.close();
        }
        if (app != null) {
            app.close();
        }
    }

    @Test
    void flowsAreNarrowedByNameOrderAndLimitAndSayHowManyMatched() throws Exception {
        HttpResponse<byte[]> busiest = api.raw("/flows?q=rDERpl&sort=started&limit=1");
        assertThat(busiest.statusCode()).isEqualTo(200);
        JsonNode flows = new com.fasterxml.jackson.databind.ObjectMapper().readTree(busiest.body());
        assertThat(flows).hasSize(1);
        assertThat(flows.get(0).get("flow").asText()).isEqualTo("OrderPlaced");
        assertThat(flows.get(0)).isEqualTo(api.ok("/flows").get(0)); // the same summary, not another count
        assertThat(busiest.headers().firstValue(io.choreoscope.model.api.FlowSummaries.MATCHING_HEADER)).hasValue("1");
        assertThat(busiest.headers().firstValue(io.choreoscope.model.api.FlowSummaries.FLOWS_HEADER)).hasValue("1");

        // hostile text is only text: nothing matches it, and the counts say so
        HttpResponse<byte[]> none = api.raw("/flows?q=" + ApiClient.enc("<script>' OR 1=1 --"));
        assertThat(none.statusCode()).isEqualTo(200);
        assertThat(new String(none.body(), StandardCharsets.UTF_8)).isEqualTo("[]");
        assertThat(none.headers().firstValue(io.choreoscope.model.api.FlowSummaries.MATCHING_HEADER)).hasValue("0");
        assertThat(none.headers().firstValue(io.choreoscope.model.api.FlowSummaries.FLOWS_HEADER)).hasValue("1");
    }

    @Test
    void flowsListsKpisOfTheInstancesStartedInTheWindow() {
        JsonNode flows = api.ok("/flows?from=-1h&to=now");
        assertThat(flows).hasSize(1);
        JsonNode f = flows.get(0);
        assertThat(f.get("flow").asText()).isEqualTo("OrderPlaced");
        assertThat(f.get("started").asLong()).isEqualTo(14);
        assertThat(f.get("completed").asLong()).isEqualTo(12);
        assertThat(f.get("compensated").asLong()).isEqualTo(1);
        assertThat(f.get("stuck").asLong()).isEqualTo(1);
        assertThat(f.get("failed").asLong()).isZero();
        assertThat(f.get("completionRate").asDouble()).isEqualTo(12.0 / 14);
        assertThat(f.get("p50Ms").asLong()).isEqualTo(200);
        assertThat(f.get("p99Ms").asLong()).isBetween(200L, 2000L);
        assertThat(f.get("eventsPerSecond").asDouble()).isGreaterThan(0);
        assertThat(f.get("sparkline")).hasSize(30);
        long sum = 0;
        for (JsonNode b : f.get("sparkline")) {
            sum += b.asLong();
        }
        assertThat(sum).isEqualTo(14);
        // A window before everything: the flow is still listed (it has a model), with zeros.
        JsonNode old = api.ok("/flows?from=-20d&to=-19d");
        assertThat(old.get(0).get("started").asLong()).isZero();
    }

    @Test
    void flowModelIsTheLearnedGraphAndAnUnknownFlowIs404() {
        JsonNode m = api.ok("/flows/OrderPlaced");
        assertThat(m.get("instances").asLong()).isEqualTo(14);
        Map<String, Long> transitions = new HashMap<>();
        m.get("transitions").forEach(t -> transitions.put(t.get("from").asText() + "->" + t.get("to").asText(), t.get("count").asLong()));
        assertThat(transitions).containsEntry("OrderPlaced->PaymentCaptured", 12L)
                .containsEntry("PaymentCaptured->OrderShipped", 12L)
                .containsEntry("OrderPlaced->PaymentFailed", 1L)
                .containsEntry("PaymentFailed->OrderCancelled", 1L);
        assertThat(m.get("learnedEnds").toString()).contains("OrderShipped");
        ApiClient.Answer missing = api.get("/flows/NoSuchFlow");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.body().get("error").asText()).isEqualTo("not_found");
        assertThat(missing.body().get("message").asText()).contains("NoSuchFlow");
    }

    @Test
    void instancesFilterByStateFlowEventTypeAndServiceAndPageWithACursor() {
        Set<String> seen = new HashSet<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = api.ok("/instances?state=COMPLETED&limit=5" + (cursor == null ? "" : "&cursor=" + cursor));
            page.get("items").forEach(i -> {
                assertThat(i.get("state").asText()).isEqualTo("COMPLETED");
                assertThat(seen.add(i.get("correlationId").asText())).isTrue();
            });
            cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
            pages++;
        } while (cursor != null);
        assertThat(seen).hasSize(12);
        assertThat(pages).isEqualTo(3);

        JsonNode newestFirst = api.ok("/instances?limit=500").get("items");
        List<Instant> last = new ArrayList<>();
        newestFirst.forEach(i -> last.add(Instant.parse(i.get("lastEventAt").asText())));
        assertThat(last).isSortedAccordingTo(java.util.Comparator.reverseOrder());

        assertThat(ids(api.ok("/instances?eventType=PaymentFailed"))).containsExactly("comp-1");
        assertThat(ids(api.ok("/instances?service=shipping&limit=500"))).hasSize(12).allMatch(id -> id.startsWith("order-"));
        assertThat(ids(api.ok("/instances?state=stuck"))).containsExactly("stuck-1");
        assertThat(ids(api.ok("/instances?flow=OrderPlaced&limit=500"))).hasSize(14);
        assertThat(ids(api.ok("/instances?flow=Other"))).isEmpty();
        assertThat(ids(api.ok("/instances?from=-30d&to=-29d"))).isEmpty();
    }

    private static List<String> ids(JsonNode page) {
        List<String> out = new ArrayList<>();
        page.get("items").forEach(i -> out.add(i.get("correlationId").asText()));
        return out;
    }

    @Test
    void instanceDetailHasOrderedEventsWithPayloadsHeadersGraphAndState() {
        JsonNode d = api.ok("/instances/order-3");
        assertThat(d.get("snapshot").get("state").asText()).isEqualTo("COMPLETED");
        assertThat(d.get("snapshot").get("flow").asText()).isEqualTo("OrderPlaced");
        assertThat(d.get("snapshot").get("reason").asText()).contains("OrderShipped");
        List<String> types = new ArrayList<>();
        d.get("events").forEach(e -> types.add(e.get("eventType").asText()));
        assertThat(types).containsExactly("OrderPlaced", "PaymentCaptured", "OrderShipped");
        JsonNode first = d.get("events").get(0);
        assertThat(first.get("payload").asText()).contains("\"customer\":\"alice\"");
        assertThat(first.get("payloadEncoding").asText()).isEqualTo("text");
        assertThat(first.get("key").asText()).isEqualTo("order-3");
        assertThat(first.get("headers").toString()).contains("correlationId").contains("order-3");
        assertThat(d.get("graph").get("nodes")).hasSize(3);
        assertThat(d.get("graph").get("edges")).hasSize(2);
        assertThat(d.get("spans")).isEmpty();

        JsonNode stuck = api.ok("/instances/stuck-1").get("snapshot");
        assertThat(stuck.get("state").asText()).isEqualTo("STUCK");
        assertThat(stuck.get("expectedNext").get(0).get("eventType").asText()).isEqualTo("PaymentCaptured");

        JsonNode cut = api.ok("/instances/order-3?maxPayloadBytes=5").get("events").get(0);
        assertThat(cut.get("payloadTruncated").asBoolean()).isTrue();
        assertThat(cut.get("payload").asText()).hasSize(5);
        assertThat(cut.get("payloadSize").asLong()).isGreaterThan(5);

        ApiClient.Answer unknown = api.get("/instances/" + ApiClient.enc("no such/id"));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.body().get("message").asText()).contains("no such/id");
    }

    @Test
    void rawPayloadComesWholeWithItsContentTypeAndBadCoordinatesAreRefused() {
        JsonNode e = api.ok("/instances/comp-1").get("events").get(1);
        HttpResponse<byte[]> r = api.raw("/events/" + e.get("topic").asText() + "/" + e.get("partition").asInt() + "/"
                + e.get("offset").asLong() + "/payload");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("{\"reason\":\"needle-in-haystack\"}");
        assertThat(r.headers().firstValue("content-type").orElse("")).contains("json");
        assertThat(api.get("/events/" + topic + "/x/1/payload").status()).isEqualTo(400);
        assertThat(api.get("/events/" + topic + "/0/999999/payload").status()).isEqualTo(404);
    }

    @Test
    void rawPayloadIsAnAttachmentThatBrowsersNeitherSniffNorRun(EmbeddedKafka kafka) throws Exception {
        // A record that says it is HTML: opened from the API's origin it must not run as a page.
        String html = topic.substring(0, topic.length() - "-orders".length()) + "-html";
        kafka.createTopic(html, 1);
        org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> rec = new org.apache.kafka.clients.producer.ProducerRecord<>(
                html, null, "<html><script>fetch('/api/v1/flows')</script></html>".getBytes(StandardCharsets.UTF_8));
        rec.headers().add("content-type", "text/html".getBytes(StandardCharsets.UTF_8));
        long offset = producer.send(rec).get().offset();
        String path = "/events/" + html + "/0/" + offset + "/payload";
        await().atMost(WAIT).until(() -> api.raw(path).statusCode() == 200);

        HttpResponse<byte[]> r = api.raw(path);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("<script>");
        assertThat(r.headers().firstValue("content-type").orElse("")).as("the record's own type, as before").contains("text/html");
        assertThat(r.headers().firstValue("x-content-type-options")).hasValue("nosniff");
        assertThat(r.headers().firstValue("content-disposition").orElse(""))
                .startsWith("attachment").contains("filename=\"" + html + "-0-" + offset + ".txt\"");
        assertThat(r.headers().firstValue("content-security-policy")).hasValue("sandbox; default-src 'none'");
    }

    @Test
    void healthShowsItsDetailsToEveryoneWhenSignInIsOff() {
        // These tests run with choreoscope.auth.enabled=false: every caller may do everything, health details too.
        ApiClient.Answer health = new ApiClient(api.base().replace("/api/v1", "")).get("/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.body().at("/details/clickhouse/details/url").asText()).isEqualTo(clickHouseUrl);
    }

    @Test
    void searchFindsCorrelationIdsExactlyThenByPrefixAndValuesInHeadersAndPayloads() {
        JsonNode exact = api.ok("/search?q=order-1");
        assertThat(exact.get(0).get("correlationId").asText()).isEqualTo("order-1");
        assertThat(exact.get(0).get("matchedField").asText()).isEqualTo("correlationId");
        Set<String> prefix = new HashSet<>();
        exact.forEach(h -> prefix.add(h.get("correlationId").asText()));
        assertThat(prefix).containsExactlyInAnyOrder("order-1", "order-10", "order-11", "order-12");

        JsonNode payload = api.ok("/search?q=NEEDLE-in&mode=value");
        assertThat(payload).hasSize(1);
        assertThat(payload.get(0).get("correlationId").asText()).isEqualTo("comp-1");
        assertThat(payload.get(0).get("matchedField").asText()).isEqualTo("payload");
        assertThat(payload.get(0).get("state").asText()).isEqualTo("COMPENSATED");
        assertThat(payload.get(0).get("matchedValue").asText()).contains("needle-in-haystack");

        JsonNode header = api.ok("/search?q=shipping&mode=value&limit=3");
        assertThat(header).hasSize(3);
        assertThat(header.get(0).get("matchedField").asText()).isEqualTo("header:sourceService");

        assertThat(api.ok("/search?q=zzz-nothing&mode=value")).isEmpty();
        assertThat(api.get("/search").status()).isEqualTo(400);
        assertThat(api.get("/search?q=x&mode=fuzzy").body().get("message").asText()).contains("mode");
    }

    @Test
    void stuckListsStuckInstancesOldestFirst() {
        JsonNode stuck = api.ok("/stuck?flow=OrderPlaced&limit=10");
        assertThat(stuck).hasSize(1);
        assertThat(stuck.get(0).get("correlationId").asText()).isEqualTo("stuck-1");
        assertThat(stuck.get(0).get("reason").asText()).contains("idle");
        assertThat(api.ok("/stuck?flow=Other")).isEmpty();
    }

    @Test
    void dependenciesShowWhichServiceProducesToWhichTopic() {
        JsonNode map = api.ok("/dependencies?from=-1h");
        Set<String> produces = new HashSet<>();
        map.get("edges").forEach(e -> {
            if (e.get("role").asText().equals("PRODUCES")) {
                produces.add(e.get("service").asText() + "->" + e.get("topic").asText());
            }
        });
        assertThat(produces).contains("orders->" + topic, "payments->" + topic, "shipping->" + topic);
        assertThat(map.get("nodes").toString()).contains("\"TOPIC\"").contains(topic);
    }

    @Test
    void topicsShowPartitionsEndOffsetsAndTheTapsConsumerGroupLag() {
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode topics = api.ok("/topics");
            JsonNode t = null;
            for (JsonNode n : topics) {
                if (n.get("name").asText().equals(topic)) {
                    t = n;
                }
            }
            assertThat(t).isNotNull();
            assertThat(t.get("partitions").asInt()).isEqualTo(3);
            assertThat(t.get("endOffsetSum").asLong()).isGreaterThanOrEqualTo(40);
            assertThat(t.get("consumerGroups")).isNotEmpty();
            assertThat(t.get("consumerGroups").get(0).get("lag").asLong()).isZero();
        });
    }

    @Test
    void liveStreamSendsStateChangesAndHeartbeats() {
        ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
        HttpRequest req = HttpRequest.newBuilder(URI.create(api.base() + "/live")).header("Accept", "text/event-stream").build();
        CompletableFuture<HttpResponse<Stream<String>>> stream = api.http().sendAsync(req, HttpResponse.BodyHandlers.ofLines());
        stream.thenAccept(r -> r.body().forEach(lines::add));
        try {
            await().atMost(WAIT).until(() -> lines.stream().anyMatch(l -> l.startsWith("event:") && l.contains("heartbeat")));
            Saga saga = new Saga(producer, topic);
            saga.completed("live-1", Instant.now().minusMillis(500));
            saga.flush();
            await().atMost(WAIT).until(() -> lines.stream().anyMatch(l -> l.contains("\"live-1\"") && l.contains("COMPLETED")));
            assertThat(lines).anyMatch(l -> l.startsWith("event:") && l.contains("instance"));
            assertThat(lines).anyMatch(l -> l.startsWith("event:") && l.contains("flows"));
        } finally {
            stream.cancel(true);
        }
    }

    @Test
    void openApiDocumentIsServedAndDescribesEveryEndpoint() {
        HttpResponse<byte[]> r = api.raw("/openapi.yml");
        assertThat(r.statusCode()).isEqualTo(200);
        String yml = new String(r.body(), StandardCharsets.UTF_8);
        assertThat(yml).contains("openapi: 3", "/api/v1/flows:", "/api/v1/flows/{flow}:", "/api/v1/instances:",
                "/api/v1/instances/{correlationId}:", "/api/v1/events/{topic}/{partition}/{offset}/payload:",
                "/api/v1/search:", "/api/v1/stuck:", "/api/v1/dependencies:", "/api/v1/topics:", "/api/v1/live:");
        // The copy in docs/ is the one people read: it must be the document the code generates.
        java.nio.file.Path copy = java.nio.file.Path.of("..", "docs", "openapi.yml");
        if (java.nio.file.Files.exists(copy)) {
            try {
                assertThat(java.nio.file.Files.readString(copy)).as("docs/openapi.yml is stale: copy "
                        + "backend/target/classes/META-INF/swagger/choreoscope-v1.yml over it").isEqualTo(yml);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of("/instances?limit=0", 400, "limit must be from 1 to 500"),
                Arguments.of("/instances?limit=501", 400, "limit must be from 1 to 500"),
                Arguments.of("/instances?limit=ten", 400, "limit must be a whole number"),
                Arguments.of("/instances?state=LOST", 400, "state must be one of"),
                Arguments.of("/instances?from=yesterday", 400, "from must be an ISO-8601 instant"),
                Arguments.of("/instances?from=-40d", 400, "at most 31 days"),
                Arguments.of("/instances?from=now&to=-1h", 400, "must be before"),
                Arguments.of("/instances?cursor=%21%21%21", 400, "cursor"),
                Arguments.of("/instances/x?maxPayloadBytes=-1", 400, "maxPayloadBytes"),
                Arguments.of("/flows?to=2026-13-45", 400, "to must be an ISO-8601 instant"),
                Arguments.of("/flows?limit=0", 400, "limit must be from 1 to 1000"),
                Arguments.of("/flows?limit=1001", 400, "limit must be from 1 to 1000"),
                Arguments.of("/flows?limit=all", 400, "limit must be a whole number from 1 to 1000"),
                Arguments.of("/flows?sort=name", 400, "sort must be flow or started, was 'name'"),
                Arguments.of("/flows?q=" + "x".repeat(201), 400, "q may have at most 200 characters"),
                // past what a long holds in milliseconds: was a 500 (long overflow) on every endpoint with a window
                Arguments.of("/flows?to=%2B999999999-12-31T23:59:59Z", 400, "to must be from 1900-01-01T00:00:00Z to before 2300-01-01T00:00:00Z"),
                Arguments.of("/instances?from=1899-12-31T23:59:59Z&to=1900-01-02T00:00:00Z", 400, "from must be from 1900-01-01T00:00:00Z"),
                Arguments.of("/dependencies?from=-999999w", 400, "from must be from 1900-01-01T00:00:00Z"),
                Arguments.of("/dependencies?from=-32d", 400, "at most 31 days"),
                Arguments.of("/stuck?limit=100000", 400, "limit"),
                Arguments.of("/search?q=" + "x".repeat(201), 400, "at most 200"),
                Arguments.of("/no/such/endpoint", 404, "no such endpoint"),
                // Longer than the HTTP decoder reads (4,096 bytes for the first line): refused before any route.
                Arguments.of("/instances/" + "a".repeat(5_000), 413, "at most 4,096 bytes for its first line"),
                Arguments.of("/search?q=" + "x".repeat(5_000), 413, "at most 4,096 bytes for its first line"));
    }

    @ParameterizedTest
    @MethodSource("refusals")
    void badRequestsGetAReasonAndNeverAStackTrace(String path, int status, String reason) {
        ApiClient.Answer a = api.get(path);
        assertThat(a.status()).isEqualTo(status);
        assertThat(a.body().get("status").asInt()).isEqualTo(status);
        assertThat(a.body().get("message").asText()).contains(reason);
        assertThat(a.text()).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("io.choreoscope");
    }
}
