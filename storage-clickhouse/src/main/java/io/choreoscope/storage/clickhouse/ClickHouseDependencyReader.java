package io.choreoscope.storage.clickhouse;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.choreoscope.model.DeadLetters;
import io.choreoscope.model.DependencyReader;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.ModelMerge;

/**
 * The dependency map from {@code events_per_minute} (PRODUCES) and {@code dependency_maps} (CONSUMES, merged over
 * owners). A CONSUMES edge's JSON keeps its delay sketch bins ({@code delay}), so its p50/p99 merge exactly over owners
 * ({@link ModelMerge}); rows written before (V005's count-weighted mean) still read, merged approximately.
 */
public final class ClickHouseDependencyReader implements DependencyReader {

    private final SqlRunner sql;
    private final String db;

    public ClickHouseDependencyReader(SqlRunner sql) {
        this.sql = sql;
        this.db = sql.store().database();
    }

    /**
     * The service dependency map: PRODUCES edges counted from the stored events of the window (per-minute
     * aggregates); CONSUMES edges (consumer groups, consumer spans) as live inference learned them, merged
     * over every owner.
     */
    @Override
    public DependencyMap dependencies(Instant from, Instant to) {
        double windowSeconds = DependencyReader.windowSeconds(from, to);
        List<DependencyMap> parts = sql.query("SELECT map FROM " + db + ".dependency_maps FINAL",
                rs -> Json.read(rs.getString(1), DependencyMap.class));
        DependencyMap learned = ModelMerge.dependencies(parts);
        Set<DependencyMap.Node> nodes = new java.util.HashSet<>();
        List<DependencyMap.Edge> edges = new ArrayList<>();
        sql.query("SELECT source_service, topic, groupUniqArray(event_type), sum(events) FROM " + db
                + ".events_per_minute WHERE minute >= toStartOfMinute(" + SqlRunner.TS + ") AND minute < " + SqlRunner.TS
                + " AND source_service != '' GROUP BY source_service, topic ORDER BY source_service, topic", rs -> {
                    String service = rs.getString(1);
                    String topic = rs.getString(2);
                    List<String> types = new ArrayList<>(java.util.Arrays.asList(strings(rs.getString(3))));
                    types.remove("");
                    long count = rs.getLong(4);
                    nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.SERVICE, service));
                    nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.TOPIC, topic));
                    edges.add(new DependencyMap.Edge(DependencyMap.EdgeRole.PRODUCES, service, topic, Set.copyOf(types),
                            count, count / windowSeconds, Double.NaN, Double.NaN, Set.of("observation")));
                    return null;
                }, from, to);
        for (DependencyMap.Edge e : learned.edges()) {
            if (e.role() == DependencyMap.EdgeRole.CONSUMES) {
                edges.add(e);
                nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.SERVICE, e.service()));
                nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.TOPIC, e.topic()));
            }
        }
        List<DependencyMap.Node> ns = new ArrayList<>(nodes);
        ns.sort(java.util.Comparator.comparing((DependencyMap.Node n) -> n.kind()).thenComparing(DependencyMap.Node::name));
        return new DependencyMap(ns, edges);
    }

    /**
     * A span read's window, [the minute of {@code from}, {@code to}), by the start time's minute: the same spans as
     * {@code start_ts >= toStartOfMinute(from)}, named so that ClickHouse answers the counts from the projection of
     * counts per minute (migration V017) instead of reading {@code spans}, whose trace-ID order spreads every minute
     * over every granule once parts merge. Binds {@code from}, {@code to}.
     */
    static final String SPAN_MINUTES = "toStartOfMinute(start_ts) >= toStartOfMinute(" + SqlRunner.TS
            + ") AND toStartOfMinute(start_ts) < " + SqlRunner.TS;

    /** {@link #spanDependencies}'s statement, for tests. */
    String spanDependenciesSql() {
        return "SELECT kind, service, messaging_destination, count() FROM " + db + ".spans"
                + " WHERE kind IN ('PRODUCER', 'CONSUMER') AND messaging_destination != ''"
                + " AND " + SPAN_MINUTES
                + " GROUP BY kind, service, messaging_destination ORDER BY kind, service, messaging_destination";
    }

    /**
     * Counted from the spans, without FINAL: a span an exporter re-sent counts twice until the merge folds it (rare,
     * and the same drift as the per-minute event counts), in the table and in its projection alike; ClickHouse answers
     * from the projection of counts per minute ({@link #SPAN_MINUTES}).
     */
    @Override
    public DependencyMap spanDependencies(Instant from, Instant to) {
        double windowSeconds = DependencyReader.windowSeconds(from, to);
        Set<DependencyMap.Node> nodes = new java.util.HashSet<>();
        List<DependencyMap.Edge> edges = new ArrayList<>();
        sql.query(spanDependenciesSql(), rs -> {
                    DependencyMap.EdgeRole role = "PRODUCER".equals(rs.getString(1))
                            ? DependencyMap.EdgeRole.PRODUCES : DependencyMap.EdgeRole.CONSUMES;
                    String service = rs.getString(2);
                    String topic = rs.getString(3);
                    long count = rs.getLong(4);
                    nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.SERVICE, service));
                    nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.TOPIC, topic));
                    edges.add(new DependencyMap.Edge(role, service, topic, Set.of(), count, count / windowSeconds,
                            Double.NaN, Double.NaN, Set.of("span")));
                    return null;
                }, from, to);
        List<DependencyMap.Node> ns = new ArrayList<>(nodes);
        ns.sort(java.util.Comparator.comparing((DependencyMap.Node n) -> n.kind()).thenComparing(DependencyMap.Node::name));
        return new DependencyMap(ns, edges);
    }

    @Override
    public List<MinuteCount> consumerSpansPerMinute(java.util.Collection<String> topics, Instant from, Instant to) {
        List<String> distinct = new ArrayList<>(new java.util.LinkedHashSet<>(topics));
        if (distinct.isEmpty()) {
            return List.of();
        }
        List<Object> params = new ArrayList<>(distinct);
        params.add(from);
        params.add(to);
        return sql.query(consumerSpansPerMinuteSql(distinct.size()),
                rs -> new MinuteCount(rs.getString(1), rs.getString(2), Instant.ofEpochSecond(rs.getLong(3)), rs.getLong(4)),
                params.toArray());
    }

    /** {@link #consumerSpansPerMinute}'s statement for {@code topics} topics, for tests. */
    String consumerSpansPerMinuteSql(int topics) {
        return "SELECT service, messaging_destination, toUnixTimestamp(toStartOfMinute(start_ts)) AS m, count() FROM "
                + db + ".spans WHERE kind = 'CONSUMER' AND messaging_destination IN (" + SqlRunner.placeholders(topics)
                + ") AND " + SPAN_MINUTES
                + " GROUP BY service, messaging_destination, m ORDER BY service, messaging_destination, m";
    }

    /** {@link #consumerGroupServices}'s statement, for tests. */
    String consumerGroupServicesSql() {
        return "SELECT consumer_group, argMax(service, n) FROM (SELECT consumer_group, service, count() AS n FROM "
                + db + ".spans WHERE kind = 'CONSUMER' AND consumer_group != ''"
                + " AND " + SPAN_MINUTES
                + " GROUP BY consumer_group, service) GROUP BY consumer_group";
    }

    @Override
    public Map<String, String> consumerGroupServices(Instant from, Instant to) {
        Map<String, String> out = new HashMap<>();
        sql.query(consumerGroupServicesSql(), rs -> out.put(rs.getString(1), rs.getString(2)), from, to);
        return out;
    }

    /**
     * Without FINAL, like the per-minute counts: the time skip index bounds the scan to the window, and only
     * RabbitMQ topics (prefix {@code rabbitmq:}) are read.
     */
    @Override
    public Map<String, Map<String, Long>> routedQueues(Instant from, Instant to) {
        Map<String, Map<String, Long>> out = new HashMap<>();
        perQueue("arrayFilter((v, k) -> k = 'amqp:routed_queue', header_values, header_keys)", "1", "", rs -> {
            out.computeIfAbsent(rs.getString(1), t -> new HashMap<>()).put(rs.getString(2), rs.getLong(3));
            return null;
        }, from, to);
        return out;
    }

    @Override
    public List<DeadLettered> deadLettered(Instant from, Instant to) {
        List<DeadLettered> out = new ArrayList<>();
        // the dead-letter rule of DeadLetters.deadLetteredByRabbitMq: the death queue's header, not sent back by a redrive
        perQueue("[header_values[indexOf(header_keys, '" + DeadLetters.RABBITMQ_DEATH_QUEUE + "')]]",
                "has(header_keys, '" + DeadLetters.RABBITMQ_DEATH_QUEUE + "') AND NOT replayed", ", groupUniqArray(100)(event_type)", rs -> {
                    List<String> types = new ArrayList<>(java.util.Arrays.asList(strings(rs.getString(4))));
                    types.remove("");
                    out.add(new DeadLettered(rs.getString(1), rs.getString(2), rs.getLong(3), Set.copyOf(types)));
                    return null;
                }, from, to);
        return out;
    }

    /** Without FINAL, like {@link #routedQueues}: a topic is named once whatever the copies; Kafka topics only. */
    @Override
    public Set<String> deadLetterTopicsByHeaders(Instant from, Instant to) {
        Set<String> out = new java.util.TreeSet<>();
        sql.query("SELECT DISTINCT topic FROM " + db + ".events WHERE NOT startsWith(topic, 'rabbitmq:') AND "
                + DeadLetterSql.namingOriginalTopic("") + " AND ts >= toStartOfMinute(" + SqlRunner.TS + ") AND toStartOfMinute(ts) < " + SqlRunner.TS
                + " ORDER BY topic LIMIT " + MAX_DEAD_LETTER_TOPICS, rs -> out.add(rs.getString(1)), from, to);
        return out;
    }

    /**
     * Messages of RabbitMQ exchanges in [{@code from}, {@code to}) (from the minute of {@code from}) per topic and the
     * queue {@code queues} (an array expression over the row) names, where {@code condition} holds: topic, queue,
     * count, then {@code more} columns.
     */
    private void perQueue(String queues, String condition, String more, SqlRunner.RowMapper<Object> row, Instant from, Instant to) {
        sql.query("SELECT topic, queue, count()" + more + " FROM " + db + ".events ARRAY JOIN " + queues + " AS queue"
                + " WHERE startsWith(topic, 'rabbitmq:') AND " + condition
                + " AND ts >= toStartOfMinute(" + SqlRunner.TS + ") AND toStartOfMinute(ts) < " + SqlRunner.TS
                + " AND queue IS NOT NULL GROUP BY topic, queue", row, from, to);
    }

    /** Events per second tapped per topic over the last 5 minutes. */
    @Override
    public Map<String, Double> topicRates() {
        Map<String, Double> out = new HashMap<>();
        sql.query("SELECT topic, sum(events) FROM " + db + ".events_per_minute WHERE minute >= toStartOfMinute(now() - INTERVAL 5 MINUTE) "
                + "GROUP BY topic", rs -> out.put(rs.getString(1), rs.getLong(2) / 300.0));
        return out;
    }

    private static String[] strings(String clickHouseArray) {
        // arrays of strings come back as ['a','b'] text; event types never contain quotes in practice, but be safe
        String s = clickHouseArray.strip();
        if (s.length() <= 2) {
            return new String[0];
        }
        List<String> out = new ArrayList<>();
        StringBuilder cur = null;
        for (int i = 1; i < s.length() - 1; i++) {
            char c = s.charAt(i);
            if (cur == null) {
                if (c == '\'') {
                    cur = new StringBuilder();
                }
            } else if (c == '\\' && i + 1 < s.length() - 1) {
                cur.append(s.charAt(++i));
            } else if (c == '\'') {
                out.add(cur.toString());
                cur = null;
            } else {
                cur.append(c);
            }
        }
        return out.toArray(String[]::new);
    }
}
