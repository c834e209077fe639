package io.choreoscope.benchmarks;

import io.choreoscope.inference.InferenceSettings;
import io.choreoscope.inference.InferenceEngine;
import io.choreoscope.inference.InstanceGraphBuilder;
import io.choreoscope.model.Observation;
import io.choreoscope.model.Span;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InstanceGraph;
import io.choreoscope.model.flow.StateChange;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Inference engine costs (issue 3). Single-threaded, like the engine. */
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-XX:+UseParallelGC"})
public class InferenceBenchmarks {

    static final int APPLY_OBSERVATIONS = 200_000;

    /** 40 000 instances x 5 events, interleaved by time. */
    @State(Scope.Benchmark)
    public static class ApplyLog {
        List<Observation> log;

        @Setup(Level.Trial)
        public void setUp() {
            log = Workload.saga(APPLY_OBSERVATIONS / 5, 5, 1);
        }
    }

    /**
     * Incremental update: a fresh engine takes 200k observations one by one (40k instances growing to 5
     * events). Score is observations per second.
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(APPLY_OBSERVATIONS)
    public InferenceEngine applyObservation(ApplyLog s) {
        InferenceEngine engine = new InferenceEngine(InferenceSettings.defaults());
        for (Observation o : s.log) {
            engine.apply(o);
        }
        return engine;
    }

    /** One instance of 20 events: causation for some, trace context for some, time order for the rest. */
    @State(Scope.Benchmark)
    public static class Instance20 {
        List<Observation> records = new ArrayList<>();
        List<Span> spans = new ArrayList<>();

        @Setup(Level.Trial)
        public void setUp() {
            long t = Workload.T0;
            for (int k = 0; k < 20; k++) {
                t += 25;
                Observation.Builder b = Observation.builder("topic.step" + k, 0, 1000 + k, Instant.ofEpochMilli(t))
                        .correlationId("o1").eventId("e" + k).eventType("Step" + k).sourceService("svc" + k % 6)
                        .traceId("4bf92f3577b34da6a3ce929d0e0e4736").spanId("p" + k);
                if (k > 0 && k % 3 == 0) {
                    b.causationId("e" + (k - 1));
                }
                records.add(b.build());
                if (k > 0 && k % 3 == 1) { // consumer of the previous record's topic, parent of this producer span
                    spans.add(new Span("4bf92f3577b34da6a3ce929d0e0e4736", "p" + k, "c" + k, "svc" + k % 6,
                            "send", "PRODUCER", Instant.ofEpochMilli(t), 1000, "OK", Map.of(), "kafka",
                            "topic.step" + k, "publish", null, null, null));
                    spans.add(new Span("4bf92f3577b34da6a3ce929d0e0e4736", "c" + k, "p" + (k - 1), "svc" + k % 6,
                            "process", "CONSUMER", Instant.ofEpochMilli(t - 5), 1000, "OK", Map.of(), "kafka",
                            "topic.step" + (k - 1), "process", null, "g", null));
                }
            }
            java.util.Collections.reverse(records); // arrival order should not matter
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public InstanceGraph instanceGraph20Events(Instance20 s) {
        return InstanceGraphBuilder.build("o1", s.records, s.spans);
    }

    /** An engine holding 100k live instances of 5 events (500k events). */
    @State(Scope.Benchmark)
    public static class Loaded {
        InferenceEngine engine;
        long next;

        @Setup(Level.Trial)
        public void setUp() {
            engine = new InferenceEngine(InferenceSettings.defaults());
            for (Observation o : Workload.saga(100_000, 5, 2)) {
                engine.apply(o);
            }
        }

        /** One new record, so the cached view is rebuilt (the cost measured is the rebuild). */
        void touch() {
            engine.apply(Observation.builder("topic.step0", 0, 1L << 40 | next, Instant.ofEpochMilli(Workload.T0))
                    .correlationId("touch-" + next++).eventType("Step0").build());
        }
    }

    /** Flow models (DFG counts, probabilities, p50/p95/p99 sketches, deviations) over 100k instances. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public List<FlowModel> flowModelOver100kInstances(Loaded s) {
        s.touch();
        return s.engine.flowModels();
    }

    /** evaluate(now) over 100k live instances: states, stuck bounds (nothing is evicted at this now). */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public List<StateChange> evaluateOver100kInstances(Loaded s) {
        s.touch();
        return s.engine.evaluate(Instant.ofEpochMilli(Workload.T0 + 60_000));
    }
}
