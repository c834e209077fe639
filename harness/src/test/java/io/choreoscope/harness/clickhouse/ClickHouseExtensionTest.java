package io.choreoscope.harness.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The shared engine of the extension, reached through clickhouse-jdbc 0.9.9. */
@ExtendWith(ClickHouseExtension.class)
class ClickHouseExtensionTest {

    static final int ROWS = 200_000;

    @Test
    void answersJdbcWithACurrentVersion(ClickHouseDatabase db) throws Exception {
        try (Connection connection = db.jdbcConnection();
             Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT version(), currentDatabase()")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).startsWith("26.");
            assertThat(rs.getString(2)).isEqualTo(db.name());
        }
    }

    @Test
    void batchInsertsTwoHundredThousandRowsIntoMergeTree(ClickHouseDatabase db) throws Exception {
        try (Connection connection = db.jdbcConnection()) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE events (topic LowCardinality(String), partition UInt32, offset UInt64,"
                        + " ts DateTime64(3), correlation_id String, payload String)"
                        + " ENGINE = MergeTree ORDER BY (correlation_id, ts)");
            }
            String payload = "x".repeat(240);
            Instant base = Instant.parse("2026-11-22T00:00:00Z");
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)")) {
                for (int i = 0; i < ROWS; i++) {
                    insert.setString(1, "orders");
                    insert.setInt(2, i % 12);
                    insert.setLong(3, i);
                    insert.setTimestamp(4, Timestamp.from(base.plusMillis(i)));
                    insert.setString(5, "order-" + (i / 4));
                    insert.setString(6, payload);
                    insert.addBatch();
                    if ((i + 1) % 50_000 == 0) {
                        insert.executeBatch();
                    }
                }
            }
            try (Statement statement = connection.createStatement();
                 ResultSet rs = statement.executeQuery("SELECT count(), uniqExact(correlation_id), max(offset) FROM events")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(ROWS);
                assertThat(rs.getLong(2)).isEqualTo(ROWS / 4);
                assertThat(rs.getLong(3)).isEqualTo(ROWS - 1);
            }
        }
    }

    @Test
    void givesEachTestClassItsOwnDatabase(ClickHouseDatabase db, EmbeddedClickHouse engine) {
        String other = ClickHouseExtension.createDatabase();
        assertThat(other).isNotEqualTo(db.name());
        assertThat(ClickHouseExtension.engine()).isSameAs(engine);
        assertThat(engine.query("SELECT name FROM system.databases WHERE name IN ('" + db.name() + "', '" + other
                + "') ORDER BY name FORMAT TSV").lines()).hasSize(2);
    }
}
