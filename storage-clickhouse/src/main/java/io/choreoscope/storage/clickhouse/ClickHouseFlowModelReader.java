package io.choreoscope.storage.clickhouse;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.choreoscope.model.FlowModelReader;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.ModelMerge;

/** Reads {@code flow_models}: one row per flow and owner, merged over owners on read. */
public final class ClickHouseFlowModelReader implements FlowModelReader {

    private final SqlRunner sql;
    private final String db;

    public ClickHouseFlowModelReader(SqlRunner sql) {
        this.sql = sql;
        this.db = sql.store().database();
    }

    /** Names of the flows with a persisted model. */
    @Override
    public List<String> flowNames() {
        return sql.query("SELECT DISTINCT flow FROM " + db + ".flow_models ORDER BY flow", rs -> rs.getString(1));
    }

    /** The model of {@code flow}, merged over every owner; empty when no owner has one. */
    @Override
    public Optional<FlowModel> flowModel(String flow) {
        List<FlowModel> parts = sql.query("SELECT model FROM " + db + ".flow_models FINAL WHERE flow = ?",
                rs -> Json.read(rs.getString(1), FlowModel.class), flow);
        return Optional.ofNullable(ModelMerge.flow(parts));
    }

    /** The models persisted by one owner, by flow name (for tests and recovery checks). */
    @Override
    public Map<String, FlowModel> flowModelsOf(String owner) {
        Map<String, FlowModel> out = new java.util.TreeMap<>();
        sql.query("SELECT flow, model FROM " + db + ".flow_models FINAL WHERE owner = ?",
                rs -> out.put(rs.getString(1), Json.read(rs.getString(2), FlowModel.class)), owner);
        return out;
    }
}
