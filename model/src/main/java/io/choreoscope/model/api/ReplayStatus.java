package io.choreoscope.model.api;

import java.time.Instant;
import java.util.List;

/**
 * Where a replay stands ({@code GET /api/v1/replays/{id}}).
 *
 * @param id           replay ID
 * @param state        see {@link State}
 * @param total        records planned
 * @param sent         records Kafka acknowledged so far
 * @param errors       records that failed so far
 * @param ratePerSecond the rate limit, records per second
 * @param message      a sentence on the outcome (null while running)
 * @param errorSamples the first errors (at most 10), each naming the record's source coordinates
 * @param subject      what was asked to be replayed, in words ({@link ReplayRequest#subject()}: "dead-letter queue
 *                     rabbitmq:shipping-notifications.dlq", "last events of 12 instances: ..."); null for a request
 *                     that could not be read
 */
public record ReplayStatus(String id, ReplayMode mode, State state, boolean dryRun, String requestedBy,
                           Instant requestedAt, Instant finishedAt, int total, int sent, int errors,
                           double ratePerSecond, String message, List<String> errorSamples, String subject) {

    public ReplayStatus {
        errorSamples = errorSamples == null ? List.of() : List.copyOf(errorSamples);
    }

    /** Life of a replay. Every state but RUNNING is final. */
    public enum State {
        /** Sending. */
        RUNNING,
        /** Every record was sent. */
        SUCCEEDED,
        /** Some records were sent and some failed. */
        PARTIALLY_FAILED,
        /** Nothing could be sent. */
        FAILED,
        /** Stopped on request; {@code sent} says how far it got. */
        CANCELLED,
        /** Nothing was sent: the answer lists what would have been. */
        DRY_RUN,
        /** The request was refused (bad request, not allowed, too many replays running); {@code message} says why. */
        REFUSED,
        /** The process running it stopped (a crash) before it ended; {@code sent} says how far it got. */
        INTERRUPTED
    }

    public boolean finished() {
        return state != State.RUNNING;
    }

    /** "1 record", "2 records": the count of records in a replay's messages (a single event's replay said "1 records"). */
    public static String records(long n) {
        return n == 1 ? "1 record" : n + " records";
    }
}
