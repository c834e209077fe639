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
 * Windowed flow models and variants, computed in ClickHouse from {@code instances} (the measured query of STACK.md:
 * per instance, its steps in time order, then {@code ARRAY JOIN} the consecutive pairs and {@code GROUP BY} them). The
 * instances are those of the flow started in the window ({@code instances FINAL}). Each row carries its instance's
 * steps as inference kept them (event types and, since migration V011, their times as ms after the start): a record
 * stored twice or an event sent twice (same event ID) is in it once, the copy that sorts first. An instance whose row
 * lacks them (written before V011, or events beyond inference's cap left out: {@code dropped_events > 0}) is read
 * from {@code events} instead, under every linked ID through its primary key, deduplicated the same way, so answers
 * stay exact. Every value is bound as a parameter. Each query runs at most {@link #MAX_EXECUTION_TIME}; ClickHouse
 * stops it then and this throws {@code QueryLimitException}.
 */
public final class ClickHouseFlowWindowReader implements FlowWindowReader {
    /** Longest run of one windowed query. */
    public static final Duration MAX_EXECUTION_TIME = Duration.ofSeconds(20);
    private static final QueryLimits LIMITS = new QueryLimits(MAX_EXECUTION_TIME, 0, 0);

    /** A row whose steps are whole in {@code instances} (V011): read from there, not from {@code events}. */
    static final String STEPS_STORED = "dropped_events = 0 AND notEmpty(step_offsets)"
            + " AND length(step_offsets) = length(event_types)";

    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {
    };
    private static final TypeReference<Map<String, Long>> OUTCOMES = new TypeReference<>() {
    };

    private final SqlRunner sql;
    private final String db;
    /**
     * The newest rows of the flow's instances started in the window: "{@code FROM} " this, then conditions starting
     * with AND. Parameters: from, to, flow, from ({@link #windowParams}). The window's overlap is narrowed before
     * {@code FINAL} ({@link ClickHouseInstanceReader#overlapping}), the rest applies to the newest row.
     */
    private final String window;

    public ClickHouseFlowWindowReader(SqlRunner sql) {
        this.sql = sql;
        this.db = sql.store().database();
        this.window = ClickHouseInstanceReader.overlapping(db) + " WHERE flow = ? AND started_at >= " + SqlRunner.TS;
    }

    /**
     * One row per instance started in the window whose row matches {@code filter} (a condition on {@code instances},
     * starting with AND, or empty): {@code cid}, {@code state} and {@code evs}, its events as (ts, partition, offset,
     * topic, event_type, source_service, event_id) in order (timestamp, partition, offset, topic), read from
     * {@code events}. Parameters: (from, to, flow, from) twice.
     *
     * <p>Events are grouped per stored correlation ID first (one pass over the primary-key ranges of the window's
     * IDs), then the small per-ID arrays are joined to their instance (several linked IDs make one instance). Two
     * copies of one record (same coordinates, a batch stored twice before ClickHouse merged it) are identical
     * tuples: {@code arrayDistinct}. Two records with one non-empty event ID: the first by time, partition, offset,
     * topic is kept (sorted by event ID, each ID's first). Measured 2.4 times faster than deduplicating with a
     * GROUP BY over a per-row key (docs/BENCHMARKS.md).
     */
    private String traces(String filter) {
        String rows = window + filter;
        return "SELECT cid, state, arraySort(x -> (x.1, x.2, x.3, x.4), arrayFilter((x, i) -> x.7 = '' OR i = 1"
                + " OR byId[i - 1].7 != x.7, byId, arrayEnumerate(byId))) AS evs FROM ("
                + " SELECT l.cid AS cid, any(l.state) AS state,"
                + " arraySort(x -> (x.7, x.1, x.2, x.3, x.4), arrayDistinct(groupArrayArray(g.evs))) AS byId FROM ("
                + "  SELECT correlation_id AS id,"
                + "  groupArray((ts, partition, offset, topic, event_type, source_service, event_id, causation_id)) AS evs"
                + "  FROM " + db + ".events WHERE correlation_id IN (SELECT arrayJoin(linked_ids)"
                + " FROM " + rows + ") GROUP BY correlation_id) AS g"
                + " INNER JOIN (SELECT correlation_id AS cid, state, arrayJoin(linked_ids) AS lid"
                + " FROM " + rows + ") AS l ON g.id = l.lid GROUP BY cid)";
    }

    /**
     * One row per instance started in the window: {@code cid}, {@code state}, {@code types} (its steps' event types
     * in order), {@code d} (ms from each step to the next), {@code dur} (ms from the first step to the last) and
     * {@code last} (the last step's time, epoch ms). From the instance row when it holds its steps' times, else from
     * {@code events} ({@link #traces}). Parameters: (from, to, flow, from) {@link #STEPS_WINDOWS} times.
     */
    private String steps() {
        return steps(false);
    }

    /**
     * {@link #steps()}, and with {@code causes} two more columns: {@code cz}, each step's cause as its 1-based
     * position (0: none), and {@code dc}, ms from each step's cause to it (0 for a step without one). From the row's
     * {@code step_causes} (V016; a row written before it: each step caused by the one before); from {@code events},
     * by causation ID as the engine finds them (a step whose causation ID names another kept event of the instance, else
     * the step before it; of two events naming each other only the earlier one's link is kept, as the engine keeps
     * it: a loop of three or more such events is not broken on this path).
     */
    private String steps(boolean causes) {
        String order = "arrayMap(i -> toUInt16(i - 1), arrayEnumerate(event_types))";
        String stored = !causes ? "" : ", if(length(step_causes) = length(event_types), step_causes, " + order + ") AS cz,"
                + " CAST(arrayMap((c, o) -> if(c = 0, 0, toInt64(o) - toInt64(step_offsets[c])), cz, step_offsets)"
                + " AS Array(Int64)) AS dc";
        String fromEventsCauses = !causes ? "" : ", arrayMap((c, i) -> toUInt16(if(c != 0, c,"
                + " if(i > 1 AND c1[i - 1] != i, i - 1, 0))), c1, arrayEnumerate(c1)) AS cz,"
                + " arrayMap((c, t) -> if(c = 0, 0, t - ms[c]), cz, ms) AS dc";
        String fromEvents = "SELECT cid, state, CAST(arrayMap(x -> x.5, evs) AS Array(LowCardinality(String))) AS types,"
                + " arrayPopFront(arrayDifference(arrayMap(x -> toUnixTimestamp64Milli(x.1), evs))) AS d,"
                + " toUnixTimestamp64Milli(evs[-1].1) - toUnixTimestamp64Milli(evs[1].1) AS dur,"
                + " toUnixTimestamp64Milli(evs[-1].1) AS last" + fromEventsCauses + " FROM (";
        String inner = !causes ? traces(" AND NOT (" + STEPS_STORED + ")") : "SELECT *,"
                + " arrayMap(x -> toUnixTimestamp64Milli(x.1), evs) AS ms,"
                + " arrayMap(x -> x.7, evs) AS ids,"
                + " arrayMap(x -> if(x.8 = '', 0, indexOf(ids, x.8)), evs) AS c0,"
                + " arrayMap((c, i) -> if(c = i OR (c != 0 AND c < i AND c0[c] = i), 0, c), c0, arrayEnumerate(c0)) AS c1"
                + " FROM (" + traces(" AND NOT (" + STEPS_STORED + ")") + ")";
        return "SELECT correlation_id AS cid, state, event_types AS types,"
                + " CAST(arrayPopFront(arrayDifference(step_offsets)) AS Array(Int64)) AS d,"
                + " toInt64(step_offsets[-1]) - toInt64(step_offsets[1]) AS dur,"
                + " toUnixTimestamp64Milli(started_at) + toInt64(step_offsets[-1]) AS last" + stored
                + " FROM " + window + " AND " + STEPS_STORED
                + " UNION ALL " + fromEvents + inner + ")";
    }

    /** How many times {@link #steps} binds the window. */
    private static final int STEPS_WINDOWS = 3;

    /** (from, to, flow, from) {@code windows} times (the parameters of {@link #window}), then {@code more}. */
    private static Object[] windowParams(int windows, String flow, Instant from, Instant to, Object... more) {
        Object[] p = new Object[4 * windows + more.length];
        for (int i = 0; i < windows; i++) {
            p[4 * i] = from;
            p[4 * i + 1] = to;
            p[4 * i + 2] = flow;
            p[4 * i + 3] = from;
        }
        System.arraycopy(more, 0, p, 4 * windows, more.length);
        return p;
    }

    @Override
    public FlowModel model(String flow, Instant from, Instant to) {
        // Instances are grouped by their sequence of steps first (a few hundred variants for many thousands of
        // instances), each variant keeping its count and, per position, the latencies of all its instances
        // (groupArrayForEach of the per-instance differences). Then per variant, kind 0: a directly-follows pair with
        // its latencies; 1: an event (node); 2: first event; 3: last event. The 4th element is true on the first
        // occurrence of its pair or step within the sequence (arrayEnumerateUniq), so the instances having it are
        // the sum of the counts of the variants where it is true. Percentiles are exact (quantilesExact over every
        // latency, as with one row per pair occurrence).
        String q = "SELECT it.1 AS kind, it.2 AS a, it.3 AS b, sum(n) AS c, sum(if(it.4, n, 0)) AS inst,"
                + " toJSONString(quantilesExactArray(0.5, 0.95, 0.99)(it.5)) AS q FROM ("
                + " SELECT CAST(types AS Array(String)) AS types, n, lats FROM ("
                + "  SELECT types, count() AS n, groupArrayForEach(d) AS lats FROM (" + steps() + ") GROUP BY types))"
                + " ARRAY JOIN arrayConcat("
                + "arrayMap((i, u) -> (toUInt8(0), types[i], types[i + 1], u = 1, lats[i]),"
                + " range(1, length(types)), arrayEnumerateUniq(arrayPopBack(types), arrayPopFront(types))),"
                + " arrayMap((t, u) -> (toUInt8(1), t, t, u = 1, emptyArrayInt64()), types, arrayEnumerateUniq(types)),"
                + " [(toUInt8(2), types[1], types[1], true, emptyArrayInt64()),"
                + " (toUInt8(3), types[-1], types[-1], true, emptyArrayInt64())]) AS it"
                + " GROUP BY kind, a, b ORDER BY kind, a, b";
        return read(q, flow, from, to, false);
    }

    @Override
    public FlowModel causalModel(String flow, Instant from, Instant to) {
        // As model(), with each step's cause in place of the step before it: variants are grouped by steps and causes,
        // kind 0 is a (cause, effect) pair with the latency from cause to effect, for every step that has a cause;
        // kind 2 the start, the first step nothing caused (not the first in time: a reaction stamped before its cause
        // is caused by it); kind 3 the leaves (steps that caused nothing), each type once per instance.
        String q = "SELECT it.1 AS kind, it.2 AS a, it.3 AS b, sum(n) AS c, sum(if(it.4, n, 0)) AS inst,"
                + " toJSONString(quantilesExactArray(0.5, 0.95, 0.99)(it.5)) AS q FROM ("
                + " SELECT CAST(types AS Array(String)) AS types, cz, n, lats,"
                + " arrayEnumerateUniq(arrayMap(c -> types[c], cz), types) AS u,"
                + " types[greatest(1, arrayFirstIndex(c -> c = 0, cz))] AS root FROM ("
                + "  SELECT types, cz, count() AS n, groupArrayForEach(dc) AS lats FROM (" + steps(true) + ")"
                + "  GROUP BY types, cz))"
                + " ARRAY JOIN arrayConcat("
                + "arrayMap(i -> (toUInt8(0), types[cz[i]], types[i], u[i] = 1, lats[i]),"
                + " arrayFilter(i -> cz[i] > 0, arrayEnumerate(types))),"
                + " arrayMap((t, v) -> (toUInt8(1), t, t, v = 1, emptyArrayInt64()), types, arrayEnumerateUniq(types)),"
                + " [(toUInt8(2), root, root, true, emptyArrayInt64())],"
                + " arrayMap(t -> (toUInt8(3), t, t, true, emptyArrayInt64()),"
                + " arrayDistinct(arrayFilter((t, i) -> NOT has(cz, toUInt16(i)), types, arrayEnumerate(types))))) AS it"
                + " GROUP BY kind, a, b ORDER BY kind, a, b";
        return read(q, flow, from, to, true);
    }

    /**
     * The model from {@link #model}'s or {@link #causalModel}'s rows. A transition's probability: of a directly-follows
     * model, its count over every transition out of its source (the DFG share); of a causal one, the share of the
     * instances with its source in which the source caused it (a fan-out's arrows are each near 100%).
     */
    private FlowModel read(String q, String flow, Instant from, Instant to, boolean causal) {
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
        }, windowParams(STEPS_WINDOWS, flow, from, to));
        Map<String, Long> out = new HashMap<>();
        if (causal) {
            nodes.forEach(nd -> out.put(nd.eventType(), nd.instances()));
        } else {
            for (Object[] p : pairs) {
                out.merge((String) p[0], (Long) p[2], Long::sum);
            }
        }
        List<FlowModel.Transition> transitions = new ArrayList<>();
        for (Object[] p : pairs) {
            double[] lat = (double[]) p[4];
            long count = (Long) p[2];
            long share = causal ? (Long) p[3] : count;
            transitions.add(new FlowModel.Transition((String) p[0], (String) p[1], count,
                    (double) share / out.get((String) p[0]), lat[0], lat[1], lat[2], (Long) p[3]));
        }
        long instances = starts.values().stream().mapToLong(Long::longValue).sum();
        return new FlowModel(flow, instances, nodes, transitions, starts, ends, List.of(), Map.of(), 0, from, to, null);
    }

    @Override
    public List<Variant> variants(String flow, Instant from, Instant to, int limit) {
        String q = "SELECT lower(hex(cityHash64(steps))) AS id, toJSONString(arraySlice(steps, 1, " + Variant.MAX_STEPS + ")) AS s,"
                + " length(steps) AS len, n, toJSONString(qs) AS q, toJSONString(outs) AS outcomes,"
                + " sum(n) OVER () AS total FROM ("
                + " SELECT CAST(types AS Array(String)) AS steps, count() AS n, quantilesExact(0.5, 0.95)(dur) AS qs,"
                + " sumMap(map(toString(state), toUInt64(1))) AS outs FROM (" + steps() + ") GROUP BY types)"
                + " ORDER BY n DESC, id LIMIT ?";
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
        }, windowParams(STEPS_WINDOWS, flow, from, to, limit));
    }

    @Override
    public List<String> variantInstances(String flow, Instant from, Instant to, String variantId, int limit) {
        String q = "SELECT cid FROM (" + steps() + ")"
                + " WHERE lower(hex(cityHash64(CAST(types AS Array(String))))) = ?"
                + " ORDER BY last DESC, cid DESC LIMIT ?";
        return sql.query(LIMITS, q, rs -> rs.getString(1), windowParams(STEPS_WINDOWS, flow, from, to, variantId, limit));
    }

    @Override
    public List<LogEvent> eventLog(String flow, Instant from, Instant to, int maxEvents) {
        String q = "SELECT cid, toString(ev.5), toUnixTimestamp64Milli(ev.1), toString(ev.6) FROM (" + traces("") + ")"
                + " ARRAY JOIN evs AS ev ORDER BY evs[1].1, cid, ev LIMIT ?";
        List<LogEvent> out = sql.query(LIMITS, q, rs -> new LogEvent(rs.getString(1), rs.getString(2),
                Instant.ofEpochMilli(rs.getLong(3)), rs.getString(4)), windowParams(2, flow, from, to, maxEvents + 1));
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
