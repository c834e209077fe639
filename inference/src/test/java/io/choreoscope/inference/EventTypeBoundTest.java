package io.choreoscope.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;

import io.choreoscope.model.Observation;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InstanceState;
import org.junit.jupiter.api.Test;

/**
 * The bound on distinct event types: a producer that puts an ID into its event type makes a new type (and flow) per
 * record; past the bound they are one type and one flow, counted and named, and the bound's own types are unchanged.
 */
class EventTypeBoundTest {
    private static final Instant T = Instant.parse("2026-12-02T10:00:00Z");
    private long offset;

    private Observation event(String id, String type, int ms) {
        return Observation.builder("orders", 0, offset++, T.plusMillis(ms)).correlationId(id).eventType(type)
                .sourceService("svc").build();
    }

    @Test
    void typesPastTheBoundAreOneTypeAndOneFlowCountedAndNamed() {
        // "(unknown)" is one of the four: three types of records get their own
        InferenceEngine engine = new InferenceEngine(InferenceSettings.defaults().withMaxEventTypes(4));
        engine.apply(event("a", "OrderPlaced", 0));
        engine.apply(event("a", "OrderPaid", 1));
        engine.apply(event("b", "UserRegistered", 2));
        for (int i = 0; i < 5; i++) {
            engine.apply(event("audit-" + i, "OrderAudited-" + i, 10 + i));
        }
        engine.apply(event("a", "OrderAudited-x", 20)); // a step of a known flow, past the bound too

        assertThat(engine.flowModels()).extracting(FlowModel::flow)
                .containsExactlyInAnyOrder("OrderPlaced", "UserRegistered", InferenceSettings.TOO_MANY_EVENT_TYPES);
        assertThat(engine.flowModel(InferenceSettings.TOO_MANY_EVENT_TYPES).orElseThrow().instances()).isEqualTo(5);
        assertThat(engine.counters().overTypeLimit()).isEqualTo(6);
        assertThat(engine.lastOverTypeLimit()).isEqualTo("'OrderAudited-x' on orders");
        assertThat(engine.snapshot("a", T.plusSeconds(1)).orElseThrow().lastEventType())
                .isEqualTo(InferenceSettings.TOO_MANY_EVENT_TYPES);
        assertThat(engine.snapshot("audit-3", T.plusSeconds(1)).orElseThrow().flow())
                .isEqualTo(InferenceSettings.TOO_MANY_EVENT_TYPES);
    }

    @Test
    void aTypePastTheBoundIsNoFailureWhateverItsName() {
        InferenceEngine engine = new InferenceEngine(InferenceSettings.defaults().withMaxEventTypes(2));
        engine.apply(event("a", "OrderPlaced", 0));
        engine.apply(event("a", "PaymentFailed", 1)); // past the bound: "(too many event types)", named by none
        assertThat(engine.counters().overTypeLimit()).isEqualTo(1);
        assertThat(engine.snapshot("a", T.plusMillis(2)).orElseThrow().state()).isEqualTo(InstanceState.RUNNING);
    }

    @Test
    void withinTheBoundNothingIsCountedAndTheBoundIsChecked() {
        InferenceEngine engine = new InferenceEngine(InferenceSettings.defaults());
        for (int i = 0; i < 1_000; i++) {
            engine.apply(event("c-" + i, "Type" + i, i));
        }
        assertThat(engine.flowModels()).hasSize(1_000);
        assertThat(engine.counters().overTypeLimit()).isZero();
        assertThat(engine.lastOverTypeLimit()).isNull();
        assertThatThrownBy(() -> InferenceSettings.defaults().withMaxEventTypes(0))
                .hasMessageContaining("maxEventTypes must be in 1..65534");
        assertThatThrownBy(() -> InferenceSettings.defaults().withMaxEventTypes(65_535))
                .hasMessageContaining("maxEventTypes must be in 1..65534");
    }
}
