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
 *
 * <p>{@code event_sequences} (the events per correlation ID that the windowed flow model reads, kept at insert; V009)
 * cannot drop one event of an ID: the IDs the removed rows were stored under are rebuilt there from {@code events}
 * after the delete (their rows deleted, then grouped again). An insert for one of those IDs meanwhile is either in
 * {@code events} when the rebuild reads it or added by the view after the delete; a tuple added twice counts once.
 */
final class ClickHouseFlaggedEvents implements FlaggedEventStore {
    /** Most records removed per statement (three bound parameters each). */
    static final int MAX_PER_DELETE = 1000;

    private final SqlRunner sql;
    private final String table;
    private final String sequences;

    ClickHouseFlaggedEvents(SqlRunner sql) {
        this.sql = sql;
        this.table = sql.store().database() + ".events";
        this.sequences = sql.store().database() + ".event_sequences";
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
            String where = " WHERE parse_status = ? AND (topic, partition, offset) IN (" + in + ")";
            List<String> ids = sql.query("SELECT DISTINCT correlation_id FROM " + table + where + " AND correlation_id != ''",
                    rs -> rs.getString(1), params.toArray());
            sql.execute("DELETE FROM " + table + where, params.toArray());
            if (!ids.isEmpty()) {
                rebuildSequences(ids);
            }
        }
    }

    /** Groups the stored events of {@code ids} into {@code event_sequences} again, as migration V009 fills it. */
    private void rebuildSequences(List<String> ids) {
        String in = SqlRunner.placeholders(ids.size());
        Object[] params = ids.toArray();
        sql.execute("DELETE FROM " + sequences + " WHERE correlation_id IN (" + in + ")", params);
        sql.execute("INSERT INTO " + sequences + " SELECT correlation_id, groupArray((ts, partition, offset, toString(topic),"
                + " toString(event_type), toString(source_service), event_id)), max(ingest_ts) FROM " + table
                + " WHERE correlation_id IN (" + in + ") GROUP BY correlation_id", params);
    }
}
