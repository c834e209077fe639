package io.choreoscope.benchmarks;

import io.choreoscope.inference.InferenceEngine;
import io.choreoscope.inference.InferenceSettings;
import io.choreoscope.model.Observation;

import java.time.Instant;

/**
 * What a producer that puts an ID into its event type costs inference: N records, each of its own correlation ID and
 * its own event type (so each starts a flow of its own), applied to one engine (live instances capped at 10,000,
 * evaluated every 10,000 records as the loop's ticks would), once with the bound on distinct event types at its
 * largest (65,534, what the engine held before the bound was configurable) and once at {@code max-event-types}' default.
 * Figures: heap in use after full GCs, minus an empty engine's, at every tenth of the records, and the flows held.
 *
 * <p>Run: {@code java -Xmx4g -cp benchmarks/target/choreoscope-benchmarks.jar
 * io.choreoscope.benchmarks.HeapPerEventType [records, default 100000]}
 */
public final class HeapPerEventType {
    private HeapPerEventType() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        for (int bound : new int[] {65_534, InferenceSettings.DEFAULT_MAX_EVENT_TYPES}) {
            System.out.printf("max-event-types %,d:%n", bound);
            InferenceEngine engine = new InferenceEngine(InferenceSettings.defaults().withMaxLiveInstances(10_000)
                    .withMaxEventTypes(bound));
            long base = HeapPerInstance.usedAfterGc();
            Instant t0 = Instant.parse("2026-12-02T10:00:00Z");
            for (int i = 0; i < n; i++) {
                Instant at = t0.plusMillis(i);
                engine.apply(Observation.builder("orders", 0, i, at).correlationId("c-" + i)
                        .eventType("OrderAudited-" + Integer.toHexString(i)).sourceService("auditor").build());
                if (i % 10_000 == 9_999) {
                    engine.evaluate(at);
                    engine.drainEvicted(at);
                }
                if ((i + 1) % (n / 10) == 0) {
                    System.out.printf("  %,9d records: %7.1f MB held, %,d flows, %,d observations past the bound%n", i + 1,
                            (HeapPerInstance.usedAfterGc() - base) / 1e6, engine.flowModels().size(),
                            engine.counters().overTypeLimit());
                }
            }
        }
    }
}
