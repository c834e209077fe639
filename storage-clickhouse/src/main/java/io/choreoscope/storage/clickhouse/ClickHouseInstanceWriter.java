package io.choreoscope.storage.clickhouse;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.choreoscope.model.InstanceRecord;
import io.choreoscope.model.InstanceWriter;
import io.choreoscope.model.SinkUnavailableException;
import io.choreoscope.model.StorageException;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.StepSequence;

/**
 * Persists what live inference learned: instance rows (one streaming RowBinary insert per call), flow
 * models and dependency maps (JSON, per owner). Versions come from the wall clock in microseconds, made
 * strictly increasing within the process, so the latest write wins in ReplacingMergeTree; across
 * processes (a partition moving to another worker) the later writer wins as long as clocks agree to
 * within the time between two writes of one instance.
 *
 * <p>Instance rows are sorted by the day of their last event first ({@code instances_by_day}, migration V018), so a
 * row whose instance's last event moved to a later day does not replace the row of the earlier day. Each row therefore
 * comes with a delete row ({@code is_deleted = 1}) for every earlier day the instance spans, from the day of its start
 * on, at most {@value #DELETE_DAYS_MAX} days back: the row it replaces lies in one of them, because the live engine only
 * widens an instance's span (its previous last event is not before its start now). Most instances span one day and
 * add no delete row. A delete row holds only the key, the partition, the write time and a version; its other columns
 * are empty, so the readers that read without {@code FINAL} (which hides delete rows) never match it.
 */
public final class ClickHouseInstanceWriter implements InstanceWriter {
    static final List<String> COLUMNS = List.of("correlation_id", "linked_ids", "flow", "state", "reason",
            "started_at", "last_event_at", "event_count", "dropped_events", "last_event_type", "last_service",
            "expected_next", "deviations", "event_types", "partition", "state_since", "updated_at", "version",
            "step_offsets", "step_causes");
    /** The columns before migration V011 (no step times nor causes): for measuring what the step times cost a write. */
    static final List<String> COLUMNS_BEFORE_V011 = COLUMNS.subList(0, COLUMNS.size() - 2);
    /** The columns of every row written (instance rows and delete rows): {@link #COLUMNS} and the delete flag (V018). */
    private static final List<String> ALL_COLUMNS;

    static {
        List<String> all = new java.util.ArrayList<>(COLUMNS);
        all.add("is_deleted");
        ALL_COLUMNS = List.copyOf(all);
    }

    /**
     * Most earlier days a row's delete rows cover. An instance that had no write for longer (in its events' time) and
     * then moves day keeps its older row in that older day's windows too.
     */
    static final int DELETE_DAYS_MAX = 31;
    /** An instance insert may name more than 100 months (ClickHouse refuses that by default): far-apart event times. */
    private static final java.util.Map<String, String> ANY_PARTITIONS =
            java.util.Map.of("throw_on_max_partitions_per_insert_block", "0");
    private static final long DAY_MS = 86_400_000L;
    /**
     * The span of {@code last_event_at} a row stores, in epoch milliseconds: the days ClickHouse's {@code Date} holds
     * (1970-01-01 to 2149-06-06; the sort key is {@code toDate(last_event_at)}). Past them {@code toDate} wraps round
     * or sticks at one day, so a row and its delete rows could share a key and the delete row, the newer, hid the
     * instance: a producer stamping a record past the year 9999 made its instance vanish from the store. A last event
     * outside is stored as the span's nearest end; the events keep their own times.
     */
    static final long FIRST_KEY_MS = 0L;
    static final long LAST_KEY_MS = java.time.Instant.parse("2149-06-06T23:59:59.999Z").toEpochMilli();
    /** Largest step offset a row can hold (UInt32 ms, about 49.7 days). */
    static final long MAX_OFFSET_MS = 0xFFFF_FFFFL;
    private static final AtomicLong LAST_VERSION = new AtomicLong();

    private final ClickHouseStore store;
    private final SqlRunner sql;

    /** The table instance rows live in (V018): sorted by the day of their last event, then correlation ID. */
    static final String TABLE = "instances_by_day";

    public ClickHouseInstanceWriter(ClickHouseStore store, SqlRunner sql) {
        this.store = store;
        this.sql = sql;
    }

    static long nextVersion() {
        long now = System.currentTimeMillis() * 1000;
        return LAST_VERSION.updateAndGet(prev -> Math.max(prev + 1, now));
    }

    /** Writes instance rows; returns when ClickHouse acknowledged them. */
    @Override
    public void write(List<InstanceRecord> rows) {
        write(rows, true);
    }

    /**
     * Writes instance rows, without their step times unless {@code steps}: as a writer before migration V011 did (for
     * tests of the readers' fallback, and to measure what the step times cost).
     */
    void write(List<InstanceRecord> rows, boolean steps) {
        if (rows.isEmpty()) {
            return;
        }
        try {
            store.insertRowBinary(TABLE, steps ? ALL_COLUMNS : COLUMNS_BEFORE_V011, rows.size() + " instance rows",
                    ANY_PARTITIONS, w -> {
                for (InstanceRecord r : rows) {
                    write(w, r, steps);
                    if (steps) {
                        w.uint8(0); // is_deleted: the last of ALL_COLUMNS
                        writeDeleteRows(w, r);
                    }
                }
            });
        } catch (SinkUnavailableException e) {
            throw new StorageException(e.getMessage(), e.getCause());
        }
    }

    /**
     * One row in the order of {@link #COLUMNS}; without {@code step_offsets} and {@code step_causes} (the row as before
     * V011) unless {@code steps}.
     */
    static void write(RowBinaryOutput w, InstanceRecord r, boolean steps) throws java.io.IOException {
        InstanceSnapshot s = r.snapshot();
        w.string(s.correlationId());
        List<String> linked = new java.util.ArrayList<>(new java.util.TreeSet<>(s.linkedIds()));
        if (!linked.contains(s.correlationId())) {
            linked.add(0, s.correlationId());
        }
        w.varUInt(linked.size());
        for (String id : linked) {
            w.string(id);
        }
        w.string(s.flow());
        w.string(s.state().name());
        w.string(s.reason());
        w.int64(s.startedAt().toEpochMilli());
        w.int64(keyMillis(s.lastEventAt()));
        w.uint32(s.eventCount());
        w.uint32(s.droppedEvents());
        w.string(s.lastEventType());
        w.string(s.lastService());
        w.string(Json.write(s.expectedNext()));
        w.string(Json.write(s.deviations()));
        w.varUInt(r.eventTypes().size());
        for (String t : r.eventTypes()) {
            w.string(t);
        }
        w.uint32(r.partition());
        w.int64(r.stateSince().toEpochMilli());
        w.int64(r.updatedAt().toEpochMilli());
        w.uint64(nextVersion());
        if (steps) {
            writeOffsets(w, r.steps(), s.startedAt().toEpochMilli());
            writeCauses(w, r.steps());
        }
    }

    /**
     * The delete rows for the earlier days {@code r}'s instance spans (see the class comment), in the order of
     * {@link #ALL_COLUMNS}: correlation ID, the instance's start, the last millisecond of that day as its last event,
     * the partition, the write time, a new version and the delete flag; every other column empty. The readers filter
     * windows before {@code FINAL} folds ({@link ClickHouseInstanceReader#overlapping}), which is exact only if the
     * newest row of a key meets "last event at or after" and "started before" whenever an older row does: a delete
     * row's last event is not before, and its start not after, those of any row of its day it deletes.
     */
    /** {@code t} in epoch milliseconds, within what {@code last_event_at} stores ({@link #FIRST_KEY_MS}..{@link #LAST_KEY_MS}). */
    static long keyMillis(java.time.Instant t) {
        if (t.isBefore(java.time.Instant.EPOCH)) {
            return FIRST_KEY_MS;
        }
        return t.isAfter(java.time.Instant.ofEpochMilli(LAST_KEY_MS)) ? LAST_KEY_MS : t.toEpochMilli();
    }

    static void writeDeleteRows(RowBinaryOutput w, InstanceRecord r) throws java.io.IOException {
        InstanceSnapshot s = r.snapshot();
        long lastDay = Math.floorDiv(keyMillis(s.lastEventAt()), DAY_MS);
        long firstDay = Math.max(Math.floorDiv(keyMillis(s.startedAt()), DAY_MS), lastDay - DELETE_DAYS_MAX);
        for (long day = firstDay; day < lastDay; day++) {
            w.string(s.correlationId());
            w.varUInt(0); // linked_ids
            w.string(""); // flow
            w.string(""); // state
            w.string(""); // reason
            w.int64(s.startedAt().toEpochMilli()); // started_at: not after the start of any row it deletes
            w.int64((day + 1) * DAY_MS - 1); // last_event_at: the last millisecond of the day whose row it deletes
            w.uint32(0);
            w.uint32(0);
            w.string(""); // last_event_type
            w.string(""); // last_service
            w.string(""); // expected_next
            w.string(""); // deviations
            w.varUInt(0); // event_types
            w.uint32(r.partition());
            w.int64(r.updatedAt().toEpochMilli()); // state_since
            w.int64(r.updatedAt().toEpochMilli()); // updated_at
            w.uint64(nextVersion());
            w.varUInt(0); // step_offsets
            w.varUInt(0); // step_causes
            w.uint8(1);
        }
    }

    /** Each step's cause as its 1-based position, 0 for none (V016). */
    private static void writeCauses(RowBinaryOutput w, StepSequence steps) throws java.io.IOException {
        int n = steps.size();
        w.varUInt(n);
        for (int i = 0; i < n; i++) {
            w.uint16(steps.cause(i) + 1);
        }
    }

    /**
     * Each step's time as ms after {@code startedAt}; nothing (an empty array, read as "no step times": the windowed
     * reader then reads the instance's events) when a step lies before {@code startedAt} or more than
     * {@link #MAX_OFFSET_MS} after it.
     */
    private static void writeOffsets(RowBinaryOutput w, StepSequence steps, long startedAt) throws java.io.IOException {
        int n = steps.size();
        for (int i = 0; i < n; i++) {
            long offset = steps.time(i) - startedAt;
            if (offset < 0 || offset > MAX_OFFSET_MS) {
                n = 0;
                break;
            }
        }
        w.varUInt(n);
        for (int i = 0; i < n; i++) {
            w.uint32(steps.time(i) - startedAt);
        }
    }

    /** Replaces the flow models of one owner (a partition, or {@code all} for the embedded engine). */
    @Override
    public void writeFlowModels(String owner, List<FlowModel> models, java.time.Instant now) {
        for (FlowModel m : models) {
            sql.execute("INSERT INTO " + store.database() + ".flow_models (flow, owner, instances, model, updated_at, version) "
                    + "VALUES (?, ?, ?, ?, " + SqlRunner.TS + ", ?)",
                    m.flow(), owner, m.instances(), Json.write(m), now.toEpochMilli(), nextVersion());
        }
    }

    /**
     * Retracts flows of one owner: a row with {@code instances = 0} and no model replaces the owner's row of each
     * (ReplacingMergeTree keeps the highest version); readers skip such rows.
     */
    @Override
    public void retractFlowModels(String owner, java.util.Collection<String> flows, java.time.Instant now) {
        for (String flow : new java.util.TreeSet<>(flows)) {
            sql.execute("INSERT INTO " + store.database() + ".flow_models (flow, owner, instances, model, updated_at, version) "
                    + "VALUES (?, ?, 0, '', " + SqlRunner.TS + ", ?)", flow, owner, now.toEpochMilli(), nextVersion());
        }
    }

    /** Replaces the dependency map of one owner. */
    @Override
    public void writeDependencyMap(String owner, DependencyMap map, java.time.Instant now) {
        sql.execute("INSERT INTO " + store.database() + ".dependency_maps (owner, map, updated_at, version) "
                + "VALUES (?, ?, " + SqlRunner.TS + ", ?)", owner, Json.write(map), now.toEpochMilli(), nextVersion());
    }
}
