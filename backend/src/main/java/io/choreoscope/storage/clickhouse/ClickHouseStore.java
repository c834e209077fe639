package io.choreoscope.storage.clickhouse;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

import com.clickhouse.client.api.Client;

/**
 * The connections to one ClickHouse database: JDBC for DDL and parameter-bound queries, and the
 * ClickHouse Java client (shipped with clickhouse-jdbc) for streaming RowBinary inserts, which is
 * several times faster than JDBC batches for wide rows.
 */
public final class ClickHouseStore implements AutoCloseable {
    private final ClickHouseConfig config;
    private final Client client;

    public ClickHouseStore(ClickHouseConfig config) {
        this.config = config;
        this.client = new Client.Builder()
                .addEndpoint(config.getUrl())
                .setUsername(config.getUsername())
                .setPassword(config.getPassword())
                .setDefaultDatabase(config.getDatabase())
                .setConnectTimeout(5_000)
                .setSocketTimeout(config.getTimeout().toMillis())
                .setMaxRetries(0) // the tap owns retries and backoff
                .build();
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

    /** A new JDBC connection to the database; the caller closes it. */
    public Connection connect() throws SQLException {
        return connect(config.getDatabase());
    }

    private Connection connect(String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", config.getUsername());
        p.setProperty("password", config.getPassword());
        p.setProperty("database", database);
        p.setProperty("socket_timeout", String.valueOf(config.getTimeout().toMillis()));
        return DriverManager.getConnection(config.jdbcUrl(), p);
    }

    /** Creates the database when missing. */
    public void ensureDatabase() throws SQLException {
        try (Connection c = connect("default"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS " + config.getDatabase());
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
