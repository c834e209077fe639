package io.choreoscope.ui.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.choreoscope.model.api.AlertFiringView;
import io.choreoscope.model.api.AlertKind;
import io.choreoscope.model.api.AlertRuleRequest;
import io.choreoscope.model.api.AlertRuleView;
import io.choreoscope.model.api.EventView;
import io.choreoscope.model.api.ReplayMode;
import io.choreoscope.model.api.ReplayPlanView;
import io.choreoscope.model.api.ReplayRequest;
import io.choreoscope.model.api.ReplayStatus;
import io.choreoscope.ui.MutableClock;

/** The fake answers alerts and replay the way docs/ALERTS_AND_REPLAY.md says the backend does. */
class FakeAlertsAndReplaysTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:00Z"));
    private final FakeChoreoscopeApi api = FakeChoreoscopeApi.withSampleData(clock.instant()).setClock(clock);

    private static AlertRuleRequest rule(String name, AlertKind kind, Double threshold) {
        return new AlertRuleRequest(name, null, null, kind, threshold, null, null, null, null, null, null);
    }

    private static String reason(Runnable call) {
        try {
            call.run();
        } catch (ApiException e) {
            assertThat(e.status()).isEqualTo(400);
            return e.getMessage();
        }
        throw new AssertionError("no 400");
    }

    @Test
    void badRulesGetTheBackendsReasons() {
        assertThat(reason(() -> api.createAlertRule(rule("x", AlertKind.COMPLETION_RATE_BELOW, 150.0))))
                .isEqualTo("threshold of COMPLETION_RATE_BELOW must be 0..100 (percent), was 150.0");
        assertThat(reason(() -> api.createAlertRule(rule(" ", AlertKind.COMPLETION_RATE_BELOW, 1.0))))
                .isEqualTo("name is required, 1..200 characters");
        assertThat(reason(() -> api.createAlertRule(new AlertRuleRequest("x", "F", null, AlertKind.CONSUMER_LAG_ABOVE,
                1.0, null, null, null, null, null, null)))).startsWith("flow applies to flow kinds only");
        assertThat(reason(() -> api.createAlertRule(new AlertRuleRequest("x", null, null, AlertKind.P95_DURATION_ABOVE,
                1.0, 10L, null, null, null, null, null)))).startsWith("windowMs must be 1000..");
        assertThat(reason(() -> api.createAlertRule(new AlertRuleRequest("x", null, null, AlertKind.P95_DURATION_ABOVE,
                1.0, null, null, null, "ftp://x", null, null)))).startsWith("webhookUrl must be an absolute http(s) URL");
    }

    @Test
    void aRuleGetsDefaultsAndAnUpdateThatChangesWhatItWatchesResolvesItsFirings() {
        AlertRuleView r = api.createAlertRule(rule("lag", AlertKind.CONSUMER_LAG_ABOVE, 30.0));
        assertThat(r.windowMs()).isEqualTo(300_000);
        assertThat(r.enabled()).isTrue();
        api.setAlertSeries(r.id(), List.of("payments-group"), List.of());
        api.addFiring(new AlertFiringView(0, r.id(), "lag", r.kind(), "payments-group", 30, 45.0, null,
                clock.instant(), null, null, null, false, false, null));
        api.updateAlertRule(r.id(), new AlertRuleRequest("lag", null, "billing", AlertKind.CONSUMER_LAG_ABOVE, 30.0,
                null, null, null, null, null, null));
        assertThat(api.alertFirings(r.id(), 10)).singleElement()
                .satisfies(f -> assertThat(f.resolution()).isEqualTo("rule changed"));
        assertThat(api.alertRule(r.id()).firing()).isEmpty();
        api.deleteAlertRule(r.id());
        assertThatThrownBy(() -> api.alertRule(r.id())).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.isNotFound()).isTrue());
    }

    @Test
    void testFireNeedsAWebhookAndReportsTheDelivery() {
        AlertRuleView none = api.createAlertRule(rule("quiet", AlertKind.STUCK_INSTANCES_ABOVE, 1.0));
        assertThat(reason(() -> api.testAlertRule(none.id()))).isEqualTo("rule " + none.id() + " has no webhookUrl to test");
        AlertRuleView bad = api.createAlertRule(new AlertRuleRequest("bad", null, null, AlertKind.STUCK_INSTANCES_ABOVE,
                1.0, null, null, null, "https://nowhere.invalid/x", null, null));
        AlertFiringView f = api.testAlertRule(bad.id());
        assertThat(f.test()).isTrue();
        assertThat(f.notificationStatus()).startsWith("failed after 5 attempts");
        assertThat(api.alertFirings(null, 1)).containsExactly(f);
    }

    @Test
    void aSilenceInThePastLiftsIt() {
        AlertRuleView r = api.createAlertRule(rule("s", AlertKind.STUCK_INSTANCES_ABOVE, 1.0));
        Instant until = clock.instant().plus(Duration.ofHours(4));
        assertThat(api.silenceAlertRule(r.id(), until).silencedUntil()).isEqualTo(until);
        assertThat(api.silenceAlertRule(r.id(), clock.instant().minusSeconds(1)).silencedUntil()).isNull();
        assertThat(reason(() -> api.silenceAlertRule(r.id(), clock.instant().plus(Duration.ofDays(400)))))
                .startsWith("until must be within a year");
    }

    @Test
    void aDryRunOfADeadLetterRedriveDropsTheFailureHeadersAndAddsTheReplayOnes() {
        ReplayPlanView plan = api.replay(new ReplayRequest(ReplayMode.DEAD_LETTER, null, null, SampleData.PAYMENTS_DLT,
                null, true, null), "ana");
        assertThat(plan.status().state()).isEqualTo(ReplayStatus.State.DRY_RUN);
        assertThat(plan.status().requestedBy()).isEqualTo("ana");
        assertThat(plan.records()).hasSize(SampleData.PAYMENTS_DLT_RECORDS);
        ReplayPlanView.ReplayRecordView first = plan.records().get(0);
        assertThat(first.source()).isEqualTo(SampleData.PAYMENTS_DLT + "/0/0");
        assertThat(first.targetTopic()).isEqualTo("payments");
        assertThat(first.headers()).extracting(EventView.HeaderView::name).containsExactly("correlationId", "eventType",
                "content-type", "choreoscope-replay-id", "choreoscope-replay-of", "choreoscope-replayed-at",
                "choreoscope-replay-original");
        assertThat(first.headers().get(3).value()).isEqualTo(plan.status().id());
        assertThat(first.headers().get(6).value()).isEqualTo("payments/0/900");
    }

    @Test
    void aRedriveOfRecordsWithoutOriginalTopicNeedsATarget() {
        assertThat(reason(() -> api.replay(new ReplayRequest(ReplayMode.DEAD_LETTER, null, null, SampleData.ORDERS_DLQ,
                null, true, null), null))).isEqualTo("1 of 3 records on 'orders-dlq' carry no original-topic header "
                + "(kafka_dlt-original-topic, x-original-topic or __connect.errors.topic), the first at orders-dlq/0/2: "
                + "choose a targetTopic for them");
        ReplayPlanView plan = api.replay(new ReplayRequest(ReplayMode.DEAD_LETTER, null, null, SampleData.ORDERS_DLQ,
                "orders", true, null), null);
        assertThat(plan.records()).extracting(ReplayPlanView.ReplayRecordView::targetTopic)
                .containsExactly("orders", "orders", "orders");
        assertThat(reason(() -> api.replay(new ReplayRequest(ReplayMode.DEAD_LETTER, null, null, SampleData.ORDERS_DLQ,
                "bad topic!", true, null), null))).isEqualTo("targetTopic 'bad topic!' is not a valid Kafka topic name");
    }

    @Test
    void theLastEventOfAStuckInstanceIsItsNewest() {
        var events = api.instance(SampleData.STUCK_ORDER, 0).events();
        ReplayPlanView plan = api.replay(new ReplayRequest(ReplayMode.STUCK_LAST_EVENT, null,
                List.of(SampleData.STUCK_ORDER), null, null, true, null), null);
        EventView last = events.get(events.size() - 1);
        assertThat(plan.records()).singleElement().satisfies(r -> {
            assertThat(r.source()).isEqualTo(last.topic() + "/" + last.partition() + "/" + last.offset());
            assertThat(r.payload()).isEqualTo(last.payload());
        });
        assertThatThrownBy(() -> api.replay(new ReplayRequest(ReplayMode.STUCK_LAST_EVENT, null, List.of("nope"),
                null, null, true, null), null)).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.getMessage()).isEqualTo("no stored events for correlation ID 'nope'"));
    }

    @Test
    void aRealReplayAdvancesWithTheClockAndCanBeCancelled() {
        ReplayPlanView started = api.replay(new ReplayRequest(ReplayMode.DEAD_LETTER, null, null, SampleData.ORDERS_DLQ,
                "orders", false, 1.0), "ana");
        String id = started.status().id();
        assertThat(started.status().state()).isEqualTo(ReplayStatus.State.RUNNING);
        assertThat(started.status().sent()).isZero();
        clock.advance(Duration.ofMillis(1500));
        assertThat(api.replayStatus(id).sent()).isEqualTo(1);
        ReplayStatus cancelled = api.cancelReplay(id);
        assertThat(cancelled.state()).isEqualTo(ReplayStatus.State.CANCELLED);
        assertThat(cancelled.message()).isEqualTo("cancelled after 1 of 3 records were sent");
        clock.advance(Duration.ofSeconds(10));
        assertThat(api.replayStatus(id).sent()).isEqualTo(1);
        assertThat(api.replays(1)).extracting(ReplayStatus::id).containsExactly(id);
    }

    @Test
    void aReplayThatRanToTheEndSucceeded() {
        String id = api.replay(new ReplayRequest(ReplayMode.EVENT, List.of(new ReplayRequest.EventRef(
                SampleData.PAYMENTS_DLT, 0, 1)), null, null, null, false, null), null).status().id();
        clock.advance(Duration.ofSeconds(1));
        ReplayStatus s = api.replayStatus(id);
        assertThat(s.state()).isEqualTo(ReplayStatus.State.SUCCEEDED);
        assertThat(s.sent()).isEqualTo(1);
        assertThat(s.message()).isEqualTo("1 record sent");
        assertThat(api.cancelReplay(id).state()).isEqualTo(ReplayStatus.State.SUCCEEDED);
        assertThat(reason(() -> api.replay(new ReplayRequest(ReplayMode.EVENT, List.of(new ReplayRequest.EventRef(
                "orders", 0, 1)), null, null, null, false, 0.0), null))).startsWith("ratePerSecond must be above 0");
    }
}
