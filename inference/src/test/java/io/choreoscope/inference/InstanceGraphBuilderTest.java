package io.choreoscope.inference;

import io.choreoscope.model.Observation;
import io.choreoscope.model.flow.EdgeKind;
import io.choreoscope.model.flow.InstanceGraph;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.choreoscope.inference.Events.at;
import static org.assertj.core.api.Assertions.assertThat;

class InstanceGraphBuilderTest {

    private static Observation.Builder rec(String topic, long offset, double s, String type, String eventId) {
        return Observation.builder(topic, 0, offset, at(s)).correlationId("o1").eventType(type).eventId(eventId);
    }

    @Test
    void causationIdMakesACausationEdgeEvenAcrossParallelBranches() {
        // placed fans out to payment and stock; stock's reply names placed as its cause
        InstanceGraph g = InstanceGraphBuilder.build("o1", List.of(
                rec("orders", 1, 0, "OrderPlaced", "e1").build(),
                rec("payments", 1, 1, "PaymentCaptured", "e2").causationId("e1").build(),
                rec("stock", 1, 2, "StockReserved", "e3").causationId("e1").build()), List.of());
        assertThat(g.edges()).containsExactly(
                new InstanceGraph.Edge(0, 1, EdgeKind.CAUSATION),
                new InstanceGraph.Edge(0, 2, EdgeKind.CAUSATION));
    }

    @Test
    void producerSpanDescendingFromAConsumerSpanOfTheCauseMakesATraceEdge() {
        Observation a = rec("orders", 1, 0, "OrderPlaced", "e1").traceId("t").spanId("pA").build();
        Observation other = rec("audit", 1, 1, "Audited", "e9").build();
        // B was produced inside an internal span, child of the consumer span of "orders"
        Observation b = rec("payments", 1, 2, "PaymentCaptured", "e2").traceId("t").spanId("work").build();
        InstanceGraph g = InstanceGraphBuilder.build("o1", List.of(b, other, a), List.of(
                Events.consumerSpan("t", "cons", "pA", "payment-svc", "orders", "g", at(0.5)),
                Events.internalSpan("t", "work", "cons", "payment-svc", at(0.6))));
        assertThat(g.nodes()).extracting(InstanceGraph.Node::eventType)
                .containsExactly("OrderPlaced", "Audited", "PaymentCaptured");
        assertThat(g.edges()).containsExactly(
                new InstanceGraph.Edge(0, 1, EdgeKind.ORDER),
                new InstanceGraph.Edge(0, 2, EdgeKind.TRACE));
    }

    @Test
    void withoutCausationOrTraceEventsFollowTimeOrder() {
        InstanceGraph g = InstanceGraphBuilder.build("o1", List.of(
                rec("t", 3, 2, "C", null).build(), rec("t", 1, 0, "A", null).build(), rec("t", 2, 1, "B", null).build()),
                List.of());
        assertThat(g.nodes()).extracting(InstanceGraph.Node::eventType).containsExactly("A", "B", "C");
        assertThat(g.edges()).extracting(InstanceGraph.Edge::kind).containsOnly(EdgeKind.ORDER);
        assertThat(g.edges()).hasSize(2);
    }

    @Test
    void duplicatesAreDroppedAndCounted() {
        Observation a = rec("t", 1, 0, "A", "e1").build();
        InstanceGraph g = InstanceGraphBuilder.build("o1", List.of(a, a, rec("t", 7, 0, "A", "e1").build(),
                rec("t", 2, 1, "B", "e2").build()), List.of());
        assertThat(g.nodes()).hasSize(2);
        assertThat(g.duplicates()).isEqualTo(2);
    }

    @Test
    void aDeadLetterCopyIsDroppedButNotCountedAsADuplicate() {
        Observation paid = rec("payments", 2, 1, "PaymentCaptured", "e2").build();
        InstanceGraph g = InstanceGraphBuilder.build("o1", List.of(rec("orders", 1, 0, "OrderPlaced", "e1").build(), paid,
                rec("payments.DLT", 5, 2, "PaymentCaptured", "e2").build(), // by its topic's name
                rec("payments-failed", 6, 3, "PaymentCaptured", "e2")
                        .headers(List.of(io.choreoscope.model.Header.of("kafka_dlt-original-topic", "payments"))).build(),
                paid), List.of()); // and the record itself twice: that one is a duplicate
        assertThat(g.nodes()).extracting(InstanceGraph.Node::topic).containsExactly("orders", "payments");
        assertThat(g.duplicates()).isEqualTo(1);
    }

    @Test
    void causationCycleFromBadInputIsRejectedNotFollowed() {
        InstanceGraph g = InstanceGraphBuilder.build("o1", List.of(
                rec("t", 1, 0, "A", "e1").causationId("e2").build(),
                rec("t", 2, 1, "B", "e2").causationId("e1").build()), List.of());
        assertThat(g.rejectedEdges()).isEqualTo(1);
        assertThat(g.edges()).hasSize(1);
    }

    @Test
    void lateRecordIsPlacedByItsTimestamp() {
        InstanceGraph g = InstanceGraphBuilder.build("o1", List.of(
                rec("t", 1, 0, "A", "e1").build(), rec("t", 3, 2, "C", "e3").build(),
                rec("t", 9, 1, "B", "e2").build()), List.of());
        assertThat(g.nodes()).extracting(InstanceGraph.Node::eventType).containsExactly("A", "B", "C");
    }
}
