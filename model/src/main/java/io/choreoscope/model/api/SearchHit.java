package io.choreoscope.model.api;

import java.time.Instant;

/**
 * One search result: an instance and what matched.
 *
 * @param matchedField {@code correlationId}, {@code header:<name>}, {@code payload}, {@code key} or {@code eventId}
 * @param matchedValue the value that matched (cut to 200 chars)
 * @param topic        value search: the topic of the event that matched, else null
 * @param partition    value search: its partition, else null
 * @param offset       value search: its offset, else null
 */
public record SearchHit(String correlationId, String flow, String state, String eventType, Instant timestamp,
                        String matchedField, String matchedValue, String topic, Integer partition, Long offset) {

    /** A hit that names no event (search by ID). */
    public SearchHit(String correlationId, String flow, String state, String eventType, Instant timestamp,
                     String matchedField, String matchedValue) {
        this(correlationId, flow, state, eventType, timestamp, matchedField, matchedValue, null, null, null);
    }

    /** The same hit naming the event that matched. */
    public SearchHit withCoordinates(String topic, int partition, long offset) {
        return new SearchHit(correlationId, flow, state, eventType, timestamp, matchedField, matchedValue, topic, partition, offset);
    }

    /** The same hit with its instance's flow and state. */
    public SearchHit withInstance(String flow, String state) {
        return new SearchHit(correlationId, flow, state, eventType, timestamp, matchedField, matchedValue, topic, partition, offset);
    }

    /** The same hit with another excerpt. */
    public SearchHit withMatchedValue(String value) {
        return new SearchHit(correlationId, flow, state, eventType, timestamp, matchedField, value, topic, partition, offset);
    }
}
