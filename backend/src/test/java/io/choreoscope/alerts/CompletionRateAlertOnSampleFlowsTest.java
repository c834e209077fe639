package io.choreoscope.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.ingest.TestApplication;
import io.choreoscope.samples.Flow;
import io.choreoscope.samples.SampleFlowsRunner;
import io.choreoscope.samples.SampleFlowsSettings;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Issue 8's alert check on real traffic: the sample order saga runs against real Kafka, the tap and
 * live inference write instance states to real ClickHouse, and a completion-rate rule fires to a real
 * local webhook when the payment decline rate is raised, then resolves when it is lowered.
 *
 * <p>Mostly waiting (for alert windows to pass, lag to grow), so it runs beside the module's other test classes, on
 * topics, groups and a database of its own; never while a class stops the shared ClickHouse
 * ({@link ClickHouseExtension#SHARED_ENGINE_LOCK}).
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(value = ClickHouseExtension.SHARED_ENGINE_LOCK, mode = ResourceAccessMode.READ)
class CompletionRateAlertOnSampleFlowsTest {
    private static final Duration WAIT = Duration.ofSeconds(120);

    private static SampleFlowsSettings orders(EmbeddedKafka kafka, String prefix, double declineRate) {
        return SampleFlowsSettings.defaults().withoutFaults().toBuilder()
                .bootstrapServers(kafka.bootstrapServers())
                .tracing(false)
                .only(Flow.ORDERS)
                .rate(8)
                .shortageRate(0)
                .declineRate(declineRate)
                .topicPrefix(prefix + "-")
                .partitions(1)
                .build();
    }

    @Test
    void completionRateRuleFiresWhenDeclinesRiseAndResolvesWhenTheyFall(EmbeddedKafka kafka) throws Exception {
        String prefix = KafkaExtension.uniqueName("alertflow");
        HttpClient http = HttpClient.newHttpClient();
        // The ends are configured rather than learned, so the test does not wait for the learning window.
        try (ApplicationContext app = TestApplication.start(prefix, ClickHouseExtension.createDatabase(), Map.of(
                "choreoscope.alerts.evaluation-interval", "1s",
                "choreoscope.alerts.webhook.allowed-hosts", WebhookReceiver.ALLOWED_HOSTS,
                "choreoscope.inference.end-event-types", "OrderShipped,OrderCancelled"));
             WebhookReceiver receiver = new WebhookReceiver()) {
            String base = app.getBean(EmbeddedServer.class).getURL() + "/api/v1";
            HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base + "/alerts/rules"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"orders complete\",\"flow\":\"OrderPlaced\","
                            + "\"kind\":\"COMPLETION_RATE_BELOW\",\"threshold\":60,\"windowMs\":15000,\"forMs\":2000,"
                            + "\"hysteresis\":10,\"webhookUrl\":\"" + receiver.url() + "\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

            try (SampleFlowsRunner declining = SampleFlowsRunner.start(orders(kafka, prefix, 0.8))) {
                await().atMost(WAIT).until(() -> receiver.bodies().size() >= 1);
            }
            JsonNode firing = receiver.json().get(0);
            assertThat(firing.get("status").asText()).isEqualTo("firing");
            assertThat(firing.get("series").asText()).isEqualTo("OrderPlaced");
            assertThat(firing.get("value").asDouble()).isLessThan(60);

            try (SampleFlowsRunner healthy = SampleFlowsRunner.start(orders(kafka, prefix, 0.0))) {
                await().atMost(WAIT).until(() -> receiver.bodies().size() >= 2);
            }
            JsonNode resolved = receiver.json().get(1);
            assertThat(resolved.get("status").asText()).isEqualTo("resolved");
            assertThat(resolved.get("value").asDouble()).isGreaterThanOrEqualTo(70);
        }
    }
}
