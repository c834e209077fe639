package io.choreoscope.model.api;

import java.time.Instant;

/**
 * One search result: an instance and what matched.
 *
 * @param matchedField {@code correlationId}, {@code header:<name>}, {@code payload}, {@code key} or {@code eventId}
 * @param matchedValue the value that matched (cut to 200 chars)
 */
public record SearchHit(String correlationId, String flow, String state, String eventType, Instant timestamp,
                        String matchedField, String matchedValue) {
}
