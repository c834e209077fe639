package io.choreoscope.collectors.rabbitmq;

import java.time.Instant;
import java.util.List;

/**
 * What the RabbitMQ tap is doing, for health and metrics.
 *
 * @param state               STARTING, RUNNING, RECONNECTING (some virtual host is not connected), RETRYING (the store
 *                            refused a batch), STOPPED
 * @param messagesIngested    messages handed to the sink and acknowledged by it since start
 * @param connectedVhosts     virtual hosts with a live consumer
 * @param disconnectedVhosts  virtual hosts being reconnected
 * @param reconnectAttempts   failed connection attempts since start
 * @param consecutiveFailures store failures since the last success
 * @param lastError           the last broker or store error, or null
 * @param lastErrorAt         when it happened, or null
 * @param managementProblem   why the management API cannot be used now, or null
 * @param pendingMessages     messages read and not yet acknowledged by the sink
 */
public record RabbitTapStatus(String state, long messagesIngested, int connectedVhosts, List<String> disconnectedVhosts,
                              long reconnectAttempts, int consecutiveFailures, String lastError, Instant lastErrorAt,
                              String managementProblem, int pendingMessages) {
}
