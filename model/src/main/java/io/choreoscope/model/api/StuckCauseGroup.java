package io.choreoscope.model.api;

import java.util.List;

import io.choreoscope.model.flow.StuckCause;

/**
 * Stuck instances that share a cause kind and service ({@code GET /stuck/causes}).
 *
 * @param kind           the cause kind
 * @param service        the service the cause is about, or null
 * @param label          for people, e.g. {@code shipping consumed and produced nothing}
 * @param count          stuck instances in the group (of those analysed)
 * @param example        one instance's detail, e.g. {@code shipping consumed StockReserved at 06:52:04.8 and produced nothing since}
 * @param correlationIds the group's instances (at most {@link #MAX_IDS}), for a look or a replay
 */
public record StuckCauseGroup(StuckCause.Kind kind, String service, String label, long count, String example,
                              List<String> correlationIds) {
    /** Correlation IDs listed per group at most. */
    public static final int MAX_IDS = 500;

    public StuckCauseGroup {
        correlationIds = List.copyOf(correlationIds);
    }
}
