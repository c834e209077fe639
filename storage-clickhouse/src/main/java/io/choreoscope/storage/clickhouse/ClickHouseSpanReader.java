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
 * <p>Each join path is its own {@code SELECT} in one {@code UNION ALL}, so that each uses its own
 * index (the primary key for trace IDs, a bloom filter for the others); a span found by several
 * paths is kept once. For an instance, the paths select only span identities, and the spans found are
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

    public ClickHouseSpanReader(ClickHouseStore store) {
        this(new SqlRunner(store));
    }

    /** A reader sharing a connection pool. */
    public ClickHouseSpanReader(SqlRunner sql) {
        this.sql = sql;
        this.eventReader = new ClickHouseEventReader(sql);
        this.spans = sql.store().database() + ".spans";
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
     * Two statements. First the identities of the joined spans: a {@code SELECT} of (trace ID, span ID) per join
     * path that has keys, in one {@code UNION ALL} (each path uses its own index). Then, only when some joined,
     * those spans in full by primary key. Planning five full-width {@code FINAL} selects cost more than both
     * statements together, also when no span joins at all.
     */
    private List<Span> joinedTo(Collection<String> correlationIds, List<Observation> events) {
        Set<String> traceIds = new LinkedHashSet<>();
        Set<String> spanIds = new LinkedHashSet<>();
        List<Object> named = new ArrayList<>();
        List<Object> coordinates = new ArrayList<>();
        for (Observation o : events) {
            if (o.traceId() != null) {
                traceIds.add(o.traceId());
            }
            if (o.spanId() != null) {
                spanIds.add(o.spanId());
            }
            if (o.eventId() != null) {
                named.addAll(List.of(o.topic(), o.eventId()));
            }
            coordinates.add(coordinates(o.topic(), o.partition(), o.offset()));
        }
        String select = "SELECT trace_id, span_id FROM " + spans + " ";
        List<String> parts = new ArrayList<>();
        List<Object> params = new ArrayList<>();
        if (!correlationIds.isEmpty()) {
            parts.add(select + "WHERE correlation_id IN (" + SqlRunner.placeholders(correlationIds.size()) + ")");
            params.addAll(correlationIds);
        }
        if (!traceIds.isEmpty()) {
            parts.add(select + "WHERE trace_id IN (" + SqlRunner.placeholders(traceIds.size()) + ")");
            params.addAll(traceIds);
        }
        if (!spanIds.isEmpty()) {
            parts.add(select + "WHERE hasAny(link_span_ids, [" + SqlRunner.placeholders(spanIds.size()) + "])");
            params.addAll(spanIds);
        }
        if (!named.isEmpty()) {
            parts.add(select + "WHERE messaging_message_id != '' AND (messaging_destination, messaging_message_id) IN ("
                    + tuples(named.size() / 2, 2) + ")");
            params.addAll(named);
        }
        if (!coordinates.isEmpty()) {
            parts.add(select + "WHERE kafka_coordinates IN (" + SqlRunner.placeholders(coordinates.size()) + ")");
            params.addAll(coordinates);
        }
        if (parts.isEmpty()) {
            return List.of();
        }
        Set<List<String>> keys = new LinkedHashSet<>(sql.query(String.join(" UNION ALL ", parts),
                rs -> List.of(rs.getString(1), rs.getString(2)), params.toArray()));
        return byKeys(new ArrayList<>(keys));
    }

    /** Join-key values bound in one statement of {@link #spansOfEach}. */
    static final int JOIN_KEYS_PER_STATEMENT = 1000;

    /**
     * The join of {@link #spansOf(Collection, List)} for many instances in a few statements: every instance's join
     * keys go into the same identity selects, each of which also answers the key value that matched (correlation ID,
     * trace ID, linked span ID, topic and message ID, coordinates); the spans are then read in full once and handed to
     * every instance that owns a matching key. Statements: one per {@value #JOIN_KEYS_PER_STATEMENT} distinct keys,
     * plus one per {@value #KEYS_PER_STATEMENT} spans found.
     */
    @Override
    public List<List<Span>> spansOfEach(List<Joinable> instances) {
        Map<List<String>, Set<Integer>> owners = new LinkedHashMap<>();
        for (int i = 0; i < instances.size(); i++) {
            Joinable j = instances.get(i);
            for (String id : j.correlationIds()) {
                own(owners, "c", id, "", i);
            }
            for (Observation o : j.events()) {
                if (o.traceId() != null) {
                    own(owners, "t", o.traceId(), "", i);
                }
                if (o.spanId() != null) {
                    own(owners, "l", o.spanId(), "", i);
                }
                if (o.topic() == null) {
                    continue;
                }
                if (o.eventId() != null) {
                    own(owners, "m", o.topic(), o.eventId(), i);
                }
                own(owners, "k", coordinates(o.topic(), o.partition(), o.offset()), "", i);
            }
        }
        List<List<String>> keys = new ArrayList<>(owners.keySet());
        Map<List<String>, Set<Integer>> spanOwners = new LinkedHashMap<>();
        for (int from = 0; from < keys.size(); from += JOIN_KEYS_PER_STATEMENT) {
            List<List<String>> slice = keys.subList(from, Math.min(keys.size(), from + JOIN_KEYS_PER_STATEMENT));
            Map<String, List<List<String>>> byTag = new LinkedHashMap<>();
            slice.forEach(k -> byTag.computeIfAbsent(k.get(0), t -> new ArrayList<>()).add(k));
            String select = "SELECT trace_id, span_id, ";
            List<String> parts = new ArrayList<>();
            List<Object> params = new ArrayList<>();
            byTag.forEach((tag, ks) -> {
                String in = SqlRunner.placeholders(ks.size());
                switch (tag) {
                    case "c" -> parts.add(select + "'c', correlation_id, '' FROM " + spans + " WHERE correlation_id IN (" + in + ")");
                    case "t" -> parts.add(select + "'t', trace_id, '' FROM " + spans + " WHERE trace_id IN (" + in + ")");
                    case "l" -> parts.add(select + "'l', arrayJoin(arrayIntersect(link_span_ids, [" + in + "])), '' FROM "
                            + spans + " WHERE hasAny(link_span_ids, [" + in + "])");
                    case "k" -> parts.add(select + "'k', kafka_coordinates, '' FROM " + spans + " WHERE kafka_coordinates IN (" + in + ")");
                    default -> parts.add(select + "'m', messaging_destination, messaging_message_id FROM " + spans
                            + " WHERE messaging_message_id != '' AND (messaging_destination, messaging_message_id) IN ("
                            + tuples(ks.size(), 2) + ")");
                }
                int copies = "l".equals(tag) ? 2 : 1;
                for (int c = 0; c < copies; c++) {
                    for (List<String> k : ks) {
                        params.add(k.get(1));
                        if ("m".equals(tag)) {
                            params.add(k.get(2));
                        }
                    }
                }
            });
            sql.query(String.join(" UNION ALL ", parts), rs -> {
                Set<Integer> who = owners.get(List.of(rs.getString(3), rs.getString(4), rs.getString(5)));
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

    private static void own(Map<List<String>, Set<Integer>> owners, String tag, String a, String b, int instance) {
        owners.computeIfAbsent(List.of(tag, a, b), k -> new java.util.TreeSet<>()).add(instance);
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

    @Override
    public EventSpans spansJoinedTo(Observation event) {
        String eventId = orEmpty(event.eventId());
        String namesRecord = "((messaging_destination = ? AND ? != '' AND messaging_message_id = ?) OR kafka_coordinates = ?)";
        Object[] recordParams = {event.topic(), eventId, eventId, coordinates(event.topic(), event.partition(), event.offset())};

        Span producer = null;
        if (event.traceId() != null && event.spanId() != null) {
            producer = span(event.traceId(), event.spanId()).orElse(null);
        } else {
            List<Span> named = query("SELECT " + COLUMNS + " FROM " + spans + " FINAL WHERE kind = 'PRODUCER' AND "
                    + namesRecord + " ORDER BY start_ts, span_id LIMIT 1", recordParams);
            producer = named.isEmpty() ? null : named.get(0);
        }
        // The traceparent names the producer span even when that span was never exported.
        String producerTrace = producer != null ? producer.traceId() : orEmpty(event.traceId());
        String producerSpan = producer != null ? producer.spanId() : orEmpty(event.spanId());

        String select = "SELECT " + COLUMNS + " FROM " + spans + " FINAL WHERE ";
        String sql = select + "trace_id = ? AND parent_span_id = ? AND parent_span_id != ''"
                + " UNION ALL " + select + "? != '' AND has(link_span_ids, ?)"
                + " UNION ALL " + select + "kind != 'PRODUCER' AND " + namesRecord;
        List<Object> params = new ArrayList<>(List.of(producerTrace, producerSpan, producerSpan, producerSpan));
        params.addAll(List.of(recordParams));
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
