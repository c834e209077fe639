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
 * stored, but live inference stores its lifetime model only a model-interval after it last stored the models (at its
 * start, and here the interval is an hour, so not within the test). Meanwhile {@code GET /flows/{flow}} answers the last hour's model instead of 404 (real Kafka, real
 * ClickHouse, the whole application).
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class FlowBeforeItsLiveModelTest {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @Test
    void aNewFlowListedBeforeItsLiveModelIsStoredAnswersWithTheLastHoursModel(EmbeddedKafka kafka) {
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
                assertThat(api.ok("/instances?flow=UserRegistered").get("items")).hasSize(3);
            });

            JsonNode m = api.ok("/flows/UserRegistered");
            assertThat(m.get("flow").asText()).isEqualTo("UserRegistered");
            assertThat(m.get("instances").asLong()).isEqualTo(3);
            assertThat(m.get("from").isNull()).as("a window's model says its window").isFalse();
            assertThat(m.get("transitions").get(0).get("from").asText()).isEqualTo("UserRegistered");
            assertThat(m.get("transitions").get(0).get("to").asText()).isEqualTo("WelcomeSent");
            assertThat(m.get("transitions").get(0).get("count").asLong()).isEqualTo(3);
            // a flow without instances in the last hour and without a model is still unknown
            assertThat(api.get("/flows/NoSuchFlow").status()).isEqualTo(404);
        }
    }
}
