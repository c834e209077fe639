package io.choreoscope.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.choreoscope.model.SuspectReader.Counts;
import io.choreoscope.model.SuspectReader.Source;
import io.choreoscope.model.SuspectReader.ValueCount;
import io.choreoscope.model.api.Suspect;
import org.junit.jupiter.api.Test;

class SuspectsTest {

    private static ValueCount v(String step, String field, String value, long bad, long good) {
        return new ValueCount(step, Source.PAYLOAD, field, value, bad, good);
    }

    @Test
    void theOverRepresentedValueRanksFirstWithItsSharesAndLift() {
        // 10 stuck, 100 completed: kettle-5 in 8 stuck and 11 completed; mug-3 as common in both; book-42 in 2 stuck only
        Counts counts = new Counts(10, 100, false, List.of(
                v("OrderPlaced", "/sku", "kettle-5", 8, 11),
                v("OrderPlaced", "/sku", "mug-3", 2, 20),
                v("OrderPlaced", "/sku", "book-42", 2, 0),
                v("OrderPlaced", "/currency", "EUR", 10, 100)));
        List<Suspect> s = Suspects.rank(counts);
        assertThat(s).hasSize(1);
        Suspect kettle = s.get(0);
        assertThat(kettle.value()).isEqualTo("kettle-5");
        assertThat(kettle.stuckShare()).isEqualTo(0.8);
        assertThat(kettle.completedShare()).isEqualTo(0.11);
        assertThat(kettle.lift()).isCloseTo(0.8 / (12.0 / 101), within(1e-9));
        assertThat(kettle.sentence()).isEqualTo("sku = kettle-5: 80% of stuck, 11% of completed");
    }

    @Test
    void eachThresholdKeepsOutWhatFallsShortOfIt() {
        Counts counts = new Counts(100, 1000, false, List.of(
                v("A", "/few", "x", 2, 0),          // below MIN_INSTANCES, however rare among the completed
                v("A", "/rare", "x", 9, 0),         // 9% of stuck: below MIN_STUCK_SHARE
                v("A", "/flat", "x", 50, 300),      // lift 50% / 30%: below MIN_LIFT
                v("A", "/kept", "x", 10, 0)));      // 3 ... 10% ... lift 10% / (1/1001)
        assertThat(Suspects.rank(counts)).extracting(Suspect::field).containsExactly("/kept");
        assertThat(Suspects.rank(new Counts(0, 10, false, List.of(v("A", "/f", "x", 3, 0))))).isEmpty();
        // nothing completed to compare with: no value can reach the lift
        assertThat(Suspects.rank(new Counts(10, 0, false, List.of(v("A", "/f", "x", 10, 0))))).isEmpty();
    }

    @Test
    void withinAStepByLiftThenStuckCountAndStepsByTheirBestSuspect() {
        Counts counts = new Counts(20, 200, false, List.of(
                v("B", "/a", "1", 4, 2),
                v("B", "/b", "2", 12, 0),
                v("A", "/c", "3", 5, 1),
                new ValueCount("A", Source.HEADER, "tenant", "t-9", 5, 1)));
        List<Suspect> s = Suspects.rank(counts);
        assertThat(s).extracting(x -> x.step() + x.field()).containsExactly("B/b", "B/a", "A/c", "Atenant");
        assertThat(s.get(3).sentence()).isEqualTo("tenant = t-9: 25% of stuck, 1% of completed");
    }

    @Test
    void aPlantedValueRanksFirstAmongRandomNoiseAndPerStepListsAreBounded() {
        // 2,000 completed and 40 stuck orders, each from one of 500 customers at random; 30 of the stuck and 2% of
        // the completed are for kettle-5, the rest spread over four other SKUs
        Random rnd = new Random(16);
        java.util.Map<String, long[]> counts = new java.util.TreeMap<>();
        for (int i = 0; i < 2040; i++) {
            boolean stuck = i >= 2000;
            String sku = stuck ? (i < 2030 ? "kettle-5" : "sku-" + rnd.nextInt(4))
                    : rnd.nextDouble() < 0.02 ? "kettle-5" : "sku-" + rnd.nextInt(4);
            for (String key : List.of("/sku=" + sku, "/customerId=cust-" + rnd.nextInt(500), "/currency=EUR")) {
                counts.computeIfAbsent(key, k -> new long[2])[stuck ? 0 : 1]++;
            }
        }
        List<ValueCount> values = new ArrayList<>();
        counts.forEach((k, c) -> values.add(v("OrderPlaced", k.substring(0, k.indexOf('=')), k.substring(k.indexOf('=') + 1),
                c[0], c[1])));
        List<Suspect> s = Suspects.rank(new Counts(40, 2000, false, values));
        assertThat(s).isNotEmpty();
        assertThat(s.get(0).value()).isEqualTo("kettle-5");
        assertThat(s.get(0).stuckShare()).isEqualTo(0.75);
        assertThat(s).hasSizeLessThanOrEqualTo(Suspects.MAX_PER_STEP);

        List<ValueCount> many = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            many.add(v("S", "/f" + i, "x", 10, 0));
        }
        assertThat(Suspects.rank(new Counts(10, 10, false, many))).hasSize(Suspects.MAX_PER_STEP);
    }
}
