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
import io.choreoscope.model.InstanceRecord;
import io.choreoscope.model.InstanceWriter;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.model.flow.StepSequence;
import io.micronaut.inject.qualifiers.Qualifiers;
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
    /** An instance with more events than the detail's graph covers: its total is counted, not taken from the graph. */
    private static final String LONG_ID = "long-order-1";
    private static final int LONG_EVENTS = InstanceController.GRAPH_MAX_EVENTS + 50;
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
        List<Observation> longOne = new ArrayList<>();
        for (int i = 0; i < LONG_EVENTS; i++) {
            longOne.add(Observation.builder("paging-long", 0, i, t0.plusMillis(i)).correlationId(LONG_ID)
                    .eventType(i == 0 ? "OrderPlaced" : "Step" + (i % 3)).sourceService("svc")
                    .payload(("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8)).build());
        }
        sink.accept(longOne);
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            ApiClient.Answer a = api.get("/instances/" + ID + "?limit=1&maxPayloadBytes=0");
            ApiClient.Answer b = api.get("/instances/" + LONG_ID + "?limit=1&maxPayloadBytes=0");
            return a.status() == 200 && a.body().get("snapshot").get("eventCount").asInt()
                    + a.body().get("snapshot").get("droppedEvents").asInt() == EVENTS
                    && b.status() == 200 && b.body().get("eventsTotal").asLong() == LONG_EVENTS;
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

    /**
     * Without payloads the detail's first page comes from the graph's read (no read of its own), and below the graph's
     * bound so does the total: the same page, total and cursor as the events endpoint answers.
     */
    @Test
    void theDetailWithoutPayloadsAnswersTheSamePageTotalAndCursorAsTheEventsEndpoint() {
        ApiClient.Answer d = api.get("/instances/" + ID + "?limit=100&maxPayloadBytes=0");
        ApiClient.Answer e = api.get("/instances/" + ID + "/events?limit=100&maxPayloadBytes=0");
        assertThat(d.status()).as(d.text()).isEqualTo(200);
        assertThat(e.status()).as(e.text()).isEqualTo(200);
        assertThat(d.body().get("events")).hasSize(100);
        assertThat(d.body().get("eventsTotal").asLong()).isEqualTo(EVENTS);
        List<String> detail = new ArrayList<>();
        d.body().get("events").forEach(x -> detail.add(coordinates(x)));
        List<String> endpoint = new ArrayList<>();
        e.body().get("events").forEach(x -> endpoint.add(coordinates(x)));
        assertThat(detail).isEqualTo(endpoint);
        assertThat(d.body().get("eventsNextCursor").asText()).isEqualTo(e.body().get("nextCursor").asText());
        for (JsonNode x : d.body().get("events")) {
            assertThat(x.get("payloadTruncated").asBoolean()).isTrue();
            assertThat(x.get("payloadSize").asLong()).isGreaterThan(0);
        }
    }

    /**
     * The detail reads the asked ID's events beside its row, guessing that the ID is the instance's only one; an
     * instance whose row names linked IDs is read again under all of them, whichever of its IDs was asked. The events
     * of the two IDs and the row are stored directly (no live inference, which would keep the IDs apart). With
     * payloads, the short instance's one page read also serves the graph and the total.
     */
    @Test
    void anInstanceWithLinkedIdsShowsTheEventsOfAllItsIdsWhicheverIdIsAsked() throws Exception {
        Instant t0 = Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.MILLIS);
        List<Observation> events = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String id = i < 2 ? "alias-main" : "alias-other";
            events.add(Observation.builder("paging-alias", 0, i, t0.plusMillis(i)).correlationId(id)
                    .eventType(i == 0 ? "OrderPlaced" : "Step" + i).sourceService("svc")
                    .payload(("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8)).build());
        }
        app.getBean(ObservationSink.class, Qualifiers.byName(ObservationSink.STORE)).accept(events);
        InstanceSnapshot snapshot = new InstanceSnapshot("alias-main", Set.of("alias-main", "alias-other"), "OrderPlaced",
                InstanceState.RUNNING, "started", t0, t0.plusMillis(3), 4, 0, "Step3", "svc", List.of(), List.of());
        app.getBean(InstanceWriter.class).write(List.of(new InstanceRecord(snapshot,
                StepSequence.at(t0, List.of("OrderPlaced", "Step1", "Step2", "Step3")), 0, t0, Instant.now())));
        for (String asked : List.of("alias-main", "alias-other")) {
            for (String max : List.of("", "?maxPayloadBytes=0")) {
                ApiClient.Answer d = api.get("/instances/" + asked + max);
                assertThat(d.status()).as(d.text()).isEqualTo(200);
                assertThat(d.body().get("snapshot").get("correlationId").asText()).isEqualTo("alias-main");
                List<Long> offsets = new ArrayList<>();
                d.body().get("events").forEach(e -> offsets.add(e.get("offset").asLong()));
                assertThat(offsets).as(asked + max).containsExactly(0L, 1L, 2L, 3L);
                assertThat(d.body().get("eventsTotal").asLong()).as(asked + max).isEqualTo(4);
                assertThat(d.body().get("eventsNextCursor").isNull()).isTrue();
                assertThat(d.body().get("graph").get("nodes").size()).as(asked + max).isEqualTo(4);
                if (max.isEmpty()) {
                    assertThat(d.body().get("events").get(3).get("payloadTruncated").asBoolean()).isFalse();
                    assertThat(d.body().get("events").get(3).get("payloadSize").asLong()).isEqualTo(7);
                }
            }
        }
        assertThat(api.get("/instances/alias-unknown").status()).isEqualTo(404);
    }

    /**
     * A stuck instance's page works its cause out three ways: from the records its detail read (all of them, up to
     * the diagnosis's bound), beside the detail from reads of its own (its row counts more records than that), or
     * after the detail (the row counted fewer than were stored). Each gives the cause the stuck list gives, which reads
     * the records itself: here the dead-lettered record among the first 500, with its reason. Rows and events are
     * stored directly (no live inference).
     */
    @Test
    void aStuckInstancesPageGivesTheCauseTheStuckListGivesWhateverItsLength() throws Exception {
        Instant t0 = Instant.now().minusSeconds(300).truncatedTo(ChronoUnit.MILLIS);
        Map<String, int[]> cases = Map.of("stuck-short", new int[] {4, 4}, "stuck-long", new int[] {600, 600},
                "stuck-stale-row", new int[] {600, 3}); // {records stored, records the row counts}
        List<InstanceRecord> rows = new ArrayList<>();
        List<Observation> events = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, int[]> c : cases.entrySet()) {
            String id = c.getKey();
            int n = c.getValue()[0];
            for (int i = 0; i < n; i++) {
                boolean dead = i == 2;
                events.add(Observation.builder(dead ? "paging-stuck.DLT" : "paging-stuck", 0, offset++, t0.plusMillis(i))
                        .correlationId(id).eventType(i == 0 ? "StuckFlow" : "Step" + (i % 3)).sourceService("svc")
                        .headers(dead ? List.of(Header.of("kafka_dlt-exception-message", "card declined for " + id))
                                : List.of())
                        .payload(("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8)).build());
            }
            int counted = c.getValue()[1];
            InstanceSnapshot snapshot = new InstanceSnapshot(id, Set.of(id), "StuckFlow", InstanceState.STUCK,
                    "idle", t0, t0.plusMillis(counted - 1), counted, 0, "Step1", "svc", List.of(), List.of());
            rows.add(new InstanceRecord(snapshot, StepSequence.at(t0, List.of("StuckFlow")), 0, t0, Instant.now()));
        }
        app.getBean(ObservationSink.class, Qualifiers.byName(ObservationSink.STORE)).accept(events);
        app.getBean(InstanceWriter.class).write(rows);

        JsonNode stuck = api.ok("/stuck?flow=StuckFlow&limit=10");
        assertThat(stuck).hasSize(3);
        for (JsonNode listed : stuck) {
            String id = listed.get("correlationId").asText();
            assertThat(listed.get("cause").get("kind").asText()).as(id).isEqualTo("DEAD_LETTERED");
            assertThat(listed.get("cause").toString()).as(id).contains("card declined for " + id);
            for (String max : List.of("0", "100")) {
                ApiClient.Answer d = api.get("/instances/" + id + "?limit=10&maxPayloadBytes=" + max);
                assertThat(d.status()).as(d.text()).isEqualTo(200);
                assertThat(d.body().get("snapshot").get("cause")).as(id + " page and list").isEqualTo(listed.get("cause"));
                assertThat(d.body().get("eventsTotal").asLong()).as(id).isEqualTo(cases.get(id)[0]);
            }
        }
    }

    /** More events than the graph covers: the graph holds its bound, the total and the page are still the whole instance's. */
    @Test
    void anInstanceLongerThanTheGraphsBoundIsCountedWholeWithAndWithoutPayloads() {
        for (String max : List.of("0", "100")) {
            ApiClient.Answer d = api.get("/instances/" + LONG_ID + "?limit=50&maxPayloadBytes=" + max);
            assertThat(d.status()).as(d.text()).isEqualTo(200);
            assertThat(d.body().get("eventsTotal").asLong()).isEqualTo(LONG_EVENTS);
            assertThat(d.body().get("graph").get("nodes").size()).isEqualTo(InstanceController.GRAPH_MAX_EVENTS);
            assertThat(d.body().get("events")).hasSize(50);
            assertThat(d.body().get("events").get(49).get("offset").asLong()).isEqualTo(49);
            assertThat(d.body().get("eventsNextCursor").isNull()).isFalse();
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
