package io.choreoscope.model;

import java.time.Instant;
import java.util.Map;

/**
 * One OpenTelemetry span as choreoscope keeps it. IDs are lower-case hex (trace 32, span 16 chars).
 *
 * @param traceId              W3C trace ID
 * @param spanId               span ID
 * @param parentSpanId         parent span ID, or null for a root span
 * @param service              {@code service.name} resource attribute, or {@code unknown_service}
 * @param name                 span name
 * @param kind                 INTERNAL, SERVER, CLIENT, PRODUCER or CONSUMER
 * @param start                start time
 * @param durationNanos        duration in nanoseconds, never negative
 * @param statusCode           UNSET, OK or ERROR
 * @param attributes           span attributes flattened to strings
 * @param messagingSystem      {@code messaging.system} (e.g. kafka), or null
 * @param messagingDestination {@code messaging.destination.name} (the topic), or null
 * @param messagingOperation   {@code messaging.operation.type} (publish, receive, process...), or null
 * @param messagingMessageId   {@code messaging.message.id}, or null
 * @param consumerGroup        {@code messaging.consumer.group.name} (or the Kafka-specific older key), or null
 * @param correlationId        correlation ID carried by an attribute or baggage, or null
 */
public record Span(
        String traceId,
        String spanId,
        String parentSpanId,
        String service,
        String name,
        String kind,
        Instant start,
        long durationNanos,
        String statusCode,
        Map<String, String> attributes,
        String messagingSystem,
        String messagingDestination,
        String messagingOperation,
        String messagingMessageId,
        String consumerGroup,
        String correlationId) {

    public Span {
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }
}
