package io.choreoscope.model.flow;

/** Why an edge of an {@link InstanceGraph} exists, in decreasing order of trust. */
public enum EdgeKind {
    /** The effect's causation ID equals the cause's event ID. */
    CAUSATION,
    /** The span that produced the effect descends from a CONSUMER span of the cause's topic and trace. */
    TRACE,
    /** No better evidence: the effect directly follows the cause in time order (timestamp, partition, offset). */
    ORDER
}
