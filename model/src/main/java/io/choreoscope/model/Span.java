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
 * @param statusMessage        the span status description (set with ERROR), or null
 * @param eventsJson           span events as a JSON array of {@code {"name","timeUnixNano","attributes"}}
 *                             (attributes flattened to strings like {@code attributes}), or null when
 *                             the span has none; exceptions are recorded as events
 * @param linksJson            span links as a JSON array of {@code {"traceId","spanId","traceState",
 *                             "attributes"}}, or null when the span has none; batch consumers link to
 *                             the producer spans this way, so the inference needs them
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
        String correlationId,
        String statusMessage,
        String eventsJson,
        String linksJson) {

    public Span {
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }

    /** The original sixteen-field form, without status message, events and links. */
    public Span(String traceId, String spanId, String parentSpanId, String service, String name, String kind,
                Instant start, long durationNanos, String statusCode, Map<String, String> attributes,
                String messagingSystem, String messagingDestination, String messagingOperation,
                String messagingMessageId, String consumerGroup, String correlationId) {
        this(traceId, spanId, parentSpanId, service, name, kind, start, durationNanos, statusCode, attributes,
                messagingSystem, messagingDestination, messagingOperation, messagingMessageId, consumerGroup,
                correlationId, null, null, null);
    }
}
