package io.choreoscope.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.choreoscope.model.Observation;
import io.choreoscope.model.flow.InstanceState;
import org.junit.jupiter.api.Test;

/** The cap on live instances (issue 20, item 8): a flood of unique correlation IDs holds the cap, not the flood. */
class LiveInstanceCapTest {
    private static final Instant T = Instant.parse("2026-12-02T10:00:00Z");
    private long offset;

    private Observation event(String id, String type, Instant at) {
        return Observation.builder("orders", 0, offset++, at).correlationId(id).eventType(type).sourceService("svc").build();
    }

    @Test
    void aFloodOfUniqueIdsNeverHoldsMoreThanTheCapAndEvictsTheLeastRecentlyActiveFirst() {
        InferenceEngine engine = new InferenceEngine(InferenceSettings.defaults()
                .withEndEventTypes(Set.of("OrderShipped")).withMaxLiveInstances(100));
        // "keep" is active again after every ten flood IDs: it must never be evicted.
        engine.apply(event("keep", "OrderPlaced", T));
        List<InferenceEngine.Evicted> evicted = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            engine.apply(event("flood-" + i, "OrderPlaced", T.plusMillis(i)));
            if (i % 2 == 0) {
                engine.apply(event("flood-" + i, "OrderShipped", T.plusMillis(i + 1)));
            }
            if (i % 10 == 0) {
                engine.apply(event("keep", "PaymentCaptured", T.plusMillis(i)));
            }
            assertThat(engine.counters().liveInstances()).isLessThanOrEqualTo(100);
            evicted.addAll(engine.drainEvicted(T.plusSeconds(2)));
        }
        assertThat(engine.counters().liveInstances()).isEqualTo(100);
        assertThat(engine.counters().evictedOverCap()).isEqualTo(901);
        assertThat(evicted).hasSize(901);
        // Least recently active first: the flood in arrival order.
        for (int i = 0; i < 901; i++) {
            assertThat(evicted.get(i).snapshot().correlationId()).isEqualTo("flood-" + i);
            InstanceState expected = i % 2 == 0 ? InstanceState.COMPLETED : InstanceState.RUNNING;
            assertThat(evicted.get(i).snapshot().state()).as("flood-" + i).isEqualTo(expected);
            assertThat(evicted.get(i).eventTypes()).hasSize(i % 2 == 0 ? 2 : 1);
        }
        assertThat(engine.snapshot("keep", T.plusSeconds(2))).isPresent();
        assertThat(engine.snapshot("flood-0", T.plusSeconds(2))).isEmpty();
        assertThat(engine.snapshot("flood-999", T.plusSeconds(2))).isPresent();
        // Evicted instances keep counting in the flow model.
        assertThat(engine.flowModel("OrderPlaced").orElseThrow().instances()).isEqualTo(1_001);
        assertThat(engine.drainEvicted(T.plusSeconds(3))).isEmpty();
    }
}
