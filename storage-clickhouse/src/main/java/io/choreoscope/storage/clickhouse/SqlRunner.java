package io.choreoscope.storage.clickhouse;

import io.choreoscope.model.Cancellation;
import io.choreoscope.model.QueryLimitException;
import io.choreoscope.model.StorageException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;

/**
 * Runs parameter-bound queries on a small pool of JDBC connections. Opening a clickhouse-jdbc 0.9
 * connection builds a new HTTP client, which costs more than a point query; reusing a few keeps the
 * API's per-request overhead low. A connection that failed is closed, not returned to the pool.
 * Every value is bound as a parameter, never put into SQL text, and reaches ClickHouse as it is (no JDBC
 * escape processing, see {@link ClickHouseStore#prepare}).
 */
public final class SqlRunner implements AutoCloseable {
    /** A DateTime64(3) value bound as epoch milliseconds: use in SQL text in place of {@code ?}. */
    public static final String TS = "fromUnixTimestamp64Milli(toInt64(?), 'UTC')";
    /** Connections kept open at most. */
    public static final int POOL_SIZE = 8;

    /** Maps one row of a result. */
    @FunctionalInterface
    public interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /**
     * Held while a row with an Array, Map or Tuple column is mapped. clickhouse-jdbc 0.9.9 turns such a value into text
     * ({@code getString}) with writers kept in one object for the whole JVM ({@code DataTypeConverter.INSTANCE}), not
     * synchronised: two results read at once wrote into each other's text (on the demo, two {@code /flows} requests at
     * once read each other's quantiles and sparkline buckets and both failed; values from another query can also read
     * as valid). Rows without such columns are mapped without it.
     */
    private static final Object COMPOSITE_TEXT = new Object();

    /** Statements kept prepared per pooled connection, the least recently used closed beyond this. */
    static final int STATEMENTS_PER_CONNECTION = 64;

    private final ClickHouseStore store;
    private final BlockingQueue<Pooled> idle = new ArrayBlockingQueue<>(POOL_SIZE);
    /** Statements the queries prepared (parsed), for tests. */
    private final java.util.concurrent.atomic.AtomicLong prepared = new java.util.concurrent.atomic.AtomicLong();

    /**
     * A pooled connection and the statements prepared on it, by their SQL. clickhouse-jdbc parses a statement's SQL
     * when it is prepared (its JavaCC parser), not when it runs: at 100M events that parse was a fifth of the JVM's
     * samples of the instance read (JFR, docs/BENCHMARKS.md), for SQL that is the same every time. A statement is
     * reused with its parameters cleared, only after a run that ended normally; one that failed or was cancelled is
     * closed. Used by one thread at a time, as the connection is.
     */
    private static final class Pooled {
        final Connection connection;
        private final java.util.LinkedHashMap<String, PreparedStatement> statements =
                new java.util.LinkedHashMap<>(16, 0.75f, true) {
                    @Override
                    protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
                        if (size() > STATEMENTS_PER_CONNECTION) {
                            closeQuietly(eldest.getValue());
                            return true;
                        }
                        return false;
                    }
                };

        Pooled(Connection connection) {
            this.connection = connection;
        }

        /** The statement of this SQL, prepared once; taken out of the cache while it runs. */
        PreparedStatement take(String sql, java.util.concurrent.atomic.AtomicLong prepared) throws SQLException {
            PreparedStatement ps = statements.remove(sql);
            if (ps == null) {
                prepared.incrementAndGet();
                return ClickHouseStore.prepare(connection, sql);
            }
            try {
                ps.clearParameters();
            } catch (SQLException | RuntimeException e) {
                closeQuietly(ps);
                throw e;
            }
            return ps;
        }

        /** A statement whose run ended normally, kept for the next run of its SQL. */
        void keep(String sql, PreparedStatement ps) {
            PreparedStatement had = statements.put(sql, ps);
            if (had != null && had != ps) {
                closeQuietly(had);
            }
        }

        void close() {
            statements.values().forEach(Pooled::closeQuietly);
            statements.clear();
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already broken
            }
        }

        private static void closeQuietly(PreparedStatement ps) {
            try {
                ps.close();
            } catch (SQLException | RuntimeException ignored) {
                // closing anyway
            }
        }
    }

    public SqlRunner(ClickHouseStore store) {
        this.store = store;
    }

    /** How many statements the queries have prepared so far (each SQL text once per pooled connection, while kept). */
    long statementsPrepared() {
        return prepared.get();
    }

    public ClickHouseStore store() {
        return store;
    }

    /** Rows of a query, mapped. */
    public <T> List<T> query(String sql, RowMapper<T> mapper, Object... params) {
        return query(null, sql, mapper, params);
    }

    /**
     * Rows of a query that ClickHouse stops at {@code limits}, mapped. A query stopped there throws
     * {@link QueryLimitException} saying which limit; no partial result is returned.
     *
     * @param limits null for the server's own (usually none)
     * @param sql    without a SETTINGS clause of its own
     */
    <T> List<T> query(QueryLimits limits, String sql, RowMapper<T> mapper, Object... params) {
        return query(limits, Cancellation.none(), sql, mapper, params);
    }

    /**
     * Like {@link #query(QueryLimits, String, RowMapper, Object...)}, and stopped when {@code cancel} is cancelled: the
     * statement is cancelled (clickhouse-jdbc sends {@code KILL QUERY WHERE query_id = ...} for the query it runs, so
     * ClickHouse stops the scan too) and this throws {@link CancellationException}.
     */
    <T> List<T> query(QueryLimits limits, Cancellation cancel, String sql, RowMapper<T> mapper, Object... params) {
        Pooled c = null;
        boolean ok = false;
        try {
            c = borrow();
            List<T> out = new ArrayList<>();
            String text = limits == null ? sql : sql + limits.settingsClause();
            PreparedStatement ps = c.take(text, prepared);
            boolean ran = false;
            try {
                bind(ps, params);
                try (Cancellation.Registration r = cancel.onCancel(() -> cancelQuietly(ps))) {
                    if (cancel.isCancelled()) {
                        ok = true;
                        throw new CancellationException("the read was cancelled before it started");
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        boolean composite = hasCompositeColumns(rs.getMetaData());
                        while (rs.next()) {
                            if (composite) {
                                synchronized (COMPOSITE_TEXT) {
                                    out.add(mapper.map(rs));
                                }
                            } else {
                                out.add(mapper.map(rs));
                            }
                        }
                    }
                }
                ran = !cancel.isCancelled();
            } finally {
                if (ran) {
                    c.keep(text, ps);
                } else {
                    Pooled.closeQuietly(ps);
                }
            }
            ok = true;
            return out;
        } catch (SQLException e) {
            if (cancel.isCancelled()) {
                ok = true; // ClickHouse killed the query at our request; the connection is fine
                CancellationException ce = new CancellationException("the read was cancelled: " + e.getMessage());
                ce.initCause(e);
                throw ce;
            }
            String reason = limits == null ? null : limits.reasonOf(e);
            if (reason != null) {
                ok = true; // the server refused this query; the connection is fine
                throw new QueryLimitException("ClickHouse stopped the query because " + reason, e);
            }
            throw new StorageException("ClickHouse query failed: " + e.getMessage(), e);
        } finally {
            release(c, ok);
        }
    }

    /** Whether a result has a column whose values clickhouse-jdbc turns into text with its shared writers. */
    static boolean hasCompositeColumns(ResultSetMetaData metadata) throws SQLException {
        for (int i = 1; i <= metadata.getColumnCount(); i++) {
            String type = metadata.getColumnTypeName(i);
            if (type != null && (type.contains("Array") || type.contains("Map(") || type.contains("Tuple(")
                    || type.contains("Nested("))) {
                return true;
            }
        }
        return false;
    }

    private static void cancelQuietly(PreparedStatement ps) {
        try {
            ps.cancel();
        } catch (SQLException | RuntimeException e) {
            // the query may have ended meanwhile; nothing left to stop
        }
    }

    /** The first column of the first row as a long (a count). */
    public long count(String sql, Object... params) {
        return query(sql, rs -> rs.getLong(1), params).get(0);
    }

    /** A statement without result (DDL, small inserts). */
    public void execute(String sql, Object... params) {
        Pooled c = null;
        boolean ok = false;
        try {
            c = borrow();
            try (PreparedStatement ps = ClickHouseStore.prepare(c.connection, sql)) {
                bind(ps, params);
                ps.execute();
            }
            ok = true;
        } catch (SQLException e) {
            throw new StorageException("ClickHouse statement failed: " + e.getMessage(), e);
        } finally {
            release(c, ok);
        }
    }

    /**
     * A statement without result on every node of a cluster, one after the other ({@link ClickHouseConfig#ddlNodes()});
     * on one server the same as {@link #execute}. For what {@code Distributed} tables do not take (a lightweight
     * {@code DELETE} names the local table). Fails at the first node that fails; the statement must be safe to repeat.
     */
    public void executeOnEveryNode(String sql, Object... params) {
        if (!store.config().isClustered()) {
            execute(sql, params);
            return;
        }
        for (String node : store.config().ddlNodes()) {
            try (Connection c = store.connectNode(node, false); PreparedStatement ps = ClickHouseStore.prepare(c, sql)) {
                bind(ps, params);
                ps.execute();
            } catch (SQLException e) {
                throw new StorageException("ClickHouse statement failed on " + node + ": " + e.getMessage(), e);
            }
        }
    }

    private Pooled borrow() throws SQLException {
        Pooled c = idle.poll();
        return c != null ? c : new Pooled(store.connect());
    }

    private void release(Pooled c, boolean healthy) {
        if (c == null) {
            return;
        }
        if (!healthy || !idle.offer(c)) {
            c.close();
        }
    }

    static void bind(PreparedStatement ps, Object... params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            Object p = params[i];
            if (p instanceof String s) {
                ps.setString(i + 1, s);
            } else if (p instanceof Integer n) {
                ps.setInt(i + 1, n);
            } else if (p instanceof Long n) {
                ps.setLong(i + 1, n);
            } else if (p instanceof Instant t) {
                // DateTime64 columns compare with the epoch-millisecond value through fromUnixTimestamp64Milli(?)
                ps.setLong(i + 1, t.toEpochMilli());
            } else {
                throw new IllegalArgumentException("unsupported parameter " + p);
            }
        }
    }

    @Override
    public void close() {
        Pooled c;
        while ((c = idle.poll()) != null) {
            c.close();
        }
    }

    /** {@code ?, ?, ?} for an IN list of n values (n >= 1). */
    public static String placeholders(int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "?"));
    }

    /** ClickHouse String columns have no null; the writers store null as the empty string. */
    static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    static Instant instant(ResultSet rs, int column) throws SQLException {
        return Instant.ofEpochMilli(rs.getLong(column));
    }
}
