package io.choreoscope.storage.clickhouse;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the schema is laid out on a ClickHouse cluster ({@link ClickHouseConfig#getClusterName()}): every data table is a
 * local table {@code <table>_local} on each node, the one the migrations create, and a {@code Distributed} table of the
 * table's own name on top of it on each node, the one every reader and writer names. No query changes.
 *
 * <p>The sharding key keeps together what must fold together: every row of one correlation ID (events, instances)
 * and every copy of a redelivered record lands on one shard, so {@code ReplacingMergeTree} with {@code FINAL} still
 * folds duplicates there and {@code Distributed} forwards {@code FINAL} to each shard; a trace's spans (sharded by
 * trace ID) likewise. The tables filled by materialized views are filled on each shard from that shard's rows, so
 * their rows follow their source's sharding, and the key declared for them must say so, or say nothing: ClickHouse
 * trusts the declared key to send a read only to the shards its condition names ({@code optimize_skip_unused_shards})
 * and to skip merging groups of the key across shards ({@code optimize_distributed_group_by_sharding_key}). The span
 * key lookup carries its span's trace ID, so it is sharded as the spans are; {@code events_per_minute} carries no
 * correlation ID, so its key is {@code rand()}, from which nothing can be deduced (a topic's counts are on every shard).
 *
 * <p>Only this class and the migrator know the local names.
 */
final class ClusterLayout {
    /** Data tables and their sharding keys. {@code schema_migrations} stays local: each node records its own. */
    static final Map<String, String> SHARDING;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("events", "cityHash64(correlation_id)");
        m.put("events_per_minute", "rand()");
        m.put("spans", "cityHash64(trace_id)");
        m.put("instances", "cityHash64(correlation_id)");
        m.put("instances_by_day", "cityHash64(correlation_id)");
        m.put("flow_models", "cityHash64(flow, owner)");
        m.put("dependency_maps", "cityHash64(owner)");
        m.put("span_keys", "cityHash64(trace_id)");
        m.put("span_key_lookup", "cityHash64(trace_id)");
        SHARDING = java.util.Collections.unmodifiableMap(m);
    }

    private static final String LOCAL_SUFFIX = "_local";
    /** Whether a table exists (parameters: database, table), answering 0 or 1. */
    static final String EXISTS = "SELECT count() FROM system.tables WHERE database = ? AND name = ?";

    private final String database;
    private final String cluster;
    private final Pattern tableRef;

    ClusterLayout(String database, String cluster) {
        this.database = database;
        this.cluster = cluster;
        // db.<table> not followed by a word character: "events" does not match in "events_per_minute" nor "events_mv".
        this.tableRef = Pattern.compile(Pattern.quote(database + ".") + "(" + String.join("|", SHARDING.keySet()) + ")\\b");
    }

    static String local(String table) {
        return table + LOCAL_SUFFIX;
    }

    /** A migration statement as run on each node: every data table named by its local name. */
    String onNode(String statement) {
        Matcher m = tableRef.matcher(statement);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(database + "." + local(m.group(1))));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The data tables a migration's statements name, in {@link #SHARDING}'s order. */
    List<String> tablesNamed(Iterable<String> statements) {
        Set<String> named = new HashSet<>();
        for (String s : statements) {
            Matcher m = tableRef.matcher(s);
            while (m.find()) {
                named.add(m.group(1));
            }
        }
        return SHARDING.keySet().stream().filter(named::contains).toList();
    }

    /**
     * The {@code Distributed} table over {@code table}'s local one, made again so that it has the local table's
     * columns after a migration changed them ({@code AS} copies the columns, materialized ones included).
     */
    String distributed(String table) {
        return "CREATE OR REPLACE TABLE " + database + "." + table + " AS " + database + "." + local(table)
                + " ENGINE = Distributed('" + cluster + "', '" + database + "', '" + local(table) + "', "
                + SHARDING.get(table) + ")";
    }

    /** Drops the {@code Distributed} table of a table whose local one a migration dropped. */
    String dropDistributed(String table) {
        return "DROP TABLE IF EXISTS " + database + "." + table;
    }

}
