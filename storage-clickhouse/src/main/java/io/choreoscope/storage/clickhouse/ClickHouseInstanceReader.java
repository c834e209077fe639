package io.choreoscope.storage.clickhouse;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.core.type.TypeReference;
import io.choreoscope.model.InstanceQuery;
import io.choreoscope.model.InstanceReader;
import io.choreoscope.model.flow.Deviation;
import io.choreoscope.model.flow.ExpectedStep;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;

/**
 * Reads what live inference persisted in {@code instances}: each instance once ({@code FINAL}, the newest
 * version). Every value is bound as a parameter.
 */
public final class ClickHouseInstanceReader implements InstanceReader {
    private static final String COLUMNS = "correlation_id, toJSONString(linked_ids), flow, state, reason, "
            + "toUnixTimestamp64Milli(started_at), toUnixTimestamp64Milli(last_event_at), event_count, dropped_events, "
            + "last_event_type, last_service, expected_next, deviations";
    /** The finished states, as an SQL list. */
    static final String TERMINAL = "('COMPLETED', 'COMPENSATED', 'FAILED')";
    /**
     * {@code instances FINAL} narrowed to the rows overlapping a window: parameters from, to. Further conditions go in a
     * WHERE after it, which applies to the newest row of each instance only.
     *
     * <p>The overlap is filtered before {@code FINAL} folds an instance's rows (PREWHERE), which halves the time of a
     * day's window over 20M instances (docs/BENCHMARKS.md, issue 19 item 2). Filtering before folding is exact only for
     * conditions that an instance's newest row meets whenever an older one does: otherwise an older row could survive
     * alone and stand for its instance. The live engine only widens an instance's span (a later row's last event is
     * never earlier, its start never later), so "last event at or after from" and "started before to" are such
     * conditions, and "started at or after from" is not (a late earlier event moves the start before the window): that
     * one, like flow, state and the rest, must go in the WHERE. One case breaks the widening: an instance evicted after
     * its retention and created again by a straggler gets a new, narrower row; in a window that only its previous row
     * overlaps, the previous row is shown.
     */
    static String overlapping(String db) {
        return db + ".instances_by_day FINAL PREWHERE last_event_at >= " + SqlRunner.TS + " AND started_at < " + SqlRunner.TS;
    }

    private static final TypeReference<List<ExpectedStep>> STEPS = new TypeReference<>() { };
    private static final TypeReference<List<Deviation>> DEVIATIONS = new TypeReference<>() { };
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() { };

    private final SqlRunner sql;
    private final String db;
    private final int stuckCandidatesMax;

    public ClickHouseInstanceReader(SqlRunner sql) {
        this(sql, STUCK_CANDIDATES_MAX);
    }

    /** With another bound of {@link #stuck}'s candidates (tests of both of its ways). */
    ClickHouseInstanceReader(SqlRunner sql, int stuckCandidatesMax) {
        this.sql = sql;
        this.db = sql.store().database();
        this.stuckCandidatesMax = stuckCandidatesMax;
    }

    /**
     * The instance known under {@code id}: its primary correlation ID, else any linked ID. The primary ID follows the
     * day in the sorting key, so it filters in {@code PREWHERE}, found in each day's range of the key (every version
     * survives it, {@code FINAL} still keeps the newest) and only the matching rows are read in full. A linked ID (and
     * an ID no instance has) is found through {@link #knownAs}.
     */
    @Override
    public Optional<InstanceSnapshot> byId(String id) {
        // Two rows survive FINAL only where an instance moved day without a delete row for its earlier day (see
        // ClickHouseInstanceWriter): the newest tells.
        List<InstanceSnapshot> rows = sql.query("SELECT " + COLUMNS + " FROM " + db
                + ".instances_by_day FINAL PREWHERE correlation_id = ? ORDER BY version DESC LIMIT 1",
                ClickHouseInstanceReader::snapshot, id);
        if (rows.isEmpty()) {
            rows = sql.query("SELECT " + COLUMNS + " FROM " + db + ".instances_by_day FINAL PREWHERE " + knownAs(db)
                    + " WHERE has(linked_ids, ?) ORDER BY last_event_at DESC LIMIT 1", ClickHouseInstanceReader::snapshot, id, id);
        }
        return rows.stream().findFirst();
    }

    /**
     * A {@code PREWHERE} condition (one parameter: an ID) keeping the primary IDs of the instances any of whose rows
     * lists the ID among its linked IDs ({@code linked_ids} always holds the primary one): the bloom filter on
     * {@code linked_ids} finds those rows without {@code FINAL}, and {@code FINAL} then folds only those instances' rows,
     * found by primary key. The condition on the newest row must still follow in the {@code WHERE}. {@code FINAL ...
     * WHERE has(linked_ids, ?)} alone read every row of the table: ClickHouse widens the granules a skip index selects
     * under {@code FINAL} to every granule sharing their key range, and with random IDs every granule does (about 2.3 s
     * an ID at 100M events, against 23-27 ms this way; docs/BENCHMARKS.md).
     */
    static String knownAs(String db) {
        return candidates(db, "has(linked_ids, ?)");
    }

    /**
     * A {@code PREWHERE} condition keeping the rows that share their key (day of last event, correlation ID) with a row
     * meeting {@code condition}, read without {@code FINAL}, so that {@code FINAL} folds only those keys' rows, found by
     * primary key. Exact where the newest row of every instance the reader wants meets the condition itself and the
     * same condition follows in the {@code WHERE}: the newest row's key is then among the candidates, and an older key
     * of the instance (a day it moved from) folds to its delete row, which {@code FINAL} drops. Naming the whole key,
     * not the ID alone, spares a search of the ID in every day's range (a search by ID's statement at 100M events with
     * random IDs, 20M instances: 30 ms against 40-50 ms by the ID alone; docs/BENCHMARKS.md).
     */
    private static String candidates(String db, String condition) {
        return "(toDate(last_event_at), correlation_id) IN (SELECT toDate(last_event_at), correlation_id FROM " + db
                + ".instances_by_day WHERE " + condition + ")";
    }

    /** Instances matching a query, newest last event first; at most {@code q.limit()}. */
    @Override
    public List<InstanceSnapshot> find(InstanceQuery q) {
        // Conditions on the newest row of each instance, each starting with " AND ".
        StringBuilder where = new StringBuilder();
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
            // The instance's events carry its primary or a linked ID; linked_ids holds both.
            where.append(" AND correlation_id IN (SELECT correlation_id FROM ").append(db)
                    .append(".instances_by_day ARRAY JOIN linked_ids AS linked WHERE last_event_at >= ").append(SqlRunner.TS)
                    .append(" AND started_at < ").append(SqlRunner.TS)
                    .append(" AND linked IN (SELECT correlation_id FROM ").append(db)
                    .append(".events WHERE source_service = ? AND ts >= ").append(SqlRunner.TS)
                    .append(" AND ts < ").append(SqlRunner.TS).append("))");
            params.add(q.from());
            params.add(q.to());
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
        return sql.query("SELECT " + COLUMNS + " FROM " + overlapping(db)
                + (where.isEmpty() ? "" : " WHERE" + where.substring(" AND".length()))
                + " ORDER BY last_event_at DESC, correlation_id DESC LIMIT ?", ClickHouseInstanceReader::snapshot, params.toArray());
    }

    /**
     * Stuck instances, oldest last event first. The state and flow apply to the newest row, as {@code FINAL} folds
     * them; but folding the whole table took about 2 s at 100M events (20M instances) however few were stuck. So
     * while at most {@value #STUCK_CANDIDATES_MAX} rows say stuck (a probe that stops there), only their instances are
     * folded: an instance whose newest row is stuck has such a row, its newest. With more, folding the candidates by
     * key cost more than folding everything (docs/BENCHMARKS.md, "The stuck list at 100M").
     */
    @Override
    public List<InstanceSnapshot> stuck(String flow, int limit) {
        String condition = "state = 'STUCK'" + (flow == null ? "" : " AND flow = ?");
        Object[] byFlow = flow == null ? new Object[0] : new Object[] {flow};
        long stuckRows = sql.count("SELECT count() FROM (SELECT 1 FROM " + db + ".instances_by_day WHERE " + condition
                + " LIMIT " + (stuckCandidatesMax + 1) + ")", byFlow);
        boolean foldCandidatesOnly = stuckRows <= stuckCandidatesMax;
        List<Object> params = new ArrayList<>();
        if (foldCandidatesOnly) {
            params.addAll(List.of(byFlow)); // the candidates' condition
        }
        params.addAll(List.of(byFlow));
        params.add(limit);
        return sql.query("SELECT " + COLUMNS + " FROM " + db + ".instances_by_day FINAL"
                + (foldCandidatesOnly ? " PREWHERE " + candidates(db, condition) : "") + " WHERE " + condition
                // The day first orders alike (it grows with the last event) and lets FINAL read in the sorting key's
                // order and stop at the limit: 0.29-0.35 s against 0.51-0.53 s for the statement with 1M of 20M
                // instances stuck (docs/BENCHMARKS.md).
                + " ORDER BY toDate(last_event_at), last_event_at, correlation_id LIMIT ?", ClickHouseInstanceReader::snapshot,
                params.toArray());
    }

    /** Most rows saying stuck for which {@link #stuck} folds only their instances rather than the whole table. */
    static final int STUCK_CANDIDATES_MAX = 20_000;

    /**
     * Instances a live engine should hold again after a restart or a rebalance: of the given partitions
     * (null: all), those not finished with a last event after {@code abandonCut}, plus finished ones with
     * a last event after {@code recentCut}; newest first, at most {@code max}.
     *
     * <p>"Last event at or after the abandon cut" is applied before {@code FINAL} folds the versions, so a start after
     * a long history folds only the recent rows instead of every instance ever stored: like the window's overlap
     * ({@link #overlapping}), the newest row of an instance meets it whenever an older row does. The state and the
     * partition apply to the newest row.
     */
    @Override
    public List<Recoverable> recoverable(Collection<Integer> partitions, Instant recentCut, Instant abandonCut, int max) {
        List<Object> params = new ArrayList<>(List.of(abandonCut, recentCut));
        String part = "";
        if (partitions != null) {
            if (partitions.isEmpty()) {
                return List.of();
            }
            part = " AND partition IN (" + SqlRunner.placeholders(partitions.size()) + ")";
            params.addAll(partitions);
        }
        params.add(max);
        return sql.query("SELECT correlation_id, toJSONString(linked_ids), state, toUnixTimestamp64Milli(last_event_at), "
                + "event_count FROM "
                + db + ".instances_by_day FINAL PREWHERE last_event_at >= " + SqlRunner.TS + " WHERE (last_event_at >= "
                + SqlRunner.TS + " OR state NOT IN " + TERMINAL + ")" + part + " ORDER BY last_event_at DESC LIMIT ?",
                rs -> new Recoverable(rs.getString(1), Json.read(rs.getString(2), STRINGS),
                        InstanceState.valueOf(rs.getString(3)), Instant.ofEpochMilli(rs.getLong(4)), rs.getInt(5)),
                params.toArray());
    }

    /** One row as {@link InstanceSnapshot#stored()} defines the stored form (an empty last service is null, ...). */
    private static InstanceSnapshot snapshot(ResultSet rs) throws SQLException {
        return new InstanceSnapshot(rs.getString(1), Set.copyOf(Json.read(rs.getString(2), STRINGS)), rs.getString(3),
                InstanceState.valueOf(rs.getString(4)), rs.getString(5), Instant.ofEpochMilli(rs.getLong(6)),
                Instant.ofEpochMilli(rs.getLong(7)), rs.getInt(8), rs.getInt(9), rs.getString(10),
                rs.getString(11), Json.read(rs.getString(12), STEPS), Json.read(rs.getString(13), DEVIATIONS)).stored();
    }
}
