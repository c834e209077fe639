package io.choreoscope.model;

import java.util.List;
import java.util.Optional;

/**
 * Reads stored observations back. Every implementation shows each Kafka record once, however often
 * it was delivered to the sink.
 */
public interface EventReader {

    /** The events of one correlation ID, ordered by timestamp, then partition and offset. */
    List<Observation> eventsOf(String correlationId);

    /** The event stored for those coordinates, if any. */
    Optional<Observation> event(String topic, int partition, long offset);

    /** How many distinct records (by topic, partition, offset) are stored for a topic. */
    long countDistinct(String topic);

    /** How many rows are returned for a topic by an ordinary query: equals {@link #countDistinct} when deduplication works. */
    long countVisible(String topic);
}
