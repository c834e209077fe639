package io.choreoscope.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.inference.InferenceSettings;
import io.choreoscope.model.Observation;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.storage.clickhouse.ClickHouseConfig;
import io.choreoscope.storage.clickhouse.ClickHouseInstanceReader;
import io.choreoscope.storage.clickhouse.ClickHouseInstanceWriter;
import io.choreoscope.storage.clickhouse.ClickHouseStore;
import io.choreoscope.storage.clickhouse.SchemaMigrator;
import io.choreoscope.storage.clickhouse.SqlRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * LiveEngine against a real ClickHouse: an applied batch is visible before any tick, with the right state since; with
 * its writes held back on the way to ClickHouse, the API's reader answers from the rows not stored yet exactly what
 * ClickHouse answers once they are stored.
 */
@ExtendWith(ClickHouseExtension.class)
class LiveEnginePersistenceTest {
    private static final Instant T = Instant.parse("2026-11-23T10:00:00Z");

    private ClickHouseStore store;
    private SqlRunner sql;
    private LiveEngine live;
    private ClickHouseInstanceReader reader;

    @BeforeEach
    void setUp() throws Exception {
        store = new ClickHouseStore(new ClickHouseConfig(ClickHouseExtension.engine().httpUrl(), ClickHouseExtension.createDatabase()));
        new SchemaMigrator(store).migrate();
        sql = new SqlRunner(store);
        live = new LiveEngine("all", null, 12, InferenceSettings.defaults().withEndEventTypes(Set.of("OrderShipped")),
                new ClickHouseInstanceWriter(store, sql), Duration.ofSeconds(5));
        reader = new ClickHouseInstanceReader(sql);
    }

    @AfterEach
    void tearDown() {
        sql.close();
        store.close();
    }

    private static Observation event(String id, long offset, String type, Instant at) {
        return Observation.builder("orders", 0, offset, at).correlationId(id).eventType(type).sourceService("svc").build();
    }

    private long rowsOf(String id) {
        return sql.count("SELECT count() FROM " + store.database() + ".instances_by_day WHERE correlation_id = ? AND NOT is_deleted", id);
    }

    private Instant stateSince(String id) {
        return sql.query("SELECT toUnixTimestamp64Milli(state_since) FROM " + store.database() + ".instances_by_day FINAL WHERE correlation_id = ?",
                rs -> Instant.ofEpochMilli(rs.getLong(1)), id).get(0);
    }

    @Test
    void aStateNotStoredYetIsReadAsClickHouseReadsItOnceStored() {
        java.util.concurrent.Semaphore gate = new java.util.concurrent.Semaphore(0);
        ClickHouseInstanceWriter clickHouse = new ClickHouseInstanceWriter(store, sql);
        io.choreoscope.model.InstanceWriter held = new io.choreoscope.model.InstanceWriter() {
            @Override
            public void write(List<io.choreoscope.model.InstanceRecord> rows) {
                gate.acquireUninterruptibly();
                clickHouse.write(rows);
            }

            @Override
            public void writeFlowModels(String owner, List<io.choreoscope.model.flow.FlowModel> models, Instant now) {
                clickHouse.writeFlowModels(owner, models, now);
            }

            @Override
            public void retractFlowModels(String owner, java.util.Collection<String> flows, Instant now) {
                clickHouse.retractFlowModels(owner, flows, now);
            }

            @Override
            public void writeDependencyMap(String owner, io.choreoscope.model.flow.DependencyMap map, Instant now) {
                clickHouse.writeDependencyMap(owner, map, now);
            }
        };
        InstanceWriteBehind behind = new InstanceWriteBehind("test", held, 1_000);
        behind.start();
        try {
            LiveEngine engine = new LiveEngine("all", null, 12, InferenceSettings.defaults()
                    .withEndEventTypes(Set.of("OrderShipped")), behind, Duration.ofSeconds(5));
            PendingFirstInstanceReader api = new PendingFirstInstanceReader(behind, reader);
            engine.apply(List.of(event("order-1", 0, "OrderPlaced", T), event("order-2", 1, "OrderPlaced", T)));
            engine.persistChanges(T.plusMillis(100));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(gate::hasQueuedThreads); // being written

            assertThat(reader.byId("order-1")).as("not in ClickHouse yet").isEmpty();
            assertThat(api.byId("order-1")).get().extracting(InstanceSnapshot::eventCount).isEqualTo(1);
            engine.apply(List.of(event("order-1", 2, "PaymentCaptured", T.plusSeconds(1)),
                    event("order-1", 3, "OrderShipped", T.plusSeconds(2))));
            engine.persistChanges(T.plusSeconds(2).plusMillis(100)); // waits behind the held write
            InstanceSnapshot pending = api.byId("order-1").orElseThrow();
            assertThat(pending.state()).isEqualTo(InstanceState.COMPLETED);
            assertThat(pending.eventCount()).isEqualTo(3);
            InstanceSnapshot pendingOther = api.byId("order-2").orElseThrow();
            assertThat(api.byId("order-3")).isEmpty();

            gate.release(2);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(behind::idle);
            assertThat(behind.pending("order-1")).as("stored: no longer held").isNull();
            assertThat(reader.byId("order-1")).contains(pending);
            assertThat(reader.byId("order-2")).contains(pendingOther);
            assertThat(api.byId("order-1")).contains(pending);
        } finally {
            behind.abandon();
            gate.release(100);
        }
    }

    @Test
    void appliedEventsArePersistedWithoutATickAndATickDoesNotWriteThemAgain() {
        live.apply(List.of(event("order-1", 0, "OrderPlaced", T)));
        live.persistChanges(T.plusMillis(100));
        InstanceSnapshot running = reader.byId("order-1").orElseThrow();
        assertThat(running.state()).isEqualTo(InstanceState.RUNNING);
        assertThat(running.eventCount()).isEqualTo(1);
        assertThat(stateSince("order-1")).isEqualTo(T.plusMillis(100));

        // The same state after another event: state since stays.
        live.apply(List.of(event("order-1", 1, "PaymentCaptured", T.plusSeconds(1))));
        live.persistChanges(T.plusSeconds(1).plusMillis(100));
        assertThat(reader.byId("order-1").orElseThrow().eventCount()).isEqualTo(2);
        assertThat(stateSince("order-1")).isEqualTo(T.plusMillis(100));

        // The end event: COMPLETED at once, state since moves.
        live.apply(List.of(event("order-1", 2, "OrderShipped", T.plusSeconds(2))));
        live.persistChanges(T.plusSeconds(2).plusMillis(100));
        assertThat(reader.byId("order-1").orElseThrow().state()).isEqualTo(InstanceState.COMPLETED);
        assertThat(stateSince("order-1")).isEqualTo(T.plusSeconds(2).plusMillis(100));
        long rows = rowsOf("order-1");
        assertThat(rows).isEqualTo(3);

        // The tick's evaluation sees the same change; the instance is already stored in that state.
        live.tick(T.plusSeconds(3));
        assertThat(rowsOf("order-1")).isEqualTo(rows);
        assertThat(stateSince("order-1")).isEqualTo(T.plusSeconds(2).plusMillis(100));
    }
}
