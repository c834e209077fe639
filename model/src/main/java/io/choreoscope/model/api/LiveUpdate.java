package io.choreoscope.model.api;

import java.time.Instant;

/**
 * One message of the live Server-Sent Events stream ({@code GET /api/v1/live}). The SSE event name is
 * {@code type}.
 *
 * @param type          {@code instance} (an instance changed state), {@code flows} (flow KPIs may have
 *                      changed; re-read them) or {@code heartbeat}
 * @param correlationId for {@code instance}: the instance
 * @param flow          the flow concerned, when one is
 * @param state         for {@code instance}: the new state
 * @param at            when it happened
 */
public record LiveUpdate(String type, String correlationId, String flow, String state, Instant at) {
}
