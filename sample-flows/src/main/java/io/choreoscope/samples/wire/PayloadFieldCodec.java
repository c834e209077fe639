package io.choreoscope.samples.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Correlation in the JSON payload, no correlation header:
 * {@code {"correlationId":…, "eventType":…, "eventId":…, "causationId":…, "source":…, "data":{…}}}
 * ({@code causationId} is null on the first event).
 */
public final class PayloadFieldCodec implements EventCodec {

    @Override
    public ProducerRecord<byte[], byte[]> encode(String topic, SampleEvent e) {
        ObjectNode envelope = Json.MAPPER.createObjectNode();
        envelope.put("correlationId", e.correlationId());
        envelope.put("eventType", e.type());
        envelope.put("eventId", e.eventId());
        envelope.put("causationId", e.causationId());
        envelope.put("source", e.source());
        envelope.set("data", e.data());
        return new ProducerRecord<>(topic, null, HeaderCodec.utf8(e.correlationId()), Json.bytes(envelope),
                new RecordHeaders());
    }

    @Override
    public SampleEvent decode(ConsumerRecord<byte[], byte[]> r) {
        ObjectNode o = Json.object(r.value(), "record value");
        JsonNode data = o.get("data");
        return new SampleEvent(text(o, "eventId"), text(o, "eventType"), text(o, "correlationId"),
                o.hasNonNull("causationId") ? o.get("causationId").asText() : null, text(o, "source"),
                data instanceof ObjectNode d ? d : null);
    }

    @Override
    public String style() {
        return "payload";
    }

    private static String text(ObjectNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || !n.isTextual() || n.asText().isEmpty()) {
            throw new MalformedEventException("payload field " + field + " missing or not a string");
        }
        return n.asText();
    }
}
