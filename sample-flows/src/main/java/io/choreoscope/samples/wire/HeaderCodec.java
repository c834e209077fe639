package io.choreoscope.samples.wire;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Correlation in plain Kafka headers: {@code correlationId}, {@code eventType}, {@code sourceService},
 * {@code eventId}, {@code causationId} (absent on the first event); the value is the bare JSON payload.
 */
public final class HeaderCodec implements EventCodec {
    public static final String CORRELATION_ID = "correlationId";
    public static final String EVENT_TYPE = "eventType";
    public static final String SOURCE_SERVICE = "sourceService";
    public static final String EVENT_ID = "eventId";
    public static final String CAUSATION_ID = "causationId";

    @Override
    public ProducerRecord<byte[], byte[]> encode(String topic, SampleEvent e) {
        Headers h = new RecordHeaders();
        put(h, CORRELATION_ID, e.correlationId());
        put(h, EVENT_TYPE, e.type());
        put(h, SOURCE_SERVICE, e.source());
        put(h, EVENT_ID, e.eventId());
        if (e.causationId() != null) {
            put(h, CAUSATION_ID, e.causationId());
        }
        put(h, "content-type", "application/json");
        return new ProducerRecord<>(topic, null, utf8(e.correlationId()), Json.bytes(e.data()), h);
    }

    @Override
    public SampleEvent decode(ConsumerRecord<byte[], byte[]> r) {
        String type = required(r.headers(), EVENT_TYPE);
        return new SampleEvent(required(r.headers(), EVENT_ID), type, required(r.headers(), CORRELATION_ID),
                get(r.headers(), CAUSATION_ID), required(r.headers(), SOURCE_SERVICE),
                Json.object(r.value(), type + " payload"));
    }

    @Override
    public String style() {
        return "header";
    }

    static void put(Headers h, String key, String value) {
        h.remove(key);
        h.add(key, utf8(value));
    }

    static String get(Headers h, String key) {
        Header header = h.lastHeader(key);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static String required(Headers h, String key) {
        String v = get(h, key);
        if (v == null || v.isEmpty()) {
            throw new MalformedEventException("missing header " + key);
        }
        return v;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
