package io.choreoscope.collectors.kafka;

import java.time.Instant;

/**
 * What the tap is doing, for health and the UI.
 *
 * @param state               STARTING, RUNNING, RETRYING (the store refused a batch; partitions paused), STOPPED
 * @param recordsIngested     records handed to the sink and acknowledged since start
 * @param consecutiveFailures sink failures since the last success
 * @param lastError           the last sink error, or null
 * @param lastErrorAt         when it happened, or null
 * @param pendingRecords      records read but not yet acknowledged by the sink
 */
public record TapStatus(String state, long recordsIngested, int consecutiveFailures, String lastError,
                        Instant lastErrorAt, int pendingRecords) {
}
