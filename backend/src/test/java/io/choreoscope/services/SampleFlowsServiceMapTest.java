package io.choreoscope.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import io.choreoscope.api.ApiClient;
import io.choreoscope.collectors.otlp.OtlpReceiver;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.ingest.TestApplication;
import io.choreoscope.samples.SampleFlowsRunner;
import io.choreoscope.samples.SampleFlowsSettings;
import io.choreoscope.samples.service.SampleService;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 16 on the sample flows (real Kafka, ClickHouse and OpenTelemetry spans from the sample services): the
 * dependency map has one node per sample service, although the signup flow's producers name themselves by
 * CloudEvents {@code source} URIs and every service is also known by its span {@code service.name} and its consumer
 * group; and every consumer of a topic shows the rate produced to it.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class SampleFlowsServiceMapTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    /** The sample services that only start instances and consume nothing. */
    private static final Set<String> PRODUCER_ONLY = Set.of("accounts", "uploads");

    @Test
    void everySampleServiceIsOneNodeAndConsumersSeeTheProducedRate(EmbeddedKafka kafka,
                                                                    @org.junit.jupiter.api.io.TempDir java.nio.file.Path schemas)
            throws Exception {
        String prefix = KafkaExtension.uniqueName("svcmap");
        Instant from = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        // the content pipeline publishes Avro: its schema files, as the demo has them
        Map<String, Object> props = Map.of("choreoscope.schemas.directories",
                java.util.List.of(SampleSchemaFiles.into(schemas).toString()));
        try (ApplicationContext app = TestApplication.start(prefix, ClickHouseExtension.createDatabase(), props)) {
            String otlp = "http://127.0.0.1:" + app.getBean(OtlpReceiver.class).port() + OtlpReceiver.TRACES_PATH;
            SampleFlowsSettings settings = SampleFlowsSettings.defaults().withoutFaults().toBuilder()
                    .bootstrapServers(kafka.bootstrapServers()).otlpEndpoint(otlp).tracing(true)
                    .rate(6).declineRate(0.3).topicPrefix(prefix + "-").partitions(1).build();
            Set<String> services;
            try (SampleFlowsRunner runner = SampleFlowsRunner.start(settings)) {
                services = runner.services().stream().map(SampleService::name).collect(Collectors.toCollection(TreeSet::new));
                // every consumer has handled (so traced) something: a group whose spans are not in the window is shown
                // under the group's name, as documented
                await().atMost(WAIT).until(() -> runner.services().stream()
                        .allMatch(s -> s.handledCount() > 0 || PRODUCER_ONLY.contains(s.name())));
                Thread.sleep(3_000); // a little steady traffic; the consumers commit as they go
            }
            ApiClient api = new ApiClient(app.getBean(EmbeddedServer.class).getURL() + "/api/v1");
            Instant to = Instant.now().plusSeconds(1);
            String path = "/dependencies?from=" + from + "&to=" + to;
            await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                    assertThat(serviceNodes(api.ok(path))).isEqualTo(services));
            // stored spans and records settle: compare once the totals stop changing
            await().atMost(WAIT).pollInterval(Duration.ofSeconds(2)).until(() -> {
                String a = api.ok(path).get("edges").toString();
                Thread.sleep(1_500);
                return a.equals(api.ok(path).get("edges").toString());
            });
            JsonNode map = api.ok(path);
            assertThat(serviceNodes(map)).isEqualTo(services);
            assertThat(services).hasSizeGreaterThanOrEqualTo(10);

            Map<String, Double> producedPerTopic = new HashMap<>();
            for (JsonNode e : map.get("edges")) {
                if (e.get("role").asText().equals("PRODUCES")) {
                    producedPerTopic.merge(e.get("topic").asText(), e.get("ratePerSecond").asDouble(), Double::sum);
                }
            }
            int consumersChecked = 0;
            int withSpans = 0;
            for (JsonNode e : map.get("edges")) {
                if (e.get("role").asText().equals("CONSUMES")) {
                    double produced = producedPerTopic.getOrDefault(e.get("topic").asText(), 0.0);
                    assertThat(e.get("ratePerSecond").asDouble()).as("%s", e)
                            .isBetween(0.9 * produced, 1.1 * produced);
                    // every consumer commits offsets; spans only where it reacted to a record of the window (payments
                    // reacts to inventory's rare StockShortage only, so its edge may have the group alone)
                    assertThat(e.get("evidence").toString()).as("%s", e).contains("consumer-group");
                    consumersChecked++;
                    withSpans += e.get("evidence").toString().contains("span") ? 1 : 0;
                }
            }
            assertThat(consumersChecked).isGreaterThanOrEqualTo(services.size() - 3);
            assertThat(withSpans).isGreaterThanOrEqualTo(services.size() - 4);
        }
    }

    private static Set<String> serviceNodes(JsonNode map) {
        Set<String> out = new TreeSet<>();
        map.get("nodes").forEach(n -> {
            if (n.get("kind").asText().equals("SERVICE")) {
                out.add(n.get("name").asText());
            }
        });
        return out;
    }
}
