package io.choreoscope.storage.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.contract.FlowWindowContract;
import io.choreoscope.model.InstanceRecord;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ParseStatus;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.model.flow.Variant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code event_sequences} (migration V009), what the windowed model reads instead of grouping {@code events} at every
 * query: filled for events stored before the migration, and kept equal to {@code events} when ingest deletes a flagged
 * record there. The windowed model's own contract runs in {@link ClickHouseStorageTest}.
 */
@ExtendWith(ClickHouseExtension.class)
class ClickHouseEventSequencesTest {
    private static final String REGISTER = "register request";
    private static final Instant LOG_FROM = Instant.parse("2010-12-30T00:00:00Z");
    private static final Instant LOG_TO = Instant.parse("2011-01-30T00:00:00Z");
    private static final Instant T = Instant.parse("2026-11-22T10:00:00Z");

    private ClickHouseStore store;
    private SqlRunner sql;
    private ClickHouseFlowWindowReader windows;

    @BeforeEach
    void database() throws Exception {
        store = new ClickHouseStore(new ClickHouseConfig(ClickHouseExtension.engine().httpUrl(), ClickHouseExtension.createDatabase()));
        new SchemaMigrator(store).migrate();
        sql = new SqlRunner(store);
        windows = new ClickHouseFlowWindowReader(sql);
    }

    @AfterEach
    void close() {
        sql.close();
        store.close();
    }

    /** One instance row per correlation ID of {@code log}, in {@code flow}, started at its first event. */
    private void writeInstances(List<Observation> log, String flow) {
        Map<String, List<Observation>> byId = new HashMap<>();
        log.forEach(o -> byId.computeIfAbsent(o.correlationId(), k -> new ArrayList<>()).add(o));
        List<InstanceRecord> rows = new ArrayList<>();
        byId.forEach((id, obs) -> {
            Instant first = obs.stream().map(Observation::timestamp).min(Instant::compareTo).orElseThrow();
            Instant last = obs.stream().map(Observation::timestamp).max(Instant::compareTo).orElseThrow();
            rows.add(new InstanceRecord(new InstanceSnapshot(id, Set.of(id), flow, InstanceState.COMPLETED, "", first, last,
                    obs.size(), 0, obs.get(obs.size() - 1).eventType(), "svc", List.of(), List.of()),
                    obs.stream().map(o -> o.eventType() == null ? "" : o.eventType()).toList(), 0, last, last));
        });
        new ClickHouseInstanceWriter(store, sql).write(rows);
    }

    private static Map<String, Long> dfgOf(FlowModel m) {
        Map<String, Long> dfg = new HashMap<>();
        m.transitions().forEach(t -> dfg.put(t.from() + " -> " + t.to(), t.count()));
        return dfg;
    }

    @Test
    void eventsStoredBeforeTheMigrationAreFoundInTheWindowAfterIt() throws Exception {
        List<Observation> log = FlowWindowContract.runningExample();
        new ClickHouseEventWriter(store).accept(log);
        writeInstances(log, REGISTER);
        FlowModel kept = windows.model(REGISTER, LOG_FROM, LOG_TO);
        List<Variant> keptVariants = windows.variants(REGISTER, LOG_FROM, LOG_TO, 50);
        assertThat(dfgOf(kept)).isEqualTo(FlowWindowContract.RUNNING_EXAMPLE_DFG);

        // The database as it was before V009, holding the same events: no sequences, V009 not applied.
        String db = store.database();
        sql.execute("DROP VIEW " + db + ".event_sequences_mv");
        sql.execute("DROP TABLE " + db + ".event_sequences");
        sql.execute("DELETE FROM " + db + ".schema_migrations WHERE version = 'V009'");

        assertThat(new SchemaMigrator(store).migrate()).containsExactly("V009");

        FlowModel backfilled = windows.model(REGISTER, LOG_FROM, LOG_TO);
        assertThat(dfgOf(backfilled)).isEqualTo(FlowWindowContract.RUNNING_EXAMPLE_DFG);
        assertThat(backfilled.nodes()).isEqualTo(kept.nodes());
        assertThat(backfilled.transitions()).isEqualTo(kept.transitions());
        assertThat(windows.variants(REGISTER, LOG_FROM, LOG_TO, 50)).isEqualTo(keptVariants);
        // Events stored after the migration are kept by the view again.
        Observation late = Observation.builder("requests", 0, 1000, Instant.parse("2011-01-20T10:00:00Z")).ingestTime(Instant.now())
                .correlationId("1").eventType("archive").sourceService("Pete").build();
        new ClickHouseEventWriter(store).accept(List.of(late));
        assertThat(windows.model(REGISTER, LOG_FROM, LOG_TO).transitions())
                .anyMatch(t -> t.to().equals("archive") && t.count() == 1);
    }

    @Test
    void aFlaggedRecordDeletedAfterItsRedecodedCopyIsWrittenLeavesTheWindow() throws Exception {
        ClickHouseEventWriter writer = new ClickHouseEventWriter(store);
        Observation placed = Observation.builder("orders", 0, 1, T).ingestTime(T).correlationId("o-1").eventType("OrderPlaced")
                .sourceService("orders").build();
        // Correlated by its key, but its schema source was down: no event type yet.
        Observation flagged = Observation.builder("payments", 0, 7, T.plusMillis(100)).ingestTime(T).correlationId("o-1")
                .sourceService("payments").parseStatus(ParseStatus.SCHEMA_UNAVAILABLE).parseError("registry down").build();
        Observation shipped = Observation.builder("orders", 0, 2, T.plusMillis(300)).ingestTime(T).correlationId("o-1")
                .eventType("OrderShipped").sourceService("shipping").build();
        writer.accept(List.of(placed, flagged, shipped));
        writeInstances(List.of(placed, flagged, shipped), "OrderPlaced");
        assertThat(windows.variants("OrderPlaced", T, T.plusSeconds(1), 10)).singleElement()
                .extracting(Variant::steps).isEqualTo(List.of("OrderPlaced", "", "OrderShipped"));

        Observation redecoded = flagged.toBuilder().parseStatus(ParseStatus.OK).parseError(null).eventType("PaymentCaptured").build();
        writer.accept(List.of(redecoded));
        new ClickHouseFlaggedEvents(sql).removeFlagged(ParseStatus.SCHEMA_UNAVAILABLE, List.of(redecoded));

        List<Variant> after = windows.variants("OrderPlaced", T, T.plusSeconds(1), 10);
        assertThat(after).singleElement().extracting(Variant::steps)
                .isEqualTo(List.of("OrderPlaced", "PaymentCaptured", "OrderShipped"));
        FlowModel m = windows.model("OrderPlaced", T, T.plusSeconds(1));
        assertThat(dfgOf(m)).isEqualTo(Map.of("OrderPlaced -> PaymentCaptured", 1L, "PaymentCaptured -> OrderShipped", 1L));
        assertThat(m.transition("OrderPlaced", "PaymentCaptured").p50Ms()).isEqualTo(100.0);
    }
}
