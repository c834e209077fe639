package io.choreoscope.harness.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** Lifecycle of an engine of its own: outages by stop/restart and by pause/resume, data surviving them. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EmbeddedClickHouseTest {

    @TempDir
    static Path dataDir;
    static EmbeddedClickHouse engine;

    @BeforeAll
    static void start() {
        engine = EmbeddedClickHouse.start(dataDir, 0);
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    @Order(1)
    void servesHttpAndJdbc() throws Exception {
        assertThat(engine.httpPort()).isPositive();
        assertThat(engine.query("SELECT version()")).startsWith("26.");
        assertThat(engine.jdbcUrl()).isEqualTo("jdbc:clickhouse://127.0.0.1:" + engine.httpPort() + "/default");
        assertThat(engine.query("SELECT getServerSetting('max_server_memory_usage')").strip())
                .as("memory cap from the generated config file").isEqualTo(Long.toString(2L << 30));
        assertThat(Files.readString(engine.logFile())).contains("serving HTTP on 127.0.0.1:" + engine.httpPort());
        try (Connection connection = engine.jdbcConnection();
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE kept (id UInt64, s String) ENGINE = MergeTree ORDER BY id");
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO kept VALUES (?, ?)")) {
                for (int i = 0; i < 10_000; i++) {
                    insert.setLong(1, i);
                    insert.setString(2, "row-" + i);
                    insert.addBatch();
                }
                insert.executeBatch();
            }
        }
    }

    @Test
    @Order(1)
    void readsWithEveryThreadItMayUseUnderItsMemoryCap() throws Exception {
        // ClickHouse's own 1 GiB per thread under the 2 GiB cap left every query one thread (EXPLAIN PIPELINE: one
        // stream), whatever max_threads said.
        assertThat(engine.query("SELECT getSetting('max_threads_min_free_memory_per_thread')").strip())
                .isEqualTo(Long.toString((2L << 30) / 16));
        int maxThreads = Integer.parseInt(engine.query("SELECT getSetting('max_threads')").strip());
        try (Connection connection = engine.jdbcConnection();
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE wide (id UInt64, s String) ENGINE = MergeTree ORDER BY id "
                    + "SETTINGS index_granularity = 1024");
            statement.execute("INSERT INTO wide SELECT number, toString(number) FROM numbers(1000000)");
        }
        String pipeline = engine.query("EXPLAIN PIPELINE SELECT sum(length(s)) FROM wide");
        // One stream shows as a bare "MergeTreeSelect(...)"; N as "MergeTreeSelect(...) \u00d7 N". On a machine with
        // many cores the reserve may allow fewer streams than max_threads; under the cap it always allows two.
        Matcher streams = Pattern.compile("MergeTreeSelect\\(pool: ReadPool, algorithm: Thread\\) \u00d7 (\\d+)")
                .matcher(pipeline);
        int read = streams.find() ? Integer.parseInt(streams.group(1)) : 1;
        assertThat(read).as("streams reading the table, for max_threads = %d:%n%s", maxThreads, pipeline)
                .isGreaterThanOrEqualTo(Math.min(maxThreads, 2));
    }

    @Test
    void leavesTheThreadReserveAloneWithoutACapOrWhenTheCallerSetsIt() {
        EmbeddedClickHouse.Options defaults = EmbeddedClickHouse.Options.defaults();
        assertThat(EmbeddedClickHouse.threadsKeptUnderTheCap(defaults))
                .containsExactly("--max_threads_min_free_memory_per_thread=134217728");
        assertThat(EmbeddedClickHouse.threadsKeptUnderTheCap(defaults.withMaxServerMemoryBytes(0))).isEmpty();
        assertThat(EmbeddedClickHouse.threadsKeptUnderTheCap(defaults.withExtraArguments(
                List.of("--max_threads_min_free_memory_per_thread=0")))).isEmpty();
    }

    @Test
    @Order(2)
    void keepsItsDataAcrossARestartOnTheSameDirAndPort() throws Exception {
        int port = engine.httpPort();
        long pidBefore = engine.pid();
        engine.restart();
        assertThat(engine.pid()).isNotEqualTo(pidBefore);
        assertThat(engine.httpPort()).isEqualTo(port);
        try (Connection connection = engine.jdbcConnection();
             Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT count(), sum(id) FROM kept")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isEqualTo(10_000);
            assertThat(rs.getLong(2)).isEqualTo(10_000L * 9_999 / 2);
        }
    }

    @Test
    @Order(3)
    void isUnreachableWhileStoppedAndBackWithItsDataAfterwards() throws Exception {
        engine.stop();
        assertThat(engine.isRunning()).isFalse();
        assertThatThrownBy(() -> {
            try (Connection connection = engine.jdbcConnection();
                 Statement statement = connection.createStatement()) {
                statement.executeQuery("SELECT count() FROM kept");
            }
        }).isInstanceOf(SQLException.class);

        engine.restart();
        assertThat(engine.query("SELECT count() FROM kept").strip()).isEqualTo("10000");
    }

    @Test
    @Order(4)
    void hangsWhilePausedAndAnswersAfterResume() {
        engine.pause();
        CompletableFuture<String> pending = CompletableFuture.supplyAsync(() -> engine.query("SELECT 42"));
        assertThatThrownBy(() -> pending.get(1, TimeUnit.SECONDS))
                .isInstanceOf(java.util.concurrent.TimeoutException.class);
        engine.resume();
        assertThat(pending.orTimeout(10, TimeUnit.SECONDS).join().strip()).isEqualTo("42");
    }

    @Test
    @Order(5)
    void failsClearlyWhenTheLibraryCannotBeLoaded(@TempDir Path otherDir) throws Exception {
        Path notALibrary = Files.writeString(otherDir.resolve("libchdb.so"), "not an ELF file");
        String previous = System.getProperty(EmbeddedClickHouse.LIBRARY_PROPERTY);
        System.setProperty(EmbeddedClickHouse.LIBRARY_PROPERTY, notALibrary.toString());
        try {
            assertThatThrownBy(() -> EmbeddedClickHouse.start(otherDir.resolve("data"), 0,
                    EmbeddedClickHouse.Options.defaults().withStartTimeout(Duration.ofSeconds(20))))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("exited with code 3")
                    .hasMessageContaining("cannot load ClickHouse library");
        } finally {
            if (previous == null) {
                System.clearProperty(EmbeddedClickHouse.LIBRARY_PROPERTY);
            } else {
                System.setProperty(EmbeddedClickHouse.LIBRARY_PROPERTY, previous);
            }
        }
    }

    @Test
    @Order(6)
    void saysWhyWhenItsProcessDiedWithoutBeingStopped() throws Exception {
        long pid = engine.pid();
        ProcessHandle host = ProcessHandle.of(pid).orElseThrow();
        host.destroyForcibly(); // as a crash or a kill from outside would
        host.onExit().get(10, TimeUnit.SECONDS);

        assertThatThrownBy(() -> engine.query("SELECT 1"))
                .isInstanceOf(java.io.UncheckedIOException.class)
                .hasMessageContaining("not reachable: its process " + pid + " exited with code 137")
                .hasMessageContaining("Log " + engine.logFile() + " ends with:")
                .hasMessageContaining("chdb-host: pid " + pid + " serving HTTP");

        engine.restart();
        assertThat(engine.query("SELECT count() FROM kept").strip()).isEqualTo("10000");
    }
}
