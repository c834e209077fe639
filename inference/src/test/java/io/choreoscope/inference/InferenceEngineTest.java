package io.choreoscope.inference;

import io.choreoscope.model.Observation;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.Deviation;
import io.choreoscope.model.flow.DeviationKind;
import io.choreoscope.model.flow.ExpectedStep;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.model.flow.StateChange;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.choreoscope.inference.Events.at;
import static io.choreoscope.inference.Events.e;
import static io.choreoscope.inference.Events.ev;
import static org.assertj.core.api.Assertions.assertThat;

class InferenceEngineTest {
    static final String PLACED = "OrderPlaced";
    static final String PAID = "PaymentCaptured";
    static final String RESERVED = "StockReserved";
    static final String SHIPPED = "OrderShipped";

    /** Samples needed for a learned bound lowered to 10 so that small fixtures learn; floor 1 s. */
    static final InferenceSettings CFG = InferenceSettings.defaults()
            .withStuckBounds(3, Duration.ofSeconds(1), Duration.ofMinutes(5), 10);

    /** n happy instances "h0".."h(n-1)" starting at {@code start} s: placed, +1 s paid, +2 s reserved, +3 s shipped. */
    static void happy(InferenceEngine engine, int n, double start) {
        for (int i = 0; i < n; i++) {
            double t = start + i;
            engine.apply(List.of(e("h" + i, PLACED, t), e("h" + i, PAID, t + 1), e("h" + i, RESERVED, t + 3),
                    e("h" + i, SHIPPED, t + 6)));
        }
    }

    /** Trains on 12 happy instances and lets them settle, so that OrderShipped is a learned end. */
    static InferenceEngine trained() {
        InferenceEngine engine = new InferenceEngine(CFG);
        happy(engine, 12, 0);
        engine.evaluate(at(30 * 60));
        return engine;
    }

    @Test
    void endEventsAreLearnedFromSettledInstances() {
        InferenceEngine engine = new InferenceEngine(CFG);
        happy(engine, 12, 0);
        List<StateChange> early = engine.evaluate(at(20));
        assertThat(early).extracting(StateChange::to).doesNotContain(InstanceState.COMPLETED);

        List<StateChange> later = engine.evaluate(at(20 + 11 * 60));
        assertThat(later).hasSize(12).allSatisfy(c -> {
            assertThat(c.to()).isEqualTo(InstanceState.COMPLETED);
            assertThat(c.reason()).contains("OrderShipped (learned)");
        });
        assertThat(engine.flowModel(PLACED).orElseThrow().learnedEnds()).containsExactly(SHIPPED);
    }

    @Test
    void instancesSettleAfterSettleFactorTimesTheSlowestLearnedP99SoEndsAreLearnedWithinSeconds() {
        // slowest learned step: StockReserved -> OrderShipped, 3 s; factor 10 -> settle after 30 s idle
        InferenceEngine engine = new InferenceEngine(CFG.withSettling(10, Duration.ofSeconds(5)));
        happy(engine, 12, 0); // last events at 6..17 s
        assertThat(engine.evaluate(at(6 + 25))).extracting(StateChange::to)
                .doesNotContain(InstanceState.COMPLETED);
        assertThat(engine.evaluate(at(17 + 31))).extracting(StateChange::to)
                .containsOnly(InstanceState.COMPLETED).hasSize(12);
    }

    @Test
    void adaptiveSettlingNeverWaitsLessThanTheSettleFloor() {
        InferenceEngine engine = new InferenceEngine(CFG); // default floor 30 s, steps of 10 ms
        for (int i = 0; i < 12; i++) {
            engine.apply(List.of(e("f" + i, PLACED, 0), e("f" + i, PAID, 0.01)));
        }
        assertThat(engine.evaluate(at(29))).extracting(StateChange::to).doesNotContain(InstanceState.COMPLETED);
        assertThat(engine.evaluate(at(31))).extracting(StateChange::to).containsOnly(InstanceState.COMPLETED);
    }

    @Test
    void adaptiveSettlingNeverWaitsLongerThanSettleAfter() {
        InferenceEngine engine = new InferenceEngine(CFG); // 2 min steps: 10 x p99 = 20 min > settleAfter 10 min
        for (int i = 0; i < 12; i++) {
            engine.apply(List.of(e("s" + i, PLACED, 0), e("s" + i, PAID, 120)));
        }
        assertThat(engine.evaluate(at(120 + 599))).extracting(StateChange::to)
                .doesNotContain(InstanceState.COMPLETED);
        assertThat(engine.evaluate(at(120 + 601))).extracting(StateChange::to)
                .containsOnly(InstanceState.COMPLETED);
    }

    @Test
    void flowWithoutLearnedStepsSettlesAfterSettleAfter() {
        InferenceEngine engine = new InferenceEngine(CFG);
        happy(engine, 3, 0); // 3 samples per step < 10: no learned step; last events at 6..8 s
        assertThat(engine.evaluate(at(8 + 300))).extracting(StateChange::to).doesNotContain(InstanceState.COMPLETED);
        assertThat(engine.evaluate(at(8 + 601))).extracting(StateChange::to).containsOnly(InstanceState.COMPLETED);
    }

    static final String REGISTERED = "UserRegistered";
    static final List<String> SIBLINGS = List.of("WelcomeEmailSent", "SignupTracked", "CrmContactCreated",
            "WelcomeCampaignEnrolled");

    /** n signups "u0".. starting at {@code start} s: registered, then the 4 siblings in random order 0.1 s apart. */
    static void signups(InferenceEngine engine, int n, double start, long seed) {
        java.util.Random rnd = new java.util.Random(seed);
        for (int i = 0; i < n; i++) {
            double t = start + i;
            List<String> order = new java.util.ArrayList<>(SIBLINGS);
            java.util.Collections.shuffle(order, rnd);
            engine.apply(e("u" + i, REGISTERED, t));
            for (int k = 0; k < 4; k++) {
                engine.apply(e("u" + i, order.get(k), t + 0.1 * (k + 1)));
            }
        }
    }

    @Test
    void fanOutInRandomOrderCompletesOnceItsEndSetIsLearned() {
        InferenceEngine engine = new InferenceEngine(CFG);
        signups(engine, 40, 0, 1);
        engine.evaluate(at(30 * 60)); // settle (and evict) the 40
        // no single type ends 80 %: the model's ends are the set's usual last steps, the four reactions, not the start
        assertThat(engine.flowModel(REGISTERED).orElseThrow().learnedEnds()).containsExactlyInAnyOrderElementsOf(SIBLINGS);
        for (int k = 0; k < 4; k++) { // whichever sibling comes last
            String id = "x" + k;
            double t = 4000 + 10 * k;
            engine.apply(e(id, REGISTERED, t));
            for (int j = 1; j <= 4; j++) {
                engine.apply(e(id, SIBLINGS.get((k + j) % 4), t + 0.1 * j));
            }
            InstanceSnapshot s = engine.snapshot(id, at(t + 1)).orElseThrow();
            assertThat(s.state()).as(id).isEqualTo(InstanceState.COMPLETED);
            assertThat(s.reason()).contains("reached end set").contains("WelcomeCampaignEnrolled");
        }
    }

    @Test
    void aStepWhereOnlyStuckInstancesStopIsNotAnEndOfTheModel() {
        InferenceEngine engine = new InferenceEngine(CFG);
        happy(engine, 40, 0); // their set is an end set (nothing followed it)
        for (int i = 0; i < 6; i++) { // shipping dropped these: they stop at StockReserved, a member of that set
            engine.apply(List.of(e("s" + i, PLACED, 500 + i), e("s" + i, PAID, 501 + i), e("s" + i, RESERVED, 503 + i)));
        }
        engine.evaluate(at(30 * 60));
        assertThat(engine.flowModel(PLACED).orElseThrow().learnedEnds()).containsExactly(SHIPPED);
    }

    @Test
    void fanOutMissingOneSiblingIsStuckWithTheMissingSiblingExpected() {
        InferenceEngine engine = new InferenceEngine(CFG);
        signups(engine, 40, 0, 2);
        engine.evaluate(at(30 * 60));
        engine.apply(List.of(e("m", REGISTERED, 4000), e("m", "SignupTracked", 4000.1),
                e("m", "WelcomeEmailSent", 4000.2), e("m", "CrmContactCreated", 4000.3)));
        InstanceSnapshot running = engine.snapshot("m", at(4000.3)).orElseThrow();
        assertThat(running.state()).isEqualTo(InstanceState.RUNNING);
        assertThat(running.expectedNext()).extracting(ExpectedStep::eventType)
                .containsExactly("WelcomeCampaignEnrolled");
        long bound = running.expectedNext().get(0).boundMs();
        assertThat(engine.snapshot("m", at(4000.3).plusMillis(bound)).orElseThrow().state())
                .isEqualTo(InstanceState.RUNNING);
        InstanceSnapshot stuck = engine.snapshot("m", at(4000.3).plusMillis(bound + 1)).orElseThrow();
        assertThat(stuck.state()).isEqualTo(InstanceState.STUCK);
        assertThat(stuck.reason()).contains("expected WelcomeCampaignEnrolled");
    }

    @Test
    void beforeAnythingSettledAFinishedFanOutIsNotStuck() {
        InferenceEngine engine = new InferenceEngine(CFG);
        signups(engine, 40, 0, 3);
        // no evaluate, so nothing settled and nothing learned about ends: every sibling transition leads to a
        // sibling the instance already has, so nothing is expected and nothing is judged stuck
        assertThat(engine.snapshots(at(3 * 3600))).extracting(InstanceSnapshot::state)
                .containsOnly(InstanceState.RUNNING);
    }

    @Test
    void rareDuplicateReactionSelfLoopIsNotExpectedNext() {
        InferenceEngine engine = new InferenceEngine(CFG);
        happy(engine, 12, 0);
        for (int i = 0; i < 2; i++) { // StockReserved delivered twice: shipping reacted twice, two event IDs
            engine.apply(List.of(e("d" + i, PLACED, 20 + i), e("d" + i, PAID, 21 + i), e("d" + i, RESERVED, 22 + i),
                    e("d" + i, SHIPPED, 23 + i), e("d" + i, SHIPPED, 23.5 + i)));
        }
        assertThat(engine.flowModel(PLACED).orElseThrow().transition(SHIPPED, SHIPPED).count()).isEqualTo(2);
        engine.apply(List.of(e("o1", PLACED, 100), e("o1", PAID, 101), e("o1", RESERVED, 102),
                e("o1", SHIPPED, 103)));
        InstanceSnapshot s = engine.snapshot("o1", at(103 + 3600)).orElseThrow(); // nothing settled yet
        assertThat(s.expectedNext()).isEmpty();
        assertThat(s.state()).isEqualTo(InstanceState.RUNNING);
    }

    @Test
    void expectedNextProbabilityCountsTheInstancesThatEndedThere() {
        // 58 settled instances end at PaymentCaptured, 2 go on to FraudChecked: P(FraudChecked | PAID) = 2/60
        InferenceEngine engine = new InferenceEngine(CFG.withModelThresholds(10, 2, 0.02, 3, 0.99));
        for (int i = 0; i < 60; i++) {
            engine.apply(List.of(e("p" + i, PLACED, i), e("p" + i, PAID, i + 1)));
            if (i < 2) {
                engine.apply(e("p" + i, "FraudChecked", i + 2));
            }
        }
        engine.evaluate(at(30 * 60));
        assertThat(engine.flowModel(PLACED).orElseThrow().learnedEnds()).doesNotContain(PAID); // 58/60 < 0.99
        engine.apply(List.of(e("o1", PLACED, 4000), e("o1", PAID, 4001)));
        InstanceSnapshot s = engine.snapshot("o1", at(4001 + 3600)).orElseThrow();
        assertThat(s.expectedNext()).isEmpty();
        assertThat(s.state()).isEqualTo(InstanceState.RUNNING);
        // the model's DFG probability stays the share of transitions out of PaymentCaptured
        assertThat(engine.flowModel(PLACED).orElseThrow().transition(PAID, "FraudChecked").probability())
                .isEqualTo(1.0);
    }

    @Test
    void configuredEndEventCompletesAnInstanceWithoutLearning() {
        InferenceEngine engine = new InferenceEngine(CFG.withEndEventTypes(Set.of(SHIPPED)));
        happy(engine, 1, 0);
        assertThat(engine.evaluate(at(7))).singleElement()
                .satisfies(c -> assertThat(c.to()).isEqualTo(InstanceState.COMPLETED));
    }

    @Test
    void finishedInstancesAreEvictedAfterRetentionButStayInTheFlowModel() {
        InferenceEngine engine = trained();
        assertThat(engine.counters().liveInstances()).isZero();
        assertThat(engine.counters().evictedInstances()).isEqualTo(12);
        FlowModel m = engine.flowModel(PLACED).orElseThrow();
        assertThat(m.instances()).isEqualTo(12);
        assertThat(m.transition(PAID, RESERVED).count()).isEqualTo(12);
        assertThat(m.transition(PAID, RESERVED).p99Ms()).isCloseTo(2000, org.assertj.core.data.Offset.offset(25.0));
        assertThat(m.endCounts()).isEqualTo(Map.of(SHIPPED, 12L));
    }

    @Test
    void runningInstanceGetsExpectedNextStepWithBoundFromLearnedP99() {
        InferenceEngine engine = trained();
        engine.apply(List.of(e("o1", PLACED, 4000), e("o1", PAID, 4001)));
        InstanceSnapshot s = engine.snapshot("o1", at(4002)).orElseThrow();
        assertThat(s.state()).isEqualTo(InstanceState.RUNNING);
        assertThat(s.expectedNext()).extracting(ExpectedStep::eventType).containsExactly(RESERVED);
        ExpectedStep next = s.expectedNext().get(0);
        assertThat(next.learned()).isTrue();
        assertThat(next.probability()).isEqualTo(1.0);
        assertThat(next.boundMs()).isBetween(5940L, 6060L); // 3 x p99 (2 s, 1% accuracy)
    }

    @Test
    void instanceIdleLongerThanKTimesP99IsStuck() {
        InferenceEngine engine = trained();
        engine.apply(List.of(e("o1", PLACED, 4000), e("o1", PAID, 4001)));
        assertThat(engine.evaluate(at(4001 + 5))).singleElement()
                .satisfies(c -> assertThat(c.to()).isEqualTo(InstanceState.RUNNING));
        List<StateChange> changes = engine.evaluate(at(4001 + 7));
        assertThat(changes).singleElement().satisfies(c -> {
            assertThat(c.from()).isEqualTo(InstanceState.RUNNING);
            assertThat(c.to()).isEqualTo(InstanceState.STUCK);
            assertThat(c.reason()).contains("StockReserved");
        });
        // progress un-sticks it
        engine.apply(e("o1", RESERVED, 4009));
        assertThat(engine.evaluate(at(4010))).singleElement()
                .satisfies(c -> assertThat(c.to()).isEqualTo(InstanceState.RUNNING));
    }

    @Test
    void configuredSlaWinsWhenLongerThanTheLearnedBound() {
        InferenceEngine engine = new InferenceEngine(CFG.withStepSla(Map.of(RESERVED, Duration.ofSeconds(60))));
        happy(engine, 12, 0);
        engine.evaluate(at(30 * 60));
        engine.apply(List.of(e("o1", PLACED, 4000), e("o1", PAID, 4001)));
        assertThat(engine.snapshot("o1", at(4001 + 30)).orElseThrow().state()).isEqualTo(InstanceState.RUNNING);
        assertThat(engine.snapshot("o1", at(4001 + 61)).orElseThrow().state()).isEqualTo(InstanceState.STUCK);
    }

    @Test
    void stepWithTooFewSamplesUsesTheDefaultBound() {
        InferenceEngine engine = new InferenceEngine(CFG);
        happy(engine, 3, 0); // 3 samples < 10 needed
        engine.apply(List.of(e("o1", PLACED, 100), e("o1", PAID, 101)));
        ExpectedStep next = engine.snapshot("o1", at(102)).orElseThrow().expectedNext().get(0);
        assertThat(next.learned()).isFalse();
        assertThat(next.boundMs()).isEqualTo(Duration.ofMinutes(5).toMillis());
        assertThat(engine.snapshot("o1", at(101 + 299)).orElseThrow().state()).isEqualTo(InstanceState.RUNNING);
        assertThat(engine.snapshot("o1", at(101 + 301)).orElseThrow().state()).isEqualTo(InstanceState.STUCK);
    }

    @Test
    void boundNeverGoesBelowTheFloor() {
        InferenceEngine engine = new InferenceEngine(CFG);
        for (int i = 0; i < 12; i++) { // 10 ms between the steps: 3 x p99 = 30 ms < 1 s floor
            engine.apply(List.of(e("f" + i, PLACED, i), e("f" + i, PAID, i + 0.01)));
        }
        engine.apply(e("o1", PLACED, 100));
        assertThat(engine.snapshot("o1", at(100)).orElseThrow().expectedNext().get(0).boundMs()).isEqualTo(1000);
    }

    @Test
    void compensationByNamingRuleMakesTheInstanceCompensated() {
        InferenceEngine engine = new InferenceEngine(CFG);
        engine.apply(List.of(e("o1", PLACED, 0), e("o1", PAID, 1), e("o1", "StockReservationFailed", 2),
                e("o1", "PaymentRefunded", 3)));
        InstanceSnapshot s = engine.snapshot("o1", at(4)).orElseThrow();
        assertThat(s.state()).isEqualTo(InstanceState.COMPENSATED);
        assertThat(s.reason()).contains("PaymentRefunded");
        assertThat(s.expectedNext()).isEmpty();
    }

    @Test
    void compensationIsLearnedFromWhatFollowsFailures() {
        // "StockGivenBack" matches no naming rule, but always comes after a failure.
        InferenceEngine engine = new InferenceEngine(CFG.withEndEventTypes(Set.of(SHIPPED)));
        for (int i = 0; i < 5; i++) {
            engine.apply(List.of(e("c" + i, PLACED, i), e("c" + i, RESERVED, i + 1),
                    e("c" + i, "PaymentFailed", i + 2), e("c" + i, "StockGivenBack", i + 3)));
        }
        happy(engine, 5, 100);
        engine.evaluate(at(2 * 3600));
        assertThat(engine.flowModel(PLACED).orElseThrow().learnedEnds()).contains("StockGivenBack", SHIPPED);
        engine.apply(List.of(e("x", PLACED, 9000), e("x", RESERVED, 9001), e("x", "PaymentFailed", 9002),
                e("x", "StockGivenBack", 9003)));
        assertThat(engine.snapshot("x", at(9004)).orElseThrow().state()).isEqualTo(InstanceState.COMPENSATED);
    }

    @Test
    void terminalFailureWithoutCompensationIsFailed() {
        InferenceEngine engine = new InferenceEngine(CFG);
        engine.apply(List.of(e("o1", PLACED, 0), e("o1", "PaymentDeclined", 1)));
        InstanceSnapshot s = engine.snapshot("o1", at(2)).orElseThrow();
        assertThat(s.state()).isEqualTo(InstanceState.FAILED);
        assertThat(s.reason()).contains("PaymentDeclined").contains("without compensation");
    }

    @Test
    void failureThatIsUsuallyFollowedByCompensationIsStillRunning() {
        InferenceEngine engine = new InferenceEngine(CFG);
        for (int i = 0; i < 5; i++) {
            engine.apply(List.of(e("c" + i, PLACED, i), e("c" + i, "PaymentFailed", i + 1),
                    e("c" + i, "OrderCancelled", i + 2)));
        }
        engine.apply(List.of(e("o1", PLACED, 100), e("o1", "PaymentFailed", 101)));
        InstanceSnapshot s = engine.snapshot("o1", at(102)).orElseThrow();
        assertThat(s.state()).isEqualTo(InstanceState.RUNNING);
        assertThat(s.expectedNext()).extracting(ExpectedStep::eventType).containsExactly("OrderCancelled");
    }

    @Test
    void duplicateDeliveryIsKeptOnceCountedAndReported() {
        InferenceEngine engine = new InferenceEngine(CFG);
        Observation placed = e("o1", PLACED, 0);
        Observation redeliveredSameOffset = placed;
        Observation republishedSameEventId = ev("o1", PLACED, 0).build(); // new offset, same event ID
        engine.apply(List.of(placed, e("o1", PAID, 1), redeliveredSameOffset, republishedSameEventId));
        InstanceSnapshot s = engine.snapshot("o1", at(2)).orElseThrow();
        assertThat(s.eventCount()).isEqualTo(2);
        assertThat(engine.counters().duplicates()).isEqualTo(2);
        assertThat(s.deviations()).filteredOn(d -> d.kind() == DeviationKind.DUPLICATE).hasSize(2);
        assertThat(engine.flowModel(PLACED).orElseThrow().deviationCounts().get(DeviationKind.DUPLICATE))
                .isEqualTo(2);
        assertThat(engine.flowModel(PLACED).orElseThrow().transition(PLACED, PAID).count()).isEqualTo(1);
    }

    @Test
    void aDeadLetterCopyIsLeftOutOfTheInstanceButIsNotADuplicateDelivery() {
        InferenceEngine engine = new InferenceEngine(CFG);
        Observation placed = e("o1", PLACED, 0);
        Observation paid = e("o1", PAID, 1);
        // the failing consumer's dead-letter copies keep the event's ID: one on a topic named so, one by its header
        Observation byName = Observation.builder("payments.DLT", 0, 7, at(1.5)).correlationId("o1").eventType(PAID)
                .eventId(paid.eventId()).build();
        Observation byHeader = Observation.builder("payments-failed", 0, 3, at(1.6)).correlationId("o1").eventType(PAID)
                .eventId(paid.eventId()).headers(List.of(io.choreoscope.model.Header.of("x-original-topic", "payments")))
                .build();
        engine.apply(List.of(placed, paid, byName, byHeader));
        // a dead-letter copy stored before its original (the tap read the dead-letter topic first): not one either
        Observation paid2 = e("o2", PAID, 11);
        engine.apply(List.of(e("o2", PLACED, 10), Observation.builder("payments.DLT", 0, 8, at(11.5)).correlationId("o2")
                .eventType(PAID).eventId(paid2.eventId()).build(), paid2));

        for (String id : List.of("o1", "o2")) {
            InstanceSnapshot s = engine.snapshot(id, at(12)).orElseThrow();
            assertThat(s.eventCount()).as(id).isEqualTo(2);
            assertThat(s.deviations()).as(id).noneMatch(d -> d.kind() == DeviationKind.DUPLICATE);
        }
        assertThat(engine.counters().duplicates()).isZero();
        // a second delivery of the same record still is one
        engine.apply(List.of(paid));
        assertThat(engine.counters().duplicates()).isEqualTo(1);
        assertThat(engine.snapshot("o1", at(12)).orElseThrow().deviations())
                .filteredOn(d -> d.kind() == DeviationKind.DUPLICATE).hasSize(1);
    }

    @Test
    void lateEventIsInsertedAtItsPlace() {
        InferenceEngine engine = new InferenceEngine(CFG);
        engine.apply(List.of(e("o1", PLACED, 0), e("o1", RESERVED, 3), e("o1", PAID, 1)));
        assertThat(engine.eventTypes("o1")).containsExactly(PLACED, PAID, RESERVED);
        assertThat(engine.counters().lateEvents()).isEqualTo(1);
        FlowModel m = engine.flowModel(PLACED).orElseThrow();
        assertThat(m.transition(PLACED, RESERVED)).isNull();
        assertThat(m.transition(PAID, RESERVED).count()).isEqualTo(1);
    }

    @Test
    void lateStartEventMovesTheInstanceToItsRealFlow() {
        InferenceEngine engine = new InferenceEngine(CFG);
        engine.apply(List.of(e("o1", PAID, 1), e("o1", PLACED, 0)));
        assertThat(engine.flowModels()).extracting(FlowModel::flow).containsExactly(PLACED);
        assertThat(engine.snapshot("o1", at(2)).orElseThrow().flow()).isEqualTo(PLACED);
    }

    @Test
    void flowIsNamedByTheRootNotByAnEventStampedBeforeItsCause() {
        InferenceEngine engine = new InferenceEngine(CFG);
        // PaymentCaptured's producer clock lags: it is stamped 2 s before the OrderPlaced it reacted to
        engine.apply(List.of(
                ev("o1", PLACED, 10).eventId("p1").build(),
                ev("o1", PAID, 8).eventId("c1").causationId("p1").build(),
                ev("o1", RESERVED, 11).eventId("r1").causationId("c1").build()));
        assertThat(engine.eventTypes("o1")).containsExactly(PAID, PLACED, RESERVED); // time order kept
        assertThat(engine.snapshot("o1", at(12)).orElseThrow().flow()).isEqualTo(PLACED);
        FlowModel m = engine.flowModel(PLACED).orElseThrow();
        assertThat(engine.flowModels()).extracting(FlowModel::flow).containsExactly(PLACED);
        assertThat(m.transition(PAID, PLACED).count()).isEqualTo(1); // the DFG stays in time order
        assertThat(m.startCounts()).isEqualTo(Map.of(PAID, 1L));
    }

    @Test
    void lateArrivingRootMovesTheInstanceFromTheEarlyStampedEventsFlowToItsOwn() {
        InferenceEngine engine = new InferenceEngine(CFG);
        engine.apply(ev("o1", PAID, 8).eventId("c1").causationId("p1").build());
        // its cause is not (yet) in the instance: for now PaymentCaptured is the root
        assertThat(engine.snapshot("o1", at(9)).orElseThrow().flow()).isEqualTo(PAID);
        engine.apply(ev("o1", PLACED, 10).eventId("p1").build());
        assertThat(engine.snapshot("o1", at(11)).orElseThrow().flow()).isEqualTo(PLACED);
        assertThat(engine.flowModels()).extracting(FlowModel::flow).containsExactly(PLACED);
    }

    /** o0 shows that PaymentCaptured is caused by a tapped event (its OrderPlaced). */
    private static InferenceEngine knowingPaymentsFollowOrders(InferenceSettings cfg) {
        InferenceEngine engine = new InferenceEngine(cfg);
        engine.apply(List.of(ev("o0", PLACED, 0).eventId("p0").build(),
                ev("o0", PAID, 1).eventId("c0").causationId("p0").build()));
        return engine;
    }

    @Test
    void anInstanceSeenFromTheMiddleWaitsUnnamedForItsFirstEventsInsteadOfShowingAsAFlowOfItsOwn() {
        InferenceEngine engine = knowingPaymentsFollowOrders(CFG);
        // o1's PaymentCaptured is applied before its OrderPlaced (on another bus whose batch came later)
        engine.apply(ev("o1", PAID, 8).eventId("c1").causationId("p1").build());
        List<StateChange> changes = engine.evaluate(at(8.5));
        InstanceSnapshot waiting = engine.snapshot("o1", at(9)).orElseThrow();
        assertThat(waiting.flow()).isEqualTo(InstanceSnapshot.NO_FLOW);
        assertThat(waiting.state()).isEqualTo(InstanceState.RUNNING);
        assertThat(waiting.reason()).isEqualTo("waiting for its first events: PaymentCaptured names a cause not seen "
                + "yet (late on another topic, partition or bus); the flow is named when they arrive, at the latest "
                + "5.0 s after PaymentCaptured; not judged stuck");
        assertThat(changes).filteredOn(c -> c.correlationId().equals("o1")).singleElement()
                .satisfies(c -> assertThat(c.flow()).isEqualTo(InstanceSnapshot.NO_FLOW));
        assertThat(engine.flowModels()).extracting(FlowModel::flow).containsExactly(PLACED); // no "PaymentCaptured"

        engine.apply(ev("o1", PLACED, 7.5).eventId("p1").build());
        engine.evaluate(at(9.5));
        assertThat(engine.snapshot("o1", at(9.5)).orElseThrow().flow()).isEqualTo(PLACED);
        assertThat(engine.flowModels()).extracting(FlowModel::flow).containsExactly(PLACED);
        assertThat(engine.flowModel(PLACED).orElseThrow().instances()).isEqualTo(2);
    }

    @Test
    void anInstanceWhoseFirstEventsNeverComeIsNamedAfterItsOwnFirstEventWhenTheGraceIsOver() {
        InferenceEngine engine = knowingPaymentsFollowOrders(CFG);
        engine.apply(ev("o1", PAID, 8).eventId("c1").causationId("p1").build());
        engine.evaluate(at(12.9));
        assertThat(engine.snapshot("o1", at(12.9)).orElseThrow().flow()).isEqualTo(InstanceSnapshot.NO_FLOW);
        // the deadline index brings it back at 8 s + 5 s, with no event of its own since
        engine.evaluate(at(13));
        assertThat(engine.snapshot("o1", at(13)).orElseThrow().flow()).isEqualTo(PAID);
        assertThat(engine.flowModels()).extracting(FlowModel::flow).containsExactly(PLACED, PAID);
    }

    @Test
    void aFirstEventCausedByAnUntappedRequestNamesItsFlowAtOnce() {
        InferenceEngine engine = new InferenceEngine(CFG);
        // every OrderPlaced names the HTTP request that caused it, never a tapped event
        engine.apply(List.of(ev("o1", PLACED, 0).eventId("p1").causationId("req-1").build(),
                ev("o1", PAID, 1).eventId("c1").causationId("p1").build()));
        engine.apply(ev("o2", PLACED, 5).eventId("p2").causationId("req-2").build());
        assertThat(engine.snapshot("o2", at(5)).orElseThrow().flow()).isEqualTo(PLACED);
    }

    @Test
    void aZeroStartGraceNamesAnInstanceSeenFromTheMiddleAtOnce() {
        InferenceEngine engine = knowingPaymentsFollowOrders(CFG.withStartGrace(Duration.ZERO));
        engine.apply(ev("o1", PAID, 8).eventId("c1").causationId("p1").build());
        assertThat(engine.snapshot("o1", at(9)).orElseThrow().flow()).isEqualTo(PAID);
    }

    @Test
    void recordsWithoutCausationAreStillNamedByTheirEarliestEvent() {
        InferenceEngine engine = new InferenceEngine(CFG);
        engine.apply(List.of(e("o1", PAID, 8), e("o1", PLACED, 10)));
        assertThat(engine.snapshot("o1", at(11)).orElseThrow().flow()).isEqualTo(PAID);
    }

    @Test
    void tieOnTimestampIsBrokenByPartitionThenOffset() {
        InferenceEngine engine = new InferenceEngine(CFG);
        engine.apply(List.of(
                Observation.builder("t", 0, 9, at(0)).correlationId("o1").eventType("B").build(),
                Observation.builder("t", 0, 5, at(0)).correlationId("o1").eventType("A").build(),
                Observation.builder("t", 1, 1, at(0)).correlationId("o1").eventType("C").build()));
        assertThat(engine.eventTypes("o1")).containsExactly("A", "B", "C");
    }

    @Test
    void skippedStepIsReported() {
        InferenceEngine engine = trained();
        engine.apply(List.of(e("o1", PLACED, 5000), e("o1", RESERVED, 5001)));
        assertThat(engine.snapshot("o1", at(5002)).orElseThrow().deviations()).singleElement()
                .satisfies(d -> {
                    assertThat(d.kind()).isEqualTo(DeviationKind.SKIPPED_STEP);
                    assertThat(d.detail()).contains("skips PaymentCaptured");
                });
    }

    /**
     * A producer whose clock is ahead stamps its event before its cause (the demo's out-of-order noise): one ordering
     * violation, not also a skipped step (until 2026-12-05 OrderPlaced -> StockReserved was said to "skip
     * PaymentCaptured", which the instance has).
     */
    @Test
    void aStepStampedBeforeItsCauseIsOutOfOrderNotAlsoSkipped() {
        InferenceEngine engine = trained();
        engine.apply(List.of(ev("o1", PLACED, 5001).eventId("p1").build(),
                ev("o1", PAID, 5000).eventId("c1").causationId("p1").build(),
                ev("o1", RESERVED, 5002).eventId("r1").causationId("c1").build()));
        assertThat(engine.snapshot("o1", at(5003)).orElseThrow().flow()).isEqualTo(PLACED);
        assertThat(engine.snapshot("o1", at(5003)).orElseThrow().deviations()).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(DeviationKind.OUT_OF_ORDER);
            assertThat(d.detail()).isEqualTo(PAID + " -> " + PLACED + " but the model has " + PLACED + " -> " + PAID);
        });
    }

    @Test
    void swappedPairIsAnOrderingViolationAndFeedsTheKpi() {
        InferenceEngine engine = trained();
        engine.apply(List.of(e("o1", PLACED, 5000), e("o1", PAID, 5001), e("o1", SHIPPED, 5002),
                e("o1", RESERVED, 5003)));
        List<Deviation> d = engine.snapshot("o1", at(5004)).orElseThrow().deviations();
        // one swap, one deviation: PaymentCaptured -> OrderShipped does not "skip StockReserved", which came after it
        assertThat(d).extracting(Deviation::kind).containsExactly(DeviationKind.OUT_OF_ORDER);
        FlowModel m = engine.flowModel(PLACED).orElseThrow();
        assertThat(m.deviationCounts().get(DeviationKind.OUT_OF_ORDER)).isEqualTo(1);
        // 12 x 3 + 3 transitions observed
        assertThat(m.orderingViolationRate()).isEqualTo(1.0 / 39);
    }

    @Test
    void unexpectedEventIsReported() {
        InferenceEngine engine = trained();
        engine.apply(List.of(e("o1", PLACED, 5000), e("o1", PAID, 5001), e("o1", "GiftWrapped", 5002)));
        assertThat(engine.snapshot("o1", at(5003)).orElseThrow().deviations()).singleElement()
                .satisfies(d -> assertThat(d.kind()).isEqualTo(DeviationKind.UNEXPECTED_EVENT));
    }

    @Test
    void youngFlowReportsNoModelDeviations() {
        InferenceEngine engine = new InferenceEngine(CFG);
        happy(engine, 3, 0);
        engine.apply(List.of(e("o1", PLACED, 50), e("o1", SHIPPED, 51)));
        assertThat(engine.snapshot("o1", at(52)).orElseThrow().deviations()).isEmpty();
    }

    @Test
    void instancesSharingAnIdMergeEvenAfterBothHaveEvents() {
        InferenceEngine engine = new InferenceEngine(CFG);
        engine.apply(List.of(e("order-1", PLACED, 0), e("pay-9", "PaymentRequested", 1),
                e("pay-9", PAID, 2)));
        assertThat(engine.counters().liveInstances()).isEqualTo(2);

        // the payment service's event names both IDs
        engine.apply(e("pay-9", "PaymentLinked", 3), List.of("order-1"));
        assertThat(engine.counters().liveInstances()).isEqualTo(1);
        assertThat(engine.counters().merges()).isEqualTo(1);
        InstanceSnapshot viaPayment = engine.snapshot("pay-9", at(4)).orElseThrow();
        InstanceSnapshot viaOrder = engine.snapshot("order-1", at(4)).orElseThrow();
        assertThat(viaPayment).isEqualTo(viaOrder);
        assertThat(viaOrder.correlationId()).isEqualTo("order-1"); // carried by the earliest event
        assertThat(viaOrder.linkedIds()).containsExactlyInAnyOrder("order-1", "pay-9");
        assertThat(viaOrder.flow()).isEqualTo(PLACED);
        assertThat(engine.eventTypes("order-1")).containsExactly(PLACED, "PaymentRequested", PAID, "PaymentLinked");
        assertThat(engine.flowModels()).extracting(FlowModel::flow).containsExactly(PLACED);

        // later events under either ID land in the merged instance
        engine.apply(e("pay-9", RESERVED, 5));
        assertThat(engine.snapshot("order-1", at(6)).orElseThrow().eventCount()).isEqualTo(5);
    }

    @Test
    void linkingChainsThroughAThirdId() {
        InferenceEngine engine = new InferenceEngine(CFG);
        engine.apply(List.of(e("a", "A", 0), e("b", "B", 1), e("c", "C", 2)));
        engine.apply(e("a", "AB", 3), List.of("b"));
        engine.apply(e("c", "BC", 4), List.of("b"));
        assertThat(engine.counters().liveInstances()).isEqualTo(1);
        assertThat(engine.eventTypes("c")).containsExactly("A", "B", "C", "AB", "BC");
    }

    @Test
    void flowAliasesRenameAndMergeFlows() {
        InferenceEngine engine = new InferenceEngine(CFG.withFlowAliases(
                Map.of(PLACED, "checkout", "CartCheckedOut", "checkout")));
        engine.apply(List.of(e("o1", PLACED, 0), e("o1", PAID, 1), e("o2", "CartCheckedOut", 0), e("o2", PAID, 1)));
        FlowModel m = engine.flowModels().get(0);
        assertThat(engine.flowModels()).hasSize(1);
        assertThat(m.flow()).isEqualTo("checkout");
        assertThat(m.startCounts()).isEqualTo(Map.of(PLACED, 1L, "CartCheckedOut", 1L));
    }

    @Test
    void uncorrelatedObservationsAreCountedNotInstantiated() {
        InferenceEngine engine = new InferenceEngine(CFG);
        engine.apply(List.of(Observation.builder("t", 0, 1, at(0)).eventType("X").sourceService("s").build(),
                Observation.builder("t", 0, 2, at(0)).build()));
        assertThat(engine.counters().uncorrelated()).isEqualTo(2);
        assertThat(engine.counters().liveInstances()).isZero();
        assertThat(engine.dependencyMap().edges()).singleElement()
                .satisfies(edge -> assertThat(edge.count()).isEqualTo(1));
    }

    @Test
    void eventsBeyondTheCapAreCountedAsDropped() {
        InferenceEngine engine = new InferenceEngine(CFG.withMaxEventsPerInstance(3));
        for (int i = 0; i < 5; i++) {
            engine.apply(e("o1", "Step" + i, i));
        }
        InstanceSnapshot s = engine.snapshot("o1", at(6)).orElseThrow();
        assertThat(s.eventCount()).isEqualTo(3);
        assertThat(s.droppedEvents()).isEqualTo(2);
        assertThat(engine.counters().droppedOverCap()).isEqualTo(2);
    }

    @Test
    void abandonedInstancesAreEvictedEvenIfNotFinished() {
        InferenceEngine engine = new InferenceEngine(CFG);
        engine.apply(e("o1", PLACED, 0));
        engine.evaluate(at(25 * 3600));
        assertThat(engine.counters().liveInstances()).isZero();
        assertThat(engine.snapshot("o1", at(25 * 3600))).isEmpty();
        assertThat(engine.flowModel(PLACED).orElseThrow().instances()).isEqualTo(1);
    }

    @Test
    void dependencyMapLinksProducerTopicAndConsumers() {
        InferenceEngine engine = new InferenceEngine(CFG);
        engine.apply(List.of(
                Observation.builder("orders", 0, 1, at(0)).correlationId("o1").eventType(PLACED)
                        .sourceService("order-svc").traceId("t1").spanId("p1").build(),
                Observation.builder("orders", 0, 2, at(10)).correlationId("o2").eventType(PLACED)
                        .sourceService("order-svc").traceId("t2").spanId("p2").build()));
        engine.applySpans(List.of(
                Events.consumerSpan("t1", "c1", "p1", "payment-svc", "orders", "payment-group", at(0.25)),
                Events.consumerSpan("t2", "c2", "p2", "payment-svc", "orders", "payment-group", at(10.25))));

        DependencyMap map = engine.dependencyMap();
        assertThat(map.nodes()).contains(new DependencyMap.Node(DependencyMap.NodeKind.SERVICE, "order-svc"),
                new DependencyMap.Node(DependencyMap.NodeKind.TOPIC, "orders"),
                new DependencyMap.Node(DependencyMap.NodeKind.SERVICE, "payment-svc"));
        assertThat(map.edges()).hasSize(2);
        DependencyMap.Edge produces = map.edges().get(0);
        assertThat(produces.role()).isEqualTo(DependencyMap.EdgeRole.PRODUCES);
        assertThat(produces.service()).isEqualTo("order-svc");
        assertThat(produces.topic()).isEqualTo("orders");
        assertThat(produces.eventTypes()).containsExactly(PLACED);
        assertThat(produces.count()).isEqualTo(2);
        assertThat(produces.ratePerSecond()).isEqualTo(0.2); // 2 records in a 10 s window

        DependencyMap.Edge payment = map.edges().stream()
                .filter(x -> x.service().equals("payment-svc")).findFirst().orElseThrow();
        assertThat(payment.role()).isEqualTo(DependencyMap.EdgeRole.CONSUMES);
        assertThat(payment.evidence()).containsExactly("span");
        assertThat(payment.count()).isEqualTo(2);
        assertThat(payment.p50Ms()).isCloseTo(250, org.assertj.core.data.Offset.offset(3.0));
    }

    @Test
    void consumerSpanArrivingBeforeItsRecordIsStillJoined() {
        InferenceEngine engine = new InferenceEngine(CFG);
        engine.applySpans(List.of(Events.consumerSpan("t1", "c1", "p1", "stock-svc", "payments", null, at(1.5))));
        engine.apply(Observation.builder("payments", 0, 1, at(1)).correlationId("o1").eventType(PAID)
                .sourceService("payment-svc").traceId("t1").spanId("p1").build());
        DependencyMap.Edge consumes = engine.dependencyMap().edges().stream()
                .filter(x -> x.role() == DependencyMap.EdgeRole.CONSUMES).findFirst().orElseThrow();
        assertThat(consumes.service()).isEqualTo("stock-svc");
        assertThat(consumes.p99Ms()).isCloseTo(500, org.assertj.core.data.Offset.offset(6.0));
        assertThat(consumes.eventTypes()).containsExactly(PAID);
    }
}
