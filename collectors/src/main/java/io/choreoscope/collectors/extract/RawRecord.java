package io.choreoscope.collectors.extract;

import java.time.Instant;
import java.util.List;

import io.choreoscope.model.Header;

/**
 * A Kafka record as read, before any interpretation. Kept free of Kafka client types so that the
 * extraction logic can be unit-tested without a broker.
 *
 * @param key   raw key bytes or null
 * @param value raw value bytes or null (tombstone)
 */
public record RawRecord(String topic, int partition, long offset, Instant timestamp, byte[] key,
                        List<Header> headers, byte[] value) {
}
