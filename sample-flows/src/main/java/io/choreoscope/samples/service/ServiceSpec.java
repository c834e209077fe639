package io.choreoscope.samples.service;

import java.util.List;
import java.util.Map;

import io.choreoscope.samples.wire.EventCodec;

/**
 * A sample service: its name (also its OpenTelemetry {@code service.name} and, with the prefix, its consumer
 * group), its wire style, the topics it consumes and what it does per event type. Events of other types on
 * those topics are skipped without a span, as a service filtering by type would.
 *
 * @param topics    full topic names to consume; empty for a producer-only service (a flow's entry point)
 * @param reactions event type to reaction
 */
public record ServiceSpec(String name, EventCodec codec, List<String> topics, Map<String, Reaction> reactions) {
    public ServiceSpec {
        topics = List.copyOf(topics);
        reactions = Map.copyOf(reactions);
    }

    public static ServiceSpec producerOnly(String name, EventCodec codec) {
        return new ServiceSpec(name, codec, List.of(), Map.of());
    }
}
