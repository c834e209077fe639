package io.choreoscope.storage.clickhouse;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.core.type.TypeReference;
import io.choreoscope.inference.ModelMerge;
import io.choreoscope.model.api.FlowSummary;
import io.choreoscope.model.api.SearchHit;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.Deviation;
import io.choreoscope.model.flow.ExpectedStep;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;

/**
 * Reads what live inference persisted: instances (each once, {@code FINAL}), flow KPIs, merged flow
 * models and dependency maps, search. Every value is bound as a parameter.
 */
public final class ClickHouseInstanceReader {
    private static final String COLUMNS = "correlation_id, toJSONString(linked_ids), flow, state, reason, "
            + "toUnixTimestamp64Milli(started_at), toUnixTimestamp64Milli(last_event_at), event_count, dropped_events, "
            + "last_event_type, last_service, expected_next, deviations";
    private static final String TERMINAL = "('COMPLETED', 'COMPENSATED', 'FAILED')";
    private static final TypeReference<List<ExpectedStep>> STEPS = new TypeReference<>() { };
    private static final TypeReference<List<Deviation>> DEVIATIONS = new TypeReference<>() { };
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() { };

    private final SqlRunner sql;
    private final String db;

    public ClickHouseInstanceReader(SqlRunner sql) {
        this.sql = sql;
        this.db = sql.store().database();
    }

    /**
     * The instance known under {@code id}: its primary correlation ID, else any linked ID. The primary ID is
     * the sorting key, so it filters in {@code PREWHERE} (every version survives it, {@code FINAL} still keeps
     * the newest) and only the matching rows are read in full.
     */
    public Optional<InstanceSnapshot> byId(String id) {
        List<InstanceSnapshot> rows = sql.query("SELECT " + COLUMNS + " FROM " + db + ".instances FINAL PREWHERE correlation_id = ?",
                ClickHouseInstanceReader::snapshot, id);
        if (rows.isEmpty()) {
            rows = sql.query("SELECT " + COLUMNS + " FROM " + db + ".instances FINAL WHERE has(linked_ids, ?) "
                    + "ORDER BY last_event_at DESC LIMIT 1", ClickHouseInstanceReader::snapshot, id);
        }
        return rows.stream().findFirst();
    }

    /** Instances matching a query, newest last event first; at most {@code q.limit()}. */
    public List<InstanceSnapshot> find(InstanceQuery q) {
        StringBuilder where = new StringBuilder(" WHERE last_event_at >= " + SqlRunner.TS + " AND started_at < " + SqlRunner.TS);
        List<Object> params = new ArrayList<>(List.of(q.from(), q.to()));
        if (q.flow() != null) {
            where.append(" AND flow = ?");
            params.add(q.flow());
        }
        if (q.state() != null) {
            where.append(" AND state = ?");
            params.add(q.state().name());
        }
        if (q.eventType() != null) {
            where.append(" AND has(event_types, ?)");
            params.add(q.eventType());
        }
        if (q.service() != null) {
            where.append(" AND correlation_id IN (SELECT correlation_id FROM ").append(db)
                    .append(".events WHERE source_service = ? AND ts >= ").append(SqlRunner.TS)
                    .append(" AND ts < ").append(SqlRunner.TS).append(")");
            params.add(q.service());
            params.add(q.from());
            params.add(q.to());
        }
        if (q.afterLastEvent() != null) {
            where.append(" AND (last_event_at < ").append(SqlRunner.TS)
                    .append(" OR (last_event_at = ").append(SqlRunner.TS).append(" AND correlation_id < ?))");
            params.add(q.afterLastEvent());
            params.add(q.afterLastEvent());
            params.add(q.afterId());
        }
        params.add(q.limit());
        return sql.query("SELECT " + COLUMNS + " FROM " + db + ".instances FINAL" + where
                + " ORDER BY last_event_at DESC, correlation_id DESC LIMIT ?", ClickHouseInstanceReader::snapshot, params.toArray());
    }

    /** Stuck instances, oldest last event first. */
    public List<InstanceSnapshot> stuck(String flow, int limit) {
        if (flow == null) {
            return sql.query("SELECT " + COLUMNS + " FROM " + db + ".instances FINAL WHERE state = 'STUCK' "
                    + "ORDER BY last_event_at, correlation_id LIMIT ?", ClickHouseInstanceReader::snapshot, limit);
        }
        return sql.query("SELECT " + COLUMNS + " FROM " + db + ".instances FINAL WHERE state = 'STUCK' AND flow = ? "
                + "ORDER BY last_event_at, correlation_id LIMIT ?", ClickHouseInstanceReader::snapshot, flow, limit);
    }

    /** An instance to bring back into a live engine: its IDs and stored state. */
    public record Recoverable(String correlationId, List<String> linkedIds, InstanceState state, Instant lastEventAt) {
    }

    /**
     * Instances a live engine should hold again after a restart or a rebalance: of the given partitions
     * (null: all), those not finished with a last event after {@code abandonCut}, plus finished ones with
     * a last event after {@code recentCut}; newest first, at most {@code max}.
     */
    public List<Recoverable> recoverable(Collection<Integer> partitions, Instant recentCut, Instant abandonCut, int max) {
        List<Object> params = new ArrayList<>(List.of(recentCut, abandonCut));
        String part = "";
        if (partitions != null) {
            if (partitions.isEmpty()) {
                return List.of();
            }
            part = " AND partition IN (" + SqlRunner.placeholders(partitions.size()) + ")";
            params.addAll(partitions);
        }
        params.add(max);
        return sql.query("SELECT correlation_id, toJSONString(linked_ids), state, toUnixTimestamp64Milli(last_event_at) FROM "
                + db + ".instances FINAL WHERE (last_event_at >= " + SqlRunner.TS + " OR state NOT IN " + TERMINAL
                + ") AND last_event_at >= " + SqlRunner.TS + part + " ORDER BY last_event_at DESC LIMIT ?",
                rs -> new Recoverable(rs.getString(1), Json.read(rs.getString(2), STRINGS),
                        InstanceState.valueOf(rs.getString(3)), Instant.ofEpochMilli(rs.getLong(4))), params.toArray());
    }

    /**
     * KPIs per flow of the instances started in [{@code from}, {@code to}), with a sparkline of
     * {@code buckets} equal buckets. Throughput counts the events of those instances.
     */
    public List<FlowSummary> flowSummaries(Instant from, Instant to, int buckets) {
        long windowMs = Math.max(1, to.toEpochMilli() - from.toEpochMilli());
        long bucketMs = Math.max(1, (windowMs + buckets - 1) / buckets);
        Map<String, long[]> spark = new HashMap<>();
        sql.query("SELECT flow, intDiv(toUnixTimestamp64Milli(started_at) - ?, ?) AS b, count() FROM " + db
                + ".instances FINAL WHERE started_at >= " + SqlRunner.TS + " AND started_at < " + SqlRunner.TS
                + " GROUP BY flow, b", rs -> {
                    long[] s = spark.computeIfAbsent(rs.getString(1), k -> new long[buckets]);
                    int b = (int) Math.min(buckets - 1, Math.max(0, rs.getLong(2)));
                    s[b] += rs.getLong(3);
                    return null;
                }, from.toEpochMilli(), bucketMs, from, to);
        return sql.query("SELECT flow, count(), countIf(state = 'RUNNING'), countIf(state = 'COMPLETED'), "
                + "countIf(state = 'COMPENSATED'), countIf(state = 'FAILED'), countIf(state = 'STUCK'), sum(event_count), "
                + "countIf(state IN " + TERMINAL + "), "
                + "quantilesIf(0.5, 0.95, 0.99)(toUnixTimestamp64Milli(last_event_at) - toUnixTimestamp64Milli(started_at), state IN " + TERMINAL + ") "
                + "FROM " + db + ".instances FINAL WHERE started_at >= " + SqlRunner.TS + " AND started_at < " + SqlRunner.TS
                + " GROUP BY flow ORDER BY flow", rs -> {
                    String flow = rs.getString(1);
                    long completed = rs.getLong(4);
                    long compensated = rs.getLong(5);
                    long failed = rs.getLong(6);
                    long stuck = rs.getLong(7);
                    long finished = rs.getLong(9);
                    long decided = completed + compensated + failed + stuck;
                    Long p50 = null;
                    Long p95 = null;
                    Long p99 = null;
                    if (finished > 0) {
                        double[] q = doubles(rs.getString(10));
                        p50 = Math.round(q[0]);
                        p95 = Math.round(q[1]);
                        p99 = Math.round(q[2]);
                    }
                    long[] s = spark.getOrDefault(flow, new long[buckets]);
                    List<Long> sparkline = new ArrayList<>();
                    for (long v : s) {
                        sparkline.add(v);
                    }
                    return new FlowSummary(flow, windowMs / 1000, rs.getLong(8) * 1000.0 / windowMs, rs.getLong(2),
                            rs.getLong(3), completed, compensated, failed, stuck,
                            decided == 0 ? null : (double) completed / decided, p50, p95, p99, sparkline);
                }, from, to);
    }

    private static double[] doubles(String array) {
        String s = array.replace("[", "").replace("]", "").strip();
        if (s.isEmpty()) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN};
        }
        String[] parts = s.split(",");
        double[] out = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Double.parseDouble(parts[i].strip());
        }
        return out;
    }

    /** Names of the flows with a persisted model. */
    public List<String> flowNames() {
        return sql.query("SELECT DISTINCT flow FROM " + db + ".flow_models ORDER BY flow", rs -> rs.getString(1));
    }

    /** The model of {@code flow}, merged over every owner; empty when no owner has one. */
    public Optional<FlowModel> flowModel(String flow) {
        List<FlowModel> parts = sql.query("SELECT model FROM " + db + ".flow_models FINAL WHERE flow = ?",
                rs -> Json.read(rs.getString(1), FlowModel.class), flow);
        return Optional.ofNullable(ModelMerge.flow(parts));
    }

    /** The models persisted by one owner, by flow name (for tests and recovery checks). */
    public Map<String, FlowModel> flowModelsOf(String owner) {
        Map<String, FlowModel> out = new java.util.TreeMap<>();
        sql.query("SELECT flow, model FROM " + db + ".flow_models FINAL WHERE owner = ?",
                rs -> out.put(rs.getString(1), Json.read(rs.getString(2), FlowModel.class)), owner);
        return out;
    }

    /**
     * The service dependency map: PRODUCES edges counted from the stored events of the window (per-minute
     * aggregates); CONSUMES edges (consumer groups, consumer spans) as live inference learned them, merged
     * over every owner.
     */
    public DependencyMap dependencies(Instant from, Instant to) {
        double windowSeconds = Math.max(1, (to.toEpochMilli() - from.toEpochMilli()) / 1000.0);
        List<DependencyMap> parts = sql.query("SELECT map FROM " + db + ".dependency_maps FINAL",
                rs -> Json.read(rs.getString(1), DependencyMap.class));
        DependencyMap learned = ModelMerge.dependencies(parts);
        Set<DependencyMap.Node> nodes = new java.util.HashSet<>();
        List<DependencyMap.Edge> edges = new ArrayList<>();
        sql.query("SELECT source_service, topic, groupUniqArray(event_type), sum(events) FROM " + db
                + ".events_per_minute WHERE minute >= toStartOfMinute(" + SqlRunner.TS + ") AND minute < " + SqlRunner.TS
                + " AND source_service != '' GROUP BY source_service, topic ORDER BY source_service, topic", rs -> {
                    String service = rs.getString(1);
                    String topic = rs.getString(2);
                    List<String> types = new ArrayList<>(java.util.Arrays.asList(strings(rs.getString(3))));
                    types.remove("");
                    long count = rs.getLong(4);
                    nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.SERVICE, service));
                    nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.TOPIC, topic));
                    edges.add(new DependencyMap.Edge(DependencyMap.EdgeRole.PRODUCES, service, topic, Set.copyOf(types),
                            count, count / windowSeconds, Double.NaN, Double.NaN, Set.of("observation")));
                    return null;
                }, from, to);
        for (DependencyMap.Edge e : learned.edges()) {
            if (e.role() == DependencyMap.EdgeRole.CONSUMES) {
                edges.add(e);
                nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.SERVICE, e.service()));
                nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.TOPIC, e.topic()));
            }
        }
        List<DependencyMap.Node> ns = new ArrayList<>(nodes);
        ns.sort(java.util.Comparator.comparing((DependencyMap.Node n) -> n.kind()).thenComparing(DependencyMap.Node::name));
        return new DependencyMap(ns, edges);
    }

    /** Instances whose state changed at or after {@code since} (raw rows, not folded), oldest change first. */
    public List<io.choreoscope.model.api.LiveUpdate> stateChangesSince(Instant since, int limit) {
        return sql.query("SELECT DISTINCT correlation_id, flow, state, toUnixTimestamp64Milli(state_since) AS s FROM " + db
                + ".instances WHERE updated_at >= " + SqlRunner.TS + " AND state_since >= " + SqlRunner.TS
                + " ORDER BY s LIMIT ?", rs -> new io.choreoscope.model.api.LiveUpdate("instance", rs.getString(1),
                        rs.getString(2), rs.getString(3), Instant.ofEpochMilli(rs.getLong(4))), since, since, limit);
    }

    /** Events per second tapped per topic over the last 5 minutes. */
    public Map<String, Double> topicRates() {
        Map<String, Double> out = new HashMap<>();
        sql.query("SELECT topic, sum(events) FROM " + db + ".events_per_minute WHERE minute >= toStartOfMinute(now() - INTERVAL 5 MINUTE) "
                + "GROUP BY topic", rs -> out.put(rs.getString(1), rs.getLong(2) / 300.0));
        return out;
    }

    private static String[] strings(String clickHouseArray) {
        // arrays of strings come back as ['a','b'] text; event types never contain quotes in practice, but be safe
        String s = clickHouseArray.strip();
        if (s.length() <= 2) {
            return new String[0];
        }
        List<String> out = new ArrayList<>();
        StringBuilder cur = null;
        for (int i = 1; i < s.length() - 1; i++) {
            char c = s.charAt(i);
            if (cur == null) {
                if (c == '\'') {
                    cur = new StringBuilder();
                }
            } else if (c == '\\' && i + 1 < s.length() - 1) {
                cur.append(s.charAt(++i));
            } else if (c == '\'') {
                out.add(cur.toString());
                cur = null;
            } else {
                cur.append(c);
            }
        }
        return out.toArray(String[]::new);
    }

    /** Instances whose primary or linked ID equals {@code q}, then those whose primary ID starts with it. */
    public List<SearchHit> searchId(String q, int limit) {
        List<SearchHit> hits = new ArrayList<>(sql.query("SELECT correlation_id, flow, state, last_event_type, "
                + "toUnixTimestamp64Milli(last_event_at) FROM " + db + ".instances FINAL WHERE correlation_id = ? OR has(linked_ids, ?) LIMIT ?",
                rs -> hit(rs, "correlationId", q), q, q, limit));
        if (hits.size() < limit) {
            String like = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
            for (SearchHit h : sql.query("SELECT correlation_id, flow, state, last_event_type, toUnixTimestamp64Milli(last_event_at) FROM "
                    + db + ".instances FINAL WHERE correlation_id LIKE ? AND correlation_id != ? ORDER BY correlation_id LIMIT ?",
                    rs -> hit(rs, "correlationId", rs.getString(1)), like, q, limit - hits.size())) {
                hits.add(h);
            }
        }
        return hits;
    }

    /**
     * Events in [{@code from}, {@code to}) with {@code q} (case-insensitive substring) in a header value, the
     * payload, the key or the event ID; newest first, one hit per event, at most {@code limit}.
     */
    public List<SearchHit> searchValue(String q, Instant from, Instant to, int limit) {
        return sql.query("SELECT e.correlation_id, i.flow, i.state, e.event_type, toUnixTimestamp64Milli(e.ts), "
                + "multiIf(positionCaseInsensitiveUTF8(e.event_id, ?) > 0, 'eventId', "
                + "positionCaseInsensitiveUTF8(ifNull(e.key, ''), ?) > 0, 'key', "
                + "arrayExists(v -> positionCaseInsensitiveUTF8(ifNull(v, ''), ?) > 0, e.header_values), "
                + "concat('header:', arrayFirst((k, v) -> positionCaseInsensitiveUTF8(ifNull(v, ''), ?) > 0, e.header_keys, e.header_values)), 'payload') AS field, "
                + "multiIf(field = 'eventId', e.event_id, field = 'key', ifNull(e.key, ''), startsWith(field, 'header:'), "
                + "ifNull(arrayFirst(v -> positionCaseInsensitiveUTF8(ifNull(v, ''), ?) > 0, e.header_values), ''), "
                + "substring(ifNull(e.payload, ''), greatest(1, toInt64(positionCaseInsensitiveUTF8(ifNull(e.payload, ''), ?)) - 80), 200)) "
                + "FROM (SELECT * FROM " + db + ".events WHERE ts >= " + SqlRunner.TS + " AND ts < " + SqlRunner.TS
                + " AND (positionCaseInsensitiveUTF8(event_id, ?) > 0 OR positionCaseInsensitiveUTF8(ifNull(key, ''), ?) > 0 "
                + "OR arrayExists(v -> positionCaseInsensitiveUTF8(ifNull(v, ''), ?) > 0, header_values) "
                + "OR positionCaseInsensitiveUTF8(ifNull(payload, ''), ?) > 0) ORDER BY ts DESC LIMIT 1 BY topic, partition, offset LIMIT ?) AS e "
                + "LEFT JOIN (SELECT correlation_id, flow, state FROM " + db + ".instances FINAL) AS i ON i.correlation_id = e.correlation_id "
                + "ORDER BY e.ts DESC", rs -> hit(rs, rs.getString(6), rs.getString(7)),
                q, q, q, q, q, q, from, to, q, q, q, q, limit);
    }

    private static SearchHit hit(ResultSet rs, String field, String value) throws SQLException {
        String v = value == null ? null : value.length() > 200 ? value.substring(0, 200) : value;
        return new SearchHit(rs.getString(1), emptyToNull(rs.getString(2)), emptyToNull(rs.getString(3)),
                emptyToNull(rs.getString(4)), Instant.ofEpochMilli(rs.getLong(5)), field, v);
    }

    private static InstanceSnapshot snapshot(ResultSet rs) throws SQLException {
        return new InstanceSnapshot(rs.getString(1), Set.copyOf(Json.read(rs.getString(2), STRINGS)), rs.getString(3),
                InstanceState.valueOf(rs.getString(4)), rs.getString(5), Instant.ofEpochMilli(rs.getLong(6)),
                Instant.ofEpochMilli(rs.getLong(7)), rs.getInt(8), rs.getInt(9), rs.getString(10),
                emptyToNull(rs.getString(11)), Json.read(rs.getString(12), STEPS), Json.read(rs.getString(13), DEVIATIONS));
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
