package io.choreoscope.model.flow;

/** Ways an instance can differ from its flow model. */
public enum DeviationKind {
    /** A transition the model has not established (and that is neither a skip nor a swap). */
    UNEXPECTED_EVENT,
    /** {@code a -> c} where the model establishes {@code a -> b -> c}: {@code b} was skipped. */
    SKIPPED_STEP,
    /** {@code a -> b} where the model establishes {@code b -> a} and not {@code a -> b}: an ordering violation. */
    OUT_OF_ORDER,
    /** The same event (same event ID, or same topic/partition/offset) was delivered again. */
    DUPLICATE
}
