package io.choreoscope.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.choreoscope.harness.clickhouse.ClickHouseCluster;
import io.choreoscope.harness.clickhouse.EmbeddedClickHouse;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every test of {@link ApiEndpointsTest}, unchanged, with the application storing on a ClickHouse cluster of two
 * shards (two engine processes; docs/SCALING.md): the tap inserts through the {@code Distributed} tables, live
 * inference writes and reads instances there, and each endpoint's answer must be the one it gives on one server.
 * The static methods below hide the superclass's of the same signature, so JUnit runs these in their place.
 */
class ClusterApiEndpointsTest extends ApiEndpointsTest {
    private static ClickHouseCluster cluster;
    private static String database;

    @BeforeAll
    static void produceASagaLogAndStartTheApp(EmbeddedKafka kafka) {
        cluster = ClickHouseCluster.start(2);
        database = cluster.createDatabase("api_cluster");
        start(kafka, cluster.httpUrls().get(0), database, io.choreoscope.ingest.TestApplication.onCluster(cluster));
    }

    /**
     * The saga log (40 records, 14 instances; other tests of the class may add a few) is stored across both shards,
     * each record and each instance on one of them: the shards' rows add up to what the {@code Distributed} tables and
     * the API show.
     */
    @Test
    void theSagaLogIsStoredAcrossBothShards() {
        long events = 0;
        long instances = 0;
        for (EmbeddedClickHouse node : cluster.nodes()) {
            long e = count(node, "SELECT count() FROM events_local FINAL");
            long i = count(node, "SELECT count() FROM instances_by_day_local FINAL");
            assertThat(e).as("records on %s", node).isPositive();
            assertThat(i).as("instances on %s", node).isPositive();
            events += e;
            instances += i;
        }
        EmbeddedClickHouse first = cluster.nodes().get(0);
        assertThat(events).isGreaterThanOrEqualTo(40).isEqualTo(count(first, "SELECT count() FROM events FINAL"));
        assertThat(instances).isGreaterThanOrEqualTo(14).isEqualTo(count(first, "SELECT count() FROM instances_by_day FINAL"))
                .isEqualTo(api.ok("/instances?limit=500").get("items").size());
    }

    /** Health asks every shard: UP with the cluster and both shards. */
    @Test
    void healthNamesTheClusterAndItsShards() {
        ApiClient.Answer health = new ApiClient(api.base().replace("/api/v1", "")).get("/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.body().at("/details/clickhouse/status").asText()).isEqualTo("UP");
        assertThat(health.body().at("/details/clickhouse/details/cluster").asText()).isEqualTo(ClickHouseCluster.NAME);
        assertThat(health.body().at("/details/clickhouse/details/shards").asLong()).isEqualTo(2);
    }

    private static long count(EmbeddedClickHouse node, String sql) {
        return Long.parseLong(node.query(sql + " SETTINGS distributed_product_mode = 'global'", database).strip());
    }

    @AfterAll
    static void stop() {
        try {
            ApiEndpointsTest.stop();
        } finally {
            if (cluster != null) {
                cluster.close();
            }
        }
    }
}
