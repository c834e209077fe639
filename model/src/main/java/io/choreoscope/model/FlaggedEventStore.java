package io.choreoscope.model;

import java.util.Collection;
import java.util.List;

/**
 * Stored events by parse status, for re-reading records that were flagged only because something outside them was
 * missing at ingest (a schema registry that was down: {@link ParseStatus#SCHEMA_UNAVAILABLE}). The re-read record is
 * written again through the normal sink (so live inference sees it too), then its flagged copy is removed.
 */
public interface FlaggedEventStore {

    /** Stored events with that status, each record once, oldest first, at most {@code limit}. */
    List<Observation> flagged(ParseStatus status, int limit);

    /** Removes the stored copies of these records (by topic, partition, offset) that still carry {@code status}. */
    void removeFlagged(ParseStatus status, Collection<Observation> events);
}
