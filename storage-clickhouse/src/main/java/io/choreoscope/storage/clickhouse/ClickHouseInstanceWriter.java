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

/**
 * Persists what live inference learned: instance rows (one streaming RowBinary insert per call), flow
 * models and dependency maps (JSON, per owner). Versions come from the wall clock in microseconds, made
 * strictly increasing within the process, so the latest write wins in ReplacingMergeTree; across
 * processes (a partition moving to another worker) the later writer wins as long as clocks agree to
 * within the time between two writes of one instance.
 */
public final class ClickHouseInstanceWriter implements InstanceWriter {
    static final List<String> COLUMNS = List.of("correlation_id", "linked_ids", "flow", "state", "reason",
            "started_at", "last_event_at", "event_count", "dropped_events", "last_event_type", "last_service",
            "expected_next", "deviations", "event_types", "partition", "state_since", "updated_at", "version");
    private static final AtomicLong LAST_VERSION = new AtomicLong();

    private final ClickHouseStore store;
    private final SqlRunner sql;

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
        if (rows.isEmpty()) {
            return;
        }
        try {
            store.insertRowBinary("instances", COLUMNS, rows.size() + " instance rows", w -> {
                for (InstanceRecord r : rows) {
                    write(w, r);
                }
            });
        } catch (SinkUnavailableException e) {
            throw new StorageException(e.getMessage(), e.getCause());
        }
    }

    private static void write(RowBinaryOutput w, InstanceRecord r) throws java.io.IOException {
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
        w.int64(s.lastEventAt().toEpochMilli());
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
