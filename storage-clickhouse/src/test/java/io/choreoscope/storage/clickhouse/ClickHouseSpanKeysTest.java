package io.choreoscope.storage.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.model.Observation;
import io.choreoscope.model.Span;
import io.choreoscope.model.SpanReader;
import io.choreoscope.model.SpanReader.EventSpans;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code span_key_lookup} (migration V010, moved to 512-row granules by V012), the lookup table the span join reads
 * instead of bloom-filter lookups over {@code spans}: filled whatever the order in which spans and their events arrive,
 * for spans stored before the migrations too (also when V012 finds V010's table holding data, or is applied again after
 * stopping half-way), never doubling a span however often it is stored, and answering what the bloom-filter join answered
 * ({@link SpanJoinBeforeV010}). The span store's contract itself runs in {@link ClickHouseStorageTest}.
 */
@ExtendWith(ClickHouseExtension.class)
class ClickHouseSpanKeysTest {
    private static final Instant T = Instant.parse("2026-11-22T10:00:00.123456789Z");
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String OTHER_TRACE = "0af7651916cd43dd8448eb211c80319c";

    private ClickHouseStore store;
    private SqlRunner sql;
    private ClickHouseSpanWriter spans;
    private ClickHouseEventWriter events;
    private ClickHouseSpanReader reader;

    @BeforeEach
    void database() throws Exception {
        store = new ClickHouseStore(new ClickHouseConfig(ClickHouseExtension.engine().httpUrl(), ClickHouseExtension.createDatabase()));
        new SchemaMigrator(store).migrate();
        sql = new SqlRunner(store);
        spans = new ClickHouseSpanWriter(store);
        events = new ClickHouseEventWriter(store);
        reader = new ClickHouseSpanReader(sql);
    }

    @AfterEach
    void close() {
        sql.close();
        store.close();
    }

    private static Span span(String trace, String id, String kind, Map<String, String> attributes, String destination,
                             String messageId, String correlationId, String linksJson) {
        return new Span(trace, id, null, "orders", "op " + id, kind, T, 1_500_000, "UNSET", attributes,
                destination == null ? null : "kafka", destination, null, messageId, null, correlationId, null, null, linksJson);
    }

    private static Map<String, String> at(int partition, long offset) {
        return Map.of("messaging.destination.partition.id", String.valueOf(partition),
                "messaging.kafka.message.offset", String.valueOf(offset));
    }

    private static String linksTo(String... spanIds) {
        List<String> links = new ArrayList<>();
        for (String s : spanIds) {
            links.add("{\"traceId\":\"" + TRACE + "\",\"spanId\":\"" + s + "\",\"attributes\":{}}");
        }
        return "[" + String.join(",", links) + "]";
    }

    /** Spans naming one instance's two records by every path of the lookup table; the instance's records. */
    private record Scene(List<Span> spans, List<Observation> events, Set<String> expected) {
    }

    private static Scene scene(String order, String trace, int base) {
        String producer = String.format("%016x", base);
        List<Observation> evs = List.of(
                Observation.builder("orders", 1, base, T).correlationId(order).eventId("ev-" + base)
                        .traceId(trace).spanId(producer).build(),
                Observation.builder("payments", 2, base + 1, T).correlationId(order).build());
        List<Span> sp = List.of(
                span(OTHER_TRACE, String.format("%016x", base + 1), "CONSUMER", Map.of(), "orders", "ev-" + base, null, null),
                span(OTHER_TRACE, String.format("%016x", base + 2), "CONSUMER", at(2, base + 1), "payments", null, null, null),
                span(OTHER_TRACE, String.format("%016x", base + 3), "CONSUMER", Map.of(), null, null, null, linksTo("ffff", producer)),
                span(OTHER_TRACE, String.format("%016x", base + 4), "INTERNAL", Map.of(), null, null, order, null),
                span(trace, String.format("%016x", base + 5), "INTERNAL", Map.of(), null, null, null, null),
                // Named by nothing of the instance: the same message ID on another topic, another partition's offset.
                span(OTHER_TRACE, String.format("%016x", base + 6), "CONSUMER", Map.of(), "payments", "ev-" + base, null, null),
                span(OTHER_TRACE, String.format("%016x", base + 7), "CONSUMER", at(1, base + 1), "payments", null, null, null));
        Set<String> expected = new LinkedHashSet<>();
        for (int i = 1; i <= 5; i++) {
            expected.add(String.format("%016x", base + i));
        }
        return new Scene(sp, evs, expected);
    }

    private long keyRows() {
        return sql.count("SELECT count() FROM " + store.database() + ".span_key_lookup");
    }

    @Test
    void aSpanJoinsWhetherItArrivesBeforeOrAfterItsEvents() throws Exception {
        Scene early = scene("order-1", TRACE, 0x100);
        Scene late = scene("order-2", "11112222333344445555666677778888", 0x200);
        spans.accept(early.spans());      // spans before their events
        events.accept(early.events());
        events.accept(late.events());     // events before their spans
        spans.accept(late.spans());

        for (Scene s : List.of(early, late)) {
            String order = s.events().get(0).correlationId();
            assertThat(reader.spansOf(order)).extracting(Span::spanId).containsExactlyInAnyOrderElementsOf(s.expected());
            EventSpans first = reader.spansJoinedTo(s.events().get(0));
            assertThat(first.consumers()).extracting(Span::spanId).containsExactlyInAnyOrder(
                    String.format("%016x", Integer.parseInt(s.events().get(0).spanId(), 16) + 1),
                    String.format("%016x", Integer.parseInt(s.events().get(0).spanId(), 16) + 3));
            assertThat(reader.spansJoinedTo(s.events().get(1)).consumers()).extracting(Span::spanId)
                    .containsExactly(String.format("%016x", Integer.parseInt(s.events().get(0).spanId(), 16) + 2));
        }
        // One row per key a span names: message, record, two links, correlation; two spans name nothing but their trace.
        // Each scene: 1 + 1 + 2 + 1 + 0 + 1 + 1 = 7 rows.
        assertThat(keyRows()).isEqualTo(14);
    }

    @Test
    void duplicatesOfASpanAndRepeatedInsertsDoNotDoubleIt() throws Exception {
        Scene s = scene("order-1", TRACE, 0x100);
        events.accept(s.events());
        List<Span> twiceInOneBatch = new ArrayList<>(s.spans());
        twiceInOneBatch.addAll(s.spans());
        spans.accept(twiceInOneBatch);
        spans.accept(s.spans());          // the same batch stored again (an exporter's retry, a consumer re-reading)
        spans.accept(s.spans().subList(2, 3));

        // Copies stay until parts merge, those within one insert too (spans are inserted with optimize_on_insert=0).
        assertThat(keyRows()).as("unmerged copies").isEqualTo(7 + 7 + 7 + 2);
        assertThat(sql.count("SELECT count() FROM " + store.database() + ".spans")).as("unmerged span rows")
                .isEqualTo(3L * s.spans().size() + 1);
        List<Observation> stored = new ClickHouseEventReader(sql).eventsOf("order-1");
        SpanReader.Joinable j = new SpanReader.Joinable(List.of("order-1"), stored);
        assertThat(reader.spansOf("order-1")).extracting(Span::spanId).containsExactlyInAnyOrderElementsOf(s.expected());
        assertThat(reader.spansOfEach(List.of(j, j))).allSatisfy(found ->
                assertThat(found).extracting(Span::spanId).containsExactlyInAnyOrderElementsOf(s.expected()));
        assertThat(reader.spansJoinedTo(stored.get(0)).consumers()).hasSize(2);

        sql.execute("OPTIMIZE TABLE " + store.database() + ".span_key_lookup FINAL");
        assertThat(keyRows()).as("after merging").isEqualTo(7);
        assertThat(reader.spansOf("order-1")).extracting(Span::spanId).containsExactlyInAnyOrderElementsOf(s.expected());
    }

    @Test
    void spansStoredBeforeTheMigrationAreFoundAfterIt() throws Exception {
        Scene s = scene("order-1", TRACE, 0x100);
        events.accept(s.events());
        spans.accept(s.spans());
        List<String> before = reader.spansOf("order-1").stream().map(Span::spanId).toList();

        // The database as it was before V010, holding the same spans: no lookup table, V010 and V012 not applied.
        String db = store.database();
        sql.execute("DROP VIEW " + db + ".span_key_lookup_mv");
        sql.execute("DROP TABLE " + db + ".span_key_lookup");
        sql.execute("DELETE FROM " + db + ".schema_migrations WHERE version IN ('V010', 'V012')");

        assertThat(new SchemaMigrator(store).migrate()).containsExactly("V010", "V012");

        assertThat(keyRows()).isEqualTo(7);
        assertThat(reader.spansOf("order-1")).extracting(Span::spanId).containsExactlyElementsOf(before)
                .containsExactlyInAnyOrderElementsOf(s.expected());
        // Spans stored after the migration are kept by the view again.
        spans.accept(List.of(span(OTHER_TRACE, "0000000000000fff", "CONSUMER", at(2, 0x101), "payments", null, null, null)));
        assertThat(reader.spansOf("order-1")).extracting(Span::spanId).contains("0000000000000fff");
    }

    private long tables(String name) {
        return sql.count("SELECT count() FROM system.tables WHERE database = '" + store.database() + "' AND name = '" + name + "'");
    }

    @Test
    void v012MovesTheKeysOfAnExistingInstallIntoFineGranulesAndMayRunAgain() throws Exception {
        Scene s = scene("order-1", TRACE, 0x100);
        events.accept(s.events());
        spans.accept(s.spans());
        String db = store.database();
        // Back to a V010 install holding data: no new table or view; V010's table (here with the correlation keys only).
        sql.execute("DROP VIEW " + db + ".span_key_lookup_mv");
        sql.execute("DROP TABLE " + db + ".span_key_lookup");
        sql.execute("DELETE FROM " + db + ".schema_migrations WHERE version = 'V012'");
        sql.execute("DELETE FROM " + db + ".schema_migrations WHERE version = 'V010'");
        for (String stmt : List.of(
                "CREATE TABLE " + db + ".span_keys (kind Enum8('correlation' = 1, 'message' = 2, 'link' = 3, 'record' = 4),"
                        + " key String, key2 String, trace_id String, span_id String, ingest_ts DateTime64(3, 'UTC'))"
                        + " ENGINE = ReplacingMergeTree ORDER BY (kind, key, key2, trace_id, span_id)",
                "CREATE MATERIALIZED VIEW " + db + ".span_keys_mv TO " + db + ".span_keys AS SELECT 'correlation' AS kind,"
                        + " correlation_id AS key, '' AS key2, trace_id, span_id, ingest_ts FROM " + db + ".spans"
                        + " WHERE correlation_id != ''",
                "INSERT INTO " + db + ".schema_migrations (version) VALUES ('V010')")) {
            sql.execute(stmt);
        }
        assertThat(tables("span_keys")).isEqualTo(1);
        assertThat(tables("span_key_lookup")).isZero();

        // V012 stopped after its first statement: the new table exists, empty, beside V010's table and view.
        sql.execute("CREATE TABLE " + db + ".span_key_lookup AS " + db + ".span_keys ENGINE = ReplacingMergeTree"
                + " ORDER BY (kind, key, key2, trace_id, span_id) SETTINGS index_granularity = 512");

        assertThat(new SchemaMigrator(store).migrate()).containsExactly("V012");
        assertThat(tables("span_keys")).as("V010's table").isZero();
        assertThat(tables("span_keys_mv")).as("V010's view").isZero();
        assertThat(tables("span_key_lookup_mv")).isEqualTo(1);
        assertThat(sql.count("SELECT count() FROM system.tables WHERE database = '" + db + "' AND name = 'span_key_lookup'"
                + " AND engine_full LIKE '%index_granularity = 512%'")).as("fine granules").isEqualTo(1);
        assertThat(keyRows()).isEqualTo(7);
        assertThat(reader.spansOf("order-1")).extracting(Span::spanId).containsExactlyInAnyOrderElementsOf(s.expected());

        // Applied once more in full (its record lost): the rows are refilled again and fold, nothing is doubled.
        sql.execute("DELETE FROM " + db + ".schema_migrations WHERE version = 'V012'");
        assertThat(new SchemaMigrator(store).migrate()).containsExactly("V012");
        assertThat(reader.spansOf("order-1")).extracting(Span::spanId).containsExactlyInAnyOrderElementsOf(s.expected());
        sql.execute("OPTIMIZE TABLE " + db + ".span_key_lookup FINAL");
        assertThat(keyRows()).isEqualTo(7);
        // The view writes new spans' keys.
        spans.accept(List.of(span(OTHER_TRACE, "0000000000000fff", "CONSUMER", at(2, 0x101), "payments", null, null, null)));
        assertThat(keyRows()).isEqualTo(8);
    }

    @Test
    void answersEqualTheBloomFilterJoinOnRandomData() throws Exception {
        // Few distinct values per key, so that spans and events share them in every combination.
        Random random = new Random(19);
        List<String> topics = List.of("orders", "payments", "stock");
        List<String> traces = List.of(TRACE, OTHER_TRACE, "11112222333344445555666677778888", "99990000999900009999000099990000");
        List<Observation> stored = new ArrayList<>();
        Map<String, List<Observation>> byOrder = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            String order = "order-" + random.nextInt(30);
            Observation.Builder b = Observation.builder(topics.get(random.nextInt(3)), random.nextInt(3), random.nextInt(40), T)
                    .correlationId(order);
            if (random.nextInt(3) == 0) {
                b.eventId("ev-" + random.nextInt(40));
            }
            if (random.nextInt(3) == 0) {
                b.traceId(traces.get(random.nextInt(traces.size()))).spanId(String.format("%016x", random.nextInt(60)));
            }
            Observation o = b.build();
            stored.add(o);
            byOrder.computeIfAbsent(order, k -> new ArrayList<>()).add(o);
        }
        List<Span> all = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            Map<String, String> attributes = random.nextInt(3) == 0 ? at(random.nextInt(3), random.nextInt(40)) : Map.of();
            String destination = random.nextInt(2) == 0 ? topics.get(random.nextInt(3)) : null;
            String messageId = random.nextInt(3) == 0 ? "ev-" + random.nextInt(40) : null;
            String correlation = random.nextInt(6) == 0 ? "order-" + random.nextInt(30) : null;
            String links = random.nextInt(4) == 0
                    ? linksTo(String.format("%016x", random.nextInt(60)), String.format("%016x", random.nextInt(60))) : null;
            String kind = List.of("PRODUCER", "CONSUMER", "INTERNAL").get(random.nextInt(3));
            all.add(span(traces.get(random.nextInt(traces.size())), String.format("%016x", i), kind, attributes, destination,
                    messageId, correlation, links));
        }
        // Half the spans before the events, half after; some stored twice.
        spans.accept(all.subList(0, 200));
        events.accept(stored);
        spans.accept(all.subList(200, 400));
        spans.accept(all.subList(150, 250));

        SpanJoinBeforeV010 old = new SpanJoinBeforeV010(sql);
        ClickHouseEventReader eventReader = new ClickHouseEventReader(sql);
        List<SpanReader.Joinable> instances = new ArrayList<>();
        int joined = 0;
        for (String order : byOrder.keySet()) {
            List<Observation> read = eventReader.eventsOf(order);
            instances.add(new SpanReader.Joinable(List.of(order), read));
            Set<List<String>> expected = old.spansOf(List.of(order), read);
            joined += expected.isEmpty() ? 0 : 1;
            assertThat(reader.spansOf(List.of(order), read)).as(order).map(s -> List.of(s.traceId(), s.spanId()))
                    .doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expected);
            for (Observation o : read) {
                SpanJoinBeforeV010.Joined was = old.spansJoinedTo(o);
                EventSpans now = reader.spansJoinedTo(o);
                assertThat(now.producer() == null ? null : List.of(now.producer().traceId(), now.producer().spanId()))
                        .as(o.coordinates()).isEqualTo(was.producer());
                assertThat(now.consumers()).as(o.coordinates()).map(s -> List.of(s.traceId(), s.spanId()))
                        .containsExactlyInAnyOrderElementsOf(was.consumers());
            }
        }
        assertThat(joined).as("instances the old join found spans for").isGreaterThan(20);
        List<List<Span>> each = reader.spansOfEach(instances);
        for (int i = 0; i < instances.size(); i++) {
            SpanReader.Joinable j = instances.get(i);
            assertThat(each.get(i)).containsExactlyElementsOf(reader.spansOf(j.correlationIds(), j.events()));
        }
    }
}
