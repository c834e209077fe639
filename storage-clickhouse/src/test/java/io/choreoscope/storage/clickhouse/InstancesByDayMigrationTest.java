package io.choreoscope.storage.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Instant;
import java.util.List;

import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.model.InstanceQuery;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Migrations V018 and V019 on an install that holds instance rows in V004's {@code instances} (sorted by correlation
 * ID alone): the newest row of each instance moves to {@code instances_by_day}, the old table goes, and a V018 applied
 * again after its copy doubles nothing. The instance contract itself runs on the new table in
 * {@link ClickHouseStorageTest}.
 */
@ExtendWith(ClickHouseExtension.class)
class InstancesByDayMigrationTest {
    private static final Instant T = Instant.parse("2026-11-22T10:00:00Z");

    private ClickHouseStore store;
    private SqlRunner sql;
    private ClickHouseInstanceReader reader;

    @BeforeEach
    void database() throws Exception {
        store = new ClickHouseStore(new ClickHouseConfig(ClickHouseExtension.engine().httpUrl(), ClickHouseExtension.createDatabase()));
        new SchemaMigrator(store).migrate();
        sql = new SqlRunner(store);
        reader = new ClickHouseInstanceReader(sql);
    }

    @AfterEach
    void close() {
        sql.close();
        store.close();
    }

    /** Back to a V017 install: V004's table (with V011's and V016's columns) holding rows, V018 and V019 not applied. */
    private void v017InstallWithRows() throws Exception {
        String db = store.database();
        sql.execute("DELETE FROM " + db + ".schema_migrations WHERE version IN ('V018', 'V019')");
        for (String file : List.of("V004__instances.sql", "V011__instance_steps.sql", "V016__step_causes.sql")) {
            for (String statement : new SchemaMigrator(store).statements(file)) {
                sql.execute(statement);
            }
        }
        // order-1 written twice, its last event moving to the next day; ReplacingMergeTree(version) keyed by ID alone.
        String insert = "INSERT INTO " + db + ".instances (correlation_id, linked_ids, flow, state, started_at, last_event_at, "
                + "event_count, expected_next, deviations, event_types, partition, state_since, updated_at, version) "
                + "VALUES (?, [?, ?], 'OrderPlaced', ?, "
                + SqlRunner.TS + ", " + SqlRunner.TS + ", ?, '[]', '[]', ['OrderPlaced'], 0, " + SqlRunner.TS + ", " + SqlRunner.TS + ", ?)";
        sql.execute(insert, "order-1", "order-1", "pay-1", "STUCK", T, T, 1, T, T, 1);
        sql.execute(insert, "order-1", "order-1", "pay-1", "COMPLETED", T, T.plusSeconds(90_000), 3, T, T, 2);
        sql.execute(insert, "order-2", "order-2", "pay-2", "RUNNING", T, T.plusSeconds(60), 1, T, T, 1);
    }

    private long tables(String name) {
        return sql.count("SELECT count() FROM system.tables WHERE database = ? AND name = ?", store.database(), name);
    }

    private void assertMovedOnce() {
        assertThat(reader.byId("order-1")).get().extracting(InstanceSnapshot::state, InstanceSnapshot::lastEventAt)
                .containsExactly(InstanceState.COMPLETED, T.plusSeconds(90_000));
        assertThat(reader.byId("pay-2")).get().extracting(InstanceSnapshot::correlationId).isEqualTo("order-2");
        assertThat(reader.find(new InstanceQuery(null, null, T.minusSeconds(3600), T.plusSeconds(200_000), null, null, null,
                null, 100))).extracting(InstanceSnapshot::correlationId, InstanceSnapshot::state)
                .containsExactly(tuple("order-1", InstanceState.COMPLETED), tuple("order-2", InstanceState.RUNNING));
        assertThat(reader.stuck(null, 10)).isEmpty();
        assertThat(sql.count("SELECT count() FROM " + store.database() + ".instances_by_day FINAL")).isEqualTo(2);
    }

    @Test
    void theNewestRowOfEachInstanceMovesToTheTableSortedByDayAndTheOldTableGoes() throws Exception {
        String db = store.database();
        assertThat(tables("instances")).as("a new install drops V004's table too").isZero();
        sql.execute("DROP TABLE " + db + ".instances_by_day");
        v017InstallWithRows();

        assertThat(new SchemaMigrator(store).migrate()).containsExactly("V018", "V019");

        assertThat(tables("instances")).isZero();
        assertMovedOnce();
        assertThat(sql.count("SELECT count() FROM " + db + ".instances_by_day")).as("only the newest row was copied").isEqualTo(2);

        // V018 applied once more after its copy (its record lost, V004's table still there): the copy folds.
        v017InstallWithRows();
        assertThat(new SchemaMigrator(store).migrate()).containsExactly("V018", "V019");
        assertMovedOnce();
        sql.execute("OPTIMIZE TABLE " + db + ".instances_by_day FINAL");
        assertThat(sql.count("SELECT count() FROM " + db + ".instances_by_day")).isEqualTo(2);
    }
}
