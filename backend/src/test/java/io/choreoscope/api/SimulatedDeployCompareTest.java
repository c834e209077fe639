package io.choreoscope.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.ingest.TestApplication;
import io.choreoscope.samples.Flow;
import io.choreoscope.samples.SampleFlowsRunner;
import io.choreoscope.samples.SampleFlowsSettings;
import io.choreoscope.samples.service.SampleService;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 15 item 6 on the sample flows (real Kafka and ClickHouse, the real sample services): the order saga's
 * simulated deploy is switched at run time, and {@code GET /flows/{flow}/compare} of the window before it against
 * the window after it finds exactly what the deploy changed: the stock step and its two transitions gone, the
 * shipment straight after the payment added, nothing else.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class SimulatedDeployCompareTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int ORDERS_EACH_SIDE = 8;

    @Test
    void theComparisonFindsExactlyWhatTheSimulatedDeployChanged(EmbeddedKafka kafka) throws Exception {
        String prefix = KafkaExtension.uniqueName("deploy");
        try (ApplicationContext app = TestApplication.start(prefix, ClickHouseExtension.createDatabase(), Map.of())) {
            SampleFlowsSettings settings = SampleFlowsSettings.defaults().withoutFaults().toBuilder()
                    .bootstrapServers(kafka.bootstrapServers()).tracing(false).rate(0).declineRate(0).shortageRate(0)
                    .only(Flow.ORDERS).topicPrefix(prefix + "-").partitions(1)
                    .deployAt(Instant.MAX) // switchable, not scheduled: flipped below
                    .build();
            Instant from = Instant.now().minusSeconds(1);
            Instant deployedAt;
            try (SampleFlowsRunner runner = SampleFlowsRunner.start(settings)) {
                SampleService shipping = runner.service("shipping").orElseThrow();
                for (int i = 0; i < ORDERS_EACH_SIDE; i++) {
                    runner.startInstance(Flow.ORDERS);
                }
                // every order before the deploy has shipped before it happens: no instance straddles the moment
                await().atMost(WAIT).until(() -> shipping.publishedCount() == ORDERS_EACH_SIDE);
                deployedAt = runner.deploy().orElseThrow().deployNow();
                for (int i = 0; i < ORDERS_EACH_SIDE; i++) {
                    runner.startInstance(Flow.ORDERS);
                }
                await().atMost(WAIT).until(() -> shipping.publishedCount() == 2L * ORDERS_EACH_SIDE);
            }
            Instant to = Instant.now().plusSeconds(1);
            ApiClient api = new ApiClient(app.getBean(EmbeddedServer.class).getURL() + "/api/v1");
            String path = "/flows/OrderPlaced/compare?from1=" + from + "&to1=" + deployedAt + "&from2=" + deployedAt
                    + "&to2=" + to;
            // stored asynchronously: wait until both windows hold every instance with all its events
            await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                JsonNode c = api.ok(path);
                assertThat(c.get("before").get("instances").asLong()).isEqualTo(ORDERS_EACH_SIDE);
                assertThat(c.get("after").get("instances").asLong()).isEqualTo(ORDERS_EACH_SIDE);
                assertThat(differences(c).get("PaymentCaptured -> OrderShipped")).isEqualTo("ADDED");
                assertThat(count(c, "OrderShipped")).isEqualTo(2L * ORDERS_EACH_SIDE);
            });
            JsonNode c = api.ok(path);
            assertThat(differences(c)).containsExactlyInAnyOrderEntriesOf(Map.of(
                    "StockReserved", "GONE",
                    "PaymentCaptured -> StockReserved", "GONE",
                    "StockReserved -> OrderShipped", "GONE",
                    "PaymentCaptured -> OrderShipped", "ADDED"));
        }
    }

    /** Every step ("A") and transition ("A -> B") that is not SAME, with its change. */
    private static Map<String, String> differences(JsonNode c) {
        Map<String, String> out = new TreeMap<>();
        for (String list : new String[] {"steps", "transitions"}) {
            for (JsonNode i : c.get(list)) {
                if (!i.get("change").asText().equals("SAME")) {
                    String key = i.hasNonNull("to") ? i.get("from").asText() + " -> " + i.get("to").asText()
                            : i.get("from").asText();
                    out.put(key, i.get("change").asText());
                }
            }
        }
        return out;
    }

    /** A step's occurrences in both windows together. */
    private static long count(JsonNode c, String step) {
        for (JsonNode i : c.get("steps")) {
            if (!i.hasNonNull("to") && i.get("from").asText().equals(step)) {
                return i.get("countBefore").asLong() + i.get("countAfter").asLong();
            }
        }
        return 0;
    }
}
