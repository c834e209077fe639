package io.choreoscope.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.inference.InferenceEngine;
import io.choreoscope.inference.InferenceSettings;
import io.choreoscope.model.Observation;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.storage.clickhouse.ClickHouseConfig;
import io.choreoscope.storage.clickhouse.ClickHouseFlowModelReader;
import io.choreoscope.storage.clickhouse.ClickHouseInstanceWriter;
import io.choreoscope.storage.clickhouse.ClickHouseStore;
import io.choreoscope.storage.clickhouse.SchemaMigrator;
import io.choreoscope.storage.clickhouse.SqlRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * What the latency sketches cost a stored model row ({@code flow_models.model}): a 20-step flow as the engine learns it,
 * stored with and without its transitions' sketches. The bound holds whatever the latencies: at most 1024 bins per
 * transition. The sizes are printed for docs/INFERENCE.md; the test checks the bound and that rows read back.
 */
@ExtendWith(ClickHouseExtension.class)
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(value = ClickHouseExtension.SHARED_ENGINE_LOCK, mode = ResourceAccessMode.READ)
class FlowModelRowSizeTest {
    private static final int STEPS = 20;

    /** The engine's model of a 20-step flow: each step's latency log-normal around its own median, sigma {@code spread}. */
    private static FlowModel twentySteps(double spread) {
        InferenceEngine engine = new InferenceEngine(InferenceSettings.defaults());
        Random rnd = new Random(20);
        long offset = 0;
        for (int i = 0; i < 5_000; i++) {
            long t = 1_700_000_000_000L + i * 1_000L;
            for (int k = 0; k < STEPS; k++) {
                t += k == 0 ? 0 : Math.round((20 + 100 * k) * Math.exp(rnd.nextGaussian() * spread));
                engine.apply(Observation.builder("t" + k, 0, offset++, Instant.ofEpochMilli(t)).correlationId("c" + i)
                        .eventType("Step" + (char) ('A' + k)).eventId("c" + i + "/" + k).build());
            }
        }
        return engine.flowModels().get(0);
    }

    private static FlowModel withoutSketches(FlowModel m) {
        List<FlowModel.Transition> ts = new ArrayList<>();
        m.transitions().forEach(t -> ts.add(new FlowModel.Transition(t.from(), t.to(), t.count(), t.probability(),
                t.p50Ms(), t.p95Ms(), t.p99Ms(), t.instances())));
        return new FlowModel(m.flow(), m.instances(), m.nodes(), ts, m.startCounts(), m.endCounts(), m.learnedEnds(),
                m.deviationCounts(), m.orderingViolationRate());
    }

    @Test
    void aTwentyStepFlowsRowStaysBoundedWithItsSketches() throws Exception {
        try (ClickHouseStore store = new ClickHouseStore(new ClickHouseConfig(ClickHouseExtension.engine().httpUrl(),
                ClickHouseExtension.createDatabase())); SqlRunner sql = new SqlRunner(store)) {
            new SchemaMigrator(store).migrate();
            ClickHouseInstanceWriter writer = new ClickHouseInstanceWriter(store, sql);
            FlowModel usual = twentySteps(0.6);
            FlowModel wide = twentySteps(4); // latencies over many decades: every sketch near its 1024-bin bound
            assertThat(usual.transitions()).hasSize(STEPS - 1);
            writer.writeFlowModels("before", List.of(withoutSketches(usual)), Instant.now());
            writer.writeFlowModels("after", List.of(usual), Instant.now());
            writer.writeFlowModels("wide", List.of(wide), Instant.now());

            List<String> sizes = sql.query("SELECT owner, length(model) FROM " + store.database()
                    + ".flow_models FINAL ORDER BY owner", rs -> rs.getString(1) + "=" + rs.getLong(2));
            System.out.println("flow_models.model bytes of a 20-step flow (19 transitions): " + sizes);
            long before = size(sizes, "before");
            long after = size(sizes, "after");
            long wideSize = size(sizes, "wide");
            assertThat(after).isGreaterThan(before);
            // bound: per transition 1024 counts of at most 20 digits and a comma, plus the mapping's fields
            assertThat(wideSize - before).isLessThan((STEPS - 1) * (1024 * 21L + 200));
            assertThat(new ClickHouseFlowModelReader(sql).flowModelsOf("wide").get("StepA")).isEqualTo(wide);
        }
    }

    private static long size(List<String> sizes, String owner) {
        return sizes.stream().filter(s -> s.startsWith(owner + "=")).mapToLong(s -> Long.parseLong(s.substring(owner.length() + 1)))
                .findFirst().orElseThrow();
    }
}
