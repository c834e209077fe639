package io.choreoscope.inference;

import static io.choreoscope.inference.Events.ev;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import io.choreoscope.model.Observation;
import io.choreoscope.model.flow.EdgeKind;
import io.choreoscope.model.flow.InstanceGraph;
import io.choreoscope.model.flow.StepSequence;
import org.junit.jupiter.api.Test;

/**
 * Each kept step's cause, as the engine keeps it for the causal flow map ({@link InferenceEngine#steps}), is the edge
 * the instance graph draws into it from records alone ({@link InstanceGraphBuilder} without spans): CAUSATION where a
 * causation ID names another kept event, else ORDER from the step before, no edge that would close a cycle.
 */
class StepCausesTest {

    /** The cause of each node of {@code g}: the source of its one incoming edge, or -1. */
    private static int[] causesOf(InstanceGraph g) {
        int[] c = new int[g.nodes().size()];
        java.util.Arrays.fill(c, -1);
        for (InstanceGraph.Edge e : g.edges()) {
            assertThat(c[e.to()]).as("one edge into %s", e.to()).isEqualTo(-1);
            assertThat(e.kind()).isNotEqualTo(EdgeKind.TRACE);
            c[e.to()] = e.from();
        }
        return c;
    }

    private static int[] causesOf(StepSequence s) {
        int[] c = new int[s.size()];
        for (int i = 0; i < c.length; i++) {
            c[i] = s.cause(i);
        }
        return c;
    }

    @Test
    void aFanOutsReactionsAreEachCausedByTheEventTheyReactTo() {
        InferenceEngine engine = new InferenceEngine(InferenceSettings.defaults());
        engine.apply(List.of(
                ev("u1", "UserRegistered", 0).eventId("reg").build(),
                ev("u1", "SignupTracked", 0.3).eventId("trk").causationId("reg").build(),
                ev("u1", "WelcomeEmailSent", 0.1).eventId("mail").causationId("reg").build(),
                ev("u1", "EmailOpened", 0.2).eventId("open").causationId("mail").build(),
                ev("u1", "CrmContactCreated", 0.4).build())); // no causation ID: after the step before it

        StepSequence s = engine.steps("u1");

        assertThat(s.types()).containsExactly("UserRegistered", "WelcomeEmailSent", "EmailOpened", "SignupTracked",
                "CrmContactCreated");
        assertThat(causesOf(s)).containsExactly(-1, 0, 1, 0, 3);
    }

    @Test
    void aCauseStampedAfterItsEffectKeepsItsLinkAndTheOrderEdgeThatWouldCloseALoopIsLeftOut() {
        InferenceEngine engine = new InferenceEngine(InferenceSettings.defaults());
        engine.apply(List.of(
                ev("o1", "OrderPlaced", 1.0).eventId("placed").build(),
                ev("o1", "PaymentCaptured", 0.5).eventId("paid").causationId("placed").build()));

        StepSequence s = engine.steps("o1");

        assertThat(s.types()).containsExactly("PaymentCaptured", "OrderPlaced");
        assertThat(causesOf(s)).as("PaymentCaptured <- OrderPlaced; OrderPlaced has no cause").containsExactly(1, -1);
    }

    @Test
    void onRandomInstancesTheCausesAreTheInstanceGraphsEdges() {
        Random r = new Random(17);
        for (int round = 0; round < 300; round++) {
            String id = "i" + round;
            int n = 1 + r.nextInt(12);
            List<Observation> records = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                Observation.Builder b = ev(id, "T" + r.nextInt(4), r.nextInt(20) / 10.0);
                b.eventId(r.nextInt(6) == 0 ? null : id + "-" + k);
                int cause = r.nextInt(n + 3) - 2; // some name no event, some themselves, some later events
                if (cause >= 0) {
                    b.causationId(id + "-" + cause);
                }
                records.add(b.build());
            }
            Collections.shuffle(records, r);
            InferenceEngine engine = new InferenceEngine(InferenceSettings.defaults());
            engine.apply(records);

            InstanceGraph g = InstanceGraphBuilder.build(id, records, List.of());
            StepSequence s = engine.steps(id);

            assertThat(s.types()).as("round %s", round)
                    .isEqualTo(g.nodes().stream().map(InstanceGraph.Node::eventType).toList());
            assertThat(causesOf(s)).as("round %s: %s", round, records).isEqualTo(causesOf(g));
        }
    }

    @Test
    void anInstanceWithoutCausationIdsIsCausedInOrder() {
        InferenceEngine engine = new InferenceEngine(InferenceSettings.defaults());
        engine.apply(List.of(Events.e("x", "A", 0), Events.e("x", "B", 1), Events.e("x", "C", 2)));
        assertThat(causesOf(engine.steps("x"))).containsExactly(-1, 0, 1);
    }
}
