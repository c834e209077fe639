package io.choreoscope.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.ingest.TestApplication;
import io.choreoscope.model.Header;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ObservationSink;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 20, item 9: {@code GET /instances/{id}} and {@code GET /instances/{id}/events} on one correlation ID holding
 * many events with large payloads, through the application as it runs (live inference writes the instance row,
 * ClickHouse holds the events): the answer is bounded, the totals are right, the summary is the whole instance's,
 * and paging visits every event exactly once, in order, ties on the timestamp included.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class InstanceEventsPagingTest {
    private static final int EVENTS = 400;
    private static final int PAYLOAD = 100_000;
    private static final String ID = "big-order-1";
    private static ApplicationContext app;
    private static ApiClient api;
    private static final List<Observation> stored = new ArrayList<>();

    @BeforeAll
    static void storeOneInstanceWithManyLargeEvents() throws Exception {
        Map<String, Object> p = TestApplication.properties(KafkaExtension.uniqueName("paging"), ClickHouseExtension.createDatabase());
        p.put("choreoscope.otlp.enabled", false);
        p.put("choreoscope.alerts.enabled", false);
        app = ApplicationContext.run(EmbeddedServer.class, p).getApplicationContext();
        api = new ApiClient(app.getBean(EmbeddedServer.class).getURL() + "/api/v1");
        Instant t0 = Instant.now().minusSeconds(120).truncatedTo(ChronoUnit.MILLIS);
        Random random = new Random(20);
        for (int i = 0; i < EVENTS; i++) {
            // Four events share each millisecond, on two topics and two partitions: the cursor must break the ties.
            String topic = i % 2 == 0 ? "paging-orders" : "paging-payments";
            byte[] payload;
            if (i % 10 == 3) {
                payload = new byte[PAYLOAD]; // binary
                random.nextBytes(payload);
            } else {
                // text with two- and three-byte characters, so that a cut can split one
                StringBuilder b = new StringBuilder("{\"i\":" + i + ",\"note\":\"");
                while (b.length() < PAYLOAD / 2) {
                    b.append("é€a");
                }
                payload = b.append("\"}").toString().getBytes(StandardCharsets.UTF_8);
            }
            stored.add(Observation.builder(topic, (i / 2) % 2, i, t0.plusMillis(i / 4))
                    .correlationId(ID).eventType(i == 0 ? "OrderPlaced" : "Step" + (i % 7)).sourceService("svc")
                    .headers(List.of(Header.of("correlationId", ID))).payload(payload).build());
        }
        ObservationSink sink = app.getBean(ObservationSink.class); // stored and handed to live inference
        for (int from = 0; from < EVENTS; from += 100) {
            sink.accept(stored.subList(from, from + 100));
        }
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            ApiClient.Answer a = api.get("/instances/" + ID + "?limit=1&maxPayloadBytes=0");
            return a.status() == 200 && a.body().get("snapshot").get("eventCount").asInt()
                    + a.body().get("snapshot").get("droppedEvents").asInt() == EVENTS;
        });
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    private static String coordinates(JsonNode e) {
        return e.get("topic").asText() + "/" + e.get("partition").asInt() + "/" + e.get("offset").asLong();
    }

    @Test
    void theDetailAnswersOneBoundedPageWithTheTotalAndTheWholeInstancesSummary() {
        ApiClient.Answer a = api.get("/instances/" + ID + "?limit=100&maxPayloadBytes=1000");
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        JsonNode d = a.body();
        assertThat(d.get("events")).hasSize(100);
        assertThat(d.get("eventsTotal").asLong()).isEqualTo(EVENTS);
        assertThat(d.get("eventsNextCursor").isNull()).isFalse();
        // 100 payloads of at most 1000 bytes (base64 at most 1336 characters) and their fields: far below one payload.
        assertThat(a.text().length()).as("answer size").isLessThan(400_000);
        assertThat(d.get("snapshot").get("eventCount").asInt() + d.get("snapshot").get("droppedEvents").asInt())
                .as("the summary counts the whole instance, not the page").isEqualTo(EVENTS);
        assertThat(d.get("graph").get("nodes").size()).as("the graph covers every event (below its bound)").isEqualTo(EVENTS);
        for (JsonNode e : d.get("events")) {
            assertThat(e.get("payloadTruncated").asBoolean()).isTrue();
            assertThat(e.get("payloadSize").asLong()).isGreaterThan(1000);
        }
    }

    @Test
    void pagingVisitsEveryEventExactlyOnceInOrderWithCutPayloads() {
        List<Observation> expected = new ArrayList<>(stored);
        expected.sort(Comparator.comparing(Observation::timestamp).thenComparingInt(Observation::partition)
                .thenComparingLong(Observation::offset).thenComparing(Observation::topic));
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            ApiClient.Answer a = api.get("/instances/" + ID + "/events?limit=37&maxPayloadBytes=301"
                    + (cursor == null ? "" : "&cursor=" + ApiClient.enc(cursor)));
            assertThat(a.status()).as(a.text()).isEqualTo(200);
            assertThat(a.body().get("total").asLong()).isEqualTo(EVENTS);
            assertThat(a.body().get("events").size()).isLessThanOrEqualTo(37);
            for (JsonNode e : a.body().get("events")) {
                seen.add(coordinates(e));
                Observation o = stored.get((int) e.get("offset").asLong());
                assertThat(e.get("payloadSize").asLong()).isEqualTo(o.payload().length);
                assertThat(e.get("payloadTruncated").asBoolean()).isTrue();
                if (e.get("payloadEncoding").asText().equals("text")) {
                    byte[] shown = e.get("payload").asText().getBytes(StandardCharsets.UTF_8);
                    assertThat(shown.length).isBetween(301 - 2, 301); // a split character is left out whole
                    assertThat(new String(o.payload(), StandardCharsets.UTF_8)).startsWith(e.get("payload").asText());
                } else {
                    assertThat(java.util.Base64.getDecoder().decode(e.get("payload").asText()))
                            .isEqualTo(java.util.Arrays.copyOf(o.payload(), 301));
                }
            }
            cursor = a.body().get("nextCursor").isNull() ? null : a.body().get("nextCursor").asText();
            pages++;
        } while (cursor != null && pages < 100);
        assertThat(pages).isEqualTo((EVENTS + 36) / 37);
        Set<String> once = new HashSet<>(seen);
        assertThat(once).as("no event twice").hasSize(seen.size());
        assertThat(seen).as("every event, in order").containsExactlyElementsOf(expected.stream().map(Observation::coordinates).toList());
    }

    @Test
    void aPageNeverCarriesMoreThanItsPayloadBudgetAndBadCursorsAreRefused() {
        ApiClient.Answer big = api.get("/instances/" + ID + "/events?limit=500&maxPayloadBytes=16777216");
        assertThat(big.status()).isEqualTo(200);
        assertThat(big.body().get("events")).as("16 MiB of payload per page at most").hasSize(1);
        assertThat(big.body().get("events").get(0).get("payloadTruncated").asBoolean()).isFalse();

        ApiClient.Answer bad = api.get("/instances/" + ID + "/events?cursor=bm90LWEtY3Vyc29y");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body().get("message").asText()).contains("cursor");
        assertThat(api.get("/instances/no-such-instance/events").status()).isEqualTo(404);
        assertThat(api.get("/instances/" + ID + "/events?limit=0").status()).isEqualTo(400);
    }
}
