package io.choreoscope.collectors.rabbitmq;

import java.time.Instant;
import java.util.List;

/**
 * What the RabbitMQ tap is doing, for health and metrics.
 *
 * @param state               STARTING, RUNNING, RECONNECTING (some virtual host is not connected), RETRYING (the store
 *                            refused a batch), STOPPED
 * @param mechanism           {@code firehose} or {@code tap-queue}
 * @param messagesIngested    messages handed to the sink and acknowledged by it since start
 * @param connectedVhosts     virtual hosts with a live consumer
 * @param disconnectedVhosts  virtual hosts being reconnected
 * @param reconnectAttempts   failed connection attempts since start
 * @param consecutiveFailures store failures since the last success
 * @param lastError           the last broker or store error, or null
 * @param lastErrorAt         when it happened, or null
 * @param managementProblem   why the management API cannot be used now, or null
 * @param pendingMessages     messages read and not yet acknowledged by the sink
 * @param untappedExchanges   tap-queue: exchanges of a type the tap's queue cannot be bound to ({@code name (type) in
 *                            vhost}), at most 20 per virtual host; empty with the firehose
 * @param untappedDeadLetterQueues queues that dead-letter to the default exchange, which nothing can be bound to, so that
 *                            their dead letters are not tapped ({@code queue in vhost}), at most 20 per virtual host
 */
public record RabbitTapStatus(String state, String mechanism, long messagesIngested, int connectedVhosts, List<String> disconnectedVhosts,
                              long reconnectAttempts, int consecutiveFailures, String lastError, Instant lastErrorAt,
                              String managementProblem, int pendingMessages,
                              List<String> untappedExchanges, List<String> untappedDeadLetterQueues) {
}
