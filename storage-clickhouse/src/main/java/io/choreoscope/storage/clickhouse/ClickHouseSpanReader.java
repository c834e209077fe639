package io.choreoscope.storage.clickhouse;

import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import io.choreoscope.model.Beside;
import io.choreoscope.model.Observation;
import io.choreoscope.model.Span;
import io.choreoscope.model.SpanReader;

/**
 * Reads spans back from ClickHouse, each (trace ID, span ID) once ({@code FINAL} folds re-sent
 * spans), and joins them to stored events: an instance's events are read once, by the caller or by
 * {@link #spansOf(String)}, and their join keys go into the span statement as bound values.
 * Attribute keys and values travel base64-encoded so that any text (commas, quotes, newlines, NUL)
 * survives the text protocol.
 *
 * <p>Every join path is a primary-key read: trace IDs over {@code spans} (sorted by trace and span ID), the
 * other keys an event knows (correlation ID, linked span ID, topic and message ID, Kafka coordinates) over
 * {@code span_key_lookup}, a lookup table a materialized view fills at span insert (migrations V010, V012). A span found by
 * several paths is kept once. For an instance, the spans of its traces are read in full from {@code spans FINAL}, which
 * stays the source of truth, beside the identities the lookup table names; only those the trace read did not bring are
 * then read in full by primary key.
 */
public final class ClickHouseSpanReader implements SpanReader {
    private static final Base64.Decoder B64 = Base64.getDecoder();
    private static final String COLUMNS = "trace_id, span_id, parent_span_id, service, name, kind, "
            + "toUnixTimestamp64Nano(start_ts), duration_ns, status_code, status_message, length(attributes), "
            + "arrayStringConcat(arrayMap(x -> base64Encode(x), mapKeys(attributes)), ','), "
            + "arrayStringConcat(arrayMap(x -> base64Encode(x), mapValues(attributes)), ','), "
            + "messaging_system, messaging_destination, messaging_operation, messaging_message_id, consumer_group, "
            + "correlation_id, events_json, links_json";
    private static final Comparator<Span> BY_START = Comparator.comparing(Span::start)
            .thenComparing(Span::traceId).thenComparing(Span::spanId);

    /** Events whose join keys go into one statement; longer instances are read in slices. */
    static final int EVENTS_PER_STATEMENT = 200;
    /** Spans fetched by key in one statement. */
    static final int KEYS_PER_STATEMENT = 500;

    private final SqlRunner sql;
    private final ClickHouseEventReader eventReader;
    private final String spans;
    private final String spanKeys;
    private final Executor beside;

    public ClickHouseSpanReader(ClickHouseStore store) {
        this(new SqlRunner(store));
    }

    /** A reader sharing a connection pool, running its statements one after the other. */
    public ClickHouseSpanReader(SqlRunner sql) {
        this(sql, Runnable::run);
    }

    /**
     * A reader sharing a connection pool that runs an instance's span lookup on {@code beside} while it reads the spans of
     * the instance's traces on the calling thread. {@code beside} must not queue behind the caller (the caller waits for
     * it): an unbounded pool such as Micronaut's blocking executor, or {@code Runnable::run}.
     */
    public ClickHouseSpanReader(SqlRunner sql, Executor beside) {
        this.sql = sql;
        this.beside = beside;
        this.eventReader = new ClickHouseEventReader(sql);
        this.spans = sql.store().database() + ".spans";
        this.spanKeys = sql.store().database() + ".span_key_lookup";
    }

    @Override
    public List<Span> trace(String traceId) {
        return query("SELECT " + COLUMNS + " FROM " + spans + " FINAL WHERE trace_id = ? ORDER BY start_ts, span_id",
                traceId);
    }

    @Override
    public Optional<Span> span(String traceId, String spanId) {
        return query("SELECT " + COLUMNS + " FROM " + spans + " FINAL WHERE trace_id = ? AND span_id = ?",
                traceId, spanId).stream().findFirst();
    }

    @Override
    public List<Span> spansOf(String correlationId) {
        return spansOf(List.of(correlationId), eventReader.eventsOf(correlationId));
    }

    @Override
    public List<Span> spansOf(Collection<String> correlationIds, List<Observation> events) {
        List<Span> found = new ArrayList<>();
        // The join keys travel as bound values; a long instance is read in slices to keep each statement small.
        for (int from = 0; from == 0 || from < events.size(); from += EVENTS_PER_STATEMENT) {
            List<Observation> slice = events.subList(from, Math.min(events.size(), from + EVENTS_PER_STATEMENT));
            found.addAll(joinedTo(from == 0 ? correlationIds : List.of(), slice));
        }
        return distinctByStart(found);
    }

    /**
     * Two statements side by side, and a third only when needed. The spans of the events' traces are read in full from
     * {@code spans FINAL} (its sorting key starts with trace_id), while the identities of the spans named by the other
     * join keys are read from {@code span_key_lookup} (V010, V012, keyed by them) on the {@code beside} executor; both are
     * primary-key reads. Only the identities the trace read did not already bring (usually none: a span that names an
     * event's record mostly shares its trace) are then read in full by primary key. Before, the identities of both paths
     * came first and all spans after them: always two statements one after the other.
     */
    private List<Span> joinedTo(Collection<String> correlationIds, List<Observation> events) {
        Set<String> traceIds = new LinkedHashSet<>();
        Set<SpanKey> named = new LinkedHashSet<>();
        correlationIds.forEach(id -> SpanKey.correlation(id, named));
        for (Observation o : events) {
            if (o.traceId() != null) {
                traceIds.add(o.traceId());
            }
            SpanKey.ofEvent(o, named);
        }
        CompletableFuture<List<List<String>>> namedIds;
        if (named.isEmpty()) {
            namedIds = CompletableFuture.completedFuture(List.of());
        } else {
            List<Object> params = new ArrayList<>();
            String where = SpanKey.in(named, params);
            namedIds = CompletableFuture.supplyAsync(() -> sql.query("SELECT trace_id, span_id FROM " + spanKeys
                    + " WHERE " + where, rs -> List.of(rs.getString(1), rs.getString(2)), params.toArray()), beside);
        }
        List<Span> found;
        try {
            found = traceIds.isEmpty() ? new ArrayList<>() : new ArrayList<>(query("SELECT " + COLUMNS + " FROM " + spans
                    + " FINAL PREWHERE trace_id IN (" + SqlRunner.placeholders(traceIds.size()) + ")", traceIds.toArray()));
        } catch (RuntimeException e) {
            namedIds.cancel(false);
            throw e;
        }
        Set<List<String>> missing = new LinkedHashSet<>(Beside.joined(namedIds));
        for (Span s : found) {
            missing.remove(List.of(s.traceId(), s.spanId()));
        }
        found.addAll(byKeys(new ArrayList<>(missing)));
        return found;
    }

    /**
     * A row key of {@code span_key_lookup} (V010, V012): what an event or instance knows that names a span, other than its trace.
     * {@code kind} is one of the table's enum names, written into SQL text as a constant; the values are bound.
     */
    record SpanKey(String kind, String key, String key2) {
        /** The correlation ID key; none for an empty ID (a span without correlation ID is not kept under one). */
        static void correlation(String id, Set<SpanKey> out) {
            if (id != null && !id.isEmpty()) {
                out.add(new SpanKey("correlation", id, ""));
            }
        }

        /** The keys an event names spans by: its producer span ID (links), its topic and event ID, its coordinates. */
        static void ofEvent(Observation o, Set<SpanKey> out) {
            if (o.spanId() != null && !o.spanId().isEmpty()) {
                out.add(new SpanKey("link", o.spanId(), ""));
            }
            namingRecord(o, out);
        }

        /** The keys of spans whose messaging attributes name the record: its topic and event ID, its coordinates. */
        static void namingRecord(Observation o, Set<SpanKey> out) {
            if (o.topic() == null) {
                return;
            }
            if (o.eventId() != null && !o.eventId().isEmpty()) {
                out.add(new SpanKey("message", o.topic(), o.eventId()));
            }
            out.add(new SpanKey("record", coordinates(o.topic(), o.partition(), o.offset()), ""));
        }

        /** {@code (kind, key, key2) IN (('record', ?, ?), ...)}, the values appended to {@code params}. */
        static String in(Collection<SpanKey> keys, List<Object> params) {
            List<String> tuples = new ArrayList<>(keys.size());
            for (SpanKey k : keys) {
                tuples.add("('" + k.kind() + "', ?, ?)");
                params.add(k.key());
                params.add(k.key2());
            }
            return "(kind, key, key2) IN (" + String.join(", ", tuples) + ")";
        }
    }

    /** Join-key values bound in one statement of {@link #spansOfEach}. */
    static final int JOIN_KEYS_PER_STATEMENT = 1000;

    /**
     * The join of {@link #spansOf(Collection, List)} for many instances in a few statements: every instance's join
     * keys go into the same identity selects (trace IDs over {@code spans}, the other keys over {@code span_key_lookup}),
     * each of which also answers the key that matched; the spans are then read in full once and handed to every
     * instance that owns a matching key. Statements: one per {@value #JOIN_KEYS_PER_STATEMENT} distinct keys, plus one
     * per {@value #KEYS_PER_STATEMENT} spans found.
     */
    @Override
    public List<List<Span>> spansOfEach(List<Joinable> instances) {
        // Owners by key: a SpanKey, or a trace ID as SpanKey("trace", id, "").
        Map<SpanKey, Set<Integer>> owners = new LinkedHashMap<>();
        for (int i = 0; i < instances.size(); i++) {
            Joinable j = instances.get(i);
            Set<SpanKey> keys = new LinkedHashSet<>();
            j.correlationIds().forEach(id -> SpanKey.correlation(id, keys));
            for (Observation o : j.events()) {
                if (o.traceId() != null) {
                    keys.add(new SpanKey("trace", o.traceId(), ""));
                }
                SpanKey.ofEvent(o, keys);
            }
            for (SpanKey k : keys) {
                owners.computeIfAbsent(k, x -> new java.util.TreeSet<>()).add(i);
            }
        }
        List<SpanKey> keys = new ArrayList<>(owners.keySet());
        Map<List<String>, Set<Integer>> spanOwners = new LinkedHashMap<>();
        for (int from = 0; from < keys.size(); from += JOIN_KEYS_PER_STATEMENT) {
            List<SpanKey> slice = keys.subList(from, Math.min(keys.size(), from + JOIN_KEYS_PER_STATEMENT));
            List<String> traces = slice.stream().filter(k -> k.kind().equals("trace")).map(SpanKey::key).toList();
            List<SpanKey> named = slice.stream().filter(k -> !k.kind().equals("trace")).toList();
            List<String> parts = new ArrayList<>();
            List<Object> params = new ArrayList<>();
            if (!traces.isEmpty()) {
                // Distinct names for the answered key: the JDBC driver reads a repeated column name as its first column.
                parts.add("SELECT trace_id, span_id, 'trace' AS key_kind, trace_id AS key_value, '' AS key_value2 FROM " + spans + " WHERE trace_id IN ("
                        + SqlRunner.placeholders(traces.size()) + ")");
                params.addAll(traces);
            }
            if (!named.isEmpty()) {
                parts.add("SELECT trace_id, span_id, toString(kind) AS key_kind, key AS key_value, key2 AS key_value2 FROM " + spanKeys + " WHERE " + SpanKey.in(named, params));
            }
            sql.query(String.join(" UNION ALL ", parts), rs -> {
                Set<Integer> who = owners.get(new SpanKey(rs.getString(3), rs.getString(4), rs.getString(5)));
                if (who != null) {
                    spanOwners.computeIfAbsent(List.of(rs.getString(1), rs.getString(2)), k -> new java.util.TreeSet<>())
                            .addAll(who);
                }
                return null;
            }, params.toArray());
        }
        List<List<Span>> found = new ArrayList<>();
        instances.forEach(j -> found.add(new ArrayList<>()));
        for (Span sp : byKeys(new ArrayList<>(spanOwners.keySet()))) {
            for (int i : spanOwners.getOrDefault(List.of(sp.traceId(), sp.spanId()), Set.of())) {
                found.get(i).add(sp);
            }
        }
        return found.stream().map(ClickHouseSpanReader::distinctByStart).toList();
    }

    /** Spans by (trace ID, span ID), each once; (trace_id, span_id) is the sorting key, so it filters in PREWHERE. */
    private List<Span> byKeys(List<List<String>> keys) {
        List<Span> out = new ArrayList<>();
        for (int from = 0; from < keys.size(); from += KEYS_PER_STATEMENT) {
            List<List<String>> slice = keys.subList(from, Math.min(keys.size(), from + KEYS_PER_STATEMENT));
            List<Object> params = new ArrayList<>();
            slice.forEach(params::addAll);
            out.addAll(query("SELECT " + COLUMNS + " FROM " + spans + " FINAL PREWHERE (trace_id, span_id) IN ("
                    + tuples(slice.size(), 2) + ")", params.toArray()));
        }
        return out;
    }

    /** The indexed {@code kafka_coordinates} value of a record: topic/partition/offset (topic names have no '/'). */
    static String coordinates(String topic, int partition, long offset) {
        return topic + "/" + partition + "/" + offset;
    }

    /** {@code (?, ?), (?, ?)}: n tuples of the given width. */
    private static String tuples(int n, int width) {
        return String.join(", ", Collections.nCopies(n, "(" + SqlRunner.placeholders(width) + ")"));
    }

    /**
     * The producer span, and the consumers in one {@code UNION ALL}. The spans that name the record by messaging
     * attributes, and those that link to the producer span, are found through {@code span_key_lookup} (V010, V012) by primary key;
     * the conditions on the span's own columns are kept beside that, so each path answers what it says.
     */
    @Override
    public EventSpans spansJoinedTo(Observation event) {
        String eventId = orEmpty(event.eventId());
        Set<SpanKey> recordKeys = new LinkedHashSet<>();
        SpanKey.namingRecord(event, recordKeys);
        List<Object> recordParams = new ArrayList<>();
        String namedByRecord = "(trace_id, span_id) IN (SELECT trace_id, span_id FROM " + spanKeys + " WHERE "
                + SpanKey.in(recordKeys, recordParams) + ")";
        String namesRecord = namedByRecord + " AND ((messaging_destination = ? AND ? != '' AND messaging_message_id = ?) OR kafka_coordinates = ?)";
        recordParams.addAll(List.of(event.topic(), eventId, eventId, coordinates(event.topic(), event.partition(), event.offset())));

        Span producer = null;
        if (event.traceId() != null && event.spanId() != null) {
            producer = span(event.traceId(), event.spanId()).orElse(null);
        } else {
            List<Span> named = query("SELECT " + COLUMNS + " FROM " + spans + " FINAL WHERE " + namesRecord
                    + " AND kind = 'PRODUCER' ORDER BY start_ts, span_id LIMIT 1", recordParams.toArray());
            producer = named.isEmpty() ? null : named.get(0);
        }
        // The traceparent names the producer span even when that span was never exported.
        String producerTrace = producer != null ? producer.traceId() : orEmpty(event.traceId());
        String producerSpan = producer != null ? producer.spanId() : orEmpty(event.spanId());

        String select = "SELECT " + COLUMNS + " FROM " + spans + " FINAL WHERE ";
        String sql = select + "trace_id = ? AND parent_span_id = ? AND parent_span_id != ''"
                + " UNION ALL " + select + "(trace_id, span_id) IN (SELECT trace_id, span_id FROM " + spanKeys
                + " WHERE kind = 'link' AND key = ?) AND ? != '' AND has(link_span_ids, ?)"
                + " UNION ALL " + select + namesRecord + " AND kind != 'PRODUCER'";
        List<Object> params = new ArrayList<>(List.of(producerTrace, producerSpan, producerSpan, producerSpan, producerSpan));
        params.addAll(recordParams);
        List<Span> consumers = distinctByStart(query(sql, params.toArray()));
        if (producer != null) {
            Span p = producer;
            consumers.removeIf(s -> s.traceId().equals(p.traceId()) && s.spanId().equals(p.spanId()));
        }
        return new EventSpans(producer, consumers);
    }

    /** Spans found by several join paths are kept once. */
    private static List<Span> distinctByStart(List<Span> found) {
        Map<String, Span> unique = new LinkedHashMap<>();
        for (Span s : found) {
            unique.putIfAbsent(s.traceId() + "/" + s.spanId(), s);
        }
        List<Span> out = new ArrayList<>(unique.values());
        out.sort(BY_START);
        return out;
    }

    private List<Span> query(String sql, Object... params) {
        return this.sql.query(sql, ClickHouseSpanReader::row, params);
    }

    private static Span row(ResultSet rs) throws SQLException {
        long startNanos = rs.getLong(7);
        Map<String, String> attributes = new LinkedHashMap<>();
        if (rs.getInt(11) > 0) {
            String[] keys = rs.getString(12).split(",", -1);
            String[] values = rs.getString(13).split(",", -1);
            for (int i = 0; i < keys.length; i++) {
                attributes.put(text(keys[i]), text(values[i]));
            }
        }
        return new Span(
                rs.getString(1),
                rs.getString(2),
                SqlRunner.emptyToNull(rs.getString(3)),
                rs.getString(4),
                rs.getString(5),
                rs.getString(6),
                Instant.ofEpochSecond(Math.floorDiv(startNanos, 1_000_000_000L), Math.floorMod(startNanos, 1_000_000_000L)),
                rs.getLong(8),
                rs.getString(9),
                attributes,
                SqlRunner.emptyToNull(rs.getString(14)),
                SqlRunner.emptyToNull(rs.getString(15)),
                SqlRunner.emptyToNull(rs.getString(16)),
                SqlRunner.emptyToNull(rs.getString(17)),
                SqlRunner.emptyToNull(rs.getString(18)),
                SqlRunner.emptyToNull(rs.getString(19)),
                SqlRunner.emptyToNull(rs.getString(10)),
                SqlRunner.emptyToNull(rs.getString(20)),
                SqlRunner.emptyToNull(rs.getString(21)));
    }

    private static String text(String base64) {
        return new String(B64.decode(base64), StandardCharsets.UTF_8);
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
