package io.choreoscope.harness.clickhouse;

/**
 * A database of its own for one test class on the shared {@link EmbeddedClickHouse}, so that test
 * classes do not see each other's tables. Resolved by {@link ClickHouseExtension} as a parameter.
 */
public record ClickHouseDatabase(String name, EmbeddedClickHouse engine) {

    static ClickHouseDatabase create(EmbeddedClickHouse engine, String prefix) {
        return new ClickHouseDatabase(engine.createDatabase(prefix), engine);
    }

    /** clickhouse-jdbc URL with this database as the default one. */
    public String jdbcUrl() {
        return engine.jdbcUrl(name);
    }

    /** A JDBC connection with this database as the default one (see {@link EmbeddedClickHouse#jdbcProperties()}). */
    public java.sql.Connection jdbcConnection() throws java.sql.SQLException {
        return engine.jdbcConnection(name);
    }

    /** Runs one statement over HTTP with this database as the default one. */
    public String query(String sql) {
        return engine.query(sql, name);
    }
}
