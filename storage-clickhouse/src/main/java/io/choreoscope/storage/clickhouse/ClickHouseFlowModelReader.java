package io.choreoscope.storage.clickhouse;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.choreoscope.model.FlowModelReader;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.ModelMerge;

/**
 * Reads {@code flow_models}: one row per flow and owner, merged over owners on read. A row with {@code instances = 0}
 * is a retraction ({@link ClickHouseInstanceWriter#retractFlowModels}): that owner no longer has the flow. The latest
 * row of each (flow, owner) is chosen first ({@code FINAL} in a subquery), then retractions are left out.
 *
 * <p>The {@code model} JSON keeps each transition's latency sketch bins ({@code latency}: mapping parameters, zero
 * count, {@code minIndex} and one array of counts, at most 1024), so the merge ({@link ModelMerge}) adds the owners'
 * bins and the percentiles are exactly those of one sketch of every sample. V005's comment (count-weighted mean of
 * the owners' percentiles) describes rows written before the bins were kept: such rows still read, and are merged
 * that way, approximately.
 */
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
        return sql.query("SELECT DISTINCT flow FROM (SELECT flow, instances FROM " + db + ".flow_models FINAL) "
                + "WHERE instances > 0 ORDER BY flow", rs -> rs.getString(1));
    }

    /** The model of {@code flow}, merged over every owner; empty when no owner has one. */
    @Override
    public Optional<FlowModel> flowModel(String flow) {
        List<FlowModel> parts = sql.query("SELECT model FROM (SELECT model, instances FROM " + db
                        + ".flow_models FINAL WHERE flow = ?) WHERE instances > 0",
                rs -> Json.read(rs.getString(1), FlowModel.class), flow);
        return Optional.ofNullable(ModelMerge.flow(parts));
    }

    /** The models persisted by one owner, by flow name (for tests and recovery checks). */
    @Override
    public Map<String, FlowModel> flowModelsOf(String owner) {
        Map<String, FlowModel> out = new java.util.TreeMap<>();
        sql.query("SELECT flow, model FROM (SELECT flow, model, instances FROM " + db
                        + ".flow_models FINAL WHERE owner = ?) WHERE instances > 0",
                rs -> out.put(rs.getString(1), Json.read(rs.getString(2), FlowModel.class)), owner);
        return out;
    }
}
