package io.choreoscope.inference;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import io.choreoscope.model.Observation;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.LatencySketch;
import io.choreoscope.model.flow.ModelMerge;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The model's latency sketch is the engine's DDSketch as numbers: the same bins, the same percentiles to the bit, and
 * merging the bins of disjoint samples gives the bins (and so the percentiles) of one sketch of all samples. Then
 * engines that each saw part of a flow's instances, merged by {@link ModelMerge}, answer what one engine that saw
 * them all answers.
 */
class LatencyMergeTest {
    private static final double[] QUANTILES = {0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1};

    @Test
    void theModelKeepsTheParametersOfTheEnginesMapping() {
        assertThat(FlowStats.newSketch().getIndexMapping())
                .isEqualTo(new com.datadoghq.sketch.ddsketch.mapping.CubicallyInterpolatedMapping(FlowStats.GAMMA, 0));
        assertThat(FlowStats.newSketch().getIndexMapping())
                .isEqualTo(DDSketches.collapsingLowestDense(0.01, 1024).getIndexMapping());
    }

    /** Latencies in ms as the engine sees them: whole, >= 0; some seeds span more than 1024 bins (collapse). */
    private static long[] latencies(Random rnd, int n, boolean wide) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            double v = switch (rnd.nextInt(4)) {
                case 0 -> rnd.nextInt(3);                                        // zeros and tiny ones
                case 1 -> Math.exp(rnd.nextGaussian() * 0.8 + 5);                // around 150 ms
                case 2 -> 10 + rnd.nextInt(5_000);
                default -> wide ? Math.exp(rnd.nextDouble() * 28) : Math.exp(rnd.nextGaussian() + 8); // up to 1.4e12
            };
            out[i] = (long) v;
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
    void mergedBinsAreTheBinsOfOneSketchOfEverySample(int seed) {
        Random rnd = new Random(seed);
        boolean wide = seed % 2 == 0;
        long[] all = latencies(rnd, 1_000 + rnd.nextInt(20_000), wide);
        int owners = 2 + seed % 3;
        DDSketch whole = FlowStats.newSketch();
        List<DDSketch> parts = new ArrayList<>();
        for (int i = 0; i < owners; i++) {
            parts.add(FlowStats.newSketch());
        }
        for (long v : all) {
            whole.accept(v);
            parts.get(rnd.nextInt(owners)).accept(v);
        }
        List<LatencySketch> bins = new ArrayList<>();
        for (DDSketch p : parts) {
            if (!p.isEmpty()) {
                bins.add(FlowStats.bins(p));
            }
        }
        LatencySketch merged = LatencySketch.mergeAll(bins);
        LatencySketch single = FlowStats.bins(whole);

        assertThat(merged).isEqualTo(single);
        assertThat(single.counts().length).isLessThanOrEqualTo(1024);
        if (wide) {
            assertThat(single.counts().length).as("the wide seeds collapse the lowest bins").isEqualTo(1024);
        }
        long[] sorted = all.clone();
        Arrays.sort(sorted);
        for (double q : QUANTILES) {
            double engine = whole.getValueAtQuantile(q);
            assertThat(single.quantile(q)).as("q=%s", q).isEqualTo(engine);
            assertThat(merged.quantile(q)).as("q=%s", q).isEqualTo(engine);
            if (!wide) { // exact: the sample of rank floor(q (n - 1)); 1% relative while nothing collapsed
                double exact = sorted[(int) Math.floor(q * (sorted.length - 1))];
                assertThat(merged.quantile(q)).as("q=%s", q).isCloseTo(exact, within(exact * 0.01 + 1e-9));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4})
    void modelsOfEnginesThatEachSawPartOfTheInstancesMergeToTheModelOfOneEngine(int owners) {
        Random rnd = new Random(owners * 7919L);
        String[] steps = {"OrderPlaced", "PaymentCaptured", "StockReserved", "OrderShipped"};
        InferenceEngine whole = new InferenceEngine(InferenceSettings.defaults());
        List<InferenceEngine> parts = new ArrayList<>();
        for (int i = 0; i < owners; i++) {
            parts.add(new InferenceEngine(InferenceSettings.defaults()));
        }
        long offset = 0;
        for (int i = 0; i < 3_000; i++) {
            String id = "order-" + i;
            long t = 1_700_000_000_000L + rnd.nextInt(3_600_000);
            InferenceEngine owner = parts.get(Math.floorMod(id.hashCode(), owners));
            for (String step : steps) {
                t += (long) Math.exp(rnd.nextGaussian() * (owner == parts.get(0) ? 0.5 : 1.5) + 6); // owners differ
                Observation o = Observation.builder("t." + step, 0, offset++, Instant.ofEpochMilli(t))
                        .correlationId(id).eventType(step).eventId(id + "/" + step).build();
                whole.apply(o);
                owner.apply(o);
            }
        }
        FlowModel one = whole.flowModel("OrderPlaced").orElseThrow();
        List<FlowModel> models = new ArrayList<>();
        parts.forEach(e -> models.add(e.flowModel("OrderPlaced").orElseThrow()));
        FlowModel merged = ModelMerge.flow(models);

        assertThat(merged.transitions()).hasSize(3);
        for (FlowModel.Transition t : one.transitions()) {
            FlowModel.Transition m = merged.transition(t.from(), t.to());
            assertThat(m.count()).isEqualTo(t.count());
            assertThat(m.latency()).isEqualTo(t.latency());
            assertThat(new double[] {m.p50Ms(), m.p95Ms(), m.p99Ms()}).as(t.from() + " -> " + t.to())
                    .containsExactly(t.p50Ms(), t.p95Ms(), t.p99Ms());
        }
    }

    @Test
    void consumerDelaysOfEnginesThatEachSawPartOfTheRecordsMergeToThoseOfOneEngine() {
        Random rnd = new Random(11);
        InferenceEngine whole = new InferenceEngine(InferenceSettings.defaults());
        List<InferenceEngine> parts = List.of(new InferenceEngine(InferenceSettings.defaults()),
                new InferenceEngine(InferenceSettings.defaults()));
        for (int i = 0; i < 2_000; i++) {
            InferenceEngine owner = parts.get(i % 2);
            Instant t = Instant.ofEpochMilli(1_700_000_000_000L + i * 100L);
            Observation o = Observation.builder("orders", 0, i, t).correlationId("o" + i).eventType("OrderPlaced")
                    .sourceService("order-svc").traceId("t" + i).spanId("p" + i).build();
            long delay = (long) Math.exp(rnd.nextGaussian() + (owner == parts.get(0) ? 3 : 7)); // owners differ
            var span = Events.consumerSpan("t" + i, "c" + i, "p" + i, "payment-svc", "orders", null, t.plusMillis(delay));
            for (InferenceEngine e : List.of(whole, owner)) {
                e.apply(o);
                e.applySpans(List.of(span));
            }
        }
        io.choreoscope.model.flow.DependencyMap.Edge one = consumes(whole.dependencyMap());
        io.choreoscope.model.flow.DependencyMap.Edge merged = consumes(ModelMerge.dependencies(
                List.of(parts.get(0).dependencyMap(), parts.get(1).dependencyMap())));

        assertThat(merged.delay()).isNotNull().isEqualTo(one.delay());
        assertThat(new double[] {merged.p50Ms(), merged.p99Ms()}).containsExactly(one.p50Ms(), one.p99Ms());
    }

    private static io.choreoscope.model.flow.DependencyMap.Edge consumes(io.choreoscope.model.flow.DependencyMap m) {
        return m.edges().stream().filter(e -> e.role() == io.choreoscope.model.flow.DependencyMap.EdgeRole.CONSUMES)
                .findFirst().orElseThrow();
    }

    @Test
    void partsWithoutSketchesFallBackToTheWeightedMeanAndSaySoByCarryingNone() {
        FlowModel.Transition withBins = new FlowModel.Transition("A", "B", 2, 1, 100, 100, 100, 0,
                bins(100, 100));
        FlowModel.Transition old = new FlowModel.Transition("A", "B", 2, 1, 300, 300, 300);
        FlowModel a = new FlowModel("A", 2, List.of(), List.of(withBins), java.util.Map.of(), java.util.Map.of(),
                List.of(), java.util.Map.of(), 0);
        FlowModel b = new FlowModel("A", 2, List.of(), List.of(old), java.util.Map.of(), java.util.Map.of(),
                List.of(), java.util.Map.of(), 0);

        FlowModel.Transition merged = ModelMerge.flow(List.of(a, b)).transition("A", "B");

        assertThat(merged.p50Ms()).isEqualTo(200.0);
        assertThat(merged.latency()).isNull();
    }

    private static LatencySketch bins(long... values) {
        DDSketch s = FlowStats.newSketch();
        for (long v : values) {
            s.accept(v);
        }
        return FlowStats.bins(s);
    }
}
