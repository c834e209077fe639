package io.choreoscope.storage.clickhouse;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.choreoscope.model.FlowKpiReader;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.api.FlowSummary;

/** Flow KPIs computed from {@code instances} ({@code FINAL}). Every value is bound as a parameter. */
public final class ClickHouseFlowKpiReader implements FlowKpiReader {
    private static final String TERMINAL = ClickHouseInstanceReader.TERMINAL;

    private final SqlRunner sql;
    private final String db;

    public ClickHouseFlowKpiReader(SqlRunner sql) {
        this.sql = sql;
        this.db = sql.store().database();
    }

    /**
     * KPIs per flow of the instances started in [{@code from}, {@code to}), with a sparkline of
     * {@code buckets} equal buckets. Throughput counts the events of those instances.
     *
     * <p>One pass over the window's instances: counted per flow and sparkline bucket, then per flow, the duration
     * percentiles merged from the buckets' states. The window is narrowed before {@code FINAL} folds the versions
     * ({@link ClickHouseInstanceReader#overlapping}); "started at or after from" applies to the newest row after it.
     * Instances without a flow yet ({@link InstanceSnapshot#NO_FLOW}: waiting for their late first events) belong to no
     * flow's KPIs.
     */
    @Override
    public List<FlowSummary> flowSummaries(Instant from, Instant to, int buckets) {
        long windowMs = Math.max(1, to.toEpochMilli() - from.toEpochMilli());
        long bucketMs = Math.max(1, (windowMs + buckets - 1) / buckets);
        String duration = "toUnixTimestamp64Milli(last_event_at) - toUnixTimestamp64Milli(started_at)";
        return sql.query("SELECT flow, sum(n), sum(running), sum(completed), sum(compensated), sum(failed), sum(stuck), "
                + "sum(events), sum(finished), quantilesMerge(0.5, 0.95, 0.99)(q), groupArray(b), groupArray(n) FROM ("
                + "SELECT flow, intDiv(toUnixTimestamp64Milli(started_at) - ?, ?) AS b, count() AS n, "
                + "countIf(state = 'RUNNING') AS running, countIf(state = 'COMPLETED') AS completed, "
                + "countIf(state = 'COMPENSATED') AS compensated, countIf(state = 'FAILED') AS failed, "
                + "countIf(state = 'STUCK') AS stuck, sum(event_count) AS events, countIf(state IN " + TERMINAL + ") AS finished, "
                + "quantilesStateIf(0.5, 0.95, 0.99)(" + duration + ", state IN " + TERMINAL + ") AS q "
                + "FROM " + ClickHouseInstanceReader.overlapping(db) + " WHERE started_at >= " + SqlRunner.TS
                + " AND flow != ? GROUP BY flow, b) GROUP BY flow ORDER BY flow", rs -> {
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
                    long[] b = Json.read(rs.getString(11), long[].class);
                    long[] n = Json.read(rs.getString(12), long[].class);
                    long[] s = new long[buckets];
                    for (int i = 0; i < b.length; i++) {
                        s[(int) Math.min(buckets - 1, Math.max(0, b[i]))] += n[i];
                    }
                    List<Long> sparkline = new ArrayList<>();
                    for (long v : s) {
                        sparkline.add(v);
                    }
                    return new FlowSummary(flow, windowMs / 1000, rs.getLong(8) * 1000.0 / windowMs, rs.getLong(2),
                            rs.getLong(3), completed, compensated, failed, stuck,
                            decided == 0 ? null : (double) completed / decided, p50, p95, p99, sparkline);
                }, from.toEpochMilli(), bucketMs, from, to, from, InstanceSnapshot.NO_FLOW);
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
}
