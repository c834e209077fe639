package io.choreoscope.storage.clickhouse;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.choreoscope.model.Cancellation;
import io.choreoscope.model.SearchReader;
import io.choreoscope.model.api.SearchHit;

/** Search by instance ID over {@code instances}, by value over {@code events}. Every value is bound as a parameter. */
public final class ClickHouseSearchReader implements SearchReader {

    private final SqlRunner sql;
    private final String db;
    private final QueryLimits limits;

    public ClickHouseSearchReader(SqlRunner sql) {
        this.sql = sql;
        this.db = sql.store().database();
        this.limits = QueryLimits.valueSearch(sql.store().config());
    }

    /**
     * Instances whose primary or linked ID equals {@code q} (found as {@link ClickHouseInstanceReader#knownAs} says;
     * {@code linked_ids} always holds the primary ID), then those whose primary ID starts with it (a range of the
     * sorting key's ID in each day, filtered before {@code FINAL}: every row of a key has its ID).
     */
    @Override
    public List<SearchHit> searchId(String q, int limit) {
        List<SearchHit> hits = new ArrayList<>(sql.query("SELECT correlation_id, flow, state, last_event_type, "
                + "toUnixTimestamp64Milli(last_event_at) FROM " + db + ".instances_by_day FINAL PREWHERE "
                + ClickHouseInstanceReader.knownAs(db) + " WHERE has(linked_ids, ?) LIMIT ?",
                rs -> hit(rs, "correlationId", q), q, q, limit));
        if (hits.size() < limit) {
            String like = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
            for (SearchHit h : sql.query("SELECT correlation_id, flow, state, last_event_type, toUnixTimestamp64Milli(last_event_at) FROM "
                    + db + ".instances_by_day FINAL PREWHERE correlation_id LIKE ? WHERE correlation_id != ? AND NOT has(linked_ids, ?) "
                    + "ORDER BY correlation_id LIMIT ?",
                    rs -> hit(rs, "correlationId", rs.getString(1)), like, q, q, limit - hits.size())) {
                hits.add(h);
            }
        }
        return hits;
    }

    /**
     * Events in [{@code from}, {@code to}) with {@code q} (case-insensitive substring) in a header value, the
     * payload (its decoded JSON when it was decoded through a schema: Avro and Protobuf values are searchable), the
     * key or the event ID; newest first, one hit per event, at most {@code limit}. The scan reads
     * every payload of the window (the table is ordered by correlation ID, not time), so ClickHouse stops it at the
     * configured {@link QueryLimits#valueSearch value-search limits} and it throws
     * {@link io.choreoscope.model.QueryLimitException} there. Cancelling {@code cancel} kills the query on the server
     * ({@code KILL QUERY} by its query ID) and throws {@link java.util.concurrent.CancellationException}.
     *
     * <p>Two reads: the scan, then the flow and state of the hits' instances by their IDs (the primary key of
     * {@code instances}). One query joining the scan to {@code instances FINAL} read every instance row of the
     * database for each search: 20M rows, most of an 8 s search over a day of the 100M-event benchmark.
     *
     * <p>The filter searches each column as stored: a NULL key or header value matches nothing, and the payload is
     * searched in its decoded JSON or else its bytes by choosing between two positions, not between two strings.
     * {@code ifNull(...)} and {@code if(decoded != '', decoded, payload)} inside the filter built a copy of every
     * string of the window before searching it: 7.5-8.7 s against 5.1-5.4 s for a day of the 100M-event benchmark
     * (docs/BENCHMARKS.md). The select list still uses them: it is evaluated only for the hits.
     */
    @Override
    public List<SearchHit> searchValue(String q, Instant from, Instant to, int limit, Cancellation cancel) {
        List<SearchHit> hits = sql.query(limits, cancel, "SELECT correlation_id, '', '', event_type, toUnixTimestamp64Milli(ts), "
                + "multiIf(positionCaseInsensitiveUTF8(event_id, ?) > 0, 'eventId', "
                + "positionCaseInsensitiveUTF8(ifNull(key, ''), ?) > 0, 'key', "
                + "arrayExists(v -> positionCaseInsensitiveUTF8(ifNull(v, ''), ?) > 0, header_values), "
                + "concat('header:', arrayFirst((k, v) -> positionCaseInsensitiveUTF8(ifNull(v, ''), ?) > 0, header_keys, header_values)), 'payload') AS field, "
                + "multiIf(field = 'eventId', event_id, field = 'key', ifNull(key, ''), startsWith(field, 'header:'), "
                + "ifNull(arrayFirst(v -> positionCaseInsensitiveUTF8(ifNull(v, ''), ?) > 0, header_values), ''), "
                + "substring(if(decoded != '', decoded, ifNull(payload, '')), greatest(1, toInt64(positionCaseInsensitiveUTF8(if(decoded != '', decoded, ifNull(payload, '')), ?)) - 80), 200)), "
                + "topic, partition, offset "
                + "FROM " + db + ".events WHERE ts >= " + SqlRunner.TS + " AND ts < " + SqlRunner.TS
                + " AND (positionCaseInsensitiveUTF8(event_id, ?) > 0 OR positionCaseInsensitiveUTF8(key, ?) > 0 "
                + "OR arrayExists(v -> positionCaseInsensitiveUTF8(v, ?) > 0, header_values) "
                + "OR if(decoded != '', positionCaseInsensitiveUTF8(decoded, ?), positionCaseInsensitiveUTF8(payload, ?)) > 0) "
                + "ORDER BY ts DESC LIMIT 1 BY topic, partition, offset LIMIT ?", rs -> hit(rs, rs.getString(6), rs.getString(7))
                        .withCoordinates(rs.getString(8), rs.getInt(9), rs.getLong(10)),
                q, q, q, q, q, q, from, to, q, q, q, q, q, limit);
        List<String> ids = hits.stream().map(SearchHit::correlationId).filter(id -> id != null && !id.isEmpty()).distinct().toList();
        if (ids.isEmpty()) {
            return hits;
        }
        Map<String, String[]> instances = new HashMap<>();
        sql.query(limits, cancel, "SELECT correlation_id, flow, state FROM " + db + ".instances_by_day FINAL WHERE correlation_id IN ("
                + SqlRunner.placeholders(ids.size()) + ")", rs -> instances.put(rs.getString(1),
                        new String[] {SqlRunner.emptyToNull(rs.getString(2)), SqlRunner.emptyToNull(rs.getString(3))}), ids.toArray());
        List<SearchHit> out = new ArrayList<>(hits.size());
        for (SearchHit h : hits) {
            String[] fs = instances.get(h.correlationId());
            out.add(fs == null ? h : h.withInstance(fs[0], fs[1]));
        }
        return out;
    }

    private static SearchHit hit(ResultSet rs, String field, String value) throws SQLException {
        String v = value == null ? null : value.length() > 200 ? value.substring(0, 200) : value;
        return new SearchHit(rs.getString(1), SqlRunner.emptyToNull(rs.getString(2)), SqlRunner.emptyToNull(rs.getString(3)),
                SqlRunner.emptyToNull(rs.getString(4)), Instant.ofEpochMilli(rs.getLong(5)), field, v);
    }
}
