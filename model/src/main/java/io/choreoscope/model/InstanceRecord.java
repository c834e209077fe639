package io.choreoscope.model;

import java.time.Instant;
import java.util.List;

import io.choreoscope.model.flow.InstanceSnapshot;

/**
 * One row of the {@code instances} table: an instance's snapshot plus what only storage needs.
 *
 * @param snapshot   the instance as inference last classified it
 * @param eventTypes its event types in time order (for the event-type filter)
 * @param partition  the partition of the correlation-ID space that owns it
 * @param stateSince when its state last changed (the evaluation's {@code now})
 * @param updatedAt  when this row was written
 */
public record InstanceRecord(InstanceSnapshot snapshot, List<String> eventTypes, int partition, Instant stateSince,
                             Instant updatedAt) {
    public InstanceRecord {
        eventTypes = List.copyOf(eventTypes);
    }
}
