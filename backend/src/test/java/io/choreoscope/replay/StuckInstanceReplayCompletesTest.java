package io.choreoscope.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.ingest.TestApplication;
import io.choreoscope.samples.Flow;
import io.choreoscope.samples.SampleFlowsRunner;
import io.choreoscope.samples.SampleFlowsSettings;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;

/**
 * Issue 8's replay check on real traffic: the sample order saga's shipping service drops an order's
 * StockReserved, live inference marks the order STUCK, shipping is healthy again, and replaying the stuck
 * instance's last event through the API lets the saga finish: the instance becomes COMPLETED.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class StuckInstanceReplayCompletesTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    private static SampleFlowsRunner orders(EmbeddedKafka kafka, String prefix, UnaryOperator<SampleFlowsSettings.Builder> tweak) {
        return SampleFlowsRunner.start(tweak.apply(SampleFlowsSettings.defaults().withoutFaults().toBuilder()
                .bootstrapServers(kafka.bootstrapServers())
                .topicPrefix(prefix + "-")
                .partitions(1)
                .rate(0)
                .tracing(false)
                .declineRate(0)
                .shortageRate(0)
                .only(Flow.ORDERS)).build());
    }

    private JsonNode instance(String base, String id) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/instances/" + id)).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    }

    private String state(String base, String id) throws Exception {
        JsonNode i = instance(base, id);
        return i == null ? "" : i.at("/snapshot/state").asText();
    }

    @Test
    void replayingAStuckOrdersLastEventLetsTheSagaComplete(EmbeddedKafka kafka) throws Exception {
        String prefix = KafkaExtension.uniqueName("replayflow");
        try (ApplicationContext app = TestApplication.start(prefix, ClickHouseExtension.createDatabase(), Map.of(
                "choreoscope.inference.end-event-types", "OrderShipped,OrderCancelled",
                "choreoscope.inference.stuck-floor", "1s",
                "choreoscope.inference.default-bound", "2s",
                "choreoscope.alerts.enabled", false))) {
            String base = app.getBean(EmbeddedServer.class).getURL() + "/api/v1";

            // Healthy orders first, so the model knows what follows StockReserved and how long it takes.
            List<String> healthy = new ArrayList<>();
            try (SampleFlowsRunner runner = orders(kafka, prefix, b -> b)) {
                for (int i = 0; i < 5; i++) {
                    healthy.add(runner.startInstance(Flow.ORDERS));
                }
                await().atMost(WAIT).until(() -> {
                    for (String id : healthy) {
                        if (!"COMPLETED".equals(state(base, id))) {
                            return false;
                        }
                    }
                    return true;
                });
            }

            String stuck;
            try (SampleFlowsRunner dropping = orders(kafka, prefix, b -> b.dropService("shipping").dropRate(1))) {
                stuck = dropping.startInstance(Flow.ORDERS);
                await().atMost(WAIT).until(() -> dropping.service("shipping").orElseThrow().droppedCount() == 1);
                await().atMost(WAIT).until(() -> "STUCK".equals(state(base, stuck)));
            }
            JsonNode before = instance(base, stuck);
            assertThat(before.get("events")).hasSize(3);

            try (SampleFlowsRunner recovered = orders(kafka, prefix, b -> b)) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/replays"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"mode\":\"STUCK_LAST_EVENT\",\"correlationIds\":[\"" + stuck + "\"]}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(JSON.readTree(r.body()).at("/status/sent").asInt()).isEqualTo(1);

                await().atMost(WAIT).until(() -> "COMPLETED".equals(state(base, stuck)));
            }
            JsonNode after = instance(base, stuck);
            List<String> types = new ArrayList<>();
            List<Boolean> replayed = new ArrayList<>();
            for (JsonNode e : after.get("events")) {
                types.add(e.get("eventType").asText());
                replayed.add(e.get("replayed").asBoolean());
            }
            assertThat(types).containsExactly("OrderPlaced", "PaymentCaptured", "StockReserved", "StockReserved", "OrderShipped");
            assertThat(replayed).containsExactly(false, false, false, true, false);
        }
    }
}
