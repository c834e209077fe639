package io.choreoscope.model;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;

/**
 * Reads the instances live inference persisted through {@link InstanceWriter}: each instance once, as its
 * newest write left it. Reads that cannot be answered throw {@link StorageException}.
 */
public interface InstanceReader {

    /** The instance known under {@code id}: its primary correlation ID, else any linked ID (the newest such). */
    Optional<InstanceSnapshot> byId(String id);

    /** Instances matching a query, newest last event first (ties by correlation ID, descending); at most {@code q.limit()}. */
    List<InstanceSnapshot> find(InstanceQuery q);

    /** Stuck instances of one flow (null: every flow), oldest last event first; at most {@code limit}. */
    List<InstanceSnapshot> stuck(String flow, int limit);

    /**
     * Instances a live engine should hold again after a restart or a rebalance: of the given partitions
     * (null: all; empty: none), those with a last event at or after {@code abandonCut} that are either not
     * finished or had their last event at or after {@code recentCut} (callers pass a {@code recentCut} later
     * than {@code abandonCut}); newest first, at most {@code max}.
     */
    List<Recoverable> recoverable(Collection<Integer> partitions, Instant recentCut, Instant abandonCut, int max);

    /**
     * An instance to bring back into a live engine: its IDs and stored state, with the last event time and event
     * count of its stored row (a row older than the stored events, because the crash came before it was written
     * again, is written again by the recovery).
     */
    record Recoverable(String correlationId, List<String> linkedIds, InstanceState state, Instant lastEventAt,
                       int eventCount) {
    }
}
