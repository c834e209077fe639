package io.choreoscope.harness.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.choreoscope.model.EventReader;
import io.choreoscope.model.Header;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ObservationSink;
import io.choreoscope.model.ParseStatus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The event store's contract: what an {@link ObservationSink} stores, an {@link EventReader} over the same storage
 * reads back, each Kafka record once however often it was delivered. One suite, run against every storage: a
 * subclass supplies a fresh, empty storage per test (see {@code ClickHouseStorageTest}).
 *
 * <p>Fixtures keep record times to the millisecond, what a Kafka timestamp carries.
 */
public abstract class EventStoreContract {
    private static final Instant T = Instant.parse("2026-11-22T10:00:00.123Z");
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

    /** The seams under test, over one storage. */
    public record EventStore(ObservationSink sink, EventReader reader) {
    }

    /** A fresh, empty storage; called before each test. The subclass closes what it opened. */
    protected abstract EventStore storage();

    private ObservationSink sink;
    private EventReader reader;

    @BeforeEach
    void openStorage() {
        EventStore s = storage();
        sink = s.sink();
        reader = s.reader();
    }

    /** A JSON record on partition 1 with every field set, {@code offset} ms after T. */
    private static Observation event(String topic, long offset, String correlationId) {
        return Observation.builder(topic, 1, offset, T.plusMillis(offset))
                .ingestTime(T.plusSeconds(5))
                .key(("k" + offset).getBytes(StandardCharsets.UTF_8))
                .headers(List.of(Header.of("correlationId", correlationId), new Header("empty", null),
                        Header.of("dup", "a,b"), Header.of("dup", "c")))
                .payload(("{\"n\":" + offset + "}").getBytes(StandardCharsets.UTF_8))
                .contentType("application/json")
                .correlationId(correlationId)
                .eventId("e" + offset)
                .eventType("OrderPlaced")
                .sourceService("orders")
                .causationId(offset > 0 ? "e" + (offset - 1) : null)
                .traceId(TRACE)
                .spanId("00f067aa0ba902b7")
                .build();
    }

    /** A bare record: coordinates, time and correlation ID only. */
    private static Observation at(String topic, int partition, long offset, Instant ts, String correlationId) {
        return Observation.builder(topic, partition, offset, ts).correlationId(correlationId).build();
    }

    private static List<String> coordinates(List<Observation> events) {
        return events.stream().map(Observation::coordinates).toList();
    }

    @Test
    protected void storedEventReadsBackFieldForField() throws Exception {
        Observation o = event("orders", 3, "order-1");

        sink.accept(List.of(o));

        Observation back = reader.event("orders", 1, 3).orElseThrow();
        assertThat(back).usingRecursiveComparison().isEqualTo(o);
        assertThat(reader.eventsOf("order-1")).hasSize(1);
        // Found by its correlation ID and coordinates too (what a search hit names); not under another ID.
        assertThat(reader.event("order-1", "orders", 1, 3)).get().usingRecursiveComparison().isEqualTo(o);
        assertThat(reader.event("order-2", "orders", 1, 3)).isEmpty();
        assertThat(reader.event("order-1", "orders", 1, 4)).isEmpty();
    }

    @Test
    protected void binaryNullAndHostileValuesSurviveUnchanged() throws Exception {
        byte[] binary = {(byte) 0xC3, 0x28, 0, (byte) 0xFF, ',', '!'};
        String hostile = "x'); DROP TABLE events; -- <script>alert(1)</script>";
        Observation o = Observation.builder("raw", 0, 9, T)
                .ingestTime(T)
                .headers(List.of(new Header("bin", binary), Header.of("correlationId", hostile)))
                .payload(binary)
                .correlationId(hostile)
                .parseStatus(ParseStatus.BINARY)
                .parseError("payload is not valid UTF-8 (6 bytes)")
                .build();
        Observation tombstone = Observation.builder("raw", 0, 10, T).ingestTime(T)
                .parseStatus(ParseStatus.NULL_VALUE).parseError("null value (tombstone)").build();

        sink.accept(List.of(o, tombstone));

        assertThat(reader.eventsOf(hostile)).singleElement().usingRecursiveComparison().isEqualTo(o);
        Observation t = reader.event("raw", 0, 10).orElseThrow();
        assertThat(t.payload()).isNull();
        assertThat(t.key()).isNull();
        assertThat(t.parseStatus()).isEqualTo(ParseStatus.NULL_VALUE);
        assertThat(reader.countVisible("raw")).isEqualTo(2);
    }

    @Test
    protected void emptyValuesStayEmptyAndNullValuesStayNull() throws Exception {
        Observation o = Observation.builder("raw", 0, 1, T)
                .key(new byte[0])
                .payload(new byte[0])
                .headers(List.of(new Header("none", null), new Header("blank", new byte[0]), Header.of("none", "2nd")))
                .parseStatus(ParseStatus.EMPTY)
                .build();

        sink.accept(List.of(o));

        Observation back = reader.event("raw", 0, 1).orElseThrow();
        assertThat(back.key()).isEmpty();
        assertThat(back.payload()).isEmpty();
        assertThat(back.headers()).containsExactly(new Header("none", null), new Header("blank", new byte[0]),
                Header.of("none", "2nd"));
        assertThat(back.correlationId()).isNull();
        assertThat(back.contentType()).isNull();
    }

    @Test
    protected void htmlAndSqlTextIsStoredVerbatim() throws Exception {
        String sql = "'; DELETE FROM events WHERE '1'='1' -- \\' \"";
        String html = "<img src=x onerror=\"alert('x')\">&amp;</img>";
        String unicode = "Zürich ☃ \uD83D\uDE00, a\tb\nc";
        Observation o = Observation.builder("text", 0, 1, T)
                .key(sql.getBytes(StandardCharsets.UTF_8))
                .headers(List.of(Header.of(html, sql), Header.of("unicode", unicode)))
                .payload(html.getBytes(StandardCharsets.UTF_8))
                .contentType(html)
                .correlationId(sql)
                .eventId(html)
                .eventType(unicode)
                .sourceService(sql)
                .causationId(html)
                .parseStatus(ParseStatus.NOT_JSON)
                .parseError(sql)
                .build();

        sink.accept(List.of(o));

        assertThat(reader.event("text", 0, 1)).get().usingRecursiveComparison().isEqualTo(o);
        assertThat(reader.eventsOf(sql)).singleElement().usingRecursiveComparison().isEqualTo(o);
    }

    @Test
    protected void everyLookupValueIsBoundNotInterpolated() throws Exception {
        String quoted = "o'brien\" OR '1'='1";
        sink.accept(List.of(at("orders", 0, 0, T, "order-1"), at("orders", 0, 1, T, quoted)));

        assertThat(coordinates(reader.eventsOf(quoted))).containsExactly("orders/0/1");
        assertThat(coordinates(reader.eventsOf(List.of(quoted, "x' OR ''='")))).containsExactly("orders/0/1");
        assertThat(reader.lastEventOf(quoted)).get().extracting(Observation::offset).isEqualTo(1L);
        assertThat(reader.eventsOf("' OR '1'='1")).isEmpty();
        assertThat(reader.eventsOfTopic("orders' OR '1'='1", 10)).isEmpty();
        assertThat(reader.event("orders' --", 0, 0)).isEmpty();
        assertThat(reader.eventsOfTopicAfter("x') OR ('1'='1", -1, 0, 10)).isEmpty();
        assertThat(reader.countDistinct("orders' OR '1'='1")).isZero();
        assertThat(reader.countVisible("orders' OR '1'='1")).isZero();
        assertThat(reader.countReplayed("orders' OR '1'='1")).isZero();
        assertThat(reader.countByTopicSince("ord'ers", T.minusSeconds(1))).isEmpty();
    }

    /**
     * JDBC escape sequences ({@code {fn ...}}, {@code {d '...'}}, {@code {ts '...'}}) are data like any other text:
     * a driver that rewrites them inside bound values would look up, or store, another value.
     */
    @Test
    protected void jdbcEscapeSequencesInValuesAreStoredAndFoundVerbatim() throws Exception {
        String id = "a{fn now()}b";
        String date = "{d '2020-01-01'}";
        Observation o = Observation.builder("escapes", 0, 1, T)
                .ingestTime(T)
                .key("{ts '2020-01-01 10:00:00'}".getBytes(StandardCharsets.UTF_8))
                .headers(List.of(Header.of("since", date), Header.of("fn", "{fn ucase('x')}")))
                .payload(("{\"since\":\"" + date + "\",\"f\":\"{fn now()}\"}").getBytes(StandardCharsets.UTF_8))
                .correlationId(id)
                .eventId("{fn user()}")
                .eventType("OrderPlaced")
                .build();

        sink.accept(List.of(o, at("escapes", 0, 2, T, "anow()b")));

        assertThat(reader.eventsOf(id)).singleElement().usingRecursiveComparison().isEqualTo(o);
        assertThat(coordinates(reader.eventsOf(List.of(id, "x{fn y}")))).containsExactly("escapes/0/1");
        assertThat(reader.lastEventOf(id)).get().extracting(Observation::offset).isEqualTo(1L);
        assertThat(reader.event("escapes", 0, 1)).get().usingRecursiveComparison().isEqualTo(o);
        assertThat(reader.eventsOf("{fn now()}")).isEmpty();
        assertThat(reader.countDistinct("{fn escapes}")).isZero();
    }

    @Test
    protected void redeliveredBatchesShowEachRecordOnce() throws Exception {
        List<Observation> batch = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            batch.add(event("redelivered", i, "c-" + (i % 50)));
        }

        sink.accept(batch);
        sink.accept(batch.subList(100, 300)); // a crash redelivers part of it
        sink.accept(batch);

        assertThat(reader.countDistinct("redelivered")).isEqualTo(500);
        assertThat(reader.countVisible("redelivered")).isEqualTo(500);
        assertThat(reader.eventsOf("c-7")).hasSize(10)
                .extracting(Observation::offset).isSorted();
        assertThat(reader.eventsOf(List.of("c-7", "c-8"))).hasSize(20).doesNotHaveDuplicates();
        assertThat(reader.eventsOfTopic("redelivered", 1000)).hasSize(500);
        assertThat(reader.countByTopicSince("redelivered", T)).containsExactly(Map.entry("redelivered", 500L));
    }

    @Test
    protected void eventsOfACorrelationIdAreOrderedByTimestampThenPartitionThenOffset() throws Exception {
        sink.accept(List.of(
                at("payments", 0, 7, T.plusSeconds(2), "order-1"),
                at("orders", 2, 5, T, "order-1"),
                at("orders", 1, 9, T, "order-1"),
                at("orders", 1, 8, T, "order-1"),
                at("orders", 0, 3, T.plusSeconds(1), "order-1"),
                at("orders", 0, 4, T, "order-2")));

        assertThat(coordinates(reader.eventsOf("order-1")))
                .containsExactly("orders/1/8", "orders/1/9", "orders/2/5", "orders/0/3", "payments/0/7");
        assertThat(reader.eventsOf("order-3")).isEmpty();
    }

    @Test
    protected void eventsForInferenceAreTheEventsWithoutTheirBytes() throws Exception {
        Observation first = event("orders", 1, "order-1");
        Observation linked = Observation.builder("payments", 0, 7, T.plusSeconds(1)).correlationId("pay-1")
                .eventType("PaymentTaken").payload(new byte[] {1, 2, 3}).decodedPayload("{\"p\":1}")
                .parseStatus(io.choreoscope.model.ParseStatus.OK).build();
        sink.accept(List.of(first, event("orders", 2, "order-1"), linked, event("orders", 3, "order-2")));
        sink.accept(List.of(first)); // redelivered: still once

        List<Observation> full = reader.eventsOf(List.of("order-1", "pay-1"));
        List<Observation> lean = reader.eventsForInference(List.of("order-1", "pay-1"));
        assertThat(coordinates(lean)).containsExactly("orders/1/1", "orders/1/2", "payments/0/7")
                .isEqualTo(coordinates(full));
        assertThat(lean).usingRecursiveFieldByFieldElementComparatorIgnoringFields("key", "headers", "payload",
                "decodedPayload").isEqualTo(full);
        assertThat(lean).allSatisfy(o -> {
            assertThat(o.key()).isNull();
            assertThat(o.headers()).isEmpty();
            assertThat(o.payload()).isNull();
            assertThat(o.decodedPayload()).isNull();
        });
        assertThat(full.get(0).payload()).isNotNull(); // what the lean read leaves out was there to leave
        assertThat(reader.eventsForInference(List.of("' OR '1'='1"))).isEmpty();
        assertThat(reader.eventsForInference(List.<String>of())).isEmpty();
    }

    @Test
    protected void eventsOfSeveralIdsReadEachRecordOnceInOneTimeOrder() throws Exception {
        sink.accept(List.of(
                at("orders", 0, 1, T, "order-1"),
                at("payments", 0, 1, T.plusSeconds(1), "pay-1"),
                at("orders", 0, 2, T.plusSeconds(2), "order-1"),
                at("shipping", 0, 1, T.plusSeconds(3), "ship-1"),
                at("orders", 0, 3, T.plusSeconds(4), "order-2")));

        assertThat(coordinates(reader.eventsOf(List.of("order-1", "pay-1", "ship-1"))))
                .containsExactly("orders/0/1", "payments/0/1", "orders/0/2", "shipping/0/1");
        assertThat(coordinates(reader.eventsOf(List.of("pay-1")))).containsExactly("payments/0/1");
        assertThat(reader.eventsOf(List.<String>of())).isEmpty();
    }

    @Test
    protected void pagingAnInstancesEventsVisitsEachOnceInOrderWithRedeliveriesAndTies() throws Exception {
        List<Observation> all = new ArrayList<>();
        for (int i = 0; i < 230; i++) {
            // ties: four records per millisecond, over two topics and two partitions; two correlation IDs
            all.add(at(i % 2 == 0 ? "orders" : "payments", (i / 2) % 2, i, T.plusMillis(i / 4), i % 3 == 0 ? "pay-9" : "order-9"));
        }
        all.add(at("orders", 0, 999, T, "someone-else"));
        sink.accept(all);
        sink.accept(all.subList(50, 120)); // redelivered
        List<String> expected = new ArrayList<>(coordinates(reader.eventsOf(List.of("order-9", "pay-9"))));
        assertThat(expected).hasSize(230);

        List<String> seen = new ArrayList<>();
        io.choreoscope.model.EventPosition after = null;
        for (int pages = 0; pages < 100; pages++) {
            List<io.choreoscope.model.EventExcerpt> page = reader.eventPage(List.of("order-9", "pay-9"), after, 17, 0);
            page.forEach(x -> seen.add(x.event().coordinates()));
            if (page.size() < 17) {
                break;
            }
            after = io.choreoscope.model.EventPosition.of(page.get(page.size() - 1).event());
        }
        assertThat(seen).as("every event once, in the order of eventsOf").containsExactlyElementsOf(expected);
        assertThat(reader.countEventsOf(List.of("order-9", "pay-9"))).isEqualTo(230);
        assertThat(reader.countEventsOf(List.of("nobody"))).isZero();
        assertThat(reader.eventPage(List.of(), null, 10, 10)).isEmpty();
    }

    @Test
    protected void firstEventsOfManyIdsAreEachIdsFirstPageInOneCall() throws Exception {
        List<Observation> all = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int id = 0; id < 1200; id++) { // more IDs than one statement may bind
            ids.add("many-" + id);
            for (int i = 0; i < 1 + id % 4; i++) {
                all.add(at("orders", id % 3, id * 10L + i, T.plusMillis(i * 7L % 5), "many-" + id));
            }
        }
        all.add(at("orders", 0, 999_999, T, "someone-else"));
        sink.accept(all);
        sink.accept(all.subList(100, 400)); // redelivered
        ids.add("many-7"); // asked twice: answered once
        ids.add("nobody");

        List<Observation> read = reader.firstEventsOfEach(ids, 2);
        java.util.Map<String, List<String>> byId = new java.util.TreeMap<>();
        read.forEach(o -> byId.computeIfAbsent(o.correlationId(), k -> new ArrayList<>()).add(o.coordinates()));
        assertThat(byId).hasSize(1200).doesNotContainKeys("someone-else", "nobody");
        for (String id : List.of("many-0", "many-3", "many-7", "many-1198", "many-1199")) {
            assertThat(byId.get(id)).as(id).containsExactlyElementsOf(
                    reader.eventPage(List.of(id), null, 2, 0).stream().map(e -> e.event().coordinates()).toList());
        }
        assertThat(read).hasSize(300 * (1 + 2 + 2 + 2)); // 1, 2, 3 or 4 records per ID, at most 2 each
        assertThat(read).allSatisfy(o -> assertThat(o.payload()).isNullOrEmpty());
        assertThat(reader.firstEventsOfEach(List.of(), 5)).isEmpty();
    }

    @Test
    protected void anEventPageReadsOnlyThePrefixOfEachPayloadAndTellsTheWholeSize() throws Exception {
        byte[] big = new byte[200_000];
        new java.util.Random(9).nextBytes(big);
        sink.accept(List.of(
                Observation.builder("orders", 0, 1, T).correlationId("big-1").payload(big).build(),
                Observation.builder("orders", 0, 2, T.plusMillis(1)).correlationId("big-1")
                        .payload("{\"short\":true}".getBytes(StandardCharsets.UTF_8)).build(),
                Observation.builder("orders", 0, 3, T.plusMillis(2)).correlationId("big-1").build())); // tombstone

        List<io.choreoscope.model.EventExcerpt> page = reader.eventPage(List.of("big-1"), null, 10, 1000);
        assertThat(page).hasSize(3);
        assertThat(page.get(0).event().payload()).isEqualTo(java.util.Arrays.copyOf(big, 1000));
        assertThat(page.get(0).payloadSize()).isEqualTo(200_000);
        assertThat(page.get(0).payloadTruncated()).isTrue();
        assertThat(new String(page.get(1).event().payload(), StandardCharsets.UTF_8)).isEqualTo("{\"short\":true}");
        assertThat(page.get(1).payloadTruncated()).isFalse();
        assertThat(page.get(2).event().payload()).isNull();
        assertThat(page.get(2).payloadTruncated()).isFalse();
        assertThat(reader.eventPage(List.of("big-1"), null, 10, 0).get(0).event().payload()).isEmpty();
    }

    @Test
    protected void eventsOfAThousandIdsFindsTheStoredOnes() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            ids.add("id-" + i);
        }
        sink.accept(List.of(at("orders", 0, 1, T, "id-0"), at("orders", 0, 2, T, "id-999"),
                at("orders", 0, 3, T, "id-1000")));

        assertThat(coordinates(reader.eventsOf(ids))).containsExactly("orders/0/1", "orders/0/2");
    }

    @Test
    protected void lastEventIsTheLatestByTimestampThenPartitionThenOffset() throws Exception {
        sink.accept(List.of(
                at("orders", 1, 8, T.plusSeconds(1), "order-1"),
                at("orders", 2, 1, T.plusSeconds(1), "order-1"),
                at("orders", 2, 0, T.plusSeconds(1), "order-1"),
                at("orders", 3, 9, T, "order-1"),
                at("orders", 0, 99, T.plusSeconds(9), "order-2")));

        assertThat(reader.lastEventOf("order-1")).get().extracting(Observation::coordinates).isEqualTo("orders/2/1");
        assertThat(reader.lastEventOf("order-3")).isEmpty();
    }

    @Test
    protected void eventIsFoundByItsCoordinatesOnly() throws Exception {
        sink.accept(List.of(at("orders", 0, 5, T, "a"), at("orders", 1, 5, T, "b"), at("payments", 0, 5, T, "c")));

        assertThat(reader.event("orders", 1, 5)).get().extracting(Observation::correlationId).isEqualTo("b");
        assertThat(reader.event("payments", 0, 5)).get().extracting(Observation::correlationId).isEqualTo("c");
        assertThat(reader.event("orders", 2, 5)).isEmpty();
        assertThat(reader.event("orders", 0, 6)).isEmpty();
        assertThat(reader.event("shipping", 0, 5)).isEmpty();
    }

    @Test
    protected void uncorrelatedRecordsAreStoredAndCounted() throws Exception {
        sink.accept(List.of(Observation.builder("noise", 0, 0, T).payload(new byte[] {1}).build()));

        assertThat(reader.event("noise", 0, 0)).get().satisfies(o -> assertThat(o.correlated()).isFalse());
        assertThat(reader.countDistinct("noise")).isOne();
        assertThat(reader.eventsOfTopic("noise", 10)).hasSize(1);
    }

    @Test
    protected void eventsOfATopicAreInPartitionOffsetOrderUpToTheLimit() throws Exception {
        sink.accept(List.of(
                at("orders", 1, 0, T, "a"),
                at("orders", 0, 2, T.minusSeconds(5), "b"),
                at("orders", 0, 1, T.plusSeconds(5), "c"),
                at("orders-dlq", 0, 0, T, "d"),
                at("payments", 0, 0, T, "e")));

        assertThat(coordinates(reader.eventsOfTopic("orders", 10))).containsExactly("orders/0/1", "orders/0/2", "orders/1/0");
        assertThat(coordinates(reader.eventsOfTopic("orders", 2))).containsExactly("orders/0/1", "orders/0/2");
        assertThat(reader.eventsOfTopic("shipping", 10)).isEmpty();
    }

    @Test
    protected void pagingATopicAfterTheLastRowReadsEveryRecordOnce() throws Exception {
        List<Observation> batch = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            for (int o = 0; o < 5; o++) {
                batch.add(at("orders", p, o, T.plusMillis(o), "c"));
            }
        }
        sink.accept(batch);
        sink.accept(batch.subList(3, 9)); // redelivered across a partition boundary
        sink.accept(List.of(at("orders-dlq", 0, 0, T, "c")));

        List<String> read = new ArrayList<>();
        int partition = -1;
        long offset = 0;
        int pages = 0;
        while (true) {
            List<Observation> page = reader.eventsOfTopicAfter("orders", partition, offset, 4);
            if (page.isEmpty()) {
                break;
            }
            assertThat(page).hasSizeLessThanOrEqualTo(4);
            read.addAll(coordinates(page));
            Observation last = page.get(page.size() - 1);
            partition = last.partition();
            offset = last.offset();
            pages++;
        }
        assertThat(pages).isEqualTo(4);
        assertThat(read).containsExactlyElementsOf(coordinates(batch));
        assertThat(coordinates(reader.eventsOfTopicAfter("orders", 1, 3, 3)))
                .containsExactly("orders/1/4", "orders/2/0", "orders/2/1");
        assertThat(reader.eventsOfTopicAfter("orders", 2, 4, 10)).isEmpty();
    }

    @Test
    protected void countsByTopicSinceMatchWholeTopicNamesAndCountZeroForQuietTopics() throws Exception {
        sink.accept(List.of(
                at("orders", 0, 0, T.minusSeconds(60), "a"),
                at("orders", 0, 1, T, "a"),
                at("orders", 1, 0, T.plusSeconds(1), "b"),
                at("payments", 0, 0, T.minusSeconds(60), "a"),
                at("orders.DLT", 0, 0, T, "a"),
                at("new-orders", 0, 0, T, "a"),
                at("shipping", 0, 0, T, "a")));

        assertThat(reader.countByTopicSince("orders|payments", T))
                .containsExactly(Map.entry("orders", 2L), Map.entry("payments", 0L));
        assertThat(reader.countByTopicSince(".*orders.*", T)).containsExactly(
                Map.entry("new-orders", 1L), Map.entry("orders", 2L), Map.entry("orders.DLT", 1L));
        assertThat(reader.countByTopicSince("orders\\.DLT", T.minusSeconds(600)))
                .containsExactly(Map.entry("orders.DLT", 1L));
        assertThat(reader.countByTopicSince("billing", T)).isEmpty();
    }

    private static Observation withHeaders(String topic, long offset, Instant ts, String... nameValues) {
        return arriving(topic, offset, ts, ts, nameValues);
    }

    @Test
    protected void deadLettersByTopicAreWhatTheDeadLetterRuleCallsDeadLetters() throws Exception {
        String dlx = "rabbitmq:shipping.dlx";
        sink.accept(List.of(
                at("orders.DLT", 0, 0, T, "a"), // by name
                at("orders.DLT", 0, 1, T.minusSeconds(60), "a"), // by name, before the window
                at("payments.DLT", 0, 0, T.minusSeconds(60), "a"), // by name, quiet: 0
                withHeaders("orders-failed", 0, T, "x-original-topic", "orders"), // a Kafka tool's header
                withHeaders("orders-failed", 1, T, "other", "x"), // no dead letter
                withHeaders(dlx, 0, T, "x-first-death-queue", "notifications", "x-first-death-reason", "rejected"),
                withHeaders(dlx, 1, T.plusSeconds(1), "x-first-death-queue", "notifications"),
                withHeaders(dlx, 2, T, "x-first-death-queue", "notifications", Observation.REPLAY_ID_HEADER, "r-1"), // redriven
                withHeaders("rabbitmq:quiet.dlx", 0, T.minusSeconds(3_600), "x-first-death-queue", "q"), // an hour ago: 0
                withHeaders("rabbitmq:old.dlx", 0, T.minusSeconds(3 * 86_400), "x-first-death-queue", "q"), // days ago
                at("orders", 0, 0, T, "a"))); // no dead letter

        assertThat(reader.deadLettersByTopicSince("(?i).*\\.dlt", T)).containsExactly(
                Map.entry("orders-failed", 1L), Map.entry("orders.DLT", 1L), Map.entry("payments.DLT", 0L),
                Map.entry("rabbitmq:quiet.dlx", 0L), Map.entry(dlx, 2L));
        assertThat(reader.deadLettersByTopicSince("x'; DROP TABLE events; --", T)).containsOnlyKeys(
                "orders-failed", "rabbitmq:quiet.dlx", dlx);
        // the headers read over the window only (a caller that remembers the day's topics): the quiet one is not listed
        assertThat(reader.deadLettersByTopicSince("(?i).*\\.dlt", T, T)).containsExactly(
                Map.entry("orders-failed", 1L), Map.entry("orders.DLT", 1L), Map.entry("payments.DLT", 0L),
                Map.entry(dlx, 2L));
        // from an hour before: the quiet one reads 0 again
        assertThat(reader.deadLettersByTopicSince("(?i).*\\.dlt", T, T.minusSeconds(3_600)))
                .containsEntry("rabbitmq:quiet.dlx", 0L).hasSize(5);
        assertThat(reader.countVisible("orders")).isEqualTo(1);
    }

    /** A record stamped {@code ts} that the tap stored at {@code arrived}, with headers as in {@link #withHeaders}. */
    private static Observation arriving(String topic, long offset, Instant ts, Instant arrived, String... nameValues) {
        List<Header> headers = new ArrayList<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            headers.add(Header.of(nameValues[i], nameValues[i + 1]));
        }
        return Observation.builder(topic, 0, offset, ts).correlationId("c-" + offset).headers(headers).ingestTime(arrived)
                .build();
    }

    /**
     * Kafka Connect's dead-letter queue keeps the failed record's timestamp, so a connector running behind writes dead
     * letters stamped before the window they arrive in: they count in the window they arrive in, up to
     * {@link EventReader#LATE_ARRIVAL} late; older stamps (a topic's history read at a first start) do not.
     */
    @Test
    protected void deadLettersCountInTheWindowTheyArriveInWhenStampedUpToAnHourBefore() throws Exception {
        sink.accept(List.of(
                arriving("orders.DLT", 0, T.minusSeconds(600), T.plusSeconds(5)), // 10 min late: counted
                arriving("orders.DLT", 1, T.minusSeconds(7_200), T.plusSeconds(5)), // 2 h late: history
                arriving("orders.DLT", 2, T.minusSeconds(60), T.minusSeconds(30)), // arrived before the window
                arriving("orders.DLT", 3, T, T), // on time
                // a topic of dead letters by headers whose first one arrives half an hour late
                arriving("sink-errors", 0, T.minusSeconds(1_800), T.plusSeconds(2), "__connect.errors.topic", "orders"),
                // and one whose only dead letter is two hours late
                arriving("old-errors", 0, T.minusSeconds(7_200), T.plusSeconds(2), "__connect.errors.topic", "orders")));

        assertThat(reader.countByTopicSince("orders\\.DLT", T)).containsExactly(Map.entry("orders.DLT", 2L));
        // a caller reading its window only (after a first read of the day) finds the late topic by its headers too
        assertThat(reader.deadLettersByTopicSince("(?i).*\\.dlt", T, T)).containsExactly(
                Map.entry("orders.DLT", 2L), Map.entry("sink-errors", 1L));
        // the day's read lists the history's topic at 0
        assertThat(reader.deadLettersByTopicSince("(?i).*\\.dlt", T)).containsExactly(
                Map.entry("old-errors", 0L), Map.entry("orders.DLT", 2L), Map.entry("sink-errors", 1L));
    }

    @Test
    protected void replayedCountCountsRecordsCarryingTheReplayIdHeaderOnce() throws Exception {
        Observation replayed = Observation.builder("orders", 0, 10, T)
                .headers(List.of(Header.of(Observation.REPLAY_ID_HEADER, "r-1"), Header.of("choreoscope-replay-of", "orders/0/1")))
                .build();
        Observation otherCase = Observation.builder("orders", 0, 11, T)
                .headers(List.of(Header.of("Choreoscope-Replay-Id", "r-1"))).build();
        Observation elsewhere = Observation.builder("payments", 0, 0, T)
                .headers(List.of(Header.of(Observation.REPLAY_ID_HEADER, "r-1"))).build();

        sink.accept(List.of(at("orders", 0, 1, T, "a"), replayed, otherCase, elsewhere));
        sink.accept(List.of(replayed));

        assertThat(reader.countReplayed("orders")).isOne();
        assertThat(reader.event("orders", 0, 10)).get().satisfies(o -> assertThat(o.replayed()).isTrue());
        assertThat(reader.countReplayed("shipping")).isZero();
    }

    @Test
    protected void countsOfAnUnknownTopicAreZero() {
        assertThat(reader.countDistinct("nothing")).isZero();
        assertThat(reader.countVisible("nothing")).isZero();
        assertThat(reader.countReplayed("nothing")).isZero();
    }

    @Test
    protected void anEmptyBatchStoresNothing() throws Exception {
        sink.accept(List.of());

        assertThat(reader.countByTopicSince(".*", Instant.EPOCH)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(ParseStatus.class)
    protected void everyRecordIsKeptWithItsParseStatusAndError(ParseStatus status) throws Exception {
        Observation flagged = Observation.builder("flagged", 0, 0, T).correlationId("c").parseStatus(status)
                .parseError(status == ParseStatus.OK ? null : "why: " + status).build();

        sink.accept(List.of(flagged));

        assertThat(reader.eventsOf("c")).singleElement().usingRecursiveComparison().isEqualTo(flagged);
    }
}
