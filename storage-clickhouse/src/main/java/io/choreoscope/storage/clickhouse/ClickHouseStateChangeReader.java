package io.choreoscope.storage.clickhouse;

import java.time.Instant;
import java.util.List;

import io.choreoscope.model.StateChangeReader;
import io.choreoscope.model.api.LiveUpdate;

/**
 * State changes from the raw (unfolded) rows of {@code instances}, paged by (state_since, correlation_id).
 * A page is cut with {@code LIMIT n WITH TIES}, so it never splits the changes of one instance at one
 * millisecond (different states written at the same change time) and the cursor after its last row is exact.
 * A row is written at or after its change ({@code updated_at >= state_since}), so the filter on
 * {@code updated_at} only lets the skip index prune and drops nothing.
 */
public final class ClickHouseStateChangeReader implements StateChangeReader {

    private final SqlRunner sql;
    private final String db;

    public ClickHouseStateChangeReader(SqlRunner sql) {
        this.sql = sql;
        this.db = sql.store().database();
    }

    @Override
    public List<LiveUpdate> stateChangesSince(Instant since, int limit) {
        return page("state_since >= " + SqlRunner.TS, limit, since, since);
    }

    @Override
    public List<LiveUpdate> stateChangesAfter(Cursor after, int limit) {
        return page("state_since >= " + SqlRunner.TS + " AND (state_since > " + SqlRunner.TS + " OR correlation_id > ?)",
                limit, after.at(), after.at(), after.at(), after.correlationId());
    }

    private List<LiveUpdate> page(String from, int limit, Object... params) {
        Object[] all = new Object[params.length + 1];
        System.arraycopy(params, 0, all, 0, params.length);
        all[params.length] = limit;
        // Distinct changes first, then the page: ClickHouse 26.7 drops the ties of LIMIT WITH TIES when the same
        // SELECT is DISTINCT. The outer sort only orders the changes of one instance at one millisecond.
        return sql.query("SELECT correlation_id, flow, state, s FROM (SELECT correlation_id, flow, state, s FROM "
                + "(SELECT correlation_id, flow, state, toUnixTimestamp64Milli(state_since) AS s FROM " + db
                + ".instances_by_day WHERE NOT is_deleted AND updated_at >= " + SqlRunner.TS + " AND " + from + " GROUP BY correlation_id, flow, state, s) "
                + "ORDER BY s, correlation_id LIMIT ? WITH TIES) ORDER BY s, correlation_id, state, flow",
                rs -> new LiveUpdate("instance", rs.getString(1), rs.getString(2), rs.getString(3),
                        Instant.ofEpochMilli(rs.getLong(4))), all);
    }
}
