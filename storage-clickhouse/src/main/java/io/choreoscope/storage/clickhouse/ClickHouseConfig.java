package io.choreoscope.storage.clickhouse;

import java.time.Duration;
import java.util.regex.Pattern;

import io.micronaut.context.annotation.ConfigurationProperties;

/**
 * Where and how choreoscope stores data in ClickHouse, under {@value #PREFIX}. Defaults reach the
 * demo's embedded engine. Any ClickHouse 24.8+ server works with the same SQL.
 */
@ConfigurationProperties(ClickHouseConfig.PREFIX)
public class ClickHouseConfig {
    public static final String PREFIX = "choreoscope.clickhouse";
    /** Default HTTP endpoint: the demo's embedded engine. */
    public static final String DEFAULT_URL = "http://localhost:8123";
    /** Default database; created at start when missing. */
    public static final String DEFAULT_DATABASE = "choreoscope";
    /** Default user. */
    public static final String DEFAULT_USERNAME = "default";
    /** Default days raw events and spans are kept (TTL on ingest time). */
    public static final int DEFAULT_RAW_TTL_DAYS = 30;
    /** Default longest wait for one insert or query. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    /**
     * Default longest run of one value search (ClickHouse's {@code max_execution_time}): 10 s, well inside
     * {@link #DEFAULT_TIMEOUT} so that ClickHouse answers with the reason before the connection gives up.
     */
    public static final Duration DEFAULT_SEARCH_MAX_EXECUTION_TIME = Duration.ofSeconds(10);
    /** Default most rows one value search may read, over every table it reads ({@code max_rows_to_read}): 200 million. */
    public static final long DEFAULT_SEARCH_MAX_ROWS_TO_READ = 200_000_000L;
    /** Default most (uncompressed) bytes one value search may read ({@code max_bytes_to_read}): 16 GiB. */
    public static final long DEFAULT_SEARCH_MAX_BYTES_TO_READ = 16L << 30;
    /** Default: how long one ClickHouse health check answers {@code /health}. */
    public static final Duration DEFAULT_HEALTH_CHECK_INTERVAL = Duration.ofSeconds(5);
    /**
     * Default: insert bodies are LZ4-compressed by the client. Measured next to ClickHouse on one host (docs/BENCHMARKS.md,
     * 2026-12-03 evening): ClickHouse spent 0.4-1.4 core-seconds less per million rows receiving compressed
     * bodies than plain ones (fewer bytes through the HTTP layer and the socket), the collector 0.06-0.11 more.
     */
    public static final boolean DEFAULT_INSERT_COMPRESSION = true;
    private static final Pattern CLUSTER_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");

    private String url = DEFAULT_URL;
    private String database = DEFAULT_DATABASE;
    private String username = DEFAULT_USERNAME;
    private String password = "";
    private int rawTtlDays = DEFAULT_RAW_TTL_DAYS;
    private Duration timeout = DEFAULT_TIMEOUT;
    private Duration searchMaxExecutionTime = DEFAULT_SEARCH_MAX_EXECUTION_TIME;
    private long searchMaxRowsToRead = DEFAULT_SEARCH_MAX_ROWS_TO_READ;
    private long searchMaxBytesToRead = DEFAULT_SEARCH_MAX_BYTES_TO_READ;
    private Duration healthCheckInterval = DEFAULT_HEALTH_CHECK_INTERVAL;
    private boolean insertCompression = DEFAULT_INSERT_COMPRESSION;
    private String clusterName = "";
    private java.util.List<String> clusterNodes = java.util.List.of();

    public ClickHouseConfig() {
    }

    public ClickHouseConfig(String url, String database) {
        setUrl(url);
        setDatabase(database);
    }

    public String getUrl() { return url; }

    public void setUrl(String url) {
        this.url = httpUrl(url, ".url must be an http(s) URL of ClickHouse's HTTP interface");
    }

    /** {@code value} without a trailing slash, if it is an http(s) URL; else refused with {@code PREFIX + problem}. */
    private static String httpUrl(String value, String problem) {
        if (value == null || !(value.startsWith("http://") || value.startsWith("https://"))) {
            throw new IllegalArgumentException(PREFIX + problem + ", was '" + value + "'");
        }
        return value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
    }

    public String getDatabase() { return database; }

    /** The database name is put into SQL text, so only plain identifiers are accepted. */
    public void setDatabase(String database) {
        if (database == null || !IDENTIFIER.matcher(database).matches()) {
            throw new IllegalArgumentException(PREFIX + ".database must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*), was '" + database + "'");
        }
        this.database = database;
    }

    public String getUsername() { return username; }
    public void setUsername(String username) { this.username = username; }
    public String getPassword() { return password; }
    public void setPassword(String password) { this.password = password == null ? "" : password; }
    public int getRawTtlDays() { return rawTtlDays; }

    public void setRawTtlDays(int rawTtlDays) {
        if (rawTtlDays < 1) {
            throw new IllegalArgumentException(PREFIX + ".raw-ttl-days must be at least 1, was " + rawTtlDays);
        }
        this.rawTtlDays = rawTtlDays;
    }

    public Duration getTimeout() { return timeout; }
    public void setTimeout(Duration timeout) { this.timeout = timeout; }

    /**
     * How long one value search may run before ClickHouse stops it (a search scans payloads of up to 31 days).
     * Keep it below {@code timeout}. Must be at least 1 ms.
     */
    public Duration getSearchMaxExecutionTime() { return searchMaxExecutionTime; }

    public void setSearchMaxExecutionTime(Duration v) {
        if (v == null || v.toMillis() < 1) {
            throw new IllegalArgumentException(PREFIX + ".search-max-execution-time must be at least 1ms, was " + v);
        }
        this.searchMaxExecutionTime = v;
    }

    /** How many rows one value search may read before ClickHouse stops it; 0 for no limit. */
    public long getSearchMaxRowsToRead() { return searchMaxRowsToRead; }

    public void setSearchMaxRowsToRead(long v) {
        if (v < 0) {
            throw new IllegalArgumentException(PREFIX + ".search-max-rows-to-read must be 0 (no limit) or more, was " + v);
        }
        this.searchMaxRowsToRead = v;
    }

    /** How many uncompressed bytes one value search may read before ClickHouse stops it; 0 for no limit. */
    public long getSearchMaxBytesToRead() { return searchMaxBytesToRead; }

    public void setSearchMaxBytesToRead(long v) {
        if (v < 0) {
            throw new IllegalArgumentException(PREFIX + ".search-max-bytes-to-read must be 0 (no limit) or more, was " + v);
        }
        this.searchMaxBytesToRead = v;
    }

    /**
     * How long the result of one ClickHouse check ({@code SELECT version()}) answers {@code /health}; default 5 s. Probes
     * and anonymous callers may call {@code /health} as often as they like: ClickHouse sees at most one check per
     * interval. 0 checks on every call.
     */
    public Duration getHealthCheckInterval() { return healthCheckInterval; }

    public void setHealthCheckInterval(Duration v) {
        if (v == null || v.isNegative()) {
            throw new IllegalArgumentException(PREFIX + ".health-check-interval must be 0 or more, was " + v);
        }
        this.healthCheckInterval = v;
    }

    /**
     * Whether insert bodies are LZ4-compressed by the client (ClickHouse's native compressed blocks, {@code decompress=1});
     * default {@value #DEFAULT_INSERT_COMPRESSION}. Off sends plain RowBinary, for a server that cannot take compressed
     * bodies or to compare.
     */
    public boolean isInsertCompression() { return insertCompression; }

    public void setInsertCompression(boolean insertCompression) { this.insertCompression = insertCompression; }

    /**
     * The ClickHouse cluster to store in, as named in the servers' {@code remote_servers} (docs/SCALING.md); empty (the
     * default) for one server. With a name, every table is a local table {@code <name>_local} on each node with a
     * {@code Distributed} table of today's name on top, sharded so that one correlation ID (or trace) stays on one shard.
     */
    public String getClusterName() { return clusterName; }

    public void setClusterName(String cluster) {
        String c = cluster == null ? "" : cluster.strip();
        if (!c.isEmpty() && !CLUSTER_NAME.matcher(c).matches()) {
            throw new IllegalArgumentException(PREFIX + ".cluster-name must be a cluster name of remote_servers "
                    + "(letters, digits, '_', '.', '-'), was '" + cluster + "'");
        }
        this.clusterName = c;
    }

    /**
     * Every node of {@link #getClusterName()}, as HTTP URLs: schema migrations and the few statements that
     * {@code Distributed} tables do not take (lightweight deletes) run on each. {@link #getUrl()} is the node (or a
     * balancer in front of the nodes) that queries and inserts go through.
     */
    public java.util.List<String> getClusterNodes() { return clusterNodes; }

    public void setClusterNodes(java.util.List<String> nodes) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String raw : nodes == null ? java.util.List.<String>of() : nodes) {
            // An environment variable set but empty, or "a, b": blanks and spaces are not nodes.
            String n = raw == null ? "" : raw.strip();
            if (n.isEmpty()) {
                continue;
            }
            out.add(httpUrl(n, ".cluster-nodes must be http(s) URLs of each node's HTTP interface"));
        }
        this.clusterNodes = java.util.List.copyOf(out);
    }

    /** Whether tables are stored on a cluster ({@link #getClusterName()} named). */
    public boolean isClustered() {
        return !clusterName.isEmpty();
    }

    /**
     * The nodes DDL runs on: every cluster node, or the one server.
     *
     * @throws IllegalStateException when a cluster is named without its nodes
     */
    public java.util.List<String> ddlNodes() {
        if (!isClustered()) {
            return java.util.List.of(url);
        }
        if (clusterNodes.isEmpty()) {
            throw new IllegalStateException(PREFIX + ".cluster-name is '" + clusterName + "' but " + PREFIX
                    + ".cluster-nodes is empty: list the HTTP URL of every node of the cluster, the schema is created on each");
        }
        return clusterNodes;
    }

    /** JDBC URL of the same endpoint. */
    public String jdbcUrl() {
        return jdbcUrl(url);
    }

    /** JDBC URL of a ClickHouse HTTP endpoint (one node of a cluster). */
    static String jdbcUrl(String httpUrl) {
        return "jdbc:clickhouse:" + httpUrl;
    }
}
