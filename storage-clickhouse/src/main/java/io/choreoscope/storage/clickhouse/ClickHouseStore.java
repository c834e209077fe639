package io.choreoscope.storage.clickhouse;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.ClientConfigProperties;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.data.ClickHouseFormat;
import io.choreoscope.model.SinkUnavailableException;

/**
 * The connections to one ClickHouse database: JDBC for DDL and parameter-bound queries, and the
 * ClickHouse Java client (shipped with clickhouse-jdbc) for streaming RowBinary inserts, which is
 * several times faster than JDBC batches for wide rows.
 */
public final class ClickHouseStore implements AutoCloseable {
    private final ClickHouseConfig config;
    private final Client client;

    /**
     * Server settings of every statement when the tables are {@code Distributed} ({@link ClickHouseConfig#isClustered()}):
     * an insert answers only once every shard stored its rows ({@code distributed_foreground_insert}; in the
     * background mode the answer would come before that, and the tap would commit offsets of rows a shard has not
     * got), and a subquery over a distributed table inside a distributed query is run once on the initiator and its
     * result sent to the shards ({@code distributed_product_mode = 'global'}; the default refuses such queries, and
     * {@code 'local'} would answer right only where both sides share a sharding key); and a read whose condition
     * names the sharding key's values (one instance's events: {@code correlation_id = ?}) asks only the shards that
     * hold them ({@code optimize_skip_unused_shards}; without it every read asks every shard).
     */
    static final Map<String, String> CLUSTER_SETTINGS = Map.of(
            "distributed_foreground_insert", "1",
            "distributed_product_mode", "global",
            "optimize_skip_unused_shards", "1");

    /**
     * Insert settings of the tables whose copies every reader folds (ReplacingMergeTrees read with {@code FINAL} or by
     * distinct identity): {@code optimize_on_insert=0} leaves the folding of an insert's own duplicates to the merges
     * and the readers instead of a second pass over every inserted block. The events and spans writers use it.
     */
    static final Map<String, String> NO_FOLDING_AT_INSERT = Map.of("optimize_on_insert", "0");

    public ClickHouseStore(ClickHouseConfig config) {
        this.config = config;
        Client.Builder builder = new Client.Builder()
                .addEndpoint(config.getUrl())
                .setUsername(config.getUsername())
                .setPassword(config.getPassword())
                .setDefaultDatabase(config.getDatabase())
                .setConnectTimeout(5_000)
                .setSocketTimeout(config.getTimeout().toMillis())
                .setMaxRetries(0); // the tap owns retries and backoff
        if (config.isClustered()) {
            config.ddlNodes(); // a cluster without its nodes is refused at start, not at the first migration
            CLUSTER_SETTINGS.forEach(builder::serverSetting);
        }
        this.client = builder.build();
    }

    public ClickHouseConfig config() {
        return config;
    }

    public String database() {
        return config.getDatabase();
    }

    /** The streaming client, for inserts. */
    public Client client() {
        return client;
    }

    /** Writes the rows of one batch into a RowBinary stream; the columns are those named to {@link #insertRowBinary}. */
    @FunctionalInterface
    interface RowsWriter {
        void write(RowBinaryOutput out) throws IOException;
    }

    /**
     * One streaming RowBinary insert into {@code table} of this database. Returns when ClickHouse
     * acknowledged it; any failure (unreachable, timeout, refused) becomes a
     * {@link SinkUnavailableException} so that the caller keeps the batch and retries.
     *
     * @param what what is written, for messages (e.g. "120 spans")
     */
    void insertRowBinary(String table, List<String> columns, String what, RowsWriter rows)
            throws SinkUnavailableException {
        insertRowBinary(table, columns, what, Map.of(), rows);
    }

    /** As {@link #insertRowBinary(String, List, String, RowsWriter)}, with ClickHouse settings for this insert. */
    void insertRowBinary(String table, List<String> columns, String what, Map<String, String> settings, RowsWriter rows)
            throws SinkUnavailableException {
        try {
            client.insert(database() + "." + table, columns, out -> {
                RowBinaryOutput w = new RowBinaryOutput(out);
                rows.write(w);
                w.flush();
            }, ClickHouseFormat.RowBinary, insertSettings(settings))
                    .get(config.getTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SinkUnavailableException("interrupted while writing " + what + " to ClickHouse", e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new SinkUnavailableException("ClickHouse did not take " + what + " at "
                    + config.getUrl() + ": " + cause.getMessage(), cause);
        } catch (Exception e) {
            throw new SinkUnavailableException("ClickHouse insert failed: " + e.getMessage(), e);
        }
    }

    /** Per insert: the writer's server settings and the configured client compression. */
    private InsertSettings insertSettings(Map<String, String> settings) {
        InsertSettings s = new InsertSettings().compressClientRequest(config.isInsertCompression());
        settings.forEach(s::serverSetting);
        return s;
    }

    /** A new JDBC connection to the database; the caller closes it. */
    public Connection connect() throws SQLException {
        return connect(config.jdbcUrl(), config.getDatabase(), config.getTimeout());
    }

    /**
     * Longest wait for one migration statement's answer. A migration that fills a new table from an existing one
     * (V010 and V012 refill the span keys from every stored span) reads the whole source table: on an install with
     * tens of millions of spans that takes minutes, far beyond the request timeout ({@code timeout}, 30 s by
     * default), and a migration cut off there would stop every start of the application.
     */
    static final java.time.Duration MIGRATION_TIMEOUT = java.time.Duration.ofHours(6);

    private Connection connect(String jdbcUrl, String database, java.time.Duration socketTimeout) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", config.getUsername());
        p.setProperty("password", config.getPassword());
        p.setProperty("database", database);
        p.setProperty("socket_timeout", String.valueOf(socketTimeout.toMillis()));
        if (config.isClustered()) {
            CLUSTER_SETTINGS.forEach((k, v) -> p.setProperty(ClientConfigProperties.SERVER_SETTING_PREFIX + k, v));
        }
        return DriverManager.getConnection(jdbcUrl, p);
    }

    /**
     * A connection to one node ({@link ClickHouseConfig#ddlNodes()}), for the migrations and the statements that
     * run on every node; for migrations it waits up to {@link #MIGRATION_TIMEOUT} per statement, else up to the
     * configured timeout. The caller closes it.
     */
    Connection connectNode(String nodeUrl, boolean forMigrations) throws SQLException {
        java.time.Duration timeout = forMigrations && MIGRATION_TIMEOUT.compareTo(config.getTimeout()) > 0
                ? MIGRATION_TIMEOUT : config.getTimeout();
        return connect(ClickHouseConfig.jdbcUrl(nodeUrl), config.getDatabase(), timeout);
    }

    /**
     * A prepared statement whose bound values reach ClickHouse as they are. clickhouse-jdbc 0.9 puts bound
     * values into the SQL text and then, with JDBC escape processing on (the JDBC default), rewrites
     * {@code {fn ...}}, {@code {d '...'}} and {@code {ts '...'}} anywhere in that text, bound values included:
     * a correlation ID {@code a{fn now()}b} would be looked up as {@code anow()b}. Our SQL uses no escape
     * syntax, so processing is off; every statement that carries SQL or values is created through these methods.
     */
    static PreparedStatement prepare(Connection c, String sql) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        try {
            ps.setEscapeProcessing(false);
            return ps;
        } catch (SQLException | RuntimeException e) {
            ps.close();
            throw e;
        }
    }

    /** A plain statement without JDBC escape processing (see {@link #prepare}). */
    static Statement statement(Connection c) throws SQLException {
        Statement s = c.createStatement();
        try {
            s.setEscapeProcessing(false);
            return s;
        } catch (SQLException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Creates the database when missing, on every node of a cluster. */
    public void ensureDatabase() throws SQLException {
        for (String node : config.ddlNodes()) {
            try (Connection c = connect(ClickHouseConfig.jdbcUrl(node), "default", config.getTimeout()); Statement s = statement(c)) {
                s.execute("CREATE DATABASE IF NOT EXISTS " + config.getDatabase());
            }
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
