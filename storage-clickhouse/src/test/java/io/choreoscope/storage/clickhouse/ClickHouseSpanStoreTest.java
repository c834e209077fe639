package io.choreoscope.storage.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.model.Observation;
import io.choreoscope.model.Span;
import io.choreoscope.model.SpanReader.EventSpans;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** ClickHouseSpanWriter and ClickHouseSpanReader against a real ClickHouse: round trip, dedup, join rules. */
@ExtendWith(ClickHouseExtension.class)
class ClickHouseSpanStoreTest {
    private static final Instant T = Instant.parse("2026-11-22T10:00:00.123456789Z");
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String OTHER_TRACE = "0af7651916cd43dd8448eb211c80319c";

    private ClickHouseStore store;
    private ClickHouseSpanWriter writer;
    private ClickHouseSpanReader reader;
    private ClickHouseEventWriter events;

    @BeforeEach
    void setUp() throws Exception {
        store = new ClickHouseStore(new ClickHouseConfig(ClickHouseExtension.engine().httpUrl(),
                ClickHouseExtension.createDatabase()));
        assertThat(new SchemaMigrator(store).migrate()).containsExactly("V001", "V002", "V003", "V004", "V005", "V006", "V007");
        writer = new ClickHouseSpanWriter(store);
        reader = new ClickHouseSpanReader(store);
        events = new ClickHouseEventWriter(store);
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    private static Span span(String trace, String id, String parent, String kind, Map<String, String> attributes,
                             String destination, String messageId, String correlationId, String linksJson) {
        return new Span(trace, id, parent, "orders", "op " + id, kind, T, 1_500_000, "UNSET", attributes,
                destination == null ? null : "kafka", destination, null, messageId, null, correlationId,
                null, null, linksJson);
    }

    private static Span plain(String trace, String id, String parent, String kind) {
        return span(trace, id, parent, kind, Map.of(), null, null, null, null);
    }

    @Test
    void storedSpansReadBackFieldForField() throws Exception {
        Span full = new Span(TRACE, "00f067aa0ba902b7", "53995c3f42cd8ad8", "payments", "orders process", "CONSUMER",
                T, 7_000_000, "ERROR", Map.of("messaging.system", "kafka", "retry", "3", "", "empty key"),
                "kafka", "orders", "process", "msg-1", "billing", "order-42", "payment declined",
                "[{\"name\":\"exception\",\"timeUnixNano\":\"1\",\"attributes\":{\"exception.type\":\"Boom\"}}]",
                "[{\"traceId\":\"" + OTHER_TRACE + "\",\"spanId\":\"b7ad6b7169203331\",\"attributes\":{}}]");
        Span root = plain(TRACE, "53995c3f42cd8ad8", null, "PRODUCER");

        writer.accept(List.of(full, root));

        assertThat(reader.span(TRACE, "00f067aa0ba902b7")).get().usingRecursiveComparison().isEqualTo(full);
        assertThat(reader.span(TRACE, "53995c3f42cd8ad8")).get().usingRecursiveComparison().isEqualTo(root);
        assertThat(reader.trace(TRACE)).extracting(Span::spanId).containsExactly("00f067aa0ba902b7", "53995c3f42cd8ad8");
    }

    @Test
    void hostileAttributeValuesAreStoredVerbatim() throws Exception {
        Map<String, String> hostile = new LinkedHashMap<>();
        hostile.put("sql", "x'); DROP TABLE spans; -- \\' \"");
        hostile.put("markup", "<script>alert(1)</script>");
        hostile.put("separators", "a,b=c;d\n\te\u0000f");
        hostile.put("unicode", "Zürich ☃ \uD83D\uDE00");
        hostile.put("key, with = odd\nchars", "");
        Span s = span(TRACE, "1111111111111111", null, "INTERNAL", hostile, null, null, hostile.get("sql"), null);

        writer.accept(List.of(s));

        Span back = reader.span(TRACE, "1111111111111111").orElseThrow();
        assertThat(back.attributes()).isEqualTo(hostile);
        assertThat(back.correlationId()).isEqualTo(hostile.get("sql"));
        assertThat(reader.spansOf(hostile.get("sql"))).extracting(Span::spanId).containsExactly("1111111111111111");
    }

    @Test
    void reSentSpansShowOnce() throws Exception {
        List<Span> batch = List.of(plain(TRACE, "2222222222222222", null, "SERVER"),
                plain(TRACE, "3333333333333333", "2222222222222222", "CLIENT"));

        writer.accept(batch);
        writer.accept(batch);
        writer.accept(batch.subList(1, 2));

        assertThat(reader.trace(TRACE)).hasSize(2);
    }

    @Test
    void eventJoinsItsProducerSpanChildrenLinksAndMessagingMatches() throws Exception {
        String producerId = "aaaaaaaaaaaaaaaa";
        Observation event = Observation.builder("orders", 2, 41, T).correlationId("order-1").eventId("ev-1")
                .traceId(TRACE).spanId(producerId).build();
        Observation byOffset = Observation.builder("orders", 2, 42, T).correlationId("order-1").build();
        events.accept(List.of(event, byOffset));
        writer.accept(List.of(
                plain(TRACE, producerId, null, "PRODUCER"),
                plain(TRACE, "bbbbbbbbbbbbbbbb", producerId, "CONSUMER"),
                plain(TRACE, "cccccccccccccccc", "bbbbbbbbbbbbbbbb", "INTERNAL"),
                span(OTHER_TRACE, "dddddddddddddddd", null, "CONSUMER", Map.of(), null, null, null,
                        "[{\"traceId\":\"" + TRACE + "\",\"spanId\":\"" + producerId + "\",\"attributes\":{}}]"),
                span(OTHER_TRACE, "eeeeeeeeeeeeeeee", null, "CONSUMER", Map.of(), "orders", "ev-1", null, null),
                span(OTHER_TRACE, "ffffffffffffffff", null, "CONSUMER",
                        Map.of("messaging.destination.partition.id", "2", "messaging.kafka.message.offset", "42"),
                        "orders", null, null, null),
                // Same message ID on another topic, and the right offset on another partition: no join.
                span(OTHER_TRACE, "1234123412341234", null, "CONSUMER", Map.of(), "payments", "ev-1", null, null),
                span(OTHER_TRACE, "5678567856785678", null, "CONSUMER",
                        Map.of("messaging.kafka.destination.partition", "1", "messaging.kafka.message.offset", "41"),
                        "orders", null, null, null),
                span("99999999999999999999999999999999", "9999999999999999", null, "INTERNAL", Map.of(),
                        null, null, "order-1", null)));

        EventSpans joined = reader.spansJoinedTo(event);
        assertThat(joined.producer().spanId()).isEqualTo(producerId);
        assertThat(joined.consumers()).extracting(Span::spanId)
                .containsExactlyInAnyOrder("bbbbbbbbbbbbbbbb", "dddddddddddddddd", "eeeeeeeeeeeeeeee");

        EventSpans second = reader.spansJoinedTo(byOffset);
        assertThat(second.producer()).isNull();
        assertThat(second.consumers()).extracting(Span::spanId).containsExactly("ffffffffffffffff");

        assertThat(reader.spansOf("order-1")).extracting(Span::spanId).containsExactlyInAnyOrder(
                producerId, "bbbbbbbbbbbbbbbb", "cccccccccccccccc", "dddddddddddddddd", "eeeeeeeeeeeeeeee",
                "ffffffffffffffff", "9999999999999999");
        assertThat(reader.spansOf("no-such-order")).isEmpty();
    }

    @Test
    void instanceWithLinkedIdsAndManyEventsJoinsSpansFromEverySlice() throws Exception {
        // 450 events: the join keys go into the statement in slices of EVENTS_PER_STATEMENT.
        List<Observation> stored = new java.util.ArrayList<>();
        for (int i = 0; i < 450; i++) {
            Observation.Builder b = Observation.builder("orders", 0, i, T.plusMillis(i)).correlationId("order-7");
            if (i == 5) {
                b.eventId("ev-early");
            }
            if (i == 430) {
                b.traceId(TRACE).spanId("aaaaaaaaaaaaaaaa");
            }
            stored.add(b.build());
        }
        events.accept(stored);
        writer.accept(List.of(
                span(OTHER_TRACE, "1111111111111111", null, "CONSUMER", Map.of(), "orders", "ev-early", null, null),
                span(OTHER_TRACE, "2222222222222222", null, "CONSUMER",
                        Map.of("messaging.destination.partition.id", "0", "messaging.kafka.message.offset", "333"),
                        "orders", null, null, null),
                plain(TRACE, "aaaaaaaaaaaaaaaa", null, "PRODUCER"),
                plain(TRACE, "3333333333333333", "aaaaaaaaaaaaaaaa", "CONSUMER"),
                span("77777777777777777777777777777777", "7777777777777777", null, "INTERNAL", Map.of(),
                        null, null, "legacy-7", null),
                // Another instance's offset on the same topic: no join.
                span(OTHER_TRACE, "4444444444444444", null, "CONSUMER",
                        Map.of("messaging.destination.partition.id", "0", "messaging.kafka.message.offset", "450"),
                        "orders", null, null, null)));

        List<Observation> read = new ClickHouseEventReader(store).eventsOf("order-7");
        assertThat(read).hasSize(450);
        assertThat(reader.spansOf(List.of("order-7", "legacy-7"), read)).extracting(Span::spanId).containsExactlyInAnyOrder(
                "1111111111111111", "2222222222222222", "aaaaaaaaaaaaaaaa", "3333333333333333", "7777777777777777");
        assertThat(reader.spansOf(List.of("order-7"), List.of())).isEmpty();
    }
}
