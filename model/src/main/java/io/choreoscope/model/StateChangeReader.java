package io.choreoscope.model;

import java.time.Instant;
import java.util.List;

import io.choreoscope.model.api.LiveUpdate;

/** Reads instance state changes for the live feed. Reads that cannot be answered throw {@link StorageException}. */
public interface StateChangeReader {

    /**
     * Instances whose state changed at or after {@code since}, oldest change first, at most {@code limit}. Raw
     * changes, not folded: an instance written twice with the same state and change time shows once.
     */
    List<LiveUpdate> stateChangesSince(Instant since, int limit);
}
