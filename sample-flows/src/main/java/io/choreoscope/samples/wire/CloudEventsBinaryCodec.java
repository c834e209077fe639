package io.choreoscope.samples.wire;

import java.net.URI;
import java.util.Map;

import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.core.message.Encoding;
import io.cloudevents.jackson.JsonCloudEventData;
import io.cloudevents.kafka.CloudEventDeserializer;
import io.cloudevents.kafka.CloudEventSerializer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * CloudEvents 1.0 in Kafka binary mode, written and read by the CloudEvents SDK: {@code ce_id} = event ID,
 * {@code ce_type} = event type, {@code ce_source} = {@code /service-name}, extensions {@code ce_correlationid}
 * and {@code ce_causationid} (absent on the first event); the value is the JSON data.
 */
public final class CloudEventsBinaryCodec implements EventCodec {
    public static final String CORRELATION_EXTENSION = "correlationid";
    public static final String CAUSATION_EXTENSION = "causationid";

    private final CloudEventSerializer serializer = new CloudEventSerializer();
    private final CloudEventDeserializer deserializer = new CloudEventDeserializer();

    public CloudEventsBinaryCodec() {
        serializer.configure(Map.of(CloudEventSerializer.ENCODING_CONFIG, Encoding.BINARY), false);
        deserializer.configure(Map.of(), false);
    }

    @Override
    public ProducerRecord<byte[], byte[]> encode(String topic, SampleEvent e) {
        CloudEventBuilder b = CloudEventBuilder.v1()
                .withId(e.eventId())
                .withType(e.type())
                .withSource(URI.create("/" + e.source()))
                .withDataContentType("application/json")
                .withData(JsonCloudEventData.wrap(e.data()))
                .withExtension(CORRELATION_EXTENSION, e.correlationId());
        if (e.causationId() != null) {
            b.withExtension(CAUSATION_EXTENSION, e.causationId());
        }
        Headers headers = new RecordHeaders();
        byte[] value = serializer.serialize(topic, headers, b.build());
        return new ProducerRecord<>(topic, null, HeaderCodec.utf8(e.correlationId()), value, headers);
    }

    @Override
    public SampleEvent decode(ConsumerRecord<byte[], byte[]> r) {
        CloudEvent ce;
        try {
            ce = deserializer.deserialize(r.topic(), r.headers(), r.value());
        } catch (RuntimeException ex) {
            throw new MalformedEventException("not a CloudEvent: " + ex.getMessage(), ex);
        }
        Object correlation = ce.getExtension(CORRELATION_EXTENSION);
        if (correlation == null) {
            throw new MalformedEventException("CloudEvent " + ce.getId() + " has no " + CORRELATION_EXTENSION + " extension");
        }
        Object causation = ce.getExtension(CAUSATION_EXTENSION);
        String source = ce.getSource().toString();
        return new SampleEvent(ce.getId(), ce.getType(), correlation.toString(),
                causation == null ? null : causation.toString(), source.startsWith("/") ? source.substring(1) : source,
                ce.getData() == null ? null : Json.object(ce.getData().toBytes(), ce.getType() + " data"));
    }

    @Override
    public String style() {
        return "cloudevents-binary";
    }
}
