package io.choreoscope.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.choreoscope.api.ApiClient;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.ingest.TestApplication;
import io.choreoscope.samples.Flow;
import io.choreoscope.samples.SampleFlowsRunner;
import io.choreoscope.samples.SampleFlowsSettings;
import io.choreoscope.samples.flows.ContentPipeline;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18 items 5 and 6 on the sample content pipeline (real Kafka and ClickHouse, no registry): its services publish
 * Avro in single-object encoding, the application reads the pipeline's own {@code .avsc} files from a schema
 * directory (as the demo does), decodes the records by fingerprint, takes event types from the schemas and correlation
 * from the decoded {@code correlationId}; uploads moves from {@code ContentUploaded} v1 to v2 during the run, and
 * {@code /flows/ContentUploaded/schemas} shows both versions at that step, marked changed, the other steps unchanged.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class SampleFlowsAvroSchemasTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theAvroContentPipelineIsDecodedAndItsSchemaChangeShowsOnTheStep(EmbeddedKafka kafka, @TempDir Path schemas)
            throws Exception {
        String prefix = KafkaExtension.uniqueName("avroflow");
        Map<String, Object> props = new HashMap<>();
        props.put("choreoscope.schemas.directories", List.of(SampleSchemaFiles.into(schemas).toString()));
        props.put("choreoscope.otlp.enabled", false);
        props.put("choreoscope.alerts.enabled", false);
        try (ApplicationContext app = TestApplication.start(prefix, ClickHouseExtension.createDatabase(), props)) {
            ApiClient api = new ApiClient(app.getBean(EmbeddedServer.class).getURL() + "/api/v1");
            SampleFlowsSettings settings = SampleFlowsSettings.defaults().withoutFaults().toBuilder()
                    .bootstrapServers(kafka.bootstrapServers()).tracing(false).only(Flow.CONTENT).rejectRate(0)
                    .rate(10).contentSchemaV2After(Duration.ofSeconds(4)).topicPrefix(prefix + "-").partitions(1).build();
            Instant started = Instant.now();
            try (SampleFlowsRunner runner = SampleFlowsRunner.start(settings)) {
                Instant v2At = runner.contentSchemaV2At().orElseThrow();
                await().atMost(WAIT).until(() -> runner.service("publishing").orElseThrow().publishedCount() >= 80
                        && Instant.now().isAfter(v2At.plusSeconds(2)));
                runner.generator().orElseThrow().close();

                await().atMost(WAIT).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                    JsonNode view = api.ok("/flows/ContentUploaded/schemas?from=-15m");
                    JsonNode steps = view.get("steps");
                    assertThat(steps).as(view.toString()).hasSize(4);
                    JsonNode uploaded = steps.get(0);
                    assertThat(uploaded.get("step").asText()).isEqualTo(ContentPipeline.CONTENT_UPLOADED);
                    assertThat(uploaded.get("changed").asBoolean()).isTrue();
                    List<String> subjects = new ArrayList<>();
                    uploaded.get("versions").forEach(v -> subjects.add(v.get("subject").asText()));
                    assertThat(subjects).containsExactly("content/ContentUploaded-v1.avsc", "content/ContentUploaded-v2.avsc");
                    JsonNode v1 = uploaded.get("versions").get(0);
                    JsonNode v2 = uploaded.get("versions").get(1);
                    assertThat(v1.get("format").asText()).isEqualTo("avro");
                    assertThat(v1.get("id").asText()).startsWith("fp:").isNotEqualTo(v2.get("id").asText());
                    assertThat(v1.get("name").asText()).isEqualTo("ContentUploaded");
                    assertThat(v1.get("records").asLong()).isPositive();
                    assertThat(v2.get("records").asLong()).isPositive();
                    // v1 before the switch, v2 from it on (record timestamps are the producer's clock: this JVM's)
                    assertThat(Instant.parse(v1.get("firstSeen").asText())).isBefore(v2At);
                    assertThat(Instant.parse(v2.get("firstSeen").asText())).isAfterOrEqualTo(v2At.minusMillis(5));
                    assertThat(Instant.parse(uploaded.get("changedAt").asText())).isEqualTo(Instant.parse(v2.get("firstSeen").asText()));
                    for (int i = 1; i < steps.size(); i++) {
                        assertThat(steps.get(i).get("changed").asBoolean()).as(steps.get(i).toString()).isFalse();
                        assertThat(steps.get(i).get("versions")).hasSize(1);
                    }
                    List<String> others = new ArrayList<>();
                    steps.forEach(s -> others.add(s.get("step").asText()));
                    assertThat(others).containsExactly(ContentPipeline.CONTENT_UPLOADED, ContentPipeline.CONTENT_PUBLISHED,
                            ContentPipeline.MODERATION_APPROVED, ContentPipeline.TRANSCODING_COMPLETED);
                });
                assertThat(started).isBefore(v2At);

                // one instance through the API: event types from the schema (the records carry no type field), the
                // decoded JSON and the schema beside each event
                String id = null;
                for (JsonNode i : api.ok("/instances?flow=ContentUploaded&limit=50").get("items")) {
                    if (id == null && i.get("eventCount").asInt() == 4) {
                        id = i.get("correlationId").asText();
                    }
                }
                assertThat(id).as("an instance with its four events").isNotNull();
                JsonNode events = api.ok("/instances/" + id).get("events");
                List<String> types = new ArrayList<>();
                for (JsonNode e : events) {
                    types.add(e.get("eventType").asText());
                    assertThat(e.get("schema").get("format").asText()).isEqualTo("avro");
                    JsonNode decoded = JSON.readTree(e.get("decodedPayload").asText());
                    assertThat(decoded.get("correlationId").asText()).isEqualTo(id);
                    assertThat(decoded.has("eventType")).isFalse();
                }
                assertThat(types).containsExactly(ContentPipeline.CONTENT_UPLOADED, ContentPipeline.MODERATION_APPROVED,
                        ContentPipeline.TRANSCODING_COMPLETED, ContentPipeline.CONTENT_PUBLISHED);

                // an unknown flow is a 404
                assertThat(api.get("/flows/NoSuchFlow/schemas").status()).isEqualTo(404);
                assertThat(api.get("/flows/ContentUploaded/schemas?from=yesterday").status()).isEqualTo(400);
            }
        }
    }
}
