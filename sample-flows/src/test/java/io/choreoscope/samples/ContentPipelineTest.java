package io.choreoscope.samples;

import static io.choreoscope.samples.flows.ContentPipeline.CONTENT_PUBLISHED;
import static io.choreoscope.samples.flows.ContentPipeline.CONTENT_UPLOADED;
import static io.choreoscope.samples.flows.ContentPipeline.MODERATION_APPROVED;
import static io.choreoscope.samples.flows.ContentPipeline.MODERATION_REJECTED;
import static io.choreoscope.samples.flows.ContentPipeline.TRANSCODING_COMPLETED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.databind.JsonNode;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.samples.EventLog.Seen;
import io.choreoscope.samples.service.LatencyDistribution;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The content pipeline against real Kafka: Avro single-object records, correlation in a payload field only. */
@ExtendWith(KafkaExtension.class)
class ContentPipelineTest {

    static SampleFlowsRunner content(EmbeddedKafka kafka, UnaryOperator<SampleFlowsSettings.Builder> tweak) {
        return content(kafka, tweak, null);
    }

    static SampleFlowsRunner content(EmbeddedKafka kafka, UnaryOperator<SampleFlowsSettings.Builder> tweak,
                                     Duration schemaV2After) {
        return SampleFlowsRunner.start(tweak.apply(SampleFlowsSettings.defaults().withoutFaults().toBuilder()
                .bootstrapServers(kafka.bootstrapServers())
                .topicPrefix(KafkaExtension.uniqueName("content") + ".")
                .partitions(1).rate(0).tracing(false).rejectRate(0)
                .only(Flow.CONTENT)).contentSchemaV2After(schemaV2After).build());
    }

    static List<JsonNode> instance(EventLog log, String contentId) {
        return EventLog.causalOrder(log.all().stream().<JsonNode>map(Seen::avro)
                .filter(j -> contentId.equals(j.path("correlationId").asText())).toList(),
                j -> j.get("eventId").asText(), j -> j.get("causationId").isNull() ? null : j.get("causationId").asText());
    }

    static List<String> types(List<JsonNode> events) {
        return events.stream().map(j -> j.get("eventType").asText()).toList();
    }

    @Test
    void approvedContentIsTranscodedAndPublishedWithCorrelationOnlyInThePayload(EmbeddedKafka kafka) throws Exception {
        // a slow transcoder still finishes; 20 ms mean keeps the test quick
        try (SampleFlowsRunner runner = content(kafka, b -> b.slowService("transcoding")
                .slowLatency(new LatencyDistribution(LatencyDistribution.Shape.EXPONENTIAL, 20)));
             EventLog log = new EventLog(kafka, runner.topics().of(Flow.CONTENT))) {
            String id = runner.startInstance(Flow.CONTENT);

            await().atMost(Duration.ofSeconds(20)).until(() -> types(instance(log, id)).contains(CONTENT_PUBLISHED));
            List<JsonNode> events = instance(log, id);
            assertThat(types(events)).containsExactly(CONTENT_UPLOADED, MODERATION_APPROVED, TRANSCODING_COMPLETED,
                    CONTENT_PUBLISHED);
            assertThat(events).extracting(j -> j.get("source").asText())
                    .containsExactly("uploads", "moderation", "transcoding", "publishing");
            assertThat(events.get(0).get("causationId").isNull()).isTrue();
            for (int i = 1; i < events.size(); i++) {
                assertThat(events.get(i).get("causationId").asText()).isEqualTo(events.get(i - 1).get("eventId").asText());
            }
            assertThat(events.get(0).get("contentId").asText()).isEqualTo(id);
            assertThat(events.get(0).has("language")).as("v1 until the schema change").isFalse();
            assertThat(events.get(2).get("renditions")).hasSize(3);
            // no correlation or event headers: the payload is the only place to find them
            assertThat(log.all()).allSatisfy(s -> assertThat(s.headers())
                    .doesNotContainKeys("correlationId", "eventType", "eventId", "causationId", "sourceService",
                            "ce_correlationid", "ce_type"));
        }
    }

    @Test
    void uploadsMovesToSchemaV2WithTheOptionalLanguageAndEveryConsumerStillReadsIt(EmbeddedKafka kafka) throws Exception {
        try (SampleFlowsRunner runner = content(kafka, b -> b, Duration.ZERO);
             EventLog log = new EventLog(kafka, runner.topics().of(Flow.CONTENT))) {
            String id = runner.startInstance(Flow.CONTENT);

            await().atMost(Duration.ofSeconds(20)).until(() -> types(instance(log, id)).contains(CONTENT_PUBLISHED));
            List<JsonNode> events = instance(log, id);
            assertThat(events.get(0).get("language").asText()).isNotEmpty();
            // the first record names v2's fingerprint, the others their only version
            Seen first = log.all().stream().filter(s -> id.equals(s.avro().get("correlationId").asText())
                    && CONTENT_UPLOADED.equals(s.avro().get("eventType").asText())).findFirst().orElseThrow();
            org.apache.avro.Schema v2 = EventLog.AVRO_SCHEMAS.get(java.nio.ByteBuffer.wrap(first.value(), 2, 8)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong());
            assertThat(v2.getField("language")).isNotNull();
        }
    }

    @Test
    void rejectedContentEndsAtModeration(EmbeddedKafka kafka) throws Exception {
        try (SampleFlowsRunner runner = content(kafka, b -> b.rejectRate(1));
             EventLog log = new EventLog(kafka, runner.topics().of(Flow.CONTENT))) {
            String id = runner.startInstance(Flow.CONTENT);

            await().atMost(Duration.ofSeconds(20)).until(() -> types(instance(log, id)).contains(MODERATION_REJECTED));
            assertThat(types(instance(log, id))).containsExactly(CONTENT_UPLOADED, MODERATION_REJECTED);
            assertThat(runner.service("transcoding").orElseThrow().handledCount()).isZero();
        }
    }
}
