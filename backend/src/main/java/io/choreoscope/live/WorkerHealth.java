package io.choreoscope.live;

import java.time.Instant;

/**
 * What an inference worker is doing, for health.
 *
 * @param state               RUNNING, RETRYING (a step failed; it waits its backoff, then rebuilds its partitions from
 *                            ClickHouse and re-reads them from their committed offsets), STOPPED
 * @param consecutiveFailures failed steps since the last step that persisted and committed
 * @param retries             retries since start (each failed step is retried once its backoff passed)
 * @param lastError           the last error, or null
 * @param lastErrorAt         when it happened, or null
 * @param failingSince        first failure of the current run of failures, or null when none
 * @param nextRetryAt         when the next retry starts, or null when none is due
 */
public record WorkerHealth(String state, int consecutiveFailures, long retries, String lastError, Instant lastErrorAt,
                           Instant failingSince, Instant nextRetryAt) {
}
