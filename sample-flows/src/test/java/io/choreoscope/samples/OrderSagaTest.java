package io.choreoscope.samples;

import static io.choreoscope.samples.flows.OrderSaga.ORDER_CANCELLED;
import static io.choreoscope.samples.flows.OrderSaga.ORDER_PLACED;
import static io.choreoscope.samples.flows.OrderSaga.ORDER_SHIPPED;
import static io.choreoscope.samples.flows.OrderSaga.PAYMENT_CAPTURED;
import static io.choreoscope.samples.flows.OrderSaga.PAYMENT_DECLINED;
import static io.choreoscope.samples.flows.OrderSaga.PAYMENT_REFUNDED;
import static io.choreoscope.samples.flows.OrderSaga.STOCK_RESERVED;
import static io.choreoscope.samples.flows.OrderSaga.STOCK_UNAVAILABLE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.samples.EventLog.Seen;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The order saga against real Kafka, read back from the topics the way choreoscope's tap reads them. */
@ExtendWith(KafkaExtension.class)
class OrderSagaTest {

    /** A runner for the order saga alone, no generator, no tracing, no faults unless {@code tweak} adds them. */
    static SampleFlowsRunner orders(EmbeddedKafka kafka, UnaryOperator<SampleFlowsSettings.Builder> tweak) {
        SampleFlowsSettings.Builder b = SampleFlowsSettings.defaults().withoutFaults().toBuilder()
                .bootstrapServers(kafka.bootstrapServers())
                .topicPrefix(KafkaExtension.uniqueName("saga") + ".")
                .partitions(1)
                .rate(0)
                .tracing(false)
                .declineRate(0)
                .shortageRate(0)
                .only(Flow.ORDERS);
        return SampleFlowsRunner.start(tweak.apply(b).build());
    }

    static EventLog log(EmbeddedKafka kafka, SampleFlowsRunner runner) {
        List<String> topics = new ArrayList<>(runner.topics().of(Flow.ORDERS));
        topics.add(runner.topics().deadLetters());
        return new EventLog(kafka, topics);
    }

    static List<String> types(List<Seen> events) {
        return events.stream().map(s -> s.header("eventType")).toList();
    }

    static List<Seen> instance(EventLog log, String orderId) {
        return EventLog.causalOrder(log.all().stream().filter(s -> orderId.equals(s.header("correlationId"))).toList(),
                s -> s.header("eventId"), s -> s.header("causationId"));
    }

    @Test
    void happyPathShipsEachOrderWithHeaderCorrelationAndACausationChain(EmbeddedKafka kafka) throws Exception {
        try (SampleFlowsRunner runner = orders(kafka, b -> b); EventLog log = log(kafka, runner)) {
            List<String> ids = List.of(runner.startInstance(Flow.ORDERS), runner.startInstance(Flow.ORDERS));

            for (String id : ids) {
                await().atMost(Duration.ofSeconds(20)).until(() -> types(instance(log, id)).contains(ORDER_SHIPPED));
                List<Seen> events = instance(log, id);
                assertThat(types(events)).containsExactly(ORDER_PLACED, PAYMENT_CAPTURED, STOCK_RESERVED, ORDER_SHIPPED);
                assertThat(events).extracting(s -> s.header("sourceService"))
                        .containsExactly("orders", "payments", "inventory", "shipping");
                assertThat(events).extracting(Seen::topic).containsExactly(runner.topics().orders(),
                        runner.topics().payments(), runner.topics().inventory(), runner.topics().shipping());
                assertThat(events.get(0).headers()).doesNotContainKey("causationId");
                for (int i = 1; i < events.size(); i++) {
                    assertThat(events.get(i).header("causationId")).as("cause of " + events.get(i).header("eventType"))
                            .isEqualTo(events.get(i - 1).header("eventId"));
                }
                assertThat(events).extracting(s -> s.header("eventId")).doesNotHaveDuplicates().doesNotContainNull();
                // the payload is plain business JSON: correlation lives in headers only
                assertThat(events.get(0).json().get("orderId").asText()).isEqualTo(id);
                assertThat(events.get(0).json().has("correlationId")).isFalse();
            }
        }
    }

    @Test
    void aSimulatedDeploySwitchedAtRunTimeShipsStraightAfterThePayment(EmbeddedKafka kafka) throws Exception {
        try (SampleFlowsRunner runner = orders(kafka, b -> b.deployAt(java.time.Instant.MAX));
             EventLog log = log(kafka, runner)) {
            String before = runner.startInstance(Flow.ORDERS);
            await().atMost(Duration.ofSeconds(20)).until(() -> types(instance(log, before)).contains(ORDER_SHIPPED));
            assertThat(types(instance(log, before))).containsExactly(ORDER_PLACED, PAYMENT_CAPTURED, STOCK_RESERVED, ORDER_SHIPPED);

            runner.deploy().orElseThrow().deployNow();
            String after = runner.startInstance(Flow.ORDERS);
            await().atMost(Duration.ofSeconds(20)).until(() -> types(instance(log, after)).contains(ORDER_SHIPPED));
            List<Seen> events = instance(log, after);
            assertThat(types(events)).containsExactly(ORDER_PLACED, PAYMENT_CAPTURED, ORDER_SHIPPED);
            assertThat(events.get(2).header("sourceService")).isEqualTo("shipping");
            assertThat(events.get(2).header("causationId")).isEqualTo(events.get(1).header("eventId"));

            runner.deploy().orElseThrow().rollBack();
            String rolledBack = runner.startInstance(Flow.ORDERS);
            await().atMost(Duration.ofSeconds(20)).until(() -> types(instance(log, rolledBack)).contains(ORDER_SHIPPED));
            assertThat(types(instance(log, rolledBack))).containsExactly(ORDER_PLACED, PAYMENT_CAPTURED, STOCK_RESERVED,
                    ORDER_SHIPPED);
        }
    }

    @Test
    void withoutADeployShippingDoesNotReadPayments(EmbeddedKafka kafka) {
        try (SampleFlowsRunner runner = orders(kafka, b -> b)) {
            assertThat(runner.deploy()).isEmpty();
        }
        assertThat(new io.choreoscope.samples.flows.OrderSaga(new Topics(""), 0, 0).services())
                .filteredOn(s -> s.name().equals("shipping")).singleElement()
                .satisfies(s -> assertThat(s.reactions()).containsOnlyKeys(STOCK_RESERVED));
    }

    @Test
    void declinedPaymentCancelsTheOrder(EmbeddedKafka kafka) throws Exception {
        try (SampleFlowsRunner runner = orders(kafka, b -> b.declineRate(1)); EventLog log = log(kafka, runner)) {
            String id = runner.startInstance(Flow.ORDERS);

            await().atMost(Duration.ofSeconds(20)).until(() -> types(instance(log, id)).contains(ORDER_CANCELLED));
            assertThat(types(instance(log, id))).containsExactly(ORDER_PLACED, PAYMENT_DECLINED, ORDER_CANCELLED);
        }
    }

    @Test
    void stockShortageRefundsThePaymentThenCancelsTheOrder(EmbeddedKafka kafka) throws Exception {
        try (SampleFlowsRunner runner = orders(kafka, b -> b.declineRate(0).shortageRate(1));
             EventLog log = log(kafka, runner)) {
            String id = runner.startInstance(Flow.ORDERS);

            await().atMost(Duration.ofSeconds(20)).until(() -> types(instance(log, id)).contains(ORDER_CANCELLED));
            List<Seen> events = instance(log, id);
            assertThat(types(events)).containsExactly(ORDER_PLACED, PAYMENT_CAPTURED, STOCK_UNAVAILABLE,
                    PAYMENT_REFUNDED, ORDER_CANCELLED);
            assertThat(events.get(3).header("sourceService")).isEqualTo("payments");
            assertThat(events.get(3).header("causationId")).isEqualTo(events.get(2).header("eventId"));
            assertThat(events.get(4).json().get("reason").asText()).isEqualTo("out of stock");
        }
    }

    @Test
    void shippingThatDropsEverythingLeavesOrdersStuckAfterStockReserved(EmbeddedKafka kafka) throws Exception {
        try (SampleFlowsRunner runner = orders(kafka, b -> b.dropService("shipping").dropRate(1));
             EventLog log = log(kafka, runner)) {
            String id = runner.startInstance(Flow.ORDERS);

            await().atMost(Duration.ofSeconds(20)).until(() -> types(instance(log, id)).contains(STOCK_RESERVED));
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> runner.service("shipping").orElseThrow().droppedCount() == 1);
            // shipping has consumed and dropped it: nothing more can come, and nothing went to the DLT
            assertThat(types(instance(log, id))).containsExactly(ORDER_PLACED, PAYMENT_CAPTURED, STOCK_RESERVED);
            assertThat(log.on(runner.topics().shipping())).isEmpty();
            assertThat(log.on(runner.topics().deadLetters())).isEmpty();
        }
    }

    @Test
    void randomFailureSendsTheRecordToTheDeadLetterTopicWithOriginAndException(EmbeddedKafka kafka) throws Exception {
        try (SampleFlowsRunner runner = orders(kafka, b -> b.failingService("payments").dltRate(1));
             EventLog log = log(kafka, runner)) {
            String id = runner.startInstance(Flow.ORDERS);

            await().atMost(Duration.ofSeconds(20)).until(() -> !log.on(runner.topics().deadLetters()).isEmpty());
            Seen dead = log.on(runner.topics().deadLetters()).get(0);
            Seen placed = log.on(runner.topics().orders()).get(0);
            assertThat(dead.headers()).containsEntry("x-original-topic", runner.topics().orders())
                    .containsEntry("kafka_dlt-original-topic", runner.topics().orders())
                    .containsEntry("kafka_dlt-original-offset", Long.toString(placed.offset()))
                    .containsEntry("kafka_dlt-exception-fqcn", "io.choreoscope.samples.service.SimulatedFailure")
                    // the original event's correlation headers travel with it
                    .containsEntry("correlationId", id)
                    .containsEntry("eventType", ORDER_PLACED);
            assertThat(dead.header("x-exception-message")).contains("payments failed to handle OrderPlaced", id);
            assertThat(dead.header("kafka_dlt-exception-message")).isEqualTo(dead.header("x-exception-message"));
            assertThat(dead.value()).isEqualTo(placed.value());
            assertThat(types(instance(log, id).stream().filter(s -> !s.topic().equals(runner.topics().deadLetters())).toList()))
                    .containsExactly(ORDER_PLACED);
        }
    }

    @Test
    void poisonRecordIsDeadLetteredAndTheServiceKeepsGoing(EmbeddedKafka kafka) throws Exception {
        try (SampleFlowsRunner runner = orders(kafka, b -> b); EventLog log = log(kafka, runner);
             var producer = kafka.producer()) {
            producer.send(new ProducerRecord<>(runner.topics().orders(), "not json at all".getBytes())).get();
            String id = runner.startInstance(Flow.ORDERS);

            await().atMost(Duration.ofSeconds(20)).until(() -> types(instance(log, id)).contains(ORDER_SHIPPED));
            // payments and orders... only payments consumes the orders topic, so exactly one dead letter
            await().atMost(Duration.ofSeconds(5)).until(() -> log.on(runner.topics().deadLetters()).size() == 1);
            Seen dead = log.on(runner.topics().deadLetters()).get(0);
            assertThat(dead.text()).isEqualTo("not json at all");
            assertThat(dead.header("x-original-topic")).isEqualTo(runner.topics().orders());
            assertThat(dead.header("x-exception-message")).isEqualTo("missing header eventType");
        }
    }

    @Test
    void outOfOrderPublishIsStampedBeforeItsCause(EmbeddedKafka kafka) throws Exception {
        try (SampleFlowsRunner runner = orders(kafka, b -> b.outOfOrderRate(1).outOfOrderSkewMs(60_000));
             EventLog log = log(kafka, runner)) {
            String id = runner.startInstance(Flow.ORDERS);

            await().atMost(Duration.ofSeconds(20)).until(() -> types(instance(log, id)).contains(ORDER_SHIPPED));
            List<Seen> events = instance(log, id);
            for (int i = 1; i < events.size(); i++) {
                assertThat(events.get(i).timestamp()).as(events.get(i).header("eventType") + " timestamp")
                        .isLessThan(events.get(i - 1).timestamp());
            }
        }
    }

}
