package io.choreoscope.storage.clickhouse;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.choreoscope.model.Observation;

/**
 * The span join as {@link ClickHouseSpanReader} ran it before migration V010: one select per join path over
 * {@code spans} (trace ID by primary key; correlation ID, linked span IDs, topic and message ID, Kafka coordinates by
 * bloom filter), answering span identities (trace ID, span ID). Kept for {@link ClickHouseSpanKeysTest} only, which
 * checks that the lookup table answers the same.
 */
final class SpanJoinBeforeV010 {
    private final SqlRunner sql;
    private final String spans;

    SpanJoinBeforeV010(SqlRunner sql) {
        this.sql = sql;
        this.spans = sql.store().database() + ".spans";
    }

    /** The identities {@code spansOf(correlationIds, events)} joined: each once, in no particular order. */
    Set<List<String>> spansOf(Collection<String> correlationIds, List<Observation> events) {
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
            coordinates.add(ClickHouseSpanReader.coordinates(o.topic(), o.partition(), o.offset()));
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
                    + String.join(", ", Collections.nCopies(named.size() / 2, "(?, ?)")) + ")");
            params.addAll(named);
        }
        if (!coordinates.isEmpty()) {
            parts.add(select + "WHERE kafka_coordinates IN (" + SqlRunner.placeholders(coordinates.size()) + ")");
            params.addAll(coordinates);
        }
        if (parts.isEmpty()) {
            return Set.of();
        }
        return new LinkedHashSet<>(sql.query(String.join(" UNION ALL ", parts),
                rs -> List.of(rs.getString(1), rs.getString(2)), params.toArray()));
    }

    /** The producer's identity (or null) and the consumers' identities {@code spansJoinedTo(event)} answered. */
    Joined spansJoinedTo(Observation event) {
        String eventId = event.eventId() == null ? "" : event.eventId();
        String namesRecord = "((messaging_destination = ? AND ? != '' AND messaging_message_id = ?) OR kafka_coordinates = ?)";
        Object[] recordParams = {event.topic(), eventId, eventId,
                ClickHouseSpanReader.coordinates(event.topic(), event.partition(), event.offset())};
        List<String> producer = null;
        if (event.traceId() != null && event.spanId() != null) {
            producer = ids("SELECT trace_id, span_id FROM " + spans + " FINAL WHERE trace_id = ? AND span_id = ?",
                    event.traceId(), event.spanId()).stream().findFirst().orElse(null);
        } else {
            producer = ids("SELECT trace_id, span_id FROM " + spans + " FINAL WHERE kind = 'PRODUCER' AND " + namesRecord
                    + " ORDER BY start_ts, span_id LIMIT 1", recordParams).stream().findFirst().orElse(null);
        }
        String producerTrace = producer != null ? producer.get(0) : event.traceId() == null ? "" : event.traceId();
        String producerSpan = producer != null ? producer.get(1) : event.spanId() == null ? "" : event.spanId();
        String select = "SELECT trace_id, span_id FROM " + spans + " FINAL WHERE ";
        List<Object> params = new ArrayList<>(List.of(producerTrace, producerSpan, producerSpan, producerSpan));
        params.addAll(List.of(recordParams));
        Set<List<String>> consumers = new LinkedHashSet<>(ids(select + "trace_id = ? AND parent_span_id = ? AND parent_span_id != ''"
                + " UNION ALL " + select + "? != '' AND has(link_span_ids, ?)"
                + " UNION ALL " + select + "kind != 'PRODUCER' AND " + namesRecord, params.toArray()));
        if (producer != null) {
            consumers.remove(producer);
        }
        return new Joined(producer, consumers);
    }

    record Joined(List<String> producer, Set<List<String>> consumers) {
    }

    private List<List<String>> ids(String query, Object... params) {
        return sql.query(query, rs -> List.of(rs.getString(1), rs.getString(2)), params);
    }
}
