package io.choreoscope.storage.clickhouse;

import java.time.Instant;
import java.util.List;

import io.choreoscope.model.StateChangeReader;
import io.choreoscope.model.api.LiveUpdate;

/** State changes from the raw (unfolded) rows of {@code instances}. */
public final class ClickHouseStateChangeReader implements StateChangeReader {

    private final SqlRunner sql;
    private final String db;

    public ClickHouseStateChangeReader(SqlRunner sql) {
        this.sql = sql;
        this.db = sql.store().database();
    }

    /** Instances whose state changed at or after {@code since} (raw rows, not folded), oldest change first. */
    @Override
    public List<LiveUpdate> stateChangesSince(Instant since, int limit) {
        return sql.query("SELECT DISTINCT correlation_id, flow, state, toUnixTimestamp64Milli(state_since) AS s FROM " + db
                + ".instances WHERE updated_at >= " + SqlRunner.TS + " AND state_since >= " + SqlRunner.TS
                + " ORDER BY s LIMIT ?", rs -> new LiveUpdate("instance", rs.getString(1),
                        rs.getString(2), rs.getString(3), Instant.ofEpochMilli(rs.getLong(4))), since, since, limit);
    }
}
