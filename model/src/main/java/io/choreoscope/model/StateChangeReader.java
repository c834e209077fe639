package io.choreoscope.model;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

import io.choreoscope.model.api.LiveUpdate;

/**
 * Reads instance state changes for the live feed, in pages. Changes are ordered by change time, then correlation
 * ID; a page ends after the last change of one (time, correlation ID) pair, so that {@link Cursor#after} the last
 * change of a page starts the next page with neither a gap nor a repeat, however many changes share a millisecond.
 * Reads that cannot be answered throw {@link StorageException}.
 */
public interface StateChangeReader {

    /**
     * Where a page of state changes ended: the change time and correlation ID of its last change.
     *
     * @param at            change time (millisecond precision)
     * @param correlationId the instance; compared as the storage compares strings (byte-wise for UTF-8)
     */
    record Cursor(Instant at, String correlationId) {
        public Cursor {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(correlationId, "correlationId");
        }

        /** The cursor after {@code last}, the last change of a page. */
        public static Cursor after(LiveUpdate last) {
            return new Cursor(last.at(), last.correlationId());
        }
    }

    /**
     * Instances whose state changed at or after {@code since}, oldest change first (then by correlation ID), at most
     * {@code limit} plus the other changes of the last change's instance at the same millisecond. Raw changes, not
     * folded: an instance written twice with the same state and change time shows once.
     */
    List<LiveUpdate> stateChangesSince(Instant since, int limit);

    /**
     * The page after {@code after}: changes later than it in (change time, correlation ID) order, as
     * {@link #stateChangesSince} orders and bounds them.
     */
    List<LiveUpdate> stateChangesAfter(Cursor after, int limit);
}
