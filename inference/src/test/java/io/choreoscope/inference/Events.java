package io.choreoscope.inference;

import io.choreoscope.model.Observation;
import io.choreoscope.model.Span;

import java.time.Instant;
import java.util.Map;

/** Small readable fixtures: one topic per event type, times in seconds from T0. */
final class Events {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static long nextOffset = 1_000_000;

    private Events() {
    }

    static Instant at(double seconds) {
        return T0.plusMillis((long) (seconds * 1000));
    }

    static Observation.Builder ev(String correlationId, String type, double seconds) {
        return Observation.builder("t." + type, 0, nextOffset++, at(seconds))
                .correlationId(correlationId).eventType(type).eventId(correlationId + "/" + type + "/" + seconds)
                .sourceService("svc-" + type);
    }

    static Observation e(String correlationId, String type, double seconds) {
        return ev(correlationId, type, seconds).build();
    }

    static Span consumerSpan(String trace, String span, String parent, String service, String topic,
                             String group, Instant start) {
        return new Span(trace, span, parent, service, "process " + topic, "CONSUMER", start, 1_000_000, "OK",
                Map.of(), "kafka", topic, "process", null, group, null);
    }

    static Span internalSpan(String trace, String span, String parent, String service, Instant start) {
        return new Span(trace, span, parent, service, "work", "INTERNAL", start, 1_000_000, "OK",
                Map.of(), null, null, null, null, null, null);
    }
}
