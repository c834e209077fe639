package io.choreoscope.storage.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.model.Observation;
import io.choreoscope.model.SinkUnavailableException;
import io.choreoscope.model.Span;
import io.choreoscope.model.StorageException;
import io.choreoscope.model.flow.DependencyMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What only ClickHouse has, outside the storage contracts ({@link ClickHouseStorageTest}): the versioned schema
 * migration, and how an unreachable server is reported.
 */
@ExtendWith(ClickHouseExtension.class)
class ClickHouseStoreTest {
    private static final Instant T = Instant.parse("2026-11-22T10:00:00.123Z");

    @Test
    void migrationsRunOnceAndAreRecorded() throws Exception {
        try (ClickHouseStore store = new ClickHouseStore(new ClickHouseConfig(ClickHouseExtension.engine().httpUrl(),
                ClickHouseExtension.createDatabase()))) {
            assertThat(new SchemaMigrator(store).migrate()).containsExactly("V001", "V002", "V003", "V004", "V005", "V006", "V007");
            assertThat(new SchemaMigrator(store).migrate()).isEmpty();
        }
    }

    @Test
    void unreachableClickHouseIsReportedAsSinkUnavailable() {
        ClickHouseConfig config = new ClickHouseConfig("http://127.0.0.1:1", "nowhere");
        config.setTimeout(Duration.ofSeconds(5));
        try (ClickHouseStore nowhere = new ClickHouseStore(config)) {
            assertThatThrownBy(() -> new ClickHouseEventWriter(nowhere).accept(List.of(Observation.builder("x", 0, 0, T).build())))
                    .isInstanceOf(SinkUnavailableException.class)
                    .hasMessageContaining("127.0.0.1:1");
            assertThatThrownBy(() -> new ClickHouseSpanWriter(nowhere).accept(List.of(new Span("4bf92f3577b34da6a3ce929d0e0e4736",
                    "00f067aa0ba902b7", null, "orders", "op", "INTERNAL", T, 1, "OK", null, null, null, null, null, null, null))))
                    .isInstanceOf(SinkUnavailableException.class)
                    .hasMessageContaining("127.0.0.1:1");
        }
    }

    @Test
    void readsAndInstanceWritesToAnUnreachableClickHouseThrowStorageException() {
        ClickHouseConfig config = new ClickHouseConfig("http://127.0.0.1:1", "nowhere");
        config.setTimeout(Duration.ofSeconds(5));
        try (ClickHouseStore nowhere = new ClickHouseStore(config); SqlRunner sql = new SqlRunner(nowhere)) {
            assertThatThrownBy(() -> new ClickHouseEventReader(sql).eventsOf("order-1")).isInstanceOf(StorageException.class);
            assertThatThrownBy(() -> new ClickHouseInstanceReader(sql).byId("order-1")).isInstanceOf(StorageException.class);
            assertThatThrownBy(() -> new ClickHouseInstanceWriter(nowhere, sql).writeDependencyMap("all",
                    new DependencyMap(List.of(), List.of()), T)).isInstanceOf(StorageException.class);
        }
    }
}
