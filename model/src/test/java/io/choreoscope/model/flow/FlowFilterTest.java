package io.choreoscope.model.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

class FlowFilterTest {

    /** A windowed model and its variants from traces (each a list of event types), as the definitions say. */
    record Log(FlowModel model, List<Variant> variants) {
        static Log of(Map<List<String>, Integer> traces, List<String> learnedEnds) {
            Map<String, long[]> nodes = new TreeMap<>();
            Map<List<String>, long[]> pairs = new LinkedHashMap<>();
            Map<String, Long> starts = new HashMap<>();
            Map<String, Long> ends = new HashMap<>();
            Map<String, Long> out = new HashMap<>();
            long n = 0;
            List<Variant> variants = new ArrayList<>();
            for (Map.Entry<List<String>, Integer> e : traces.entrySet()) {
                List<String> t = e.getKey();
                long c = e.getValue();
                n += c;
                variants.add(new Variant(Integer.toHexString(t.hashCode()), t, t.size(), c, 0, 0, 0, Map.of()));
                starts.merge(t.get(0), c, Long::sum);
                ends.merge(t.get(t.size() - 1), c, Long::sum);
                Set<String> seenTypes = new HashSet<>();
                Set<List<String>> seenPairs = new HashSet<>();
                for (int i = 0; i < t.size(); i++) {
                    long[] a = nodes.computeIfAbsent(t.get(i), k -> new long[2]);
                    a[0] += c;
                    if (seenTypes.add(t.get(i))) {
                        a[1] += c;
                    }
                    if (i > 0) {
                        List<String> p = List.of(t.get(i - 1), t.get(i));
                        long[] b = pairs.computeIfAbsent(p, k -> new long[2]);
                        b[0] += c;
                        if (seenPairs.add(p)) {
                            b[1] += c;
                        }
                        out.merge(t.get(i - 1), c, Long::sum);
                    }
                }
            }
            List<FlowModel.Node> ns = new ArrayList<>();
            nodes.forEach((k, a) -> ns.add(new FlowModel.Node(k, a[0], a[1])));
            List<FlowModel.Transition> ts = new ArrayList<>();
            pairs.forEach((p, a) -> ts.add(new FlowModel.Transition(p.get(0), p.get(1), a[0],
                    (double) a[0] / out.get(p.get(0)), 10, 20, 30, a[1])));
            return new Log(new FlowModel("f", n, ns, ts, starts, ends, learnedEnds, Map.of(), 0), variants);
        }
    }

    private static Set<String> shown(FlowModel m) {
        Set<String> s = new HashSet<>();
        m.transitions().forEach(t -> s.add(t.from() + ">" + t.to()));
        return s;
    }

    private static final List<String> HAPPY = List.of("OrderPlaced", "PaymentCaptured", "StockReserved", "OrderShipped");
    private static final List<String> REFUND = List.of("OrderPlaced", "PaymentCaptured", "StockFailed", "PaymentRefunded");

    /** 100 orders: 88 happy, 8 refunded, and four kinds of noise one instance each. */
    private static Log noisySaga() {
        Map<List<String>, Integer> traces = new LinkedHashMap<>();
        traces.put(HAPPY, 88);
        traces.put(REFUND, 8);
        traces.put(List.of("OrderPlaced", "StockReserved", "PaymentCaptured", "OrderShipped"), 1); // skewed clock
        traces.put(List.of("OrderPlaced", "PaymentCaptured", "StockReserved", "OrderShipped", "OrderShipped"), 1); // duplicate
        traces.put(List.of("PaymentCaptured", "OrderPlaced", "StockReserved", "OrderShipped"), 1); // early payment clock
        traces.put(List.of("OrderPlaced", "PaymentCaptured", "PaymentCaptured", "StockReserved", "OrderShipped"), 1); // retry
        return Log.of(traces, List.of("OrderShipped", "PaymentRefunded"));
    }

    @Test
    void defaultsShowTheHappyPathAndTheCompensationAndSayWhatIsHidden() {
        Log log = noisySaga();
        assertThat(log.model().transitions()).hasSize(11);

        FlowModel m = FlowFilter.apply(log.model(), FlowFilter.DEFAULT_MIN_STEP_SHARE, FlowFilter.DEFAULT_MIN_PATH_SHARE,
                log.variants());

        assertThat(shown(m)).containsExactlyInAnyOrder("OrderPlaced>PaymentCaptured", "PaymentCaptured>StockReserved",
                "StockReserved>OrderShipped", "PaymentCaptured>StockFailed", "StockFailed>PaymentRefunded");
        FlowModel.Hidden h = m.hidden();
        assertThat(h.transitions()).isEqualTo(6);
        assertThat(h.steps()).isZero();
        assertThat(h.instances()).isEqualTo(4);
        assertThat(h.instancesExact()).isTrue();
        assertThat(h.instanceShare()).isEqualTo(0.04);
        assertThat(h.reconnecting()).isZero();
        assertThat(FlowFilter.describe(h)).isEqualTo("6 rare transitions hidden, 4% of instances");
        // counts and shares are those of the whole model
        assertThat(m.transition("OrderPlaced", "PaymentCaptured")).isEqualTo(log.model().transition("OrderPlaced", "PaymentCaptured"));
    }

    @Test
    void withoutVariantsTheHiddenInstancesAreAnUpperBound() {
        FlowModel m = FlowFilter.apply(noisySaga().model(), 0.05, 0.05);
        assertThat(m.hidden().instancesExact()).isFalse();
        assertThat(m.hidden().instances()).isGreaterThanOrEqualTo(4);
        assertThat(FlowFilter.describe(m.hidden())).isEqualTo("6 rare transitions hidden, at most " + Math.round(100.0 * m.hidden().instances() / 100) + "% of instances");
    }

    @Test
    void aKeptStepWhoseTransitionsAreAllRareIsReconnectedByItsStrongestOne() {
        // Manual review happens in 10% of instances, reached from four different steps, each under 5%.
        Map<List<String>, Integer> traces = new LinkedHashMap<>();
        traces.put(List.of("A", "B", "C", "End"), 90);
        traces.put(List.of("A", "Review", "End"), 4);
        traces.put(List.of("A", "B", "Review", "End"), 3);
        traces.put(List.of("A", "B", "C", "Review", "End"), 2);
        traces.put(List.of("A", "C", "Review", "End"), 1);
        Log log = Log.of(traces, List.of("End"));

        FlowModel m = FlowFilter.apply(log.model(), 0.05, 0.15, log.variants());

        assertThat(m.nodes()).extracting(FlowModel.Node::eventType).contains("Review");
        assertThat(shown(m)).contains("A>Review").doesNotContain("B>Review", "C>Review");
        // Review -> End is taken by 10% (< 15%) but is what lets Review reach an end
        assertThat(shown(m)).contains("Review>End");
        assertThat(m.hidden().reconnecting()).isEqualTo(2);
    }

    @Test
    void rareStepsAreHiddenWithTheirTransitions() {
        Log log = noisySaga();
        FlowModel m = FlowFilter.apply(log.model(), 0.10, 0.0, log.variants());
        assertThat(m.nodes()).extracting(FlowModel.Node::eventType)
                .containsExactlyInAnyOrder("OrderPlaced", "PaymentCaptured", "StockReserved", "OrderShipped");
        assertThat(m.hidden().steps()).isEqualTo(2);
        assertThat(m.hidden().instances()).isEqualTo(8);
        assertThat(m.startCounts()).containsOnlyKeys("OrderPlaced", "PaymentCaptured");
        assertThat(m.learnedEnds()).containsExactly("OrderShipped");
    }

    @Test
    void zeroThresholdsKeepEverything() {
        Log log = noisySaga();
        FlowModel m = FlowFilter.apply(log.model(), 0, 0, log.variants());
        assertThat(m.nodes()).isEqualTo(log.model().nodes());
        assertThat(m.transitions()).isEqualTo(log.model().transitions());
        assertThat(m.hidden().instances()).isZero();
        assertThat(FlowFilter.describe(m.hidden())).isEmpty();
    }

    @Test
    void badThresholdsAreRefused() {
        FlowModel m = noisySaga().model();
        assertThatThrownBy(() -> FlowFilter.apply(m, -0.1, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minStepShare");
        assertThatThrownBy(() -> FlowFilter.apply(m, 0, Double.NaN)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minPathShare");
        assertThatThrownBy(() -> FlowFilter.apply(m, 0, 1.5)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Over 300 random logs and thresholds: every transition at or above both thresholds is shown; every shown step
     * is reachable from a shown start and reaches a shown end; the hidden instance count equals a brute-force count.
     */
    @Test
    void randomLogsStayConnectedAndCountTheHiddenInstancesExactly() {
        Random r = new Random(7);
        String[] types = {"A", "B", "C", "D", "E", "F", "G"};
        for (int round = 0; round < 300; round++) {
            Map<List<String>, Integer> traces = new LinkedHashMap<>();
            int variants = 1 + r.nextInt(12);
            for (int v = 0; v < variants; v++) {
                List<String> t = new ArrayList<>();
                t.add(r.nextInt(10) == 0 ? types[r.nextInt(types.length)] : "A");
                int len = 1 + r.nextInt(7);
                for (int i = 0; i < len; i++) {
                    t.add(types[r.nextInt(types.length)]);
                }
                traces.merge(t, 1 + r.nextInt(50), Integer::sum);
            }
            Log log = Log.of(traces, r.nextBoolean() ? List.of("G") : List.of());
            double step = r.nextDouble() * 0.5;
            double path = r.nextDouble() * 0.5;
            FlowModel all = log.model();
            FlowModel m = FlowFilter.apply(all, step, path, log.variants());

            Set<String> steps = new HashSet<>();
            m.nodes().forEach(x -> steps.add(x.eventType()));
            for (FlowModel.Transition t : all.transitions()) {
                if (steps.contains(t.from()) && steps.contains(t.to()) && (double) t.instances() / all.instances() >= path) {
                    assertThat(m.transitions()).as("round %d", round).contains(t);
                }
            }
            Set<String> fromStart = reach(m, m.startCounts().keySet(), true);
            assertThat(fromStart).as("round %d: reachable from a start", round).containsAll(steps);
            long brute = 0;
            Set<String> shownPairs = shown(m);
            for (Variant v : log.variants()) {
                boolean hidden = false;
                for (int i = 0; i < v.steps().size(); i++) {
                    hidden |= !steps.contains(v.steps().get(i))
                            || (i > 0 && !shownPairs.contains(v.steps().get(i - 1) + ">" + v.steps().get(i)));
                }
                brute += hidden ? v.count() : 0;
            }
            assertThat(m.hidden().instances()).as("round %d", round).isEqualTo(brute);
            assertThat(m.hidden().transitions()).isEqualTo(all.transitions().size() - m.transitions().size());
        }
    }

    private static Set<String> reach(FlowModel m, Set<String> seeds, boolean forward) {
        Set<String> seen = new HashSet<>(seeds);
        Deque<String> todo = new ArrayDeque<>(seeds);
        while (!todo.isEmpty()) {
            String x = todo.pop();
            for (FlowModel.Transition t : m.transitions()) {
                String next = forward ? (t.from().equals(x) ? t.to() : null) : (t.to().equals(x) ? t.from() : null);
                if (next != null && seen.add(next)) {
                    todo.push(next);
                }
            }
        }
        return seen;
    }
}
