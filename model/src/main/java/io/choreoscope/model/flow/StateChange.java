package io.choreoscope.model.flow;

import java.time.Instant;

/**
 * An instance changed state during {@code evaluate(now)}.
 *
 * @param correlationId primary correlation ID
 * @param flow          flow name
 * @param from          previous state, or null for an instance seen for the first time
 * @param to            new state
 * @param reason        why, for people
 * @param at            the {@code now} of the evaluation that saw it
 */
public record StateChange(String correlationId, String flow, InstanceState from, InstanceState to, String reason,
                          Instant at) {
}
