package io.choreoscope.services;

import static org.assertj.core.api.Assertions.assertThat;
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
import io.choreoscope.samples.service.SampleService;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 16 on the sample order saga (real Kafka, ClickHouse and OpenTelemetry spans), one fault per cause: payments
 * fails on some OrderPlaced and gives up (its CONSUMER span ends with status ERROR and an exception event, nothing is
 * published: {@code ERROR_SPAN}), inventory dead-letters some PaymentCaptured ({@code DEAD_LETTERED}), shipping
 * silently drops some StockReserved ({@code CONSUMED_NO_OUTPUT}). Each stuck instance is served with the service it
 * waits on, the right cause and detail, and a reason whose idle time is as of the read, in the stuck list, in
 * {@code /stuck/causes} groups and on its instance page ({@code GET /instances/{id}}).
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class SampleFlowsStuckCausesTest {
    private static final Duration WAIT = Duration.ofSeconds(120);

    /** Last event of a stuck instance -> the service it waits on and the cause that service's fault leaves. */
    private static final Map<String, String[]> FAULT_OF = Map.of(
            "OrderPlaced", new String[] {"payments", "ERROR_SPAN"},
            "PaymentCaptured", new String[] {"inventory", "DEAD_LETTERED"},
            "StockReserved", new String[] {"shipping", "CONSUMED_NO_OUTPUT"});

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
                    .declineRate(0).shortageRate(0).errorService("payments").errorRate(0.15)
                    .dropService("shipping").dropRate(0.2)
                    .failingService("inventory").dltRate(0.2).rate(8).topicPrefix(prefix + "-").partitions(1).build();
            ApiClient api = new ApiClient(app.getBean(EmbeddedServer.class).getURL() + "/api/v1");
            try (SampleFlowsRunner runner = SampleFlowsRunner.start(settings)) {
                await().atMost(WAIT).until(() -> runner.service("shipping").orElseThrow().droppedCount() >= 3
                        && runner.service("inventory").orElseThrow().deadLetteredCount() >= 3
                        && runner.service("payments").orElseThrow().erroredCount() >= 3);
                // no new instances, but the services stay up: every stuck instance is stuck by an injected fault
                // (a service stopped mid-flow would leave instances no one received)
                runner.generator().orElseThrow().close();
                assertCauses(api);
            }
        }
    }

    private static void assertCauses(ApiClient api) throws Exception {
        // every fault's instances (at least 3 each were injected) are stuck and explained; an instance goes stuck only
        // after its bound, and spans may land a little after the state changes
        await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            JsonNode groups = api.ok("/stuck/causes?flow=OrderPlaced");
            String seen = groups + " " + api.ok("/stuck?flow=OrderPlaced&limit=3");
            for (String[] fault : FAULT_OF.values()) {
                JsonNode g = group(groups, fault[1], fault[0]);
                assertThat(g).as(seen).isNotNull();
                assertThat(g.get("count").asLong()).as(seen).isGreaterThanOrEqualTo(3);
            }
            assertThat(groups).as(seen).hasSize(3);
        });
        JsonNode groups = api.ok("/stuck/causes?flow=OrderPlaced");
        JsonNode stuck = api.ok("/stuck?flow=OrderPlaced&limit=500");
        Instant read = Instant.now();
        Map<String, String> lastOf = new HashMap<>();
        stuck.forEach(s -> lastOf.put(s.get("correlationId").asText(), s.get("lastEventType").asText()));

        JsonNode errors = group(groups, "ERROR_SPAN", "payments");
        assertThat(errors.get("label").asText()).isEqualTo("payments failed (error span)");
        assertThat(errors.get("example").asText())
                .startsWith("payments failed on OrderPlaced: " + SampleService.ERROR_STATUS
                        + " (io.choreoscope.samples.service.SimulatedFailure: payments could not handle OrderPlaced ")
                .endsWith("(simulated error, not dead-lettered))");
        assertThat(group(groups, "CONSUMED_NO_OUTPUT", "shipping").get("label").asText())
                .isEqualTo("shipping consumed and produced nothing");
        assertThat(group(groups, "DEAD_LETTERED", "inventory").get("label").asText()).isEqualTo("dead-lettered by inventory");
        assertThat(group(groups, "DEAD_LETTERED", "inventory").get("example").asText())
                .startsWith("dead-lettered by inventory: ").contains("simulated failure");
        // each group holds exactly the instances its fault left stuck
        for (JsonNode g : groups) {
            assertThat(g.get("count").asLong()).as(g.toString()).isEqualTo(g.get("correlationIds").size());
            for (JsonNode id : g.get("correlationIds")) {
                String[] fault = FAULT_OF.get(lastOf.get(id.asText()));
                assertThat(fault).as(id + " in " + g).isNotNull();
                assertThat(new String[] {g.get("service").asText(), g.get("kind").asText()}).as(id.asText()).isEqualTo(fault);
            }
        }

        assertThat(stuck.size()).isGreaterThanOrEqualTo(9);
        Map<String, String> oneOf = new HashMap<>();
        for (JsonNode s : stuck) {
            String last = s.get("lastEventType").asText();
            String[] fault = FAULT_OF.get(last);
            assertThat(fault).as(s.toString()).isNotNull();
            oneOf.putIfAbsent(last, s.get("correlationId").asText());
            assertThat(s.get("waitingOn").get(0).asText()).as(s.toString()).isEqualTo(fault[0]);
            assertCause(s.get("cause"), fault, s.get("correlationId").asText(), s.toString());
            // live reason: the idle time is as of this read, not of the state change
            String reason = s.get("reason").asText();
            assertThat(reason).startsWith("idle ");
            String idle = reason.substring(0, reason.indexOf("; ") + 2);
            long expectedIdle = read.toEpochMilli() - Instant.parse(s.get("lastEventAt").asText()).toEpochMilli();
            java.util.Set<String> near = new java.util.HashSet<>(); // the idle time written for any ms within 5 s of the read
            for (long ms = Math.max(0, expectedIdle - 5_000); ms <= expectedIdle + 5_000; ms += 50) {
                near.add("idle " + io.choreoscope.model.HumanDuration.of(ms) + "; ");
            }
            assertThat(near).as(reason).contains(idle);
        }
        // the instance page of one instance per fault says who it waits on and why
        assertThat(oneOf).containsOnlyKeys(FAULT_OF.keySet());
        for (Map.Entry<String, String> e : oneOf.entrySet()) {
            JsonNode snapshot = api.ok("/instances/" + ApiClient.enc(e.getValue())).get("snapshot");
            String[] fault = FAULT_OF.get(e.getKey());
            assertThat(snapshot.get("state").asText()).isEqualTo("STUCK");
            assertThat(snapshot.get("waitingOn").size()).as(snapshot.toString()).isEqualTo(1);
            assertThat(snapshot.get("waitingOn").get(0).asText()).isEqualTo(fault[0]);
            assertCause(snapshot.get("cause"), fault, e.getValue(), snapshot.toString());
            // the page works the cause out from the records and spans it shows; the list reads them itself
            JsonNode listed = null;
            for (JsonNode s : stuck) {
                listed = s.get("correlationId").asText().equals(e.getValue()) ? s : listed;
            }
            assertThat(snapshot.get("cause")).as("page and list of " + e.getValue()).isEqualTo(listed.get("cause"));
        }
    }

    /** The cause of stuck instance {@code id}: kind, service, the detail each fault leaves, and its evidence. */
    private static void assertCause(JsonNode cause, String[] fault, String id, String context) {
        assertThat(cause.get("service").asText()).as(context).isEqualTo(fault[0]);
        assertThat(cause.get("kind").asText()).as(context).isEqualTo(fault[1]);
        String detail = cause.get("detail").asText();
        switch (fault[1]) {
            case "ERROR_SPAN" -> {
                // the span's status message, then the exception event's type and message
                assertThat(detail).as(context).startsWith("payments failed on OrderPlaced: " + SampleService.ERROR_STATUS
                        + " (io.choreoscope.samples.service.SimulatedFailure: payments could not handle OrderPlaced ")
                        .contains(" of " + id + ": ");
                assertThat(cause.get("evidence").get(0).asText()).as(context).startsWith("span ").endsWith(" status ERROR");
            }
            case "DEAD_LETTERED" -> {
                assertThat(detail).as(context).startsWith("dead-lettered by inventory: inventory failed to handle PaymentCaptured ")
                        .contains(" of " + id + " (simulated failure)");
                assertThat(cause.get("evidence").get(0).asText()).as(context).startsWith("record ");
            }
            default -> {
                assertThat(detail).as(context).startsWith("shipping consumed StockReserved at ")
                        .endsWith("and produced nothing since");
                assertThat(cause.get("evidence").get(0).asText()).as(context).startsWith("span ");
            }
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
