package io.choreoscope.storage.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.choreoscope.harness.clickhouse.ClickHouseCluster;
import io.choreoscope.harness.clickhouse.EmbeddedClickHouse;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ParseStatus;
import io.choreoscope.model.SchemaRef;
import io.choreoscope.model.Span;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The storage on a ClickHouse cluster of two shards ({@link ClickHouseCluster}: two engine processes, each one shard,
 * {@code Distributed} tables over local ones, see {@link ClusterLayout}). {@link ClickHouseStorageTest} runs every
 * storage contract on such a cluster as on one server: the answers a cluster gives are the ones one server gives.
 * The tests below check what the contracts cannot see: that rows really are spread over both shards, that
 * duplicates fold across the cluster, that each node is migrated, and the deletes that must run on every node.
 */
class ClickHouseClusterStorageTest {
    private static final Instant T = Instant.parse("2026-12-05T08:00:00.000Z");
    private static ClickHouseCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = ClickHouseCluster.start(2);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Settings of a new database (made on every node) of {@code cluster}, as the application would be given. */
    static ClickHouseConfig newDatabase(ClickHouseCluster cluster) {
        ClickHouseConfig config = new ClickHouseConfig(cluster.httpUrls().get(0), cluster.createDatabase("cluster"));
        config.setClusterName(ClickHouseCluster.NAME);
        config.setClusterNodes(cluster.httpUrls());
        return config;
    }

    /** A store on {@code config}'s new database with the schema migrated, and a pool on it; closing the pool first. */
    private static SqlRunner migrated(ClickHouseConfig config) throws java.sql.SQLException {
        ClickHouseStore store = new ClickHouseStore(config);
        try {
            new SchemaMigrator(store).migrate();
            return new SqlRunner(store);
        } catch (java.sql.SQLException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    private static long count(EmbeddedClickHouse node, String sql, String database) {
        return Long.parseLong(node.query(sql, database).strip());
    }

    /**
     * 400 records of 200 correlation IDs, then 100 of them again in a later batch (a redelivery): the rows are on both
     * shards, every copy of a record on the shard of its correlation ID, and every read shows each record once.
     */
    @Test
    void recordsAreSpreadOverTheShardsAndRedeliveredOnesShowOnce() throws Exception {
        ClickHouseConfig config = newDatabase(cluster);
        try (SqlRunner sql = migrated(config); ClickHouseStore store = sql.store()) {
            List<Observation> first = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                first.add(Observation.builder("orders", i % 3, i, T.plusMillis(i)).correlationId("c-" + (i % 200))
                        .eventType(i < 200 ? "OrderPlaced" : "OrderPaid").sourceService("orders")
                        .payload(("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8)).build());
            }
            ClickHouseEventWriter writer = new ClickHouseEventWriter(store);
            writer.accept(first);
            writer.accept(first.subList(100, 200));

            String db = config.getDatabase();
            long total = 0;
            for (EmbeddedClickHouse node : cluster.nodes()) {
                long rows = count(node, "SELECT count() FROM events_local", db);
                assertThat(rows).as("rows on %s", node).isBetween(50L, 450L);
                total += rows;
                // Every copy of a record is on the shard of its correlation ID: no ID on both shards.
                assertThat(count(node, "SELECT count() FROM events_local WHERE cityHash64(correlation_id) % 2 != "
                        + cluster.nodes().indexOf(node), db)).as("rows of the other shard's IDs on %s", node).isZero();
            }
            assertThat(total).as("every row stored once, redelivered ones twice until merged").isEqualTo(500);

            ClickHouseEventReader reader = new ClickHouseEventReader(sql);
            assertThat(reader.countVisible("orders")).isEqualTo(400);
            for (int id : new int[] {0, 150, 199}) {
                assertThat(reader.eventsOf("c-" + id)).extracting(Observation::offset)
                        .containsExactlyInAnyOrder((long) id, (long) id + 200);
            }
            Map<String, Long> perMinute = new TreeMap<>();
            sql.query("SELECT event_type, sum(events) FROM " + db + ".events_per_minute GROUP BY event_type",
                    rs -> perMinute.put(rs.getString(1), rs.getLong(2)));
            // The per-minute counts come from each shard's materialized view and are summed over both shards; a
            // redelivered record counts again there (as on one server: the view counts inserted rows).
            assertThat(perMinute).containsEntry("OrderPlaced", 300L).containsEntry("OrderPaid", 200L);
            // A topic's counts are on both shards: grouped by topic they are still one row (the table declares no
            // sharding key that ClickHouse could take to group on each shard alone or to ask one shard only).
            assertThat(sql.query("SELECT topic, sum(events) FROM " + db + ".events_per_minute GROUP BY topic",
                    rs -> rs.getString(1) + "=" + rs.getLong(2))).containsExactly("orders=500");
            assertThat(sql.query("SELECT sum(events) FROM " + db + ".events_per_minute WHERE topic = 'orders'",
                    rs -> rs.getLong(1))).containsExactly(500L);
        }
    }

    /** Spans by trace ID are on both shards; the span read of a trace finds all of its spans. */
    @Test
    void spansAreShardedByTraceAndReadWhole() throws Exception {
        ClickHouseConfig config = newDatabase(cluster);
        try (SqlRunner sql = migrated(config); ClickHouseStore store = sql.store()) {
            List<Span> spans = new ArrayList<>();
            for (int t = 0; t < 40; t++) {
                String trace = String.format("%032x", t * 7919L + 1);
                for (int s = 0; s < 3; s++) {
                    spans.add(new Span(trace, String.format("%016x", t * 10L + s + 1), null, "svc-" + s, "step-" + s,
                            "CONSUMER", T.plusMillis(t), 1000, "UNSET", Map.of(), null, null, null, null, null, null));
                }
            }
            new ClickHouseSpanWriter(store).accept(spans);
            for (EmbeddedClickHouse node : cluster.nodes()) {
                assertThat(count(node, "SELECT count() FROM spans_local", config.getDatabase())).as("spans on %s", node).isPositive();
            }
            ClickHouseSpanReader reader = new ClickHouseSpanReader(sql);
            for (int t : new int[] {0, 17, 39}) {
                assertThat(reader.trace(String.format("%032x", t * 7919L + 1))).hasSize(3);
            }
        }
    }

    /**
     * Each node records every migration; the {@code Distributed} tables have the columns of their local tables; a
     * second start applies nothing; and a table a migration dropped (V010's span keys, dropped by V012; V004's
     * instances, dropped by V019) has no {@code Distributed} table left.
     */
    @Test
    void everyNodeIsMigratedAndItsDistributedTablesMatchTheLocalOnes() throws Exception {
        ClickHouseConfig config = newDatabase(cluster);
        String db = config.getDatabase();
        try (ClickHouseStore store = new ClickHouseStore(config)) {
            assertThat(new SchemaMigrator(store).migrate()).containsExactly("V001", "V002", "V003", "V004", "V005", "V006",
                    "V007", "V008", "V010", "V011", "V012", "V015", "V016", "V017", "V018", "V019");
            assertThat(new SchemaMigrator(store).migrate()).isEmpty();
        }
        for (EmbeddedClickHouse node : cluster.nodes()) {
            assertThat(node.query("SELECT version FROM schema_migrations FINAL ORDER BY version FORMAT TSV", db).strip().split("\n"))
                    .containsExactly("V001", "V002", "V003", "V004", "V005", "V006", "V007", "V008", "V010", "V011", "V012", "V015", "V016", "V017", "V018", "V019");
            for (String table : ClusterLayout.SHARDING.keySet()) {
                String engine = node.query("SELECT engine FROM system.tables WHERE database = currentDatabase() AND name = '"
                        + table + "' FORMAT TSV", db).strip();
                if (table.equals("span_keys") || table.equals("instances")) {
                    assertThat(engine).as("%s, dropped by V012 or V019", table).isEmpty();
                    assertThat(node.query("EXISTS TABLE " + ClusterLayout.local(table), db).strip()).isEqualTo("0");
                    continue;
                }
                assertThat(engine).as("%s on %s", table, node).isEqualTo("Distributed");
                String columns = "SELECT name, type, default_kind, default_expression FROM system.columns WHERE database = "
                        + "currentDatabase() AND table = '%s' ORDER BY position FORMAT TSV";
                assertThat(node.query(columns.formatted(table), db))
                        .as("columns of %s against its local table", table)
                        .isEqualTo(node.query(columns.formatted(ClusterLayout.local(table)), db));
            }
        }
    }

    /**
     * A flagged record and its re-decoded copy may sit on different shards (the copy gained a correlation ID): the
     * flagged one is deleted wherever it is, since {@code Distributed} tables take no {@code DELETE}.
     */
    @Test
    void aFlaggedRecordIsDeletedOnWhicheverShardHoldsIt() throws Exception {
        ClickHouseConfig config = newDatabase(cluster);
        try (SqlRunner sql = migrated(config); ClickHouseStore store = sql.store()) {
            List<Observation> flagged = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                flagged.add(Observation.builder("fl", 0, i, T).payload(new byte[] {0, 0, 0, 0, 7, 2})
                        .schema(new SchemaRef(SchemaRef.AVRO, "7", "com.acme.X", "fl-value", 1))
                        .correlationId("flagged-" + i).parseStatus(ParseStatus.SCHEMA_UNAVAILABLE).build());
            }
            ClickHouseEventWriter writer = new ClickHouseEventWriter(store);
            writer.accept(flagged);
            for (EmbeddedClickHouse node : cluster.nodes()) {
                assertThat(count(node, "SELECT count() FROM events_local", config.getDatabase())).as("flagged rows on %s", node).isPositive();
            }
            List<Observation> redecoded = flagged.stream().map(o -> o.toBuilder().parseStatus(ParseStatus.OK)
                    .correlationId("x-" + o.offset()).decodedPayload("{}").build()).toList();
            writer.accept(redecoded);
            ClickHouseFlaggedEvents store2 = new ClickHouseFlaggedEvents(sql);
            assertThat(store2.flagged(ParseStatus.SCHEMA_UNAVAILABLE, 100)).hasSize(20);
            store2.removeFlagged(ParseStatus.SCHEMA_UNAVAILABLE, redecoded);
            assertThat(store2.flagged(ParseStatus.SCHEMA_UNAVAILABLE, 100)).isEmpty();
            assertThat(new ClickHouseEventReader(sql).countVisible("fl")).isEqualTo(20);
        }
    }

    /**
     * A batch written while one shard is down is refused as a whole (inserts wait for every shard), though the shard
     * that is up may already have stored its part; reads fail rather than answer from half the data, and health is
     * DOWN naming the shard. Written again
     * once the shard is back, as the tap retries, every record shows once and counts once per state.
     */
    @Test
    @SuppressWarnings("unchecked")
    void aBatchRefusedWhileAShardIsDownShowsOnceAfterTheRetry() throws Exception {
        ClickHouseConfig config = newDatabase(cluster);
        config.setTimeout(java.time.Duration.ofSeconds(5));
        EmbeddedClickHouse second = cluster.nodes().get(1);
        try (SqlRunner sql = migrated(config); ClickHouseStore store = sql.store()) {
            List<Observation> batch = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                batch.add(Observation.builder("outage", 0, i, T.plusMillis(i)).correlationId("o-" + (i % 100))
                        .eventType("E" + (i / 100)).payload("{}".getBytes(StandardCharsets.UTF_8)).build());
            }
            ClickHouseEventWriter writer = new ClickHouseEventWriter(store);
            ClickHouseEventReader reader = new ClickHouseEventReader(sql);
            config.setHealthCheckInterval(java.time.Duration.ZERO);
            ClickHouseHealthIndicator health = new ClickHouseHealthIndicator(store);
            assertThat(health(health)).satisfies(h -> {
                assertThat(h.getStatus()).isEqualTo(io.micronaut.health.HealthStatus.UP);
                assertThat((Map<String, Object>) h.getDetails()).containsEntry("shards", 2L);
            });
            second.stop();
            try {
                assertThatThrownBy(() -> writer.accept(batch)).isInstanceOf(io.choreoscope.model.SinkUnavailableException.class);
                assertThatThrownBy(() -> reader.countVisible("outage")).as("no answer from half the shards")
                        .isInstanceOf(io.choreoscope.model.StorageException.class);
                assertThat(health(health)).satisfies(h -> {
                    assertThat(h.getStatus()).isEqualTo(io.micronaut.health.HealthStatus.DOWN);
                    assertThat(String.valueOf(((Map<String, Object>) h.getDetails()).get("error")))
                            .as("names the shard that does not answer").contains(String.valueOf(second.tcpPort()));
                });
            } finally {
                second.restart();
            }
            assertThat(health(health).getStatus()).isEqualTo(io.micronaut.health.HealthStatus.UP);
            writer.accept(batch);
            assertThat(reader.countVisible("outage")).isEqualTo(300);
            for (int id : new int[] {0, 42, 99}) {
                assertThat(reader.eventsOf("o-" + id)).extracting(Observation::eventType).containsExactly("E0", "E1", "E2");
            }
        }
    }

    /** The indicator's one result (its publisher answers at once, on the caller's thread). */
    private static io.micronaut.management.health.indicator.HealthResult health(ClickHouseHealthIndicator indicator) {
        java.util.concurrent.atomic.AtomicReference<io.micronaut.management.health.indicator.HealthResult> out =
                new java.util.concurrent.atomic.AtomicReference<>();
        indicator.getResult().subscribe(new org.reactivestreams.Subscriber<>() {
            @Override
            public void onSubscribe(org.reactivestreams.Subscription s) {
                s.request(1);
            }

            @Override
            public void onNext(io.micronaut.management.health.indicator.HealthResult r) {
                out.set(r);
            }

            @Override
            public void onError(Throwable t) {
                throw new AssertionError(t);
            }

            @Override
            public void onComplete() {
            }
        });
        return java.util.Objects.requireNonNull(out.get(), "no health result");
    }

    @Test
    void aClusterWithoutItsNodesIsRefusedAtStart() {
        ClickHouseConfig config = new ClickHouseConfig(cluster.httpUrls().get(0), "nodes_missing");
        config.setClusterName(ClickHouseCluster.NAME);
        assertThatThrownBy(() -> new ClickHouseStore(config)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cluster-nodes is empty");
        assertThatThrownBy(() -> config.setClusterName("a b;DROP")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> config.setClusterNodes(List.of("file:///etc/passwd"))).isInstanceOf(IllegalArgumentException.class);
    }
}
