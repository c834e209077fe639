package io.choreoscope.collectors.extract;

/** The fields that extraction rules fill in an {@link io.choreoscope.model.Observation}. */
public enum Field {
    CORRELATION_ID,
    EVENT_ID,
    EVENT_TYPE,
    SOURCE_SERVICE,
    CAUSATION_ID
}
