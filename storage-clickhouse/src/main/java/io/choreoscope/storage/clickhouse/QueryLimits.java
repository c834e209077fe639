package io.choreoscope.storage.clickhouse;

import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;

/**
 * Bounds ClickHouse puts on the cost of one query: how long it may run ({@code max_execution_time}) and how many
 * rows and uncompressed bytes it may read ({@code max_rows_to_read}, {@code max_bytes_to_read}; 0 = no bound). A
 * query past a bound fails on the server (overflow mode {@code throw}, never {@code break}: a query cut short
 * would answer from an arbitrary part of the data, which a newest-first search cannot tell from a full answer).
 * ClickHouse may also refuse at once when it estimates that the query would pass a bound.
 *
 * @param maxExecutionTime at least 1 ms
 * @param maxRowsToRead    rows, over every table the query reads; 0 for no bound
 * @param maxBytesToRead   uncompressed bytes; 0 for no bound
 */
record QueryLimits(Duration maxExecutionTime, long maxRowsToRead, long maxBytesToRead) {
    /** ClickHouse error codes of a query stopped at a bound. */
    static final int TOO_MANY_ROWS = 158;
    static final int TIMEOUT_EXCEEDED = 159;
    static final int TOO_SLOW = 160;
    static final int TOO_MANY_BYTES = 307;

    QueryLimits {
        if (maxExecutionTime == null || maxExecutionTime.toMillis() < 1 || maxRowsToRead < 0 || maxBytesToRead < 0) {
            throw new IllegalArgumentException("bad query limits: " + maxExecutionTime + ", " + maxRowsToRead + " rows, "
                    + maxBytesToRead + " bytes");
        }
    }

    /** The bounds of one value search, from configuration. */
    static QueryLimits valueSearch(ClickHouseConfig config) {
        return new QueryLimits(config.getSearchMaxExecutionTime(), config.getSearchMaxRowsToRead(),
                config.getSearchMaxBytesToRead());
    }

    /** The {@code SETTINGS} clause that ends the query's SQL text (numbers only, so safe to put in SQL). */
    String settingsClause() {
        return " SETTINGS max_execution_time = " + BigDecimal.valueOf(maxExecutionTime.toMillis(), 3).toPlainString()
                + ", timeout_overflow_mode = 'throw', max_rows_to_read = " + maxRowsToRead
                + ", max_bytes_to_read = " + maxBytesToRead + ", read_overflow_mode = 'throw'";
    }

    /**
     * Why the query failed, when it was stopped at one of these bounds: a sentence for people such as "it ran for
     * 10 s, the longest allowed"; null when the failure was anything else.
     */
    String reasonOf(SQLException e) {
        // clickhouse-jdbc 0.9 reports the server's TIMEOUT_EXCEEDED as an SQLTimeoutException of its own, with error code 0
        // and the message "Query execution time exceeded limit": the server's code and name are only in its cause. So
        // the whole chain is read (a client-side request timeout has no server error in it, and stays a storage failure).
        StringBuilder chain = new StringBuilder();
        for (Throwable t = e; t != null && chain.length() < 64 * 1024; t = t.getCause() == t ? null : t.getCause()) {
            chain.append(t.getMessage()).append('\n');
        }
        String m = chain.toString().toUpperCase(Locale.ROOT);
        int code = e.getErrorCode();
        if (code == TIMEOUT_EXCEEDED || code == TOO_SLOW || m.contains("(TIMEOUT_EXCEEDED)") || m.contains("(TOO_SLOW)")) {
            return "it would run longer than " + human(maxExecutionTime) + ", the longest allowed";
        }
        if (code == TOO_MANY_ROWS || m.contains("(TOO_MANY_ROWS)")) {
            return "it would read more than " + maxRowsToRead + " rows, the most allowed";
        }
        if (code == TOO_MANY_BYTES || m.contains("(TOO_MANY_BYTES)")) {
            return "it would read more than " + maxBytesToRead + " bytes, the most allowed";
        }
        return null;
    }

    private static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
