package io.choreoscope.harness.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.choreoscope.model.EventReader;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ObservationSink;
import io.choreoscope.model.Span;
import io.choreoscope.model.SpanReader;
import io.choreoscope.model.SpanReader.EventSpans;
import io.choreoscope.model.SpanSink;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The span store's contract: what a {@link SpanSink} stores, a {@link SpanReader} over the same storage reads back,
 * each span once however often it was re-sent, and joins to the events stored through the {@link ObservationSink}
 * by the rules of {@link SpanReader}: traceparent, links, messaging attributes, correlation ID. One suite, run
 * against every storage: a subclass supplies a fresh, empty storage per test (see {@code ClickHouseStorageTest}).
 */
public abstract class SpanStoreContract {
    private static final Instant T = Instant.parse("2026-11-22T10:00:00.123456789Z");
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String OTHER_TRACE = "0af7651916cd43dd8448eb211c80319c";

    /** The seams under test, over one storage: spans, and the events they join. */
    public record SpanStore(SpanSink sink, SpanReader reader, ObservationSink events, EventReader eventReader) {
    }

    /** A fresh, empty storage; called before each test. The subclass closes what it opened. */
    protected abstract SpanStore storage();

    private SpanSink sink;
    private SpanReader reader;
    private ObservationSink events;
    private EventReader eventReader;

    @BeforeEach
    void openStorage() {
        SpanStore s = storage();
        sink = s.sink();
        reader = s.reader();
        events = s.events();
        eventReader = s.eventReader();
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

    /** A consumer span naming a record of {@code destination} by its partition and offset attributes. */
    private static Span atOffset(String trace, String id, String destination, String partitionKey, int partition, long offset) {
        return span(trace, id, null, "CONSUMER", Map.of(partitionKey, String.valueOf(partition),
                "messaging.kafka.message.offset", String.valueOf(offset)), destination, null, null, null);
    }

    private static String linkTo(String trace, String spanId) {
        return "[{\"traceId\":\"" + trace + "\",\"spanId\":\"" + spanId + "\",\"attributes\":{}}]";
    }

    private static Span startingAt(String id, Instant start) {
        return new Span(TRACE, id, null, "orders", "op", "INTERNAL", start, 1, "OK", Map.of(), null, null, null,
                null, null, null);
    }

    @Test
    protected void storedSpansReadBackFieldForField() throws Exception {
        Span full = new Span(TRACE, "00f067aa0ba902b7", "53995c3f42cd8ad8", "payments", "orders process", "CONSUMER",
                T, 7_000_000, "ERROR", Map.of("messaging.system", "kafka", "retry", "3", "", "empty key"),
                "kafka", "orders", "process", "msg-1", "billing", "order-42", "payment declined",
                "[{\"name\":\"exception\",\"timeUnixNano\":\"1\",\"attributes\":{\"exception.type\":\"Boom\"}}]",
                linkTo(OTHER_TRACE, "b7ad6b7169203331"));
        Span root = plain(TRACE, "53995c3f42cd8ad8", null, "PRODUCER");

        sink.accept(List.of(full, root));

        assertThat(reader.span(TRACE, "00f067aa0ba902b7")).get().usingRecursiveComparison().isEqualTo(full);
        assertThat(reader.span(TRACE, "53995c3f42cd8ad8")).get().usingRecursiveComparison().isEqualTo(root);
        assertThat(reader.trace(TRACE)).extracting(Span::spanId).containsExactly("00f067aa0ba902b7", "53995c3f42cd8ad8");
        assertThat(reader.span(TRACE, "ffffffffffffffff")).isEmpty();
        assertThat(reader.span(OTHER_TRACE, "00f067aa0ba902b7")).isEmpty();
    }

    @Test
    protected void traceIsOrderedByStartTimeToTheNanosecondThenSpanId() throws Exception {
        sink.accept(List.of(
                startingAt("0000000000000003", T.plusNanos(1)),
                startingAt("0000000000000002", T),
                startingAt("0000000000000001", T.plusNanos(1)),
                startingAt("0000000000000004", T.minusSeconds(1)),
                new Span(OTHER_TRACE, "0000000000000000", null, "x", "op", "INTERNAL", T, 1, "OK", Map.of(),
                        null, null, null, null, null, null)));

        List<Span> trace = reader.trace(TRACE);
        assertThat(trace).extracting(Span::spanId)
                .containsExactly("0000000000000004", "0000000000000002", "0000000000000001", "0000000000000003");
        assertThat(trace.get(2).start()).isEqualTo(T.plusNanos(1));
        assertThat(reader.trace("ffffffffffffffffffffffffffffffff")).isEmpty();
    }

    @Test
    protected void hostileAttributeValuesAreStoredVerbatim() throws Exception {
        Map<String, String> hostile = new LinkedHashMap<>();
        hostile.put("sql", "x'); DROP TABLE spans; -- \\' \"");
        hostile.put("markup", "<script>alert(1)</script>");
        hostile.put("separators", "a,b=c;d\n\te\u0000f");
        hostile.put("unicode", "Zürich ☃ \uD83D\uDE00");
        hostile.put("key, with = odd\nchars", "");
        Span s = span(TRACE, "1111111111111111", null, "INTERNAL", hostile, null, null, hostile.get("sql"), null);

        sink.accept(List.of(s));

        Span back = reader.span(TRACE, "1111111111111111").orElseThrow();
        assertThat(back.attributes()).isEqualTo(hostile);
        assertThat(back.correlationId()).isEqualTo(hostile.get("sql"));
        assertThat(reader.spansOf(hostile.get("sql"))).extracting(Span::spanId).containsExactly("1111111111111111");
        assertThat(reader.spansOf("x' OR '1'='1")).isEmpty();
    }

    @Test
    protected void reSentSpansShowOnce() throws Exception {
        List<Span> batch = List.of(span(TRACE, "2222222222222222", null, "SERVER", Map.of(), null, null, "order-1", null),
                plain(TRACE, "3333333333333333", "2222222222222222", "CLIENT"));

        sink.accept(batch);
        sink.accept(batch);
        sink.accept(batch.subList(1, 2));

        assertThat(reader.trace(TRACE)).hasSize(2);
        assertThat(reader.spansOf("order-1")).extracting(Span::spanId).containsExactly("2222222222222222");
    }

    /**
     * A span stored again with other content (an exporter that re-sends an edited span): the trace and an instance's
     * joined spans show the copy stored last, the same one in both reads.
     */
    @Test
    protected void aSpanStoredAgainWithOtherContentShowsItsLastCopyInEveryRead() throws Exception {
        events.accept(List.of(Observation.builder("orders", 0, 5, T).correlationId("order-1").traceId(TRACE).build()));
        Span first = plain(TRACE, "2222222222222222", null, "SERVER");
        Span edited = new Span(TRACE, "2222222222222222", null, "orders", "edited", "SERVER", T, 2_000_000, "ERROR",
                Map.of("k", "v"), null, null, null, null, null, null);
        sink.accept(List.of(first, plain(TRACE, "3333333333333333", "2222222222222222", "CLIENT")));
        sink.accept(List.of(edited));

        assertThat(reader.trace(TRACE)).extracting(Span::spanId, Span::name)
                .containsExactly(tuple("2222222222222222", "edited"), tuple("3333333333333333", "op 3333333333333333"));
        assertThat(reader.spansOf("order-1")).extracting(Span::spanId, Span::name)
                .containsExactly(tuple("2222222222222222", "edited"), tuple("3333333333333333", "op 3333333333333333"));

        sink.accept(List.of(first)); // the first content again, stored last now

        assertThat(reader.trace(TRACE)).extracting(Span::name).containsExactly("op 2222222222222222", "op 3333333333333333");
        assertThat(reader.spansOf("order-1")).extracting(Span::name)
                .containsExactly("op 2222222222222222", "op 3333333333333333");
    }

    @Test
    protected void anEmptyBatchStoresNothing() throws Exception {
        sink.accept(List.of());

        assertThat(reader.trace(TRACE)).isEmpty();
    }

    @Test
    protected void eventJoinsItsProducerSpanChildrenLinksAndMessagingMatches() throws Exception {
        String producerId = "aaaaaaaaaaaaaaaa";
        Observation event = Observation.builder("orders", 2, 41, T).correlationId("order-1").eventId("ev-1")
                .traceId(TRACE).spanId(producerId).build();
        Observation byOffset = Observation.builder("orders", 2, 42, T).correlationId("order-1").build();
        events.accept(List.of(event, byOffset));
        sink.accept(List.of(
                plain(TRACE, producerId, null, "PRODUCER"),
                plain(TRACE, "bbbbbbbbbbbbbbbb", producerId, "CONSUMER"),
                plain(TRACE, "cccccccccccccccc", "bbbbbbbbbbbbbbbb", "INTERNAL"),
                span(OTHER_TRACE, "dddddddddddddddd", null, "CONSUMER", Map.of(), null, null, null, linkTo(TRACE, producerId)),
                span(OTHER_TRACE, "eeeeeeeeeeeeeeee", null, "CONSUMER", Map.of(), "orders", "ev-1", null, null),
                atOffset(OTHER_TRACE, "ffffffffffffffff", "orders", "messaging.destination.partition.id", 2, 42),
                // Same message ID on another topic, and the right offset on another partition: no join.
                span(OTHER_TRACE, "1234123412341234", null, "CONSUMER", Map.of(), "payments", "ev-1", null, null),
                atOffset(OTHER_TRACE, "5678567856785678", "orders", "messaging.kafka.destination.partition", 1, 41),
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
    protected void consumersJoinByPartitionAndOffsetUnderEitherPartitionAttribute() throws Exception {
        Observation record = Observation.builder("orders", 3, 7, T).correlationId("order-1").build();
        events.accept(List.of(record));
        sink.accept(List.of(
                atOffset(OTHER_TRACE, "1111111111111111", "orders", "messaging.destination.partition.id", 3, 7),
                atOffset(OTHER_TRACE, "2222222222222222", "orders", "messaging.kafka.destination.partition", 3, 7),
                atOffset(OTHER_TRACE, "3333333333333333", "payments", "messaging.destination.partition.id", 3, 7),
                atOffset(OTHER_TRACE, "4444444444444444", "orders", "messaging.destination.partition.id", 3, 8)));

        assertThat(reader.spansJoinedTo(record).consumers()).extracting(Span::spanId)
                .containsExactlyInAnyOrder("1111111111111111", "2222222222222222");
        assertThat(reader.spansOf("order-1")).extracting(Span::spanId)
                .containsExactly("1111111111111111", "2222222222222222");
    }

    @Test
    protected void recordWithoutTraceparentTakesTheProducerSpanThatNamesIt() throws Exception {
        Observation record = Observation.builder("orders", 0, 5, T).correlationId("order-1").eventId("ev-5").build();
        events.accept(List.of(record));
        sink.accept(List.of(
                span(TRACE, "1111111111111111", null, "PRODUCER", Map.of(), "orders", "ev-5", null, null),
                span(OTHER_TRACE, "2222222222222222", null, "CONSUMER", Map.of(), "orders", "ev-5", null, null)));

        EventSpans joined = reader.spansJoinedTo(record);
        assertThat(joined.producer().spanId()).isEqualTo("1111111111111111");
        assertThat(joined.consumers()).extracting(Span::spanId).containsExactly("2222222222222222");
    }

    @Test
    protected void childrenOfAProducerSpanThatWasNeverExportedStillJoin() throws Exception {
        Observation record = Observation.builder("orders", 0, 5, T).correlationId("order-1")
                .traceId(TRACE).spanId("aaaaaaaaaaaaaaaa").build();
        events.accept(List.of(record));
        sink.accept(List.of(
                plain(TRACE, "bbbbbbbbbbbbbbbb", "aaaaaaaaaaaaaaaa", "CONSUMER"),
                span(OTHER_TRACE, "cccccccccccccccc", null, "CONSUMER", Map.of(), null, null, null, linkTo(TRACE, "aaaaaaaaaaaaaaaa")),
                plain(TRACE, "dddddddddddddddd", "eeeeeeeeeeeeeeee", "CONSUMER")));

        EventSpans joined = reader.spansJoinedTo(record);
        assertThat(joined.producer()).isNull();
        assertThat(joined.consumers()).extracting(Span::spanId).containsExactlyInAnyOrder("bbbbbbbbbbbbbbbb", "cccccccccccccccc");
    }

    @Test
    protected void recordThatNoSpanNamesJoinsNothing() throws Exception {
        Observation record = Observation.builder("orders", 0, 5, T).correlationId("order-1").build();
        events.accept(List.of(record));
        sink.accept(List.of(plain(TRACE, "1111111111111111", null, "PRODUCER")));

        EventSpans joined = reader.spansJoinedTo(record);
        assertThat(joined.producer()).isNull();
        assertThat(joined.consumers()).isEmpty();
        assertThat(reader.spansOf("order-1")).isEmpty();
    }

    @Test
    protected void joinedSpansAreOrderedByStartTimeThenTraceAndSpanId() throws Exception {
        sink.accept(List.of(
                new Span(OTHER_TRACE, "3333333333333333", null, "s", "op", "INTERNAL", T.plusNanos(5), 1, "OK",
                        Map.of(), null, null, null, null, null, "order-1"),
                new Span(TRACE, "2222222222222222", null, "s", "op", "INTERNAL", T, 1, "OK",
                        Map.of(), null, null, null, null, null, "order-1"),
                new Span(OTHER_TRACE, "1111111111111111", null, "s", "op", "INTERNAL", T, 1, "OK",
                        Map.of(), null, null, null, null, null, "order-1")));

        assertThat(reader.spansOf("order-1")).extracting(Span::spanId)
                .containsExactly("1111111111111111", "2222222222222222", "3333333333333333");
    }

    @Test
    protected void instanceWithLinkedIdsAndManyEventsJoinsSpansOfEveryEvent() throws Exception {
        // 450 events: more join keys than a store may want in one statement.
        List<Observation> stored = new ArrayList<>();
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
        sink.accept(List.of(
                span(OTHER_TRACE, "1111111111111111", null, "CONSUMER", Map.of(), "orders", "ev-early", null, null),
                atOffset(OTHER_TRACE, "2222222222222222", "orders", "messaging.destination.partition.id", 0, 333),
                plain(TRACE, "aaaaaaaaaaaaaaaa", null, "PRODUCER"),
                plain(TRACE, "3333333333333333", "aaaaaaaaaaaaaaaa", "CONSUMER"),
                span("77777777777777777777777777777777", "7777777777777777", null, "INTERNAL", Map.of(),
                        null, null, "legacy-7", null),
                // Another instance's offset on the same topic: no join.
                atOffset(OTHER_TRACE, "4444444444444444", "orders", "messaging.destination.partition.id", 0, 450)));

        List<Observation> read = eventReader.eventsOf("order-7");
        assertThat(read).hasSize(450);
        assertThat(reader.spansOf(List.of("order-7", "legacy-7"), read)).extracting(Span::spanId).containsExactlyInAnyOrder(
                "1111111111111111", "2222222222222222", "aaaaaaaaaaaaaaaa", "3333333333333333", "7777777777777777");
        assertThat(reader.spansOf(List.of("order-7"), List.of())).isEmpty();
        assertThat(reader.spansOf(List.of("legacy-7"), List.of())).extracting(Span::spanId).containsExactly("7777777777777777");
    }

    @Test
    protected void spansOfManyInstancesAtOnceEqualEachInstancesOwnJoin() throws Exception {
        // Instances sharing a trace, a linked ID, spans joined by every path; more keys than one statement binds.
        List<Observation> stored = new ArrayList<>();
        List<Span> spans = new ArrayList<>();
        List<SpanReader.Joinable> instances = new ArrayList<>();
        for (int n = 0; n < 300; n++) {
            String trace = String.format("%032x", n % 50 + 1); // six instances per trace
            String producer = String.format("%016x", n + 1);
            Observation traced = Observation.builder("orders", 0, n * 2L, T).correlationId("o-" + n)
                    .traceId(trace).spanId(producer).build();
            Observation named = Observation.builder("payments", 1, n * 2L + 1, T).correlationId("p-" + n)
                    .eventId("ev-" + n).build();
            stored.add(traced);
            stored.add(named);
            spans.add(plain(trace, producer, null, "PRODUCER"));
            if (n % 3 == 0) {
                spans.add(span(OTHER_TRACE, String.format("%016x", 10_000 + n), null, "CONSUMER", Map.of(), null, null,
                        null, linkTo(trace, producer)));
            }
            if (n % 4 == 0) {
                spans.add(span(OTHER_TRACE, String.format("%016x", 20_000 + n), null, "CONSUMER", Map.of(), "payments",
                        "ev-" + n, null, null));
            }
            if (n % 5 == 0) {
                spans.add(atOffset(OTHER_TRACE, String.format("%016x", 30_000 + n), "orders",
                        "messaging.destination.partition.id", 0, n * 2L));
            }
            if (n % 7 == 0) {
                spans.add(span("77777777777777777777777777777777", String.format("%016x", 40_000 + n), null, "INTERNAL",
                        Map.of(), null, null, "p-" + n, null));
            }
            instances.add(new SpanReader.Joinable(List.of("o-" + n, "p-" + n, "shared"), List.of(traced, named)));
        }
        spans.add(span("88888888888888888888888888888888", "8888888888888888", null, "INTERNAL", Map.of(), null, null,
                "shared", null));
        instances.add(new SpanReader.Joinable(List.of("nobody"), List.of()));
        events.accept(stored);
        sink.accept(spans);

        List<List<Span>> each = reader.spansOfEach(instances);
        assertThat(each).hasSize(instances.size());
        for (int i = 0; i < instances.size(); i++) {
            SpanReader.Joinable j = instances.get(i);
            assertThat(each.get(i)).as("instance " + i).containsExactlyElementsOf(reader.spansOf(j.correlationIds(), j.events()));
        }
        assertThat(each.get(0)).extracting(Span::spanId).contains("0000000000000001", "8888888888888888",
                String.format("%016x", 10_000), String.format("%016x", 20_000), String.format("%016x", 30_000),
                String.format("%016x", 40_000));
        assertThat(each.get(300)).isEmpty();
        assertThat(reader.spansOfEach(List.of())).isEmpty();
    }
}
