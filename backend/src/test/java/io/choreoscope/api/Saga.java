package io.choreoscope.api;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Produces the records of a small order saga, with explicit timestamps, the way a service would. */
public final class Saga {
    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;

    public Saga(KafkaProducer<byte[], byte[]> producer, String topic) {
        this.producer = producer;
        this.topic = topic;
    }

    /** One event: correlation and type in headers, service in a header, a small JSON payload. */
    public void event(String correlationId, String type, String service, Instant at, String payloadJson) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, null, at.toEpochMilli(),
                correlationId.getBytes(StandardCharsets.UTF_8), payloadJson.getBytes(StandardCharsets.UTF_8));
        r.headers().add("correlationId", correlationId.getBytes(StandardCharsets.UTF_8));
        r.headers().add("eventType", type.getBytes(StandardCharsets.UTF_8));
        r.headers().add("sourceService", service.getBytes(StandardCharsets.UTF_8));
        producer.send(r);
    }

    /** OrderPlaced -> PaymentCaptured -> OrderShipped, 100 ms apart from {@code start}. */
    public void completed(String id, Instant start) {
        event(id, "OrderPlaced", "orders", start, "{\"orderId\":\"" + id + "\",\"customer\":\"alice\"}");
        event(id, "PaymentCaptured", "payments", start.plusMillis(100), "{\"orderId\":\"" + id + "\",\"amount\":42}");
        event(id, "OrderShipped", "shipping", start.plusMillis(200), "{\"orderId\":\"" + id + "\"}");
    }

    public void flush() {
        producer.flush();
    }
}
