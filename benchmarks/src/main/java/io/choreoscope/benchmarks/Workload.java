package io.choreoscope.benchmarks;

import io.choreoscope.model.Observation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A synthetic saga log: {@code instances} instances of {@code eventsPerInstance} events each (event types
 * Step0..StepN-1, 6 services, one topic per type), started 5 ms apart, steps 10-60 ms apart, interleaved in
 * timestamp order the way a live tap sees them. Every record carries an event ID; no trace context.
 */
final class Workload {
    static final long T0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();

    private Workload() {
    }

    static List<Observation> saga(int instances, int eventsPerInstance, long seed) {
        Random rnd = new Random(seed);
        String[] types = new String[eventsPerInstance];
        String[] topics = new String[eventsPerInstance];
        String[] services = new String[eventsPerInstance];
        for (int k = 0; k < eventsPerInstance; k++) {
            types[k] = "Step" + k;
            topics[k] = "topic.step" + k;
            services[k] = "svc" + (k % 6);
        }
        List<Observation> out = new ArrayList<>(instances * eventsPerInstance);
        long offset = 0;
        for (int i = 0; i < instances; i++) {
            String id = "order-" + Long.toHexString(0x10000000L + i);
            long t = T0 + 5L * i;
            for (int k = 0; k < eventsPerInstance; k++) {
                t += 10 + rnd.nextInt(50);
                out.add(Observation.builder(topics[k], i % 12, offset++, Instant.ofEpochMilli(t))
                        .correlationId(id).eventId(id + "-" + k).eventType(types[k]).sourceService(services[k])
                        .build());
            }
        }
        out.sort((a, b) -> a.timestamp().compareTo(b.timestamp()));
        return out;
    }
}
