package io.choreoscope.storage.clickhouse;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.type.TypeReference;
import io.choreoscope.model.FlowWindowReader;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.model.flow.Variant;

/**
 * The windowed reader as it was before migration V011 (main at 4a819ad), kept in test sources to prove that the reader
 * over the instance rows' steps answers the same ({@code WindowedStepsTest}) and to time both on the same data
 * ({@code FlowWindowBenchmark}). Its Javadoc as it was:
 *
 * <p>Windowed flow models and variants, computed in ClickHouse from {@code events} and {@code instances} (the measured
 * query of STACK.md: per instance, {@code arraySort} the {@code groupArray} of its events, then {@code ARRAY JOIN}
 * the consecutive pairs and {@code GROUP BY} them). The instances are those of the flow started in the window
 * ({@code instances FINAL}); their events are found under every linked ID, through the primary key of
 * {@code events}. A record stored twice (a redelivered batch not merged yet) or an event sent twice (same event
 * ID) counts once: the copy that sorts first. Every value is bound as a parameter. Each query runs at most
 * {@link #MAX_EXECUTION_TIME}; ClickHouse stops it then and this throws {@code QueryLimitException}.
 */
final class FlowWindowReaderBeforeV011 implements FlowWindowReader {
    /** Longest run of one windowed query. */
    static final Duration MAX_EXECUTION_TIME = Duration.ofSeconds(20);
    private static final QueryLimits LIMITS = new QueryLimits(MAX_EXECUTION_TIME, 0, 0);

    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {
    };
    private static final TypeReference<Map<String, Long>> OUTCOMES = new TypeReference<>() {
    };

    private final SqlRunner sql;
    private final String db;

    FlowWindowReaderBeforeV011(SqlRunner sql) {
        this.sql = sql;
        this.db = sql.store().database();
    }

    /**
     * One row per instance started in the window: {@code cid}, {@code state} and {@code evs}, its events as
     * (ts, partition, offset, topic, event_type, source_service, event_id) in order (timestamp, partition, offset,
     * topic). Parameters: flow, from, to, flow, from, to.
     *
     * <p>Events are grouped per stored correlation ID first (one pass over the primary-key ranges of the window's
     * IDs), then the small per-ID arrays are joined to their instance (several linked IDs make one instance). Two
     * copies of one record (same coordinates, a batch stored twice before ClickHouse merged it) are identical
     * tuples: {@code arrayDistinct}. Two records with one non-empty event ID: the first by time, partition, offset,
     * topic is kept (sorted by event ID, each ID's first). Measured 2.4 times faster than deduplicating with a
     * GROUP BY over a per-row key (docs/BENCHMARKS.md).
     */
    private String traces() {
        String window = "flow = ? AND started_at >= " + SqlRunner.TS + " AND started_at < " + SqlRunner.TS;
        return "SELECT cid, state, arraySort(x -> (x.1, x.2, x.3, x.4), arrayFilter((x, i) -> x.7 = '' OR i = 1"
                + " OR byId[i - 1].7 != x.7, byId, arrayEnumerate(byId))) AS evs FROM ("
                + " SELECT l.cid AS cid, any(l.state) AS state,"
                + " arraySort(x -> (x.7, x.1, x.2, x.3, x.4), arrayDistinct(groupArrayArray(g.evs))) AS byId FROM ("
                + "  SELECT correlation_id AS id,"
                + "  groupArray((ts, partition, offset, topic, event_type, source_service, event_id)) AS evs"
                + "  FROM " + db + ".events WHERE correlation_id IN (SELECT arrayJoin(linked_ids) FROM " + db
                + ".instances_by_day FINAL WHERE " + window + ") GROUP BY correlation_id) AS g"
                + " INNER JOIN (SELECT correlation_id AS cid, state, arrayJoin(linked_ids) AS lid FROM " + db
                + ".instances_by_day FINAL WHERE " + window + ") AS l ON g.id = l.lid GROUP BY cid)";
    }

    private static Object[] windowParams(String flow, Instant from, Instant to, Object... more) {
        Object[] p = new Object[6 + more.length];
        p[0] = flow;
        p[1] = from;
        p[2] = to;
        p[3] = flow;
        p[4] = from;
        p[5] = to;
        System.arraycopy(more, 0, p, 6, more.length);
        return p;
    }

    /** Not in the old reader: causes were stored from V016 on. */
    @Override
    public FlowModel causalModel(String flow, Instant from, Instant to) {
        throw new UnsupportedOperationException("the reader before V011 has no causal model");
    }

    @Override
    public FlowModel model(String flow, Instant from, Instant to) {
        // kind 0: a directly-follows pair with its latency; 1: an event (node); 2: first event; 3: last event. The 5th
        // element is 1 on the first occurrence of its pair or step within the instance (arrayEnumerateUniq), so the
        // instances having it are a plain sum: no uniqExact over correlation IDs (measured in docs/BENCHMARKS.md).
        String q = "SELECT it.1 AS kind, toString(it.2) AS a, toString(it.3) AS b, count() AS n, sum(it.5) AS inst,"
                + " toJSONString(quantilesExactIf(0.5, 0.95, 0.99)(it.4, it.1 = 0)) AS q FROM ("
                + " SELECT evs, arrayMap(x -> x.5, evs) AS types FROM (" + traces() + "))"
                + " ARRAY JOIN arrayConcat("
                + "arrayMap((i, u) -> (toUInt8(0), types[i], types[i + 1],"
                + " toInt64(toUnixTimestamp64Milli(evs[i + 1].1) - toUnixTimestamp64Milli(evs[i].1)), toUInt8(u = 1)),"
                + " range(1, length(evs)), arrayEnumerateUniq(arrayPopBack(types), arrayPopFront(types))),"
                + " arrayMap((t, u) -> (toUInt8(1), t, t, toInt64(0), toUInt8(u = 1)), types, arrayEnumerateUniq(types)),"
                + " [(toUInt8(2), types[1], types[1], toInt64(0), toUInt8(1)),"
                + " (toUInt8(3), types[-1], types[-1], toInt64(0), toUInt8(1))]) AS it"
                + " GROUP BY kind, a, b ORDER BY kind, a, b";
        List<FlowModel.Node> nodes = new ArrayList<>();
        List<Object[]> pairs = new ArrayList<>();
        Map<String, Long> starts = new TreeMap<>();
        Map<String, Long> ends = new TreeMap<>();
        sql.query(LIMITS, q, rs -> {
            int kind = rs.getInt(1);
            String a = rs.getString(2);
            long count = rs.getLong(4);
            long inst = rs.getLong(5);
            switch (kind) {
                case 0 -> pairs.add(new Object[] {a, rs.getString(3), count, inst, doubles(rs, 6)});
                case 1 -> nodes.add(new FlowModel.Node(a, count, inst));
                case 2 -> starts.put(a, count);
                default -> ends.put(a, count);
            }
            return null;
        }, windowParams(flow, from, to));
        Map<String, Long> out = new HashMap<>();
        for (Object[] p : pairs) {
            out.merge((String) p[0], (Long) p[2], Long::sum);
        }
        List<FlowModel.Transition> transitions = new ArrayList<>();
        for (Object[] p : pairs) {
            double[] lat = (double[]) p[4];
            long count = (Long) p[2];
            transitions.add(new FlowModel.Transition((String) p[0], (String) p[1], count,
                    (double) count / out.get((String) p[0]), lat[0], lat[1], lat[2], (Long) p[3]));
        }
        long instances = starts.values().stream().mapToLong(Long::longValue).sum();
        return new FlowModel(flow, instances, nodes, transitions, starts, ends, List.of(), Map.of(), 0, from, to, null);
    }

    @Override
    public List<Variant> variants(String flow, Instant from, Instant to, int limit) {
        String q = "SELECT lower(hex(cityHash64(steps))) AS id, toJSONString(arraySlice(steps, 1, " + Variant.MAX_STEPS + ")) AS s,"
                + " length(steps) AS len, count() AS n, toJSONString(quantilesExact(0.5, 0.95)(dur)) AS q,"
                + " toJSONString(sumMap(map(toString(state), toUInt64(1)))) AS outcomes, sum(count()) OVER () AS total"
                + " FROM (SELECT state, arrayMap(x -> toString(x.5), evs) AS steps,"
                + " toInt64(toUnixTimestamp64Milli(evs[-1].1) - toUnixTimestamp64Milli(evs[1].1)) AS dur FROM ("
                + traces() + ")) GROUP BY steps ORDER BY n DESC, id LIMIT ?";
        return sql.query(LIMITS, q, rs -> {
            long n = rs.getLong(4);
            double[] d = doubles(rs, 5);
            Map<InstanceState, Long> outcomes = new EnumMap<>(InstanceState.class);
            Json.read(rs.getString(6), OUTCOMES).forEach((k, v) -> {
                try {
                    outcomes.put(InstanceState.valueOf(k), v);
                } catch (IllegalArgumentException e) {
                    // a state this version does not know: not shown as an outcome
                }
            });
            return new Variant(rs.getString(1), Json.read(rs.getString(2), STRINGS), rs.getInt(3), n, (double) n / rs.getLong(7), d[0],
                    d[1], outcomes);
        }, windowParams(flow, from, to, limit));
    }

    @Override
    public List<String> variantInstances(String flow, Instant from, Instant to, String variantId, int limit) {
        String q = "SELECT cid FROM (" + traces() + ")"
                + " WHERE lower(hex(cityHash64(arrayMap(x -> toString(x.5), evs)))) = ?"
                + " ORDER BY evs[-1].1 DESC, cid DESC LIMIT ?";
        return sql.query(LIMITS, q, rs -> rs.getString(1), windowParams(flow, from, to, variantId, limit));
    }

    @Override
    public List<LogEvent> eventLog(String flow, Instant from, Instant to, int maxEvents) {
        String q = "SELECT cid, toString(ev.5), toUnixTimestamp64Milli(ev.1), toString(ev.6) FROM (" + traces() + ")"
                + " ARRAY JOIN evs AS ev ORDER BY evs[1].1, cid, ev LIMIT ?";
        List<LogEvent> out = sql.query(LIMITS, q, rs -> new LogEvent(rs.getString(1), rs.getString(2),
                Instant.ofEpochMilli(rs.getLong(3)), rs.getString(4)), windowParams(flow, from, to, maxEvents + 1));
        if (out.size() > maxEvents) {
            throw new io.choreoscope.model.QueryLimitException("the window holds more than " + maxEvents
                    + " events, the most one export carries; export a shorter window", null);
        }
        return out;
    }

    private static double[] doubles(ResultSet rs, int column) throws SQLException {
        double[] d = Json.read(rs.getString(column), double[].class);
        return d.length == 0 ? new double[] {0, 0, 0} : d;
    }
}
