package io.choreoscope.model;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One observed Kafka record, normalised. Identity is (topic, partition, offset): ingest is
 * at-least-once and stores deduplicate on it.
 *
 * <p>All extracted fields are nullable: a record that matches no rule keeps {@code null} there and is
 * still stored (as uncorrelated when {@code correlationId} is null).
 *
 * @param topic         Kafka topic
 * @param partition     Kafka partition
 * @param offset        Kafka offset
 * @param timestamp     the record's timestamp (producer or log-append time)
 * @param ingestTime    when the tap read it
 * @param key           raw key bytes, or null
 * @param headers       all headers in order, never null
 * @param payload       raw value bytes, or null for a tombstone
 * @param contentType   content type when known (header, CloudEvents datacontenttype), else null
 * @param correlationId business transaction ID, or null when no rule matched
 * @param eventId       the event's own ID (CloudEvents id, header), or null
 * @param eventType     event type name (e.g. {@code OrderPlaced}), or null
 * @param sourceService producing service, or null
 * @param causationId   event ID of the event that caused this one, or null
 * @param traceId       W3C trace ID (32 hex chars) from {@code traceparent}, or null
 * @param spanId        W3C parent span ID (16 hex chars) from {@code traceparent}, or null
 * @param parseStatus   how the value could be read
 * @param parseError    human-readable detail when {@code parseStatus != OK}, else null
 * @param decodedPayload the payload as JSON text when it was decoded through a schema (Avro, Protobuf, JSON
 *                      Schema wire formats), else null; {@code payload} always keeps the original bytes
 * @param schema        the schema the payload names (and, when resolved, its subject and version), else null
 */
public record Observation(
        String topic,
        int partition,
        long offset,
        Instant timestamp,
        Instant ingestTime,
        byte[] key,
        List<Header> headers,
        byte[] payload,
        String contentType,
        String correlationId,
        String eventId,
        String eventType,
        String sourceService,
        String causationId,
        String traceId,
        String spanId,
        ParseStatus parseStatus,
        String parseError,
        String decodedPayload,
        SchemaRef schema) {

    public Observation {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(timestamp, "timestamp");
        headers = headers == null ? List.of() : List.copyOf(headers);
        parseStatus = parseStatus == null ? ParseStatus.OK : parseStatus;
    }

    /**
     * Header that choreoscope's replay adds to every record it re-publishes (value: the replay's ID).
     * The other replay headers are {@code choreoscope-replay-of} and {@code choreoscope-replayed-at}.
     */
    public static final String REPLAY_ID_HEADER = "choreoscope-replay-id";

    /** True when the record was re-published by choreoscope's replay (it carries {@link #REPLAY_ID_HEADER}). */
    public boolean replayed() {
        return header(REPLAY_ID_HEADER) != null;
    }

    /** True when some rule produced a correlation ID. */
    public boolean correlated() {
        return correlationId != null && !correlationId.isEmpty();
    }

    /** The record's identity, "topic/partition/offset". */
    public String coordinates() {
        return topic + "/" + partition + "/" + offset;
    }

    /** First header with that name (case-sensitive), or null. */
    public Header header(String name) {
        for (Header h : headers) {
            if (h.name().equals(name)) {
                return h;
            }
        }
        return null;
    }

    /** A builder, mainly for tests and for the extraction pipeline. */
    public static Builder builder(String topic, int partition, long offset, Instant timestamp) {
        return new Builder(topic, partition, offset, timestamp);
    }

    public Builder toBuilder() {
        Builder b = new Builder(topic, partition, offset, timestamp);
        b.ingestTime = ingestTime;
        b.key = key;
        b.headers = headers;
        b.payload = payload;
        b.contentType = contentType;
        b.correlationId = correlationId;
        b.eventId = eventId;
        b.eventType = eventType;
        b.sourceService = sourceService;
        b.causationId = causationId;
        b.traceId = traceId;
        b.spanId = spanId;
        b.parseStatus = parseStatus;
        b.parseError = parseError;
        b.decodedPayload = decodedPayload;
        b.schema = schema;
        return b;
    }

    /** Mutable builder; {@link #build()} makes the immutable record. */
    public static final class Builder {
        private final String topic;
        private final int partition;
        private final long offset;
        private final Instant timestamp;
        private Instant ingestTime;
        private byte[] key;
        private List<Header> headers = List.of();
        private byte[] payload;
        private String contentType;
        private String correlationId;
        private String eventId;
        private String eventType;
        private String sourceService;
        private String causationId;
        private String traceId;
        private String spanId;
        private ParseStatus parseStatus = ParseStatus.OK;
        private String parseError;
        private String decodedPayload;
        private SchemaRef schema;

        private Builder(String topic, int partition, long offset, Instant timestamp) {
            this.topic = topic;
            this.partition = partition;
            this.offset = offset;
            this.timestamp = timestamp;
            this.ingestTime = timestamp;
        }

        public Builder ingestTime(Instant v) { ingestTime = v; return this; }
        public Builder key(byte[] v) { key = v; return this; }
        public Builder headers(List<Header> v) { headers = v; return this; }
        public Builder payload(byte[] v) { payload = v; return this; }
        public Builder contentType(String v) { contentType = v; return this; }
        public Builder correlationId(String v) { correlationId = v; return this; }
        public Builder eventId(String v) { eventId = v; return this; }
        public Builder eventType(String v) { eventType = v; return this; }
        public Builder sourceService(String v) { sourceService = v; return this; }
        public Builder causationId(String v) { causationId = v; return this; }
        public Builder traceId(String v) { traceId = v; return this; }
        public Builder spanId(String v) { spanId = v; return this; }
        public Builder parseStatus(ParseStatus v) { parseStatus = v; return this; }
        public Builder parseError(String v) { parseError = v; return this; }
        public Builder decodedPayload(String v) { decodedPayload = v; return this; }
        public Builder schema(SchemaRef v) { schema = v; return this; }

        public String correlationId() { return correlationId; }
        public String eventId() { return eventId; }
        public String eventType() { return eventType; }
        public String sourceService() { return sourceService; }
        public String causationId() { return causationId; }
        public String traceId() { return traceId; }
        public ParseStatus parseStatus() { return parseStatus; }

        public Observation build() {
            return new Observation(topic, partition, offset, timestamp, ingestTime, key, headers, payload,
                    contentType, correlationId, eventId, eventType, sourceService, causationId, traceId,
                    spanId, parseStatus, parseError, decodedPayload, schema);
        }
    }
}
