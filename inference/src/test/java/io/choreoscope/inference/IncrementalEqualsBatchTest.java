package io.choreoscope.inference;

import io.choreoscope.model.Observation;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.LinkedObservation;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property: applying observations one at a time, in any interleaving, or in random chunks, gives the same
 * instances, flow models, dependency map and states as one batch in time order. 200 seeds, each a random
 * log with loops, skips, compensations, duplicates, equal timestamps and linked IDs.
 */
class IncrementalEqualsBatchTest {
    static final String[] STEPS = {"OrderPlaced", "PaymentCaptured", "StockReserved", "OrderShipped"};

    static List<LinkedObservation> randomLog(Random rnd) {
        List<LinkedObservation> log = new ArrayList<>();
        int instances = 5 + rnd.nextInt(30);
        long offset = 0;
        for (int i = 0; i < instances; i++) {
            String id = "o" + i;
            long t = rnd.nextInt(10_000);
            List<String> types = new ArrayList<>(List.of(STEPS));
            if (rnd.nextInt(5) == 0) types.remove(1 + rnd.nextInt(2));           // skip
            if (rnd.nextInt(5) == 0) types.add(2, "PaymentCaptured");           // loop
            if (rnd.nextInt(6) == 0) { types.set(types.size() - 1, "PaymentRefunded"); }
            boolean causation = rnd.nextInt(3) > 0;                              // each event names the one before
            boolean fromTheMiddle = causation && rnd.nextInt(6) == 0;            // its first event never tapped
            for (int k = 0; k < types.size(); k++) {
                t += rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(5_000);                // equal timestamps too
                String corr = id;
                Set<String> links = Set.of();
                if (k == types.size() - 1 && rnd.nextInt(4) == 0) {
                    corr = "p" + i;                                              // a second ID...
                    links = Set.of(id);                                          // ...linked to the first
                } else if (k == 1 && rnd.nextInt(8) == 0) {
                    corr = "p" + i;                                              // payment ID before the link
                }
                Observation o = Observation.builder("t." + types.get(k), rnd.nextInt(3), offset++,
                                Instant.ofEpochMilli(1_700_000_000_000L + t))
                        .correlationId(corr).eventType(types.get(k)).eventId(id + "-" + k)
                        .causationId(causation && k > 0 ? id + "-" + (k - 1) : null)
                        .sourceService("svc" + (k % 3)).build();
                if (fromTheMiddle && k == 0) {
                    continue;
                }
                log.add(new LinkedObservation(o, links));
                if (rnd.nextInt(10) == 0) log.add(new LinkedObservation(o, links)); // duplicate delivery
            }
        }
        return log;
    }

    record Result(List<FlowModel> flows, List<String> instances, DependencyMap deps, List<String> changes) {
    }

    static Result run(List<LinkedObservation> log, Random chunking, Instant now) {
        InferenceEngine engine = new InferenceEngine(InferenceSettings.defaults()
                .withModelThresholds(3, 2, 0.02, 3, 0.8));
        if (chunking == null) {
            engine.applyLinked(log);
        } else {
            int i = 0;
            while (i < log.size()) {
                int n = 1 + chunking.nextInt(4);
                if (chunking.nextBoolean()) {
                    engine.applyLinked(log.subList(i, Math.min(log.size(), i + n)));
                } else {
                    for (LinkedObservation lo : log.subList(i, Math.min(log.size(), i + n))) {
                        engine.apply(lo.observation(), lo.linkIds());
                    }
                }
                i += n;
            }
        }
        List<String> changes = engine.evaluate(now).stream()
                .map(c -> c.correlationId() + ":" + c.to() + ":" + c.reason()).toList();
        List<String> instances = new ArrayList<>();
        for (InstanceSnapshot s : engine.snapshots(now)) {
            instances.add(s.correlationId() + " " + s.linkedIds().stream().sorted().toList() + " " + s.flow()
                    + " " + s.state() + " " + engine.eventTypes(s.correlationId()) + " " + s.expectedNext()
                    + " " + s.deviations().stream().filter(d -> d.kind() != io.choreoscope.model.flow.DeviationKind.DUPLICATE).toList()
                    + " dups=" + s.deviations().size());
        }
        return new Result(engine.flowModels(), instances, engine.dependencyMap(), changes);
    }

    @Test
    void anyInterleavingGivesTheSameResultAsABatchRebuild() {
        for (int seed = 0; seed < 200; seed++) {
            Random rnd = new Random(seed);
            List<LinkedObservation> log = randomLog(rnd);
            List<LinkedObservation> inTimeOrder = new ArrayList<>(log);
            inTimeOrder.sort((a, b) -> a.observation().timestamp().compareTo(b.observation().timestamp()));
            Instant now = Instant.ofEpochMilli(1_700_000_000_000L + 60_000);

            Result batch = run(inTimeOrder, null, now);
            List<LinkedObservation> shuffled = new ArrayList<>(log);
            Collections.shuffle(shuffled, rnd);
            Result incremental = run(shuffled, new Random(seed * 31L + 7), now);

            assertThat(incremental.flows()).as("flow models, seed %d", seed).isEqualTo(batch.flows());
            assertThat(incremental.instances()).as("instances, seed %d", seed).isEqualTo(batch.instances());
            assertThat(incremental.deps()).as("dependency map, seed %d", seed).isEqualTo(batch.deps());
            assertThat(incremental.changes()).as("state changes, seed %d", seed).isEqualTo(batch.changes());
        }
    }
}
