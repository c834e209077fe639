package io.choreoscope.harness.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.choreoscope.model.FlowWindowReader;
import io.choreoscope.model.InstanceRecord;
import io.choreoscope.model.InstanceWriter;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ObservationSink;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.model.flow.StepSequence;
import io.choreoscope.model.flow.Variant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The windowed flow model's contract: {@link FlowWindowReader} computes, from the events stored through the
 * {@link ObservationSink} and the instance rows written through the {@link InstanceWriter}, the directly-follows
 * model and the variants of the instances of a flow started in a window. One suite, run against every storage.
 */
public abstract class FlowWindowContract {
    /** The running-example log's window: its first event is at 2010-12-30T10:02Z, its last on 2011-01-10. */
    private static final Instant LOG_FROM = Instant.parse("2010-12-30T00:00:00Z");
    private static final Instant LOG_TO = Instant.parse("2011-01-30T00:00:00Z");
    private static final String REGISTER = "register request";
    private static final Instant T = Instant.parse("2026-11-22T10:00:00Z");

    /**
     * PM4Py's {@code discover_dfg} on van der Aalst's running-example log, counted by hand from the published log
     * (the same 16 pairs as {@code RunningExampleDfgTest}, which proves the live model on it).
     */
    public static final Map<String, Long> RUNNING_EXAMPLE_DFG = Map.ofEntries(
            Map.entry("check ticket -> decide", 6L),
            Map.entry("check ticket -> examine casually", 2L),
            Map.entry("check ticket -> examine thoroughly", 1L),
            Map.entry("decide -> pay compensation", 3L),
            Map.entry("decide -> reinitiate request", 3L),
            Map.entry("decide -> reject request", 3L),
            Map.entry("examine casually -> check ticket", 4L),
            Map.entry("examine casually -> decide", 2L),
            Map.entry("examine thoroughly -> check ticket", 2L),
            Map.entry("examine thoroughly -> decide", 1L),
            Map.entry("register request -> check ticket", 2L),
            Map.entry("register request -> examine casually", 3L),
            Map.entry("register request -> examine thoroughly", 1L),
            Map.entry("reinitiate request -> check ticket", 1L),
            Map.entry("reinitiate request -> examine casually", 1L),
            Map.entry("reinitiate request -> examine thoroughly", 1L));

    /** The seams under test, over one storage. */
    public record FlowWindowStore(ObservationSink events, InstanceWriter instances, FlowWindowReader windows) {
    }

    /** A fresh, empty storage; called before each test. The subclass closes what it opened. */
    protected abstract FlowWindowStore storage();

    private ObservationSink events;
    private InstanceWriter instances;
    private FlowWindowReader windows;

    @BeforeEach
    void openStorage() {
        FlowWindowStore s = storage();
        events = s.events();
        instances = s.instances();
        windows = s.windows();
    }

    /** The 42 events of the running-example log (case, activity, timestamp, resource), in file order. */
    public static List<Observation> runningExample() {
        List<Observation> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                FlowWindowContract.class.getResourceAsStream("/process-mining/running-example.csv"),
                StandardCharsets.UTF_8))) {
            String line;
            long offset = 0;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("#") || line.startsWith("case,")) {
                    continue;
                }
                String[] f = line.split(",");
                out.add(Observation.builder("requests", 0, offset++, OffsetDateTime.parse(f[2]).toInstant())
                        .ingestTime(Instant.now()).correlationId(f[0]).eventType(f[1]).sourceService(f[3]).build());
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    /** Instance rows for {@code log}, one per correlation ID, started at its first event, in {@code flow}. */
    private void writeInstances(List<Observation> log, String flow, Map<String, InstanceState> states,
                                Map<String, Set<String>> linked) {
        Map<String, List<Observation>> byId = new LinkedHashMap<>();
        for (Observation o : log) {
            String primary = linked.entrySet().stream().filter(e -> e.getValue().contains(o.correlationId()))
                    .map(Map.Entry::getKey).findFirst().orElse(o.correlationId());
            byId.computeIfAbsent(primary, k -> new ArrayList<>()).add(o);
        }
        List<InstanceRecord> rows = new ArrayList<>();
        byId.forEach((id, obs) -> rows.add(instanceRow(id, linked.getOrDefault(id, Set.of(id)), flow,
                states.getOrDefault(id, InstanceState.COMPLETED), obs)));
        instances.write(rows);
    }

    /**
     * The row inference writes for an instance of {@code events} (distinct records): its steps in time order
     * (timestamp, partition, offset, topic), started at the first, with each step's time.
     */
    protected static InstanceRecord instanceRow(String id, Set<String> linkedIds, String flow, InstanceState state,
                                                List<Observation> events) {
        List<Observation> obs = events.stream().sorted(Comparator.comparing(Observation::timestamp)
                .thenComparingInt(Observation::partition).thenComparingLong(Observation::offset)
                .thenComparing(Observation::topic)).toList();
        Instant first = obs.get(0).timestamp();
        Instant last = obs.get(obs.size() - 1).timestamp();
        InstanceSnapshot s = new InstanceSnapshot(id, linkedIds, flow, state, state.name(), first, last, obs.size(), 0,
                obs.get(obs.size() - 1).eventType(), "svc", List.of(), List.of());
        StepSequence steps = StepSequence.of(obs.stream().map(Observation::eventType).toList(),
                obs.stream().mapToLong(o -> o.timestamp().toEpochMilli()).toArray());
        return new InstanceRecord(s, steps, 0, last, last);
    }

    private static Map<String, Long> dfgOf(FlowModel m) {
        Map<String, Long> dfg = new HashMap<>();
        m.transitions().forEach(t -> dfg.put(t.from() + " -> " + t.to(), t.count()));
        return dfg;
    }

    private static Observation event(String id, String type, Instant at, long offset) {
        return Observation.builder("orders", 0, offset, at).ingestTime(Instant.now()).correlationId(id).eventType(type)
                .sourceService("svc").build();
    }

    @Test
    protected void runningExampleWindowEqualsTheProcessMiningDfg() throws Exception {
        List<Observation> log = runningExample();
        events.accept(log);
        writeInstances(log, REGISTER, Map.of(), Map.of());

        FlowModel m = windows.model(REGISTER, LOG_FROM, LOG_TO);

        assertThat(m.instances()).isEqualTo(6);
        assertThat(dfgOf(m)).isEqualTo(RUNNING_EXAMPLE_DFG);
        assertThat(m.startCounts()).isEqualTo(Map.of(REGISTER, 6L));
        assertThat(m.endCounts()).isEqualTo(Map.of("reject request", 3L, "pay compensation", 3L));
        assertThat(m.nodes()).contains(new FlowModel.Node("decide", 9, 6), new FlowModel.Node("check ticket", 9, 6),
                new FlowModel.Node("reinitiate request", 3, 2));
        // decide -> reinitiate request happens 3 times, in 2 cases (case 5 loops twice)
        assertThat(m.transition("decide", "reinitiate request").instances()).isEqualTo(2);
        assertThat(m.transition("check ticket", "decide").probability()).isEqualTo(6.0 / 9.0);
        // case 1 only: 2010-12-30 11:02 -> 2010-12-31 10:06 = 23 h 04 min, exact
        assertThat(m.transition(REGISTER, "examine thoroughly").p50Ms()).isEqualTo((23 * 60 + 4) * 60_000.0);
        assertThat(m.from()).isEqualTo(LOG_FROM);
        assertThat(m.to()).isEqualTo(LOG_TO);
    }

    @Test
    protected void runningExampleVariantsAreTheSixDistinctCases() throws Exception {
        List<Observation> log = runningExample();
        events.accept(log);
        writeInstances(log, REGISTER, Map.of("5", InstanceState.FAILED), Map.of());

        List<Variant> variants = windows.variants(REGISTER, LOG_FROM, LOG_TO, 50);

        assertThat(variants).hasSize(6).allMatch(v -> v.count() == 1 && v.share() == 1.0 / 6 && v.complete());
        Variant case5 = variants.stream().filter(v -> v.length() == 13).findFirst().orElseThrow();
        assertThat(case5.steps()).startsWith(REGISTER, "examine casually", "check ticket", "decide", "reinitiate request")
                .endsWith("reject request");
        assertThat(case5.outcomes()).isEqualTo(Map.of(InstanceState.FAILED, 1L));
        assertThat(windows.variantInstances(REGISTER, LOG_FROM, LOG_TO, case5.id(), 10)).containsExactly("5");
        assertThat(windows.variants(REGISTER, LOG_FROM, LOG_TO, 2)).hasSize(2);
    }

    @Test
    protected void windowHoldsTheInstancesStartedInItWithAllTheirEvents() throws Exception {
        List<Observation> log = new ArrayList<>();
        // a: starts inside the window, ends after it; b: starts after it; c: other flow
        log.add(event("a", "OrderPlaced", T, 0));
        log.add(event("a", "PaymentCaptured", T.plusSeconds(30), 1));
        log.add(event("a", "OrderShipped", T.plusSeconds(4000), 2));
        log.add(event("b", "OrderPlaced", T.plusSeconds(3700), 3));
        log.add(event("b", "PaymentFailed", T.plusSeconds(3701), 4));
        events.accept(log);
        writeInstances(log, "OrderPlaced", Map.of(), Map.of());
        List<Observation> other = List.of(event("c", "SignupStarted", T.plusSeconds(5), 5));
        events.accept(other);
        writeInstances(other, "SignupStarted", Map.of(), Map.of());

        FlowModel m = windows.model("OrderPlaced", T, T.plusSeconds(3600));

        assertThat(m.instances()).isEqualTo(1);
        assertThat(dfgOf(m)).isEqualTo(Map.of("OrderPlaced -> PaymentCaptured", 1L, "PaymentCaptured -> OrderShipped", 1L));
        assertThat(m.transition("PaymentCaptured", "OrderShipped").p95Ms()).isEqualTo(3_970_000.0);
        assertThat(windows.model("OrderPlaced", T.minusSeconds(7200), T).instances()).isZero();
        assertThat(windows.model("OrderPlaced", T.minusSeconds(7200), T).transitions()).isEmpty();
        assertThat(windows.variants("OrderPlaced", T.minusSeconds(7200), T, 10)).isEmpty();
    }

    /**
     * Each instance is taken by its newest row, as live inference rewrites it: a's start moved before the window (a late
     * earlier event), b gained a step and failed. Neither older row may stand for its instance.
     */
    @Test
    protected void aWindowTakesEachInstanceByItsNewestRow() throws Exception {
        List<Observation> a = new ArrayList<>(List.of(event("a", "OrderPlaced", T.plusSeconds(10), 0),
                event("a", "PaymentCaptured", T.plusSeconds(20), 1)));
        List<Observation> b = new ArrayList<>(List.of(event("b", "OrderPlaced", T.plusSeconds(30), 2)));
        events.accept(a);
        events.accept(b);
        instances.write(List.of(instanceRow("a", Set.of("a"), "OrderPlaced", InstanceState.RUNNING, a),
                instanceRow("b", Set.of("b"), "OrderPlaced", InstanceState.RUNNING, b)));
        a.add(event("a", "CartCreated", T.minusSeconds(60), 3));
        b.add(event("b", "PaymentFailed", T.plusSeconds(40), 4));
        events.accept(List.of(a.get(2), b.get(1)));
        instances.write(List.of(instanceRow("a", Set.of("a"), "OrderPlaced", InstanceState.COMPLETED, a),
                instanceRow("b", Set.of("b"), "OrderPlaced", InstanceState.FAILED, b)));

        FlowModel m = windows.model("OrderPlaced", T, T.plusSeconds(3600));

        assertThat(m.instances()).isEqualTo(1);
        assertThat(dfgOf(m)).isEqualTo(Map.of("OrderPlaced -> PaymentFailed", 1L));
        List<Variant> variants = windows.variants("OrderPlaced", T, T.plusSeconds(3600), 10);
        assertThat(variants).singleElement().satisfies(v -> {
            assertThat(v.steps()).containsExactly("OrderPlaced", "PaymentFailed");
            assertThat(v.outcomes()).isEqualTo(Map.of(InstanceState.FAILED, 1L));
        });
        assertThat(windows.variantInstances("OrderPlaced", T, T.plusSeconds(3600), variants.get(0).id(), 10))
                .containsExactly("b");
        assertThat(windows.eventLog("OrderPlaced", T, T.plusSeconds(3600), 10))
                .extracting(FlowWindowReader.LogEvent::caseId, FlowWindowReader.LogEvent::activity)
                .containsExactly(tuple("b", "OrderPlaced"),
                        tuple("b", "PaymentFailed"));
        FlowModel before = windows.model("OrderPlaced", T.minusSeconds(3600), T);
        assertThat(before.instances()).isEqualTo(1);
        assertThat(dfgOf(before)).isEqualTo(Map.of("CartCreated -> OrderPlaced", 1L, "OrderPlaced -> PaymentCaptured", 1L));
    }

    @Test
    protected void aRecordStoredTwiceOrAnEventSentTwiceCountsOnceAndLinkedIdsJoin() throws Exception {
        Observation placed = event("o-1", "OrderPlaced", T, 10);
        Observation paid = Observation.builder("payments", 0, 11, T.plusMillis(100)).ingestTime(Instant.now())
                .correlationId("pay-1").eventType("PaymentCaptured").eventId("evt-paid").sourceService("payments").build();
        Observation paidAgain = Observation.builder("payments", 0, 12, T.plusMillis(150)).ingestTime(Instant.now())
                .correlationId("pay-1").eventType("PaymentCaptured").eventId("evt-paid").sourceService("payments").build();
        Observation shipped = event("o-1", "OrderShipped", T.plusMillis(300), 13);
        events.accept(List.of(placed, paid, shipped));
        events.accept(List.of(placed, paidAgain)); // a redelivered record and a second send of one event
        writeInstances(List.of(placed, paid, shipped), "OrderPlaced", Map.of(), Map.of("o-1", Set.of("o-1", "pay-1")));

        FlowModel m = windows.model("OrderPlaced", T.minusSeconds(60), T.plusSeconds(60));

        assertThat(dfgOf(m)).isEqualTo(Map.of("OrderPlaced -> PaymentCaptured", 1L, "PaymentCaptured -> OrderShipped", 1L));
        assertThat(m.transition("OrderPlaced", "PaymentCaptured").p50Ms()).isEqualTo(100.0);
        List<Variant> v = windows.variants("OrderPlaced", T.minusSeconds(60), T.plusSeconds(60), 10);
        assertThat(v).hasSize(1);
        assertThat(v.get(0).steps()).containsExactly("OrderPlaced", "PaymentCaptured", "OrderShipped");
        assertThat(v.get(0).p50Ms()).isEqualTo(300.0);
    }

    @Test
    protected void variantsAreSortedByCountWithDurationsAndOutcomes() throws Exception {
        List<Observation> log = new ArrayList<>();
        long offset = 100;
        Map<String, InstanceState> states = new HashMap<>();
        for (int i = 0; i < 5; i++) {
            Instant s = T.plusSeconds(i);
            log.add(event("h" + i, "OrderPlaced", s, offset++));
            log.add(event("h" + i, "PaymentCaptured", s.plusMillis(100L * (i + 1)), offset++));
            states.put("h" + i, i == 4 ? InstanceState.RUNNING : InstanceState.COMPLETED);
        }
        for (int i = 0; i < 2; i++) {
            log.add(event("f" + i, "OrderPlaced", T.plusSeconds(10 + i), offset++));
            log.add(event("f" + i, "PaymentFailed", T.plusSeconds(10 + i).plusMillis(50), offset++));
            log.add(event("f" + i, "OrderCancelled", T.plusSeconds(10 + i).plusMillis(70), offset++));
            states.put("f" + i, InstanceState.COMPENSATED);
        }
        events.accept(log);
        writeInstances(log, "OrderPlaced", states, Map.of());

        List<Variant> v = windows.variants("OrderPlaced", T.minusSeconds(1), T.plusSeconds(60), 10);

        assertThat(v).hasSize(2);
        assertThat(v.get(0).steps()).containsExactly("OrderPlaced", "PaymentCaptured");
        assertThat(v.get(0).count()).isEqualTo(5);
        assertThat(v.get(0).share()).isEqualTo(5.0 / 7);
        assertThat(v.get(0).p50Ms()).isEqualTo(300.0);
        assertThat(v.get(0).p95Ms()).isEqualTo(500.0);
        assertThat(v.get(0).outcomes()).isEqualTo(Map.of(InstanceState.COMPLETED, 4L, InstanceState.RUNNING, 1L));
        assertThat(v.get(1).outcomes()).isEqualTo(Map.of(InstanceState.COMPENSATED, 2L));
        assertThat(windows.variantInstances("OrderPlaced", T.minusSeconds(1), T.plusSeconds(60), v.get(1).id(), 10))
                .containsExactly("f1", "f0");
    }
}
