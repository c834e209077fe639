package io.choreoscope.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.choreoscope.api.ApiClient;
import io.choreoscope.collectors.otlp.OtlpReceiver;
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

/**
 * Issue 16 on the sample order saga (real Kafka, ClickHouse and OpenTelemetry spans): shipping silently drops some
 * StockReserved and inventory dead-letters some PaymentCaptured; each stuck instance is served with the service it
 * waits on, the right cause, and a reason whose idle time is as of the read; {@code /stuck/causes} groups them.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class SampleFlowsStuckCausesTest {
    private static final Duration WAIT = Duration.ofSeconds(120);

    @Test
    void eachInjectedFaultsStuckInstancesGetTheRightCauseAndWaitingOnService(EmbeddedKafka kafka) throws Exception {
        String prefix = KafkaExtension.uniqueName("causes");
        Map<String, Object> props = new HashMap<>();
        props.put("choreoscope.inference.end-event-types", "OrderShipped,OrderCancelled");
        props.put("choreoscope.inference.stuck-floor", "1s");
        props.put("choreoscope.inference.default-bound", "3s");
        try (ApplicationContext app = TestApplication.start(prefix, ClickHouseExtension.createDatabase(), props)) {
            String otlp = "http://127.0.0.1:" + app.getBean(OtlpReceiver.class).port() + OtlpReceiver.TRACES_PATH;
            SampleFlowsSettings settings = SampleFlowsSettings.defaults().withoutFaults().toBuilder()
                    .bootstrapServers(kafka.bootstrapServers()).otlpEndpoint(otlp).tracing(true).only(Flow.ORDERS)
                    .declineRate(0).shortageRate(0).dropService("shipping").dropRate(0.2)
                    .failingService("inventory").dltRate(0.2).rate(8).topicPrefix(prefix + "-").partitions(1).build();
            ApiClient api = new ApiClient(app.getBean(EmbeddedServer.class).getURL() + "/api/v1");
            try (SampleFlowsRunner runner = SampleFlowsRunner.start(settings)) {
                await().atMost(WAIT).until(() -> runner.service("shipping").orElseThrow().droppedCount() >= 3
                        && runner.service("inventory").orElseThrow().deadLetteredCount() >= 3);
                // no new instances, but the services stay up: every stuck instance is stuck by an injected fault
                // (a service stopped mid-flow would leave instances no one received)
                runner.generator().orElseThrow().close();
                assertCauses(api);
            }
        }
    }

    private static void assertCauses(ApiClient api) throws Exception {
        {
            // both faults' instances are stuck and explained (spans may land a little after the state changes)
            await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                JsonNode groups = api.ok("/stuck/causes?flow=OrderPlaced");
                assertThat(group(groups, "CONSUMED_NO_OUTPUT", "shipping")).as(groups.toString()).isNotNull();
                assertThat(group(groups, "DEAD_LETTERED", "inventory")).as(groups + " "
                        + api.ok("/stuck?flow=OrderPlaced&limit=3")).isNotNull();
                assertThat(groups).as(groups.toString()).hasSize(2);
            });
            JsonNode groups = api.ok("/stuck/causes?flow=OrderPlaced");
            assertThat(group(groups, "CONSUMED_NO_OUTPUT", "shipping").get("label").asText())
                    .isEqualTo("shipping consumed and produced nothing");
            assertThat(group(groups, "DEAD_LETTERED", "inventory").get("example").asText())
                    .startsWith("dead-lettered by inventory: ").contains("simulated failure");

            JsonNode stuck = api.ok("/stuck?flow=OrderPlaced&limit=500");
            assertThat(stuck.size()).isGreaterThanOrEqualTo(6);
            Instant read = Instant.now();
            for (JsonNode s : stuck) {
                String last = s.get("lastEventType").asText();
                JsonNode cause = s.get("cause");
                String expectedService = last.equals("StockReserved") ? "shipping" : "inventory";
                assertThat(last).as(s.toString()).isIn("StockReserved", "PaymentCaptured");
                assertThat(s.get("waitingOn").get(0).asText()).as(s.toString()).isEqualTo(expectedService);
                assertThat(cause.get("service").asText()).as(s.toString()).isEqualTo(expectedService);
                if (last.equals("StockReserved")) {
                    assertThat(cause.get("kind").asText()).isEqualTo("CONSUMED_NO_OUTPUT");
                    assertThat(cause.get("detail").asText()).startsWith("shipping consumed StockReserved at ")
                            .endsWith("and produced nothing since");
                } else {
                    assertThat(cause.get("kind").asText()).isEqualTo("DEAD_LETTERED");
                }
                // live reason: the idle time is as of this read, not of the state change
                String reason = s.get("reason").asText();
                assertThat(reason).startsWith("idle ");
                long idle = Long.parseLong(reason.substring(5, reason.indexOf(" ms")));
                long expectedIdle = read.toEpochMilli() - Instant.parse(s.get("lastEventAt").asText()).toEpochMilli();
                assertThat((double) idle).as(reason).isCloseTo(expectedIdle, within(5_000.0));
            }
            String id = stuck.get(0).get("correlationId").asText();
            JsonNode detail = api.ok("/instances/" + ApiClient.enc(id));
            assertThat(detail.get("snapshot").get("cause").get("kind").asText()).isIn("CONSUMED_NO_OUTPUT", "DEAD_LETTERED");
            assertThat(detail.get("snapshot").get("waitingOn").size()).isEqualTo(1);
        }
    }

    private static JsonNode group(JsonNode groups, String kind, String service) {
        for (JsonNode g : groups) {
            if (g.get("kind").asText().equals(kind) && service.equals(g.path("service").asText())) {
                return g;
            }
        }
        return null;
    }
}
