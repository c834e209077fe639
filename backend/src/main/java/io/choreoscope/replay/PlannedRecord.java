package io.choreoscope.replay;

import java.util.List;

import io.choreoscope.model.Header;

/**
 * One record a replay sends: a copy of a stored record with the replay headers added.
 *
 * @param source      {@code topic/partition/offset} of the stored record
 * @param targetTopic where it goes; the partition is chosen by the producer's partitioner from the key,
 *                    as it was for the original (records without key are spread)
 */
public record PlannedRecord(String source, String targetTopic, byte[] key, List<Header> headers, byte[] payload) {
    public PlannedRecord {
        headers = List.copyOf(headers);
    }
}
