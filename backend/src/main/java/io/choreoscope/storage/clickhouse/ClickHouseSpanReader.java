package io.choreoscope.storage.clickhouse;

import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.choreoscope.model.Observation;
import io.choreoscope.model.Span;
import io.choreoscope.model.SpanReader;

/**
 * Reads spans back from ClickHouse, each (trace ID, span ID) once ({@code FINAL} folds re-sent
 * spans), and joins them to the {@code events} table. Every value is bound as a parameter.
 * Attribute keys and values travel base64-encoded so that any text (commas, quotes, newlines, NUL)
 * survives the text protocol.
 *
 * <p>Each join path is its own {@code SELECT} in one {@code UNION ALL}, so that each uses its own
 * index (the primary key for trace IDs, a bloom filter for the others); a span found by several
 * paths is kept once.
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

    private final ClickHouseStore store;
    private final String spans;
    private final String events;

    public ClickHouseSpanReader(ClickHouseStore store) {
        this.store = store;
        this.spans = store.database() + ".spans";
        this.events = store.database() + ".events";
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
        String ofInstance = " FROM " + events + " FINAL WHERE correlation_id = ?";
        String select = "SELECT " + COLUMNS + " FROM " + spans + " FINAL WHERE ";
        String sql = select + "correlation_id = ?"
                + " UNION ALL " + select + "trace_id IN (SELECT trace_id" + ofInstance + " AND trace_id != '')"
                + " UNION ALL " + select + "hasAny(link_span_ids, (SELECT groupArray(span_id)" + ofInstance
                + " AND span_id != ''))"
                + " UNION ALL " + select + "messaging_message_id != '' AND (messaging_destination, messaging_message_id)"
                + " IN (SELECT toString(topic), event_id" + ofInstance + " AND event_id != '')"
                + " UNION ALL " + select + "kafka_offset >= 0 AND (messaging_destination, kafka_partition, kafka_offset)"
                + " IN (SELECT toString(topic), toInt64(partition), toInt64(offset)" + ofInstance + ")";
        return distinctByStart(query(sql, correlationId, correlationId, correlationId, correlationId, correlationId));
    }

    @Override
    public EventSpans spansJoinedTo(Observation event) {
        String eventId = orEmpty(event.eventId());
        String namesRecord = "messaging_destination = ? AND ((? != '' AND messaging_message_id = ?)"
                + " OR (kafka_partition = ? AND kafka_offset = ?))";
        Object[] recordParams = {event.topic(), eventId, eventId, (long) event.partition(), event.offset()};

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
        return BoundQuery.list(store, "span query", sql, ClickHouseSpanReader::row, params);
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
                BoundQuery.emptyToNull(rs.getString(3)),
                rs.getString(4),
                rs.getString(5),
                rs.getString(6),
                Instant.ofEpochSecond(Math.floorDiv(startNanos, 1_000_000_000L), Math.floorMod(startNanos, 1_000_000_000L)),
                rs.getLong(8),
                rs.getString(9),
                attributes,
                BoundQuery.emptyToNull(rs.getString(14)),
                BoundQuery.emptyToNull(rs.getString(15)),
                BoundQuery.emptyToNull(rs.getString(16)),
                BoundQuery.emptyToNull(rs.getString(17)),
                BoundQuery.emptyToNull(rs.getString(18)),
                BoundQuery.emptyToNull(rs.getString(19)),
                BoundQuery.emptyToNull(rs.getString(10)),
                BoundQuery.emptyToNull(rs.getString(20)),
                BoundQuery.emptyToNull(rs.getString(21)));
    }

    private static String text(String base64) {
        return new String(B64.decode(base64), StandardCharsets.UTF_8);
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
