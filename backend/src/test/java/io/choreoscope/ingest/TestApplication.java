package io.choreoscope.ingest;

import java.util.HashMap;
import java.util.Map;

import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;

/**
 * Starts the whole application (HTTP on a free port, OTLP on a free port, the tap, ClickHouse storage)
 * against the test JVM's real Kafka and ClickHouse, tapping only topics that start with a prefix so
 * that test classes do not see each other's records.
 */
public final class TestApplication {
    private TestApplication() {
    }

    public static ApplicationContext start(String topicPrefix, String database, Map<String, Object> extra) {
        Map<String, Object> p = properties(topicPrefix, database);
        p.putAll(extra);
        return ApplicationContext.run(EmbeddedServer.class, p).getApplicationContext();
    }

    /**
     * The application's properties for tests, before a test's own settings: a mutable map to add to
     * (a fresh tap group each call; put {@code choreoscope.tap.group-id} to share one across restarts).
     */
    public static Map<String, Object> properties(String topicPrefix, String database) {
        Map<String, Object> p = new HashMap<>();
        p.put("micronaut.server.port", -1);
        p.put("choreoscope.otlp.port", 0);
        p.put("choreoscope.otlp.grpc-port", 0);
        p.put("choreoscope.otlp.host", "127.0.0.1");
        p.put("choreoscope.tap.bootstrap-servers", KafkaExtension.kafka().bootstrapServers());
        p.put("choreoscope.tap.group-id", KafkaExtension.uniqueName("tap"));
        p.put("choreoscope.tap.include", topicPrefix + ".*");
        p.put("choreoscope.tap.batch-linger", "100ms");
        p.put("choreoscope.tap.metadata-max-age", "500ms");
        p.put("choreoscope.tap.retry-max", "1s");
        p.put("choreoscope.clickhouse.url", ClickHouseExtension.engine().httpUrl());
        p.put("choreoscope.clickhouse.database", database);
        return p;
    }

    /** The settings that point the application at {@code cluster}: queries and inserts through its first node. */
    public static Map<String, Object> onCluster(io.choreoscope.harness.clickhouse.ClickHouseCluster cluster) {
        return Map.of("choreoscope.clickhouse.url", cluster.httpUrls().get(0),
                "choreoscope.clickhouse.cluster-name", io.choreoscope.harness.clickhouse.ClickHouseCluster.NAME,
                "choreoscope.clickhouse.cluster-nodes", String.join(",", cluster.httpUrls()));
    }
}
