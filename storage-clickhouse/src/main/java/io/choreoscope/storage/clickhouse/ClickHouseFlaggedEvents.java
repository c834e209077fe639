package io.choreoscope.storage.clickhouse;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import io.choreoscope.model.FlaggedEventStore;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ParseStatus;

/**
 * Flagged events in the {@code events} table: read by parse status, and removed by a lightweight {@code DELETE}
 * once a re-read copy was written. A re-read record usually gains a correlation ID, and the correlation ID leads the
 * sorting key, so the new row does not fold the flagged one: it has to be deleted. Deleting only rows that still
 * carry the status makes the removal safe to repeat.
 */
final class ClickHouseFlaggedEvents implements FlaggedEventStore {
    /** Most records removed per statement (three bound parameters each). */
    static final int MAX_PER_DELETE = 1000;

    private final SqlRunner sql;
    private final String table;

    ClickHouseFlaggedEvents(SqlRunner sql) {
        this.sql = sql;
        this.table = sql.store().database() + ".events";
    }

    /** Where the delete runs: {@code events}, or on a cluster each node's local table ({@code Distributed} takes no DELETE). */
    private String deleteTable() {
        return sql.store().config().isClustered() ? ClusterLayout.local(table) : table;
    }

    @Override
    public List<Observation> flagged(ParseStatus status, int limit) {
        return sql.query(ClickHouseEventReader.SELECT + table + " FINAL WHERE parse_status = ? ORDER BY ts, partition, offset LIMIT ?",
                ClickHouseEventReader::row, status.name(), limit);
    }

    @Override
    public void removeFlagged(ParseStatus status, Collection<Observation> events) {
        List<Observation> all = new ArrayList<>(events);
        for (int from = 0; from < all.size(); from += MAX_PER_DELETE) {
            List<Observation> chunk = all.subList(from, Math.min(all.size(), from + MAX_PER_DELETE));
            List<Object> params = new ArrayList<>();
            params.add(status.name());
            StringBuilder in = new StringBuilder();
            for (Observation o : chunk) {
                in.append(in.length() == 0 ? "" : ", ").append("(?, toUInt32(?), toUInt64(?))");
                params.add(o.topic());
                params.add((long) o.partition());
                params.add(o.offset());
            }
            sql.executeOnEveryNode("DELETE FROM " + deleteTable() + " WHERE parse_status = ? AND (topic, partition, offset) IN (" + in + ")",
                    params.toArray());
        }
    }
}
