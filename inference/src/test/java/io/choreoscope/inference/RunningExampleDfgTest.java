package io.choreoscope.inference;

import io.choreoscope.model.Observation;
import io.choreoscope.model.flow.FlowModel;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The flow model's directly-follows, start and end counts equal the standard process-mining definition on
 * van der Aalst's "running-example" log (shipped as src/test/resources/inference/running-example.csv).
 *
 * <p>Expected values are not produced by our code. They were counted by hand from the published log (the six
 * traces are spelled out below), and the same 16 pairs and counts appear in public PM4Py-based test fixtures
 * that list {@code dfg} for {@code running-example.xes} (PM4Py's {@code discover_dfg}: dfg[(a,b)] = times b
 * directly follows a within a case ordered by timestamp; start/end activities = first/last activity per case).
 * <pre>
 * case 1: register, examine thoroughly, check ticket, decide, reject
 * case 2: register, check ticket, examine casually, decide, pay compensation
 * case 3: register, examine casually, check ticket, decide, reinitiate, examine thoroughly, check ticket, decide, pay compensation
 * case 4: register, check ticket, examine thoroughly, decide, reject
 * case 5: register, examine casually, check ticket, decide, reinitiate, check ticket, examine casually, decide,
 *         reinitiate, examine casually, check ticket, decide, reject
 * case 6: register, examine casually, check ticket, decide, pay compensation
 * </pre>
 */
class RunningExampleDfgTest {

    static final Map<String, Long> EXPECTED_DFG = Map.ofEntries(
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

    static List<Observation> runningExample() throws Exception {
        List<Observation> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                RunningExampleDfgTest.class.getResourceAsStream("/inference/running-example.csv"),
                StandardCharsets.UTF_8))) {
            String line;
            long offset = 0;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("#") || line.startsWith("case,")) {
                    continue;
                }
                String[] f = line.split(",");
                out.add(Observation.builder("requests", 0, offset++, OffsetDateTime.parse(f[2]).toInstant())
                        .correlationId(f[0]).eventType(f[1]).sourceService(f[3]).build());
            }
        }
        return out;
    }

    private static Map<String, Long> dfgOf(FlowModel m) {
        Map<String, Long> dfg = new HashMap<>();
        for (FlowModel.Transition t : m.transitions()) {
            dfg.put(t.from() + " -> " + t.to(), t.count());
        }
        return dfg;
    }

    @Test
    void directlyFollowsStartAndEndCountsMatchTheProcessMiningDefinition() throws Exception {
        List<Observation> log = runningExample();
        assertThat(log).hasSize(42);
        InferenceEngine engine = new InferenceEngine(InferenceSettings.defaults());
        engine.apply(log);

        assertThat(engine.flowModels()).hasSize(1);
        FlowModel m = engine.flowModel("register request").orElseThrow();
        assertThat(m.instances()).isEqualTo(6);
        assertThat(dfgOf(m)).isEqualTo(EXPECTED_DFG);
        assertThat(m.startCounts()).isEqualTo(Map.of("register request", 6L));
        assertThat(m.endCounts()).isEqualTo(Map.of("reject request", 3L, "pay compensation", 3L));
        assertThat(m.nodes()).contains(new FlowModel.Node("decide", 9), new FlowModel.Node("check ticket", 9));
    }

    @Test
    void loopsStayInTheModelAsCycles() throws Exception {
        InferenceEngine engine = new InferenceEngine(InferenceSettings.defaults());
        engine.apply(runningExample());
        FlowModel m = engine.flowModel("register request").orElseThrow();
        // decide -> reinitiate request -> check ticket -> decide is a cycle
        assertThat(m.transition("decide", "reinitiate request").count()).isEqualTo(3);
        assertThat(m.transition("reinitiate request", "check ticket").count()).isEqualTo(1);
        assertThat(m.transition("check ticket", "decide").probability()).isEqualTo(6.0 / 9.0);
    }

    @Test
    void arrivalOrderDoesNotChangeTheCounts() throws Exception {
        List<Observation> log = runningExample();
        Collections.shuffle(log, new Random(42));
        InferenceEngine engine = new InferenceEngine(InferenceSettings.defaults());
        engine.apply(log);
        assertThat(dfgOf(engine.flowModel("register request").orElseThrow())).isEqualTo(EXPECTED_DFG);
    }

    @Test
    void latencyPercentilesAreInMillisecondsWithinOnePercent() throws Exception {
        InferenceEngine engine = new InferenceEngine(InferenceSettings.defaults());
        engine.apply(runningExample());
        FlowModel.Transition t = engine.flowModel("register request").orElseThrow()
                .transition("register request", "examine thoroughly");
        // case 1 only: 2010-12-30 11:02 -> 2010-12-31 10:06 = 23 h 04 min
        double expectedMs = (23 * 60 + 4) * 60_000.0;
        assertThat(t.p50Ms()).isCloseTo(expectedMs, org.assertj.core.data.Percentage.withPercentage(1));
        assertThat(t.p99Ms()).isCloseTo(expectedMs, org.assertj.core.data.Percentage.withPercentage(1));
    }
}
