package io.choreoscope.model.flow;

/** Where one workflow instance (one correlation ID, after linking) stands. */
public enum InstanceState {
    /** Not at an end, and not idle longer than the bound of its expected next step. */
    RUNNING,
    /** Ended at a learned or configured end event, without compensation. */
    COMPLETED,
    /** Contains a compensation event (by naming rule or learned) and has come to rest. */
    COMPENSATED,
    /** Ended at a failure event (by naming rule) with no compensation after it. */
    FAILED,
    /** Not terminal, and idle longer than the bound of every expected next step. */
    STUCK;

    /** True for COMPLETED, COMPENSATED and FAILED: nothing more is expected. */
    public boolean terminal() {
        return this == COMPLETED || this == COMPENSATED || this == FAILED;
    }
}
