package io.choreoscope.live;

import io.choreoscope.ingest.TestApplication;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.choreoscope.api.ApiClient;
import io.choreoscope.api.Saga;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InstanceState;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The embedded layout: a restarted application recovers live instances and flow models from ClickHouse. */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class LiveStateSurvivesRestartTest {
    private static final Duration WAIT = Duration.ofSeconds(90);

    private static Map<String, Object> props(String prefix, String db, String tapGroup) {
        Map<String, Object> p = TestApplication.properties(prefix, db);
        p.put("choreoscope.tap.group-id", tapGroup);
        p.put("choreoscope.inference.evaluate-interval", "200ms");
        p.put("choreoscope.inference.model-interval", "300ms");
        p.put("choreoscope.inference.end-event-types", "OrderShipped");
        // Open instances stay RUNNING for the whole test (no state may move on its own between before and after).
        p.put("choreoscope.inference.stuck-floor", "10m");
        return p;
    }

    @Test
    void restartedAppRecoversInstanceStatesAndFlowModelsAndContinuesRunningInstances(EmbeddedKafka kafka) throws Exception {
        String prefix = KafkaExtension.uniqueName("restart");
        String topic = prefix + "-orders";
        kafka.createTopic(topic, 2);
        String db = ClickHouseExtension.createDatabase();
        String tapGroup = KafkaExtension.uniqueName("tap");
        Map<String, InstanceState> before;
        FlowModel modelBefore;
        JsonNode apiModelBefore;
        try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
            Saga saga = new Saga(producer, topic);
            Instant base = Instant.now().minusSeconds(30);
            try (ApplicationContext app = ApplicationContext.run(EmbeddedServer.class, props(prefix, db, tapGroup)).getApplicationContext()) {
                ApiClient api = new ApiClient(app.getBean(EmbeddedServer.class).getURL() + "/api/v1");
                for (int i = 0; i < 20; i++) {
                    saga.completed("done-" + i, base.plusMillis(i * 300L));
                }
                for (int i = 0; i < 5; i++) {
                    // halfway: placed and paid, not shipped yet
                    saga.event("open-" + i, "OrderPlaced", "orders", base.plusSeconds(10 + i), "{}");
                    saga.event("open-" + i, "PaymentCaptured", "payments", base.plusSeconds(10 + i).plusMillis(100), "{}");
                }
                saga.flush();
                LiveInference live = app.getBean(LiveInference.class);
                await().atMost(WAIT).untilAsserted(() -> {
                    assertThat(api.ok("/instances?state=RUNNING&limit=500").get("items")).hasSize(5);
                    assertThat(api.ok("/instances?state=COMPLETED&limit=500").get("items")).hasSize(20);
                    assertThat(api.ok("/flows/OrderPlaced").get("instances").asLong()).isEqualTo(25);
                });
                before = live.states();
                modelBefore = live.onEngine(l -> l.engine().flowModel("OrderPlaced").orElseThrow()).get(10, TimeUnit.SECONDS);
                apiModelBefore = api.ok("/flows/OrderPlaced");
            }
            assertThat(before).hasSize(25);

            try (ApplicationContext app = ApplicationContext.run(EmbeddedServer.class, props(prefix, db, tapGroup)).getApplicationContext()) {
                ApiClient api = new ApiClient(app.getBean(EmbeddedServer.class).getURL() + "/api/v1");
                LiveInference live = app.getBean(LiveInference.class);
                assertThat(live.recovered().get(60, TimeUnit.SECONDS)).isEqualTo(25);
                assertThat(live.states()).isEqualTo(before);
                FlowModel modelAfter = live.onEngine(l -> l.engine().flowModel("OrderPlaced").orElseThrow()).get(10, TimeUnit.SECONDS);
                assertThat(modelAfter).isEqualTo(modelBefore);
                await().atMost(WAIT).untilAsserted(() -> assertThat(api.ok("/flows/OrderPlaced")).isEqualTo(apiModelBefore));

                // A running instance continues where it was: its next event completes it (it does not start a new flow).
                saga.event("open-0", "OrderShipped", "shipping", Instant.now(), "{}");
                saga.flush();
                await().atMost(WAIT).untilAsserted(() -> {
                    JsonNode s = api.ok("/instances/open-0").get("snapshot");
                    assertThat(s.get("state").asText()).isEqualTo("COMPLETED");
                    assertThat(s.get("flow").asText()).isEqualTo("OrderPlaced");
                    assertThat(s.get("eventCount").asInt()).isEqualTo(3);
                });
                assertThat(api.ok("/flows").get(0).get("completed").asLong()).isEqualTo(21);
            }
        }
    }
}
