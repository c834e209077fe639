package io.choreoscope.ingest;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.choreoscope.live.ObservationPublisher;
import io.choreoscope.model.SinkUnavailableException;
import io.choreoscope.model.Span;
import io.choreoscope.model.SpanSink;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The receiving side of the OTLP receiver's durable mode: the span sink the receiver writes through to. Publishes
 * every span of a request to the span topic (keyed by trace ID, {@link SpanCodec} bytes) and returns only when Kafka
 * acknowledged all of them (acks=all, idempotent producer), so the exporter's 200 means "in Kafka". A failure or a
 * timeout (30 s) throws {@link SinkUnavailableException}: the exporter gets 503 and retries; spans of a request
 * published twice fold in ClickHouse, whose spans table is deduplicated by (trace ID, span ID).
 */
public final class SpanTopicPublisher implements SpanSink, AutoCloseable {
    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer;

    public SpanTopicPublisher(Map<String, ?> connection, String topic, int partitions) {
        this.topic = topic;
        ObservationPublisher.ensureTopic(connection, topic, partitions);
        Map<String, Object> p = new HashMap<>(connection);
        p.putAll(Map.of(
                ProducerConfig.CLIENT_ID_CONFIG, "choreoscope-spans",
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 20_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000));
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public void accept(List<Span> spans) throws SinkUnavailableException {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(spans.size());
        for (Span s : spans) {
            records.add(new ProducerRecord<>(topic, s.traceId().getBytes(StandardCharsets.US_ASCII), SpanCodec.encode(s)));
        }
        ObservationPublisher.sendAcked(producer, topic, records, "spans");
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
