package io.choreoscope.alerts;

import static io.choreoscope.alerts.AlertEvaluator.Change.ANNOUNCE;
import static io.choreoscope.alerts.AlertEvaluator.Change.CLEARED;
import static io.choreoscope.alerts.AlertEvaluator.Change.FIRING;
import static io.choreoscope.alerts.AlertEvaluator.Change.PENDING;
import static io.choreoscope.alerts.AlertEvaluator.Change.RESOLVED;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.choreoscope.model.api.AlertKind;
import io.choreoscope.model.api.WebhookFormat;
import org.junit.jupiter.api.Test;

class AlertEvaluatorTest {
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    private final AlertEvaluator evaluator = new AlertEvaluator();

    private static AlertRule rule(AlertKind kind, double threshold, long forMs, double hysteresis) {
        return new AlertRule(1L, "r", null, null, kind, threshold, 60_000, forMs, hysteresis, null,
                WebhookFormat.GENERIC, true, null, T0, T0);
    }

    private List<AlertEvaluator.Change> at(AlertRule rule, int second, String series, Double value) {
        return evaluator.evaluate(rule, List.of(new KpiReading(series, value)), T0.plusSeconds(second)).stream()
                .map(AlertEvaluator.Transition::change).toList();
    }

    @Test
    void breachFiresOnlyOnceItHasLastedTheForDuration() {
        AlertRule r = rule(AlertKind.COMPLETION_RATE_BELOW, 95, 60_000, 0);
        assertThat(at(r, 0, "orders", 80.0)).containsExactly(PENDING);
        assertThat(at(r, 30, "orders", 81.0)).isEmpty();
        assertThat(at(r, 59, "orders", 82.0)).isEmpty();
        assertThat(evaluator.state(1, "orders")).isEqualTo(AlertEvaluator.State.PENDING);
        List<AlertEvaluator.Transition> fired = evaluator.evaluate(r, List.of(new KpiReading("orders", 83.0)), T0.plusSeconds(60));
        assertThat(fired).singleElement().satisfies(t -> {
            assertThat(t.change()).isEqualTo(FIRING);
            assertThat(t.pendingSince()).isEqualTo(T0);
            assertThat(t.firedAt()).isEqualTo(T0.plusSeconds(60));
            assertThat(t.value()).isEqualTo(83.0);
            assertThat(t.announce()).isTrue();
        });
        assertThat(at(r, 75, "orders", 70.0)).as("already firing: no second firing").isEmpty();
    }

    @Test
    void breachThatEndsBeforeTheForDurationClearsWithoutFiringAndRestartsTheClock() {
        AlertRule r = rule(AlertKind.STUCK_INSTANCES_ABOVE, 10, 60_000, 0);
        assertThat(at(r, 0, "orders", 11.0)).containsExactly(PENDING);
        assertThat(at(r, 40, "orders", 10.0)).containsExactly(CLEARED);
        assertThat(at(r, 50, "orders", 12.0)).containsExactly(PENDING);
        assertThat(at(r, 100, "orders", 12.0)).as("only 50 s since the new breach").isEmpty();
        assertThat(at(r, 110, "orders", 12.0)).containsExactly(FIRING);
    }

    @Test
    void zeroForFiresOnTheFirstBreach() {
        AlertRule r = rule(AlertKind.P95_DURATION_ABOVE, 500, 0, 0);
        assertThat(at(r, 0, "orders", 499.0)).isEmpty();
        assertThat(at(r, 1, "orders", 501.0)).containsExactly(FIRING);
    }

    @Test
    void valueExactlyAtTheThresholdIsNotABreach() {
        assertThat(at(rule(AlertKind.COMPENSATION_RATE_ABOVE, 5, 0, 0), 0, "orders", 5.0)).isEmpty();
        assertThat(at(rule(AlertKind.COMPLETION_RATE_BELOW, 95, 0, 0).withId(2L), 0, "orders", 95.0)).isEmpty();
    }

    @Test
    void belowKindResolvesOnlyAtThresholdPlusHysteresis() {
        AlertRule r = rule(AlertKind.COMPLETION_RATE_BELOW, 95, 0, 2);
        assertThat(at(r, 0, "orders", 90.0)).containsExactly(FIRING);
        assertThat(at(r, 10, "orders", 95.5)).as("back above the threshold but inside the band").isEmpty();
        assertThat(at(r, 20, "orders", 96.9)).isEmpty();
        assertThat(at(r, 30, "orders", 94.0)).as("dipping again does not fire twice").isEmpty();
        List<AlertEvaluator.Transition> resolved = evaluator.evaluate(r, List.of(new KpiReading("orders", 97.0)), T0.plusSeconds(40));
        assertThat(resolved).singleElement().satisfies(t -> {
            assertThat(t.change()).isEqualTo(RESOLVED);
            assertThat(t.firedAt()).isEqualTo(T0);
            assertThat(t.announce()).isTrue();
        });
        assertThat(evaluator.state(1, "orders")).isEqualTo(AlertEvaluator.State.INACTIVE);
    }

    @Test
    void aboveKindResolvesOnlyAtThresholdMinusHysteresis() {
        AlertRule r = rule(AlertKind.CONSUMER_LAG_ABOVE, 30, 0, 5);
        assertThat(at(r, 0, "billing", 31.0)).containsExactly(FIRING);
        assertThat(at(r, 10, "billing", 26.0)).isEmpty();
        assertThat(at(r, 20, "billing", 25.0)).containsExactly(RESOLVED);
    }

    @Test
    void everySeriesOfAnAllFlowsRuleHasItsOwnState() {
        AlertRule r = rule(AlertKind.STUCK_INSTANCES_ABOVE, 0, 0, 0);
        var t = evaluator.evaluate(r, List.of(new KpiReading("orders", 2.0), new KpiReading("signup", 0.0),
                new KpiReading("content", 1.0)), T0);
        assertThat(t).extracting(AlertEvaluator.Transition::series).containsExactly("content", "orders");
        assertThat(evaluator.series(1, AlertEvaluator.State.FIRING)).containsExactly("content", "orders");
        var t2 = evaluator.evaluate(r, List.of(new KpiReading("orders", 0.0), new KpiReading("signup", 0.0),
                new KpiReading("content", 3.0)), T0.plusSeconds(10));
        assertThat(t2).extracting(AlertEvaluator.Transition::series, AlertEvaluator.Transition::change)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("orders", RESOLVED));
        assertThat(evaluator.series(1, AlertEvaluator.State.FIRING)).containsExactly("content");
    }

    @Test
    void missingDataClearsPendingButKeepsFiring() {
        AlertRule r = rule(AlertKind.COMPLETION_RATE_BELOW, 95, 30_000, 0);
        at(r, 0, "orders", 50.0);
        assertThat(at(r, 10, "orders", null)).containsExactly(CLEARED);
        at(r, 20, "orders", 50.0);
        assertThat(at(r, 50, "orders", 50.0)).containsExactly(FIRING);
        assertThat(evaluator.evaluate(r, List.of(), T0.plusSeconds(60))).as("series missing: no data").isEmpty();
        assertThat(at(r, 70, "orders", null)).isEmpty();
        assertThat(evaluator.state(1, "orders")).isEqualTo(AlertEvaluator.State.FIRING);
    }

    @Test
    void silencedRuleFiresWithoutAnnouncingAndAnnouncesWhenTheSilenceEnds() {
        AlertRule silenced = rule(AlertKind.DEAD_LETTER_GROWTH_ABOVE, 0, 0, 0).withSilencedUntil(T0.plusSeconds(60), T0);
        List<AlertEvaluator.Transition> fired = evaluator.evaluate(silenced, List.of(new KpiReading("orders.DLT", 3.0)), T0);
        assertThat(fired).singleElement().satisfies(t -> {
            assertThat(t.change()).isEqualTo(FIRING);
            assertThat(t.announce()).isFalse();
        });
        assertThat(at(silenced, 30, "orders.DLT", 4.0)).isEmpty();
        List<AlertEvaluator.Transition> after = evaluator.evaluate(silenced, List.of(new KpiReading("orders.DLT", 4.0)), T0.plusSeconds(60));
        assertThat(after).singleElement().satisfies(t -> {
            assertThat(t.change()).isEqualTo(ANNOUNCE);
            assertThat(t.announce()).isTrue();
            assertThat(t.firedAt()).isEqualTo(T0);
        });
        assertThat(at(silenced, 70, "orders.DLT", 0.0)).containsExactly(RESOLVED);
    }

    @Test
    void firingThatResolvesWhileSilencedIsNeverAnnounced() {
        AlertRule silenced = rule(AlertKind.DEAD_LETTER_GROWTH_ABOVE, 0, 0, 0).withSilencedUntil(T0.plusSeconds(600), T0);
        evaluator.evaluate(silenced, List.of(new KpiReading("orders.DLT", 3.0)), T0);
        List<AlertEvaluator.Transition> resolved = evaluator.evaluate(silenced, List.of(new KpiReading("orders.DLT", 0.0)), T0.plusSeconds(10));
        assertThat(resolved).singleElement().satisfies(t -> {
            assertThat(t.change()).isEqualTo(RESOLVED);
            assertThat(t.announce()).isFalse();
        });
    }

    @Test
    void restoredFiringResolvesWithoutFiringAgain() {
        AlertRule r = rule(AlertKind.STUCK_INSTANCES_ABOVE, 5, 60_000, 1);
        evaluator.restoreFiring(1, "orders", T0.minusSeconds(120), T0.minusSeconds(60), true);
        assertThat(at(r, 0, "orders", 9.0)).isEmpty();
        List<AlertEvaluator.Transition> resolved = evaluator.evaluate(r, List.of(new KpiReading("orders", 4.0)), T0.plusSeconds(10));
        assertThat(resolved).singleElement().satisfies(t -> {
            assertThat(t.change()).isEqualTo(RESOLVED);
            assertThat(t.firedAt()).isEqualTo(T0.minusSeconds(60));
        });
    }

    @Test
    void forgettingARuleReportsWhatWasFiring() {
        AlertRule r = rule(AlertKind.STUCK_INSTANCES_ABOVE, 0, 0, 0);
        evaluator.evaluate(r, List.of(new KpiReading("a", 1.0), new KpiReading("b", 1.0)), T0);
        assertThat(evaluator.forget(1)).isEqualTo(Map.of("a", true, "b", true));
        assertThat(evaluator.state(1, "a")).isEqualTo(AlertEvaluator.State.INACTIVE);
        assertThat(evaluator.forget(1)).isEmpty();
    }
}
