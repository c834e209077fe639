package io.choreoscope.model.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

class FlowComparisonTest {

    /** A window's model of {@code n} instances: transitions as (from, to, instances, p95 ms). */
    private static FlowModel model(long n, Object... transitions) {
        Map<String, Long> steps = new TreeMap<>();
        List<FlowModel.Transition> ts = new java.util.ArrayList<>();
        for (int i = 0; i < transitions.length; i += 4) {
            String from = (String) transitions[i];
            String to = (String) transitions[i + 1];
            long count = ((Number) transitions[i + 2]).longValue();
            double p95 = ((Number) transitions[i + 3]).doubleValue();
            ts.add(new FlowModel.Transition(from, to, count, 1.0, p95 / 2, p95, p95, count));
            steps.merge(from, count, Math::max);
            steps.merge(to, count, Math::max);
        }
        List<FlowModel.Node> nodes = steps.entrySet().stream().map(e -> new FlowModel.Node(e.getKey(), e.getValue(), e.getValue())).toList();
        return new FlowModel("A", n, nodes, ts, Map.of("A", n), Map.of(), List.of(), Map.of(), 0, null, null, null);
    }

    private static Map<String, FlowComparison.Change> changes(FlowComparison c) {
        Map<String, FlowComparison.Change> out = new TreeMap<>();
        c.steps().forEach(i -> out.put(i.from(), i.change()));
        c.transitions().forEach(i -> out.put(i.from() + ">" + i.to(), i.change()));
        return out;
    }

    @Test
    void aSkippedStepIsGoneWithItsTransitionsAndTheShortcutIsAdded() {
        FlowModel before = model(10, "A", "B", 10, 50, "B", "C", 10, 50, "C", "D", 10, 50);
        FlowModel after = model(10, "A", "B", 10, 50, "B", "D", 10, 50);
        FlowComparison c = FlowComparison.of(before, after, 0.05, 0.5);
        assertThat(changes(c)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "A", FlowComparison.Change.SAME, "B", FlowComparison.Change.SAME, "C", FlowComparison.Change.GONE,
                "D", FlowComparison.Change.SAME, "A>B", FlowComparison.Change.SAME, "B>C", FlowComparison.Change.GONE,
                "C>D", FlowComparison.Change.GONE, "B>D", FlowComparison.Change.ADDED));
        assertThat(c.differences()).hasSize(4);
        FlowComparison.Item gone = c.transitions().stream().filter(i -> i.to().equals("C")).findFirst().orElseThrow();
        assertThat(gone.shareBefore()).isEqualTo(1.0);
        assertThat(gone.shareAfter()).isZero();
        assertThat(gone.shareDelta()).isEqualTo(-1.0);
    }

    @Test
    void aShareThatMovesPastTheThresholdIsChanged() {
        FlowModel before = model(100, "A", "B", 80, 50, "A", "X", 20, 50);
        FlowModel after = model(100, "A", "B", 60, 50, "A", "X", 40, 50);
        assertThat(changes(FlowComparison.of(before, after, 0.05, 0.5))).containsEntry("A>B", FlowComparison.Change.CHANGED)
                .containsEntry("A>X", FlowComparison.Change.CHANGED);
        assertThat(changes(FlowComparison.of(before, after, 0.25, 0.5))).containsEntry("A>B", FlowComparison.Change.SAME);
    }

    @Test
    void aP95ChangeCountsWhenItIsBothRelativelyAndAbsolutelyLarge() {
        // 4 ms -> 12 ms is +200%, but only 8 ms: noise; 400 ms -> 900 ms is a change
        FlowModel before = model(10, "A", "B", 10, 4, "B", "C", 10, 400);
        FlowModel after = model(10, "A", "B", 10, 12, "B", "C", 10, 900);
        Map<String, FlowComparison.Change> c = changes(FlowComparison.of(before, after, 0.05, 0.5));
        assertThat(c).containsEntry("A>B", FlowComparison.Change.SAME).containsEntry("B>C", FlowComparison.Change.CHANGED);
        // 400 -> 550 ms is 150 ms but only +37%
        assertThat(changes(FlowComparison.of(before, model(10, "A", "B", 10, 4, "B", "C", 10, 550), 0.05, 0.5)))
                .containsEntry("B>C", FlowComparison.Change.SAME);
    }

    @Test
    void thresholdsOutsideTheirRangeAreRefused() {
        FlowModel m = model(1, "A", "B", 1, 1);
        assertThatThrownBy(() -> FlowComparison.of(m, m, 1.5, 0.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FlowComparison.of(m, m, 0.05, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FlowComparison.of(m, m, Double.NaN, 0.5)).isInstanceOf(IllegalArgumentException.class);
    }
}
