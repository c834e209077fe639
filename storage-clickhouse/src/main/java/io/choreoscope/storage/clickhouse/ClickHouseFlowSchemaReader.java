package io.choreoscope.storage.clickhouse;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.choreoscope.model.FlowSchemaReader;
import io.choreoscope.model.SchemaRef;

/**
 * The schemas per step of a flow, from the schema columns the taps write into {@code events} (migration V008:
 * {@code schema_format}, {@code schema_id}, {@code schema_name}, {@code schema_subject}, {@code schema_version}), no
 * migration of its own. The records are those of the instances of the flow started in the window, found under every
 * linked ID through the primary key of {@code events} (as {@link ClickHouseFlowWindowReader} finds them), grouped per
 * event type and schema; a record stored twice (a redelivered batch not merged yet) counts once. Every value bound;
 * stopped after {@link #MAX_EXECUTION_TIME}.
 */
public final class ClickHouseFlowSchemaReader implements FlowSchemaReader {
    /** Longest run of the query. */
    public static final Duration MAX_EXECUTION_TIME = Duration.ofSeconds(20);
    private static final QueryLimits LIMITS = new QueryLimits(MAX_EXECUTION_TIME, 0, 0);

    private final SqlRunner sql;
    private final String db;

    public ClickHouseFlowSchemaReader(SqlRunner sql) {
        this.sql = sql;
        this.db = sql.store().database();
    }

    @Override
    public List<StepSchema> stepSchemas(String flow, Instant from, Instant to, int limit) {
        String q = "SELECT toString(event_type) AS step, toString(schema_format) AS f, schema_id AS id,"
                + " toString(schema_name) AS name, toString(schema_subject) AS subject, schema_version AS v,"
                + " uniqExact(topic, partition, offset) AS n,"
                + " toUnixTimestamp64Milli(min(ts)) AS first, toUnixTimestamp64Milli(max(ts)) AS last"
                + " FROM " + db + ".events"
                // correlation_id leads the sorting key: the IN reads only the granules of the window's instances
                + " WHERE correlation_id IN (SELECT arrayJoin(linked_ids) FROM " + db + ".instances_by_day FINAL"
                + " WHERE flow = ? AND started_at >= " + SqlRunner.TS + " AND started_at < " + SqlRunner.TS + ")"
                + " AND schema_id != '' AND event_type != ''"
                + " GROUP BY step, f, id, name, subject, v ORDER BY step, first, id LIMIT ?";
        return sql.query(LIMITS, q, rs -> new StepSchema(rs.getString(1),
                new SchemaRef(rs.getString(2), rs.getString(3), SqlRunner.emptyToNull(rs.getString(4)),
                        SqlRunner.emptyToNull(rs.getString(5)), rs.getInt(6)),
                rs.getLong(7), Instant.ofEpochMilli(rs.getLong(8)), Instant.ofEpochMilli(rs.getLong(9))),
                flow, from, to, (long) limit);
    }
}
