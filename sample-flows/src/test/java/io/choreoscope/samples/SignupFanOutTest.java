package io.choreoscope.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.samples.EventLog.Seen;
import io.choreoscope.samples.flows.SignupFanOut;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The signup fan-out against real Kafka: CloudEvents binary mode, four consumers in parallel. */
@ExtendWith(KafkaExtension.class)
class SignupFanOutTest {

    static SampleFlowsRunner signup(EmbeddedKafka kafka, UnaryOperator<SampleFlowsSettings.Builder> tweak) {
        return SampleFlowsRunner.start(tweak.apply(SampleFlowsSettings.defaults().withoutFaults().toBuilder()
                .bootstrapServers(kafka.bootstrapServers())
                .topicPrefix(KafkaExtension.uniqueName("signup") + ".")
                .partitions(1).rate(0).tracing(false)
                .only(Flow.SIGNUP)).build());
    }

    static List<Seen> instance(EventLog log, String userId) {
        return log.all().stream().filter(s -> userId.equals(s.header("ce_correlationid"))).toList();
    }

    @Test
    void everyServicePublishesItsCompletionAsABinaryCloudEventCausedByTheRegistration(EmbeddedKafka kafka) throws Exception {
        try (SampleFlowsRunner runner = signup(kafka, b -> b);
             EventLog log = new EventLog(kafka, runner.topics().of(Flow.SIGNUP))) {
            String id = runner.startInstance(Flow.SIGNUP);

            await().atMost(Duration.ofSeconds(20)).until(() -> instance(log, id).size() == 5);
            List<Seen> events = instance(log, id);
            // the log reads two topics, so arrival order across them is not publish order
            Seen registered = events.stream().filter(e -> SignupFanOut.USER_REGISTERED.equals(e.header("ce_type")))
                    .findFirst().orElseThrow();
            assertThat(registered.topic()).isEqualTo(runner.topics().users());
            assertThat(registered.headers()).containsEntry("ce_specversion", "1.0")
                    .containsEntry("ce_type", SignupFanOut.USER_REGISTERED)
                    .containsEntry("ce_source", "/accounts")
                    .containsEntry("content-type", "application/json")
                    .doesNotContainKeys("ce_causationid", "correlationId", "eventType");
            assertThat(registered.json().get("userId").asText()).isEqualTo(id);

            List<Seen> completions = events.stream().filter(e -> e != registered).toList();
            assertThat(completions).allSatisfy(c -> {
                assertThat(c.topic()).isEqualTo(runner.topics().onboarding());
                assertThat(c.header("ce_specversion")).isEqualTo("1.0");
                assertThat(c.header("ce_causationid")).isEqualTo(registered.header("ce_id"));
                assertThat(c.headers()).doesNotContainKeys("correlationId", "eventType", "causationId");
            });
            Map<String, String> typeBySource = completions.stream()
                    .collect(Collectors.toMap(s -> s.header("ce_source"), s -> s.header("ce_type")));
            assertThat(typeBySource).isEqualTo(Map.of(
                    "/email", SignupFanOut.WELCOME_EMAIL_SENT,
                    "/analytics", SignupFanOut.SIGNUP_TRACKED,
                    "/crm", SignupFanOut.CRM_CONTACT_CREATED,
                    "/welcome-campaign", SignupFanOut.WELCOME_CAMPAIGN_ENROLLED));
            assertThat(events).extracting(s -> s.header("ce_id")).doesNotHaveDuplicates();
            // each fan-out service is its own consumer group, so each saw the registration once
            assertThat(List.of("email", "analytics", "crm", "welcome-campaign"))
                    .allSatisfy(s -> assertThat(runner.service(s).orElseThrow().handledCount()).isEqualTo(1));
        }
    }

    @Test
    void duplicatePublishesRepeatTheSameEventId(EmbeddedKafka kafka) throws Exception {
        try (SampleFlowsRunner runner = signup(kafka, b -> b.duplicateRate(1));
             EventLog log = new EventLog(kafka, runner.topics().of(Flow.SIGNUP))) {
            String id = runner.startInstance(Flow.SIGNUP);

            // accounts sends UserRegistered twice; the services are not idempotent, so each reacts to both copies,
            // and sends each of its 2 completions twice: 2 + 4 * 2 * 2 records, 1 + 4 * 2 event IDs
            await().atMost(Duration.ofSeconds(20)).until(() -> instance(log, id).size() == 18);
            Map<String, List<Seen>> byId = instance(log, id).stream()
                    .collect(Collectors.groupingBy(s -> s.header("ce_id")));
            assertThat(byId).hasSize(9).allSatisfy((eventId, copies) -> {
                assertThat(copies).hasSize(2);
                assertThat(copies.get(0).value()).isEqualTo(copies.get(1).value());
                assertThat(copies.get(0).header("ce_type")).isEqualTo(copies.get(1).header("ce_type"));
            });
        }
    }
}
