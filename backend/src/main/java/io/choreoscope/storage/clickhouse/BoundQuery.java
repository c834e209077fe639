package io.choreoscope.storage.clickhouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a read with every value bound as a JDBC parameter (never spliced into SQL text), and maps
 * rows. Shared by the readers so that each states only its SQL and its row mapping.
 */
final class BoundQuery {
    @FunctionalInterface
    interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private BoundQuery() {
    }

    /** All rows of the query, mapped. {@code what} names the query in the error message. */
    static <T> List<T> list(ClickHouseStore store, String what, String sql, RowMapper<T> mapper, Object... params) {
        try (Connection c = store.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            List<T> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(mapper.map(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new StorageException(what + " failed: " + e.getMessage(), e);
        }
    }

    /** The first column of the first row as a long (a count). */
    static long count(ClickHouseStore store, String sql, Object... params) {
        return list(store, "count", sql, rs -> rs.getLong(1), params).get(0);
    }

    /** Strings, ints and longs only: those are the types the readers bind. */
    private static void bind(PreparedStatement ps, Object... params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            Object p = params[i];
            if (p instanceof String s) {
                ps.setString(i + 1, s);
            } else if (p instanceof Integer n) {
                ps.setInt(i + 1, n);
            } else if (p instanceof Long n) {
                ps.setLong(i + 1, n);
            } else {
                throw new IllegalArgumentException("unsupported parameter " + p);
            }
        }
    }

    /** ClickHouse String columns have no null; the writers store null as the empty string. */
    static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
