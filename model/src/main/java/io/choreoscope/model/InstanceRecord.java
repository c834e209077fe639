package io.choreoscope.model;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.StepSequence;

/**
 * One row of the {@code instances} table: an instance's snapshot plus what only storage needs.
 *
 * @param snapshot   the instance as inference last classified it
 * @param steps      its kept events' types and times in time order (the event-type filter, windowed models and
 *                   variants are read from them)
 * @param partition  the partition of the correlation-ID space that owns it
 * @param stateSince when its state last changed (the evaluation's {@code now})
 * @param updatedAt  when this row was written
 */
public record InstanceRecord(InstanceSnapshot snapshot, StepSequence steps, int partition, Instant stateSince,
                             Instant updatedAt) {
    public InstanceRecord {
        Objects.requireNonNull(steps, "steps");
    }

    /** Its event types in time order. */
    public List<String> eventTypes() {
        return steps.types();
    }
}
