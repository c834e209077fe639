package io.choreoscope.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The generator with default fault settings, all three flows, against real Kafka. */
@ExtendWith(KafkaExtension.class)
class GeneratorRunTest {

    @Test
    void defaultMixStartsInstancesOfEveryFlowForTheGivenDurationThenStops(EmbeddedKafka kafka) throws Exception {
        SampleFlowsSettings settings = SampleFlowsSettings.defaults().toBuilder()
                .bootstrapServers(kafka.bootstrapServers())
                .topicPrefix(KafkaExtension.uniqueName("load") + ".")
                .partitions(1).tracing(false)
                .slowLatency(new io.choreoscope.samples.service.LatencyDistribution(
                        io.choreoscope.samples.service.LatencyDistribution.Shape.LOGNORMAL, 10))
                .rate(30).duration(Duration.ofSeconds(1)).build();
        try (SampleFlowsRunner runner = SampleFlowsRunner.start(settings)) {
            List<String> topics = new ArrayList<>();
            for (Flow f : Flow.values()) {
                topics.addAll(runner.topics().of(f));
            }
            try (EventLog log = new EventLog(kafka, topics)) {
                assertThat(runner.generator().orElseThrow().awaitFinished(10, TimeUnit.SECONDS)).isTrue();
                long started = runner.generator().orElseThrow().startedCount();
                assertThat(started).isBetween(20L, 40L);

                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    assertThat(log.on(runner.topics().orders())).anyMatch(s -> "OrderPlaced".equals(s.header("eventType")));
                    assertThat(log.on(runner.topics().users())).anyMatch(s -> "UserRegistered".equals(s.header("ce_type")));
                    assertThat(log.on(runner.topics().content())).anyMatch(s -> "ContentUploaded".equals(s.avro().get("eventType").asText()));
                    assertThat(log.on(runner.topics().onboarding())).isNotEmpty();
                    assertThat(log.on(runner.topics().transcoding())).isNotEmpty();
                });
                assertThat(runner.generator().orElseThrow().startedCount()).as("no starts after the duration").isEqualTo(started);
            }
        }
    }
}
