package io.choreoscope.model.api;

import java.time.Instant;
import java.util.List;

/**
 * An event as the API shows it. Text payloads are given as text; binary ones base64-encoded
 * ({@code payloadEncoding = "base64"}). Payloads longer than the request's {@code maxPayloadBytes}
 * (default 64 KiB) are cut, with {@code payloadTruncated = true} and {@code payloadSize} the full size;
 * {@code GET /api/v1/events/{topic}/{partition}/{offset}/payload} returns the whole raw value.
 *
 * <p>{@code bus} is {@code kafka} or {@code rabbitmq} ({@link io.choreoscope.model.Topics#bus}): a RabbitMQ message's
 * topic is its exchange ({@code rabbitmq:<exchange>}), its partition 0 and its offset the identity hash
 * (docs/RABBITMQ.md).
 *
 * <p>A payload decoded through a schema (Avro, Protobuf, JSON Schema) also has {@code decodedPayload}, its JSON view
 * (cut at {@code maxPayloadBytes} like the payload), and {@code schema}, the schema it named; both are null otherwise.
 */
public record EventView(String topic, int partition, long offset, Instant timestamp, Instant ingestTime,
                        String key, List<HeaderView> headers, String payload, String payloadEncoding,
                        boolean payloadTruncated, long payloadSize, String contentType, String correlationId,
                        String eventId, String eventType, String sourceService, String causationId,
                        String traceId, String spanId, String parseStatus, String parseError, boolean replayed,
                        String bus, String decodedPayload, SchemaView schema) {

    /** An event whose bus follows from its topic name, without a schema-decoded payload. */
    public EventView(String topic, int partition, long offset, Instant timestamp, Instant ingestTime,
                     String key, List<HeaderView> headers, String payload, String payloadEncoding,
                     boolean payloadTruncated, long payloadSize, String contentType, String correlationId,
                     String eventId, String eventType, String sourceService, String causationId,
                     String traceId, String spanId, String parseStatus, String parseError, boolean replayed) {
        this(topic, partition, offset, timestamp, ingestTime, key, headers, payload, payloadEncoding, payloadTruncated,
                payloadSize, contentType, correlationId, eventId, eventType, sourceService, causationId, traceId, spanId,
                parseStatus, parseError, replayed, null, null);
    }

    /** An event whose bus follows from its topic name. */
    public EventView(String topic, int partition, long offset, Instant timestamp, Instant ingestTime,
                     String key, List<HeaderView> headers, String payload, String payloadEncoding,
                     boolean payloadTruncated, long payloadSize, String contentType, String correlationId,
                     String eventId, String eventType, String sourceService, String causationId,
                     String traceId, String spanId, String parseStatus, String parseError, boolean replayed,
                     String decodedPayload, SchemaView schema) {
        this(topic, partition, offset, timestamp, ingestTime, key, headers, payload, payloadEncoding, payloadTruncated,
                payloadSize, contentType, correlationId, eventId, eventType, sourceService, causationId, traceId, spanId,
                parseStatus, parseError, replayed, io.choreoscope.model.Topics.bus(topic), decodedPayload, schema);
    }

    /**
     * The schema a payload named: {@code format} avro, protobuf or json; {@code id} as the payload named it
     * ({@code 42}, {@code global:42}, {@code content:42}, {@code fp:<hex>}); the record or message {@code name}, the
     * registry {@code subject} (or schema file) and its {@code version} (0 when unknown) when the source said.
     */
    public record SchemaView(String format, String id, String name, String subject, int version) {
    }

    /** A header; binary values are base64 with {@code encoding = "base64"}, else {@code "text"}. */
    public record HeaderView(String name, String value, String encoding) {
    }
}
