package io.choreoscope.inference;

import io.choreoscope.model.Observation;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.model.flow.LinkedObservation;
import io.choreoscope.model.flow.StateChange;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine's deadline index: {@link InferenceEngine#evaluate} visits only the instances that received events, whose
 * deadline (settling, stuck, eviction) came, or whose flow's learned model changed, and finds what a visit of every
 * live instance finds.
 */
class DeadlineIndexTest {
    private static final long T0 = 1_700_000_000_000L;

    private static Observation event(String id, String type, long offset, long ts) {
        return Observation.builder("t." + type, 0, offset, Instant.ofEpochMilli(ts))
                .correlationId(id).eventType(type).eventId(id + "-" + type + "-" + offset).sourceService("svc").build();
    }

    /** 30 instances A -> B -> C, one second per step, C a configured end: A -> B is learned (bound 5 s, the floor). */
    private static InferenceEngine trained(long[] offset) {
        InferenceEngine engine = new InferenceEngine(InferenceSettings.defaults().withEndEventTypes(Set.of("C")));
        for (int i = 0; i < 30; i++) {
            long t = T0 + i * 10L;
            engine.apply(event("train" + i, "A", offset[0]++, t));
            engine.apply(event("train" + i, "B", offset[0]++, t + 1_000));
            engine.apply(event("train" + i, "C", offset[0]++, t + 2_000));
        }
        return engine;
    }

    private static InstanceState state(InferenceEngine engine, String id, long at) {
        return engine.snapshot(id, Instant.ofEpochMilli(at)).map(InstanceSnapshot::state).orElse(null);
    }

    @Test
    void aStuckDeadlineMovesWhenTheNextEventArrives() {
        long[] offset = {0};
        InferenceEngine engine = trained(offset);
        long a = T0 + 10_000;
        engine.apply(event("x", "A", offset[0]++, a));
        engine.evaluate(Instant.ofEpochMilli(a + 100));
        assertThat(state(engine, "x", a + 100)).isEqualTo(InstanceState.RUNNING);

        long b = a + 4_000; // before A's bound of 5 s ran out: the deadline moves from a + 5001 to b + 5001
        engine.apply(event("x", "B", offset[0]++, b));
        assertThat(engine.evaluate(Instant.ofEpochMilli(a + 5_001))).extracting(StateChange::correlationId)
                .doesNotContain("x");
        assertThat(engine.evaluate(Instant.ofEpochMilli(b + 5_000))).extracting(StateChange::correlationId)
                .doesNotContain("x");
        List<StateChange> atDeadline = engine.evaluate(Instant.ofEpochMilli(b + 5_001));
        assertThat(atDeadline).filteredOn(c -> c.correlationId().equals("x")).singleElement()
                .satisfies(c -> assertThat(c.to()).isEqualTo(InstanceState.STUCK));
        assertThat(engine.lastVisited()).as("only the due instance is visited").isEqualTo(1);
    }

    @Test
    void aFinishedInstanceIsEvictedAtTheTickItsRetentionEnds() {
        long[] offset = {0};
        InferenceEngine engine = trained(offset);
        long retention = engine.config().retention().toMillis();
        long last = T0 + 20_000;
        engine.apply(event("y", "A", offset[0]++, last - 2_000));
        engine.apply(event("y", "B", offset[0]++, last - 1_000));
        engine.apply(event("y", "C", offset[0]++, last));
        engine.evaluate(Instant.ofEpochMilli(last + 1));
        assertThat(state(engine, "y", last + 1)).isEqualTo(InstanceState.COMPLETED);

        engine.evaluate(Instant.ofEpochMilli(last + retention - 1)); // the training instances go here
        assertThat(engine.snapshot("y", Instant.ofEpochMilli(last + retention - 1))).isPresent();
        long evictedBefore = engine.counters().evictedInstances();
        assertThat(evictedBefore).isEqualTo(30);
        engine.evaluate(Instant.ofEpochMilli(last + retention));
        assertThat(engine.snapshot("y", Instant.ofEpochMilli(last + retention))).isEmpty();
        assertThat(engine.counters().evictedInstances()).isEqualTo(evictedBefore + 1);
        assertThat(engine.flowModel("A").orElseThrow().instances()).as("its counts stay in the model").isEqualTo(31);
    }

    @Test
    void aTickVisitsTheInstancesThatCanChangeNotEveryLiveOne() {
        long[] offset = {0};
        InferenceEngine engine = trained(offset);
        for (int i = 0; i < 2_000; i++) {
            long t = T0 + 5_000 + i;
            engine.apply(event("done" + i, "A", offset[0]++, t));
            engine.apply(event("done" + i, "B", offset[0]++, t + 1_000));
            engine.apply(event("done" + i, "C", offset[0]++, t + 2_000));
        }
        long now = T0 + 10_000;
        engine.evaluate(Instant.ofEpochMilli(now));
        assertThat(engine.lastVisited()).as("the first evaluation visits every instance").isEqualTo(2_030);
        engine.evaluate(Instant.ofEpochMilli(now + 500));
        assertThat(engine.lastVisited()).as("nothing changed, nothing due").isZero();
        engine.apply(event("new", "A", offset[0]++, now + 600));
        engine.evaluate(Instant.ofEpochMilli(now + 1_000));
        assertThat(engine.lastVisited()).as("the one instance that got an event").isEqualTo(1);
        assertThat(engine.counters().liveInstances()).isEqualTo(2_031);
    }

    /**
     * Property: random logs (loops, skips, compensations, duplicates, late events, linked IDs, causation IDs, instances
     * whose first event never comes and that wait unnamed for it) applied in chunks with
     * evaluations at random later times (stuck bounds, settling, retention and abandoning all reached) give the same
     * state changes at every evaluation, and the same instances and flow models at the end, as an engine that visits
     * every live instance each time.
     */
    @Test
    void theIndexFindsWhatVisitingEveryInstanceFinds() {
        for (int seed = 0; seed < 200; seed++) {
            Random rnd = new Random(seed);
            List<LinkedObservation> log = IncrementalEqualsBatchTest.randomLog(rnd);
            log.sort((x, y) -> x.observation().timestamp().compareTo(y.observation().timestamp()));
            for (int i = 1; i < log.size(); i++) {
                if (rnd.nextInt(6) == 0) {
                    Collections.swap(log, i - 1, i); // a late event now and then
                }
            }
            InferenceSettings settings = InferenceSettings.defaults().withModelThresholds(3, 2, 0.02, 3, 0.8)
                    .withStuckBounds(3, Duration.ofSeconds(2), Duration.ofSeconds(20), 3)
                    .withLifetimes(Duration.ofSeconds(90), Duration.ofMinutes(10), Duration.ofMinutes(2))
                    .withSettling(10, Duration.ofSeconds(15));
            InferenceEngine indexed = new InferenceEngine(settings);
            InferenceEngine every = new InferenceEngine(settings);
            every.visitEveryInstance(true);
            long now = T0;
            int i = 0;
            while (i < log.size() || now < T0 + 15 * 60_000) {
                int n = Math.min(log.size() - i, rnd.nextInt(6));
                List<LinkedObservation> chunk = log.subList(i, i + n);
                indexed.applyLinked(chunk);
                every.applyLinked(chunk);
                i += n;
                now += switch (rnd.nextInt(8)) {
                    case 0 -> 0;
                    case 1 -> 60_000 + rnd.nextInt(60_000);
                    default -> rnd.nextInt(4_000);
                };
                Instant at = Instant.ofEpochMilli(now);
                assertThat(indexed.evaluate(at)).as("changes at %d, seed %d", now - T0, seed)
                        .isEqualTo(every.evaluate(at));
            }
            Instant end = Instant.ofEpochMilli(now);
            assertThat(indexed.snapshots(end)).as("instances, seed %d", seed).isEqualTo(every.snapshots(end));
            assertThat(indexed.flowModels()).as("flow models, seed %d", seed).isEqualTo(every.flowModels());
            assertThat(indexed.counters()).as("counters, seed %d", seed).isEqualTo(every.counters());
        }
    }
}
