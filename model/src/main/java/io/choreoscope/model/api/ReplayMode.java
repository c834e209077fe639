package io.choreoscope.model.api;

/** What a replay re-publishes. */
public enum ReplayMode {
    /** Single events named by their coordinates (topic, partition, offset), each to its own topic. */
    EVENT,
    /** The last event of each given correlation ID (a stuck instance), to its own topic. */
    STUCK_LAST_EVENT,
    /** Every stored event of one dead-letter topic, back to its original topic. */
    DEAD_LETTER
}
