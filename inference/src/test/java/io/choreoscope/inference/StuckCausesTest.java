package io.choreoscope.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.choreoscope.model.Header;
import io.choreoscope.model.Observation;
import io.choreoscope.model.Span;
import io.choreoscope.model.flow.ExpectedStep;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.model.flow.StuckCause;
import io.choreoscope.model.flow.StuckCause.Kind;
import org.junit.jupiter.api.Test;

class StuckCausesTest {
    private static final Instant T = Instant.parse("2026-12-02T06:52:04.800Z");
    private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
    private static final List<String> SHIPPING = List.of("shipping");

    private static InstanceSnapshot stuckAt(String lastType, String expected) {
        return new InstanceSnapshot("order-1", Set.of("order-1"), "OrderPlaced", InstanceState.STUCK,
                "idle 9000 ms; expected " + expected, T.minusSeconds(2), T, 3, 0, lastType, "inventory",
                List.of(new ExpectedStep(expected, 0.98, 5_000, true)), List.of());
    }

    private static Observation record(String topic, long offset, String type, String spanId, Header... headers) {
        return Observation.builder(topic, 0, offset, T).correlationId("order-1").eventType(type)
                .eventId("ev-" + offset).traceId(TRACE).spanId(spanId).headers(List.of(headers)).build();
    }

    private static Span consumer(String service, String topic, String parent, String status, String message, String events) {
        return new Span(TRACE, "c0c0c0c0c0c0c0c0", parent, service, "process " + topic, "CONSUMER", T.plusMillis(35), 1000,
                status, Map.of(), "kafka", topic, "process", null, service + "-group", "order-1", message, events, null);
    }

    private static final List<Observation> SAGA = List.of(
            record("orders", 0, "OrderPlaced", "1111111111111111"),
            record("payments", 0, "PaymentCaptured", "2222222222222222"),
            record("inventory", 0, "StockReserved", "3333333333333333"));

    private static final StuckCauses.ConsumerActivity NONE_ASKED = (s, t, at) -> {
        throw new AssertionError("consumer activity asked although a more specific cause exists");
    };

    @Test
    void aDeadLetterCopyIsTheMostSpecificCauseAndNamesWhoSentItAndWhy() {
        List<Observation> events = new ArrayList<>(SAGA.subList(0, 2));
        events.add(record("shop.dead-letters", 7, "PaymentCaptured", "4444444444444444",
                Header.of("x-original-topic", "payments"),
                Header.of("kafka_dlt-exception-message", "inventory failed to handle PaymentCaptured <b>x</b>")));
        Span dltProducer = new Span(TRACE, "4444444444444444", "c0c0c0c0c0c0c0c0", "inventory", "publish dlt", "PRODUCER",
                T.plusMillis(40), 10, "OK", Map.of(), "kafka", "shop.dead-letters", "publish", null, null, null);
        Span failed = consumer("inventory", "payments", "2222222222222222", "ERROR", "boom", null);

        StuckCause c = StuckCauses.explain(stuckAt("PaymentCaptured", "StockReserved"), List.of("inventory"), events,
                List.of(failed, dltProducer), NONE_ASKED);

        assertThat(c.kind()).isEqualTo(Kind.DEAD_LETTERED);
        assertThat(c.service()).isEqualTo("inventory");
        assertThat(c.detail()).isEqualTo("dead-lettered by inventory: inventory failed to handle PaymentCaptured <b>x</b>"
                + " (shop.dead-letters)");
        assertThat(c.evidence()).contains("record shop.dead-letters/0/7");
    }

    /**
     * A RabbitMQ dead letter (stored when the tap queue is bound to the dead-letter exchange; headers as
     * RabbitMqTapTest saw them on a real broker) keeps its publisher's trace: the publisher is not who rejected it.
     * The rejecting service is the one waited on (or whose consumer span failed), the reason RabbitMQ's.
     */
    @Test
    void aRabbitMqDeadLetterNamesTheQueueAndTheBrokersReasonNotItsPublisher() {
        List<Observation> events = new ArrayList<>(SAGA);
        events.add(record("rabbitmq:shipping.dlx", 4_242, "StockReserved", "3333333333333333",
                Header.of("x-first-death-exchange", "shipping"), Header.of("x-first-death-queue", "notifications"),
                Header.of("x-first-death-reason", "rejected"),
                Header.of("x-death", "{count=1, reason=rejected, queue=notifications, exchange=shipping}")));
        // the publisher's producer span: what the record's span ID names
        Span published = new Span(TRACE, "3333333333333333", null, "inventory", "publish shipping", "PRODUCER",
                T.plusMillis(40), 10, "OK", Map.of(), "rabbitmq", "shipping", "publish", null, null, null);
        assertThat(StuckCauses.deadLetter(events.get(3))).isTrue();

        StuckCause c = StuckCauses.explain(stuckAt("StockReserved", "OrderShipped"), SHIPPING, events,
                List.of(published), NONE_ASKED);

        assertThat(c.kind()).isEqualTo(Kind.DEAD_LETTERED);
        assertThat(c.service()).isEqualTo("shipping");
        assertThat(c.detail()).isEqualTo("dead-lettered by shipping: rejected in queue notifications (rabbitmq:shipping.dlx)");
        assertThat(c.evidence()).contains("record rabbitmq:shipping.dlx/0/4242");
        assertThat(StuckCauses.deadLetter(events.get(2))).as("the original on its own exchange").isFalse();
        // redriven: sent back to its exchange with its death headers kept, and the replay's
        Observation redriven = record("rabbitmq:shipping", 4_343, "StockReserved", "3333333333333333",
                Header.of("x-first-death-exchange", "shipping"), Header.of("x-first-death-queue", "notifications"),
                Header.of("x-first-death-reason", "rejected"), Header.of(Observation.REPLAY_ID_HEADER, "r-1"));
        assertThat(StuckCauses.deadLetter(redriven)).isFalse();
    }

    @Test
    void withoutTheDeadLettersProducerSpanTheServiceWhoseConsumerFailedSentIt() {
        List<Observation> events = new ArrayList<>(SAGA.subList(0, 2));
        events.add(record("shop.dead-letters", 7, "PaymentCaptured", "4444444444444444",
                Header.of("x-original-topic", "payments")));
        StuckCause c = StuckCauses.explain(stuckAt("PaymentCaptured", "StockReserved"), List.of(), events,
                List.of(consumer("inventory", "payments", "2222222222222222", "ERROR", "boom", null)), NONE_ASKED);
        assertThat(c.service()).isEqualTo("inventory");
        assertThat(c.detail()).isEqualTo("dead-lettered by inventory: (no reason header) (shop.dead-letters)");
    }

    @Test
    void aDeadLetterTopicIsKnownByItsNameToo() {
        assertThat(StuckCauses.deadLetter(record("orders.DLT", 0, "X", null))).isTrue();
        assertThat(StuckCauses.deadLetter(record("payments-dlq", 0, "X", null))).isTrue();
        assertThat(StuckCauses.deadLetter(record("deadletters", 0, "X", null))).isTrue();
        assertThat(StuckCauses.deadLetter(record("idlt-orders", 0, "X", null))).isFalse();
        assertThat(StuckCauses.deadLetter(record("orders", 0, "X", null))).isFalse();
    }

    @Test
    void theWaitingServicesErrorSpanGivesItsStatusAndException() {
        String events = "[{\"name\":\"exception\",\"timeUnixNano\":\"1\",\"attributes\":{\"exception.type\":"
                + "\"java.lang.IllegalStateException\",\"exception.message\":\"no truck\"}}]";
        StuckCause c = StuckCauses.explain(stuckAt("StockReserved", "OrderShipped"), SHIPPING, SAGA,
                List.of(consumer("shipping", "inventory", "3333333333333333", "ERROR", "handler failed", events)), NONE_ASKED);

        assertThat(c.kind()).isEqualTo(Kind.ERROR_SPAN);
        assertThat(c.service()).isEqualTo("shipping");
        assertThat(c.detail()).isEqualTo("shipping failed on StockReserved: handler failed "
                + "(java.lang.IllegalStateException: no truck)");
    }

    @Test
    void anExceptionMessageIsShownAsItsTextNotAsItsJsonEscapes() {
        // as the OTLP receiver stores span events: JSON, so quotes, line breaks and non-ASCII arrive escaped
        String events = "[{\"name\":\"exception\",\"timeUnixNano\":\"1\",\"attributes\":{\"exception.type\":"
                + "\"java.lang.IllegalArgumentException\",\"exception.message\":"
                + "\"bad sku \\\"kettle-5\\\"\\nat line 2\\u0009caf\\u00e9 a\\\\b \\/ \\u12\"}}]";
        StuckCause c = StuckCauses.explain(stuckAt("StockReserved", "OrderShipped"), SHIPPING, SAGA,
                List.of(consumer("shipping", "inventory", "3333333333333333", "ERROR", "handler failed", events)), NONE_ASKED);

        assertThat(c.detail()).isEqualTo("shipping failed on StockReserved: handler failed "
                + "(java.lang.IllegalArgumentException: bad sku \"kettle-5\" at line 2 caf\u00e9 a\\b / \\u12)");
    }

    @Test
    void theWaitingServiceConsumedTheLastEventAndProducedNothing() {
        StuckCause c = StuckCauses.explain(stuckAt("StockReserved", "OrderShipped"), SHIPPING, SAGA,
                List.of(consumer("shipping", "inventory", "3333333333333333", "UNSET", null, null),
                        consumer("analytics", "inventory", "3333333333333333", "ERROR", "not ours", null)), NONE_ASKED);

        assertThat(c).isEqualTo(new StuckCause(Kind.CONSUMED_NO_OUTPUT, "shipping",
                "shipping consumed StockReserved at 06:52:04.8 and produced nothing since", List.of("span c0c0c0c0c0c0c0c0")));
        assertThat(c.groupLabel()).isEqualTo("shipping consumed and produced nothing");
    }

    @Test
    void aConsumerSpanOfAnotherRecordIsNotEvidenceForThisOne() {
        StuckCause c = StuckCauses.explain(stuckAt("StockReserved", "OrderShipped"), SHIPPING, SAGA,
                List.of(consumer("shipping", "inventory", "9999999999999999", "UNSET", null, null)), (s, t, at) -> new long[] {0, 0});
        assertThat(c.kind()).isEqualTo(Kind.NO_EVIDENCE);
    }

    @Test
    void aServiceThatConsumedBeforeButNothingSinceShowsNoConsumerActivity() {
        List<String> asked = new ArrayList<>();
        StuckCause c = StuckCauses.explain(stuckAt("StockReserved", "OrderShipped"), SHIPPING, SAGA, List.of(),
                (service, topic, at) -> {
                    asked.add(service + " " + topic + " " + at);
                    return new long[] {42, 0};
                });

        assertThat(asked).containsExactly("shipping inventory " + T);
        assertThat(c.kind()).isEqualTo(Kind.NO_CONSUMER_ACTIVITY);
        assertThat(c.detail()).isEqualTo("shipping consumed nothing from inventory since 06:52:04.8 (consumer down or lagging)");
    }

    @Test
    void withoutEvidenceItSaysWhatWasExpectedFromWhom() {
        StuckCause c = StuckCauses.explain(stuckAt("StockReserved", "OrderShipped"), SHIPPING, SAGA, List.of(),
                (s, t, at) -> new long[] {42, 3});
        assertThat(c).isEqualTo(new StuckCause(Kind.NO_EVIDENCE, "shipping",
                "no evidence; expected OrderShipped from shipping within 5 s", List.of()));
        StuckCause unknown = StuckCauses.explain(stuckAt("StockReserved", "OrderShipped"), List.of(), List.of(), List.of(), null);
        assertThat(unknown.detail()).isEqualTo("no evidence; expected OrderShipped within 5 s");
    }

    @Test
    void aHugeExceptionMessageIsCut() {
        List<Observation> events = new ArrayList<>(SAGA);
        events.add(record("x.dlt", 1, "StockReserved", null, Header.of("x-exception-message", "y".repeat(100_000))));
        StuckCause c = StuckCauses.explain(stuckAt("StockReserved", "OrderShipped"), SHIPPING, events, List.of(), null);
        assertThat(c.detail()).hasSize(StuckCauses.MAX_DETAIL_CHARS);
    }

    @Test
    void waitingOnListsTheProducersOfTheExpectedStepsEachOnce() {
        InstanceSnapshot s = new InstanceSnapshot("o", Set.of("o"), "F", InstanceState.RUNNING, "r", T, T, 1, 0, "A", "a",
                List.of(new ExpectedStep("B", 0.7, 1, true), new ExpectedStep("C", 0.3, 1, true)), List.of());
        Map<String, List<String>> producers = Map.of("B", List.of("b", "x"), "C", List.of("x", "c"));
        assertThat(StuckCauses.waitingOn(s, t -> producers.getOrDefault(t, List.of()))).containsExactly("b", "x", "c");
    }

    @Test
    void theReasonIsAsOfTheRead() {
        InstanceSnapshot s = stuckAt("StockReserved", "OrderShipped");
        // stuckAt's reason is in the form stored until 2026-12-05 ("idle 9000 ms; "): replaced as well as today's
        assertThat(s.asOf(T.plusSeconds(125)).reason()).isEqualTo("idle 2 min 5 s; expected OrderShipped");
        assertThat(s.asOf(T.plusSeconds(125)).asOf(T.plusSeconds(126)).reason()).isEqualTo("idle 2 min 6 s; expected OrderShipped");
        assertThat(s.asOf(T.plusMillis(4_250)).reason()).isEqualTo("idle 4.3 s; expected OrderShipped");
        InstanceSnapshot stored = new InstanceSnapshot("o", Set.of("o"), "F", InstanceState.STUCK,
                "idle 9000 ms; expected OrderShipped within 5000 ms (learned), OrderCancelled within 120000 ms (learned) after X",
                T.minusSeconds(2), T, 3, 0, "X", "inventory", List.of(new ExpectedStep("OrderShipped", 0.9, 5000, true)), List.of());
        assertThat(stored.asOf(T.plusSeconds(61)).reason()).isEqualTo(
                "idle 1 min 1 s; expected OrderShipped within 5.0 s (learned), OrderCancelled within 2 min 0 s (learned) after X");
        InstanceSnapshot done = new InstanceSnapshot("o", Set.of("o"), "F", InstanceState.COMPLETED, "reached end", T, T,
                1, 0, "A", "a", List.of(), List.of());
        assertThat(done.asOf(T.plusSeconds(5))).isSameAs(done);
    }
}
