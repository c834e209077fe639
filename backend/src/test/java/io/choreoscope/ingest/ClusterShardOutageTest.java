package io.choreoscope.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.choreoscope.api.ApiClient;
import io.choreoscope.api.Saga;
import io.choreoscope.harness.clickhouse.ClickHouseCluster;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.clickhouse.EmbeddedClickHouse;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole application (Kafka tap, live inference, API) on a ClickHouse cluster of two shards, one shard stopped
 * while orders flow and started again: afterwards every record produced is visible once and every order is one
 * COMPLETED instance with its three events, counted as users count them (the API's listing and each instance), and
 * the shards' rows add up to that.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class ClusterShardOutageTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int ORDERS = 120;

    @Test
    void ordersProducedWhileAShardIsDownAreEachOneCompletedInstanceAfterItIsBack(EmbeddedKafka kafka) throws Exception {
        String prefix = KafkaExtension.uniqueName("shard-outage");
        String topic = prefix + "-orders";
        kafka.createTopic(topic, 3);
        try (ClickHouseCluster cluster = ClickHouseCluster.start(2)) {
            String db = cluster.createDatabase("outage");
            Map<String, Object> p = TestApplication.properties(prefix, db);
            p.putAll(TestApplication.onCluster(cluster));
            p.put("choreoscope.clickhouse.timeout", "5s");
            p.put("choreoscope.clickhouse.health-check-interval", "0s");
            p.put("choreoscope.inference.evaluate-interval", "200ms");
            p.put("choreoscope.inference.end-event-types", "OrderShipped");
            p.put("choreoscope.inference.stuck-floor", "10m");
            EmbeddedClickHouse second = cluster.nodes().get(1);
            try (ApplicationContext app = ApplicationContext.run(EmbeddedServer.class, p).getApplicationContext();
                 KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
                ApiClient api = new ApiClient(app.getBean(EmbeddedServer.class).getURL() + "/api/v1");
                ApiClient root = new ApiClient(app.getBean(EmbeddedServer.class).getURL().toString());
                Saga saga = new Saga(producer, topic);
                Instant base = Instant.now().minusSeconds(120);
                for (int i = 0; i < ORDERS / 3; i++) {
                    saga.completed("o-" + i, base.plusMillis(i * 10L));
                }
                saga.flush();
                await().atMost(WAIT).until(() -> api.ok("/instances?limit=500").get("items").size() == ORDERS / 3);

                second.stop();
                try {
                    for (int i = ORDERS / 3; i < ORDERS; i++) {
                        saga.completed("o-" + i, base.plusMillis(i * 10L));
                    }
                    saga.flush();
                    await().atMost(WAIT).until(() -> root.get("/health").body()
                            .at("/details/clickhouse/status").asText().equals("DOWN"));
                    Thread.sleep(3_000); // the tap retries while the shard is down (a fault's duration, not a wait for a result)
                } finally {
                    second.restart();
                }

                await().atMost(WAIT).untilAsserted(() -> {
                    JsonNode items = api.ok("/instances?limit=500").get("items");
                    assertThat(items).hasSize(ORDERS);
                    Map<String, Integer> states = new HashMap<>();
                    items.forEach(i -> states.merge(i.get("state").asText(), 1, Integer::sum));
                    assertThat(states).isEqualTo(Map.of("COMPLETED", ORDERS));
                });
                for (int i = 0; i < ORDERS; i++) {
                    JsonNode d = api.ok("/instances/o-" + i);
                    List<String> types = new java.util.ArrayList<>();
                    d.get("events").forEach(e -> types.add(e.get("eventType").asText()));
                    assertThat(types).as("o-%d", i).containsExactly("OrderPlaced", "PaymentCaptured", "OrderShipped");
                }
                long records = 0;
                long instances = 0;
                for (EmbeddedClickHouse node : cluster.nodes()) {
                    records += Long.parseLong(node.query("SELECT count() FROM events_local FINAL", db).strip());
                    instances += Long.parseLong(node.query("SELECT count() FROM instances_by_day_local FINAL", db).strip());
                }
                assertThat(records).isEqualTo(3L * ORDERS);
                assertThat(instances).isEqualTo(ORDERS);
                assertThat(root.get("/health").body().at("/details/clickhouse/status").asText()).isEqualTo("UP");
            }
        }
    }
}
