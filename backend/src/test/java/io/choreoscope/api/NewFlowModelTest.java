package io.choreoscope.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A flow that appears while the application runs is listed by {@code GET /flows} as soon as its first instance is
 * stored; live inference then stores the flow models at its next tick, not a model-interval after it last stored them
 * (here an hour, so not within the test), so {@code GET /flows/{flow}} answers its lifetime model instead of 404
 * (real Kafka, real ClickHouse, the whole application).
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class NewFlowModelTest {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @Test
    void aNewFlowsLifetimeModelIsStoredWithItsFirstInstancesNotAModelIntervalLater(EmbeddedKafka kafka) {
        String prefix = KafkaExtension.uniqueName("newflow");
        String topic = prefix + "-events";
        kafka.createTopic(topic, 2);
        Map<String, Object> p = ApiEndpointsTest.appProperties(prefix, ClickHouseExtension.createDatabase());
        p.put("choreoscope.inference.model-interval", "1h");
        try (ApplicationContext app = ApplicationContext.run(EmbeddedServer.class, p).getApplicationContext();
             KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
            ApiClient api = new ApiClient(app.getBean(EmbeddedServer.class).getURL() + "/api/v1");
            Saga saga = new Saga(producer, topic);
            Instant now = Instant.now();
            for (int i = 1; i <= 3; i++) {
                Instant at = now.minusSeconds(20).plusSeconds(i);
                saga.event("signup-" + i, "UserRegistered", "accounts", at, "{}");
                saga.event("signup-" + i, "WelcomeSent", "mailer", at.plusMillis(40), "{}");
            }
            saga.flush();
            await().atMost(WAIT).untilAsserted(() -> {
                List<String> listed = new ArrayList<>();
                api.ok("/flows").forEach(f -> listed.add(f.get("flow").asText()));
                assertThat(listed).contains("UserRegistered");
            });
            // listed by its stored instance: its lifetime model follows within a tick or two
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(api.get("/flows/UserRegistered").status()).isEqualTo(200));
            JsonNode m = api.ok("/flows/UserRegistered");
            assertThat(m.get("flow").asText()).isEqualTo("UserRegistered");
            assertThat(m.get("from").isNull()).as("the lifetime model, not a window's").isTrue();
            assertThat(m.get("instances").asLong()).isBetween(1L, 3L);
            assertThat(m.get("nodes").toString()).contains("UserRegistered");
            // an unknown flow is still 404
            assertThat(api.get("/flows/NoSuchFlow").status()).isEqualTo(404);
        }
    }
}
