package io.choreoscope.benchmarks;

import io.choreoscope.inference.InferenceSettings;
import io.choreoscope.inference.InferenceEngine;
import io.choreoscope.model.Observation;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.List;

/**
 * Heap bytes per in-flight instance: used heap after full GCs with an engine holding N live instances of
 * k events, minus used heap with an empty engine, divided by N. The observations themselves are dropped
 * before measuring, so only what the engine keeps is counted (map entries, ID strings, instance objects,
 * event arrays, flow and dependency statistics amortised over N).
 *
 * <p>Run: {@code java -Xmx2g -cp benchmarks/target/choreoscope-benchmarks.jar io.choreoscope.benchmarks.HeapPerInstance}
 */
public final class HeapPerInstance {
    private HeapPerInstance() {
    }

    static long usedAfterGc() throws InterruptedException {
        MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(100);
            best = Math.min(best, mx.getHeapMemoryUsage().getUsed());
        }
        return best;
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        for (int k : new int[] {3, 3, 5, 8, 20}) { // the first round warms class loading and caches up: ignore it
            InferenceEngine engine = new InferenceEngine(InferenceSettings.defaults());
            long base = usedAfterGc(); // empty engine, no log alive
            List<Observation> log = Workload.saga(n, k, 3);
            for (Observation o : log) {
                engine.apply(o);
            }
            log = null; // only what the engine keeps is left
            long used = usedAfterGc();
            System.out.printf("instances=%d eventsPerInstance=%d liveInstances=%d bytesPerInstance=%.0f%n", n, k,
                    engine.counters().liveInstances(), (double) (used - base) / n);
            if (engine.counters().observations() == 0) {
                System.out.println("unreachable");
            }
        }
    }
}
