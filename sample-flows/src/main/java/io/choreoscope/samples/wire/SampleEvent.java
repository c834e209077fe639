package io.choreoscope.samples.wire;

import java.util.Objects;
import java.util.UUID;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One business event as the sample services see it, whatever its wire style.
 *
 * @param eventId       unique per event (a re-delivered duplicate keeps it)
 * @param type          event type, e.g. {@code OrderPlaced}
 * @param correlationId business transaction (order ID, user ID, content ID)
 * @param causationId   event ID of the event this one reacts to; null for the first event of an instance
 * @param source        name of the publishing service, e.g. {@code payments}
 * @param data          business payload (a JSON object)
 */
public record SampleEvent(String eventId, String type, String correlationId, String causationId, String source,
                          ObjectNode data) {

    public SampleEvent {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(correlationId, "correlationId");
        Objects.requireNonNull(source, "source");
        data = data == null ? JsonNodeFactory.instance.objectNode() : data;
    }

    /** The first event of an instance: fresh event ID, no cause. */
    public static SampleEvent first(String type, String correlationId, String source, ObjectNode data) {
        return new SampleEvent(UUID.randomUUID().toString(), type, correlationId, null, source, data);
    }

    /** An event published in reaction to this one: same correlation, caused by this event, payload carried over plus {@code extra}. */
    public SampleEvent next(String nextType, String nextSource, ObjectNode extra) {
        ObjectNode d = data.deepCopy();
        if (extra != null) {
            d.setAll(extra);
        }
        return new SampleEvent(UUID.randomUUID().toString(), nextType, correlationId, eventId, nextSource, d);
    }
}
