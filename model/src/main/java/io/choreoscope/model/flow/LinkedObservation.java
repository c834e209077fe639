package io.choreoscope.model.flow;

import io.choreoscope.model.Observation;

import java.util.Objects;
import java.util.Set;

/**
 * An observation plus further business IDs it carries besides its correlation ID (for example an
 * order event that also names its paymentId). Instances that share any ID are merged into one.
 *
 * @param observation the record
 * @param linkIds     extra IDs; never null (empty when there are none); null or empty strings are ignored
 */
public record LinkedObservation(Observation observation, Set<String> linkIds) {
    public LinkedObservation {
        Objects.requireNonNull(observation, "observation");
        linkIds = linkIds == null ? Set.of() : Set.copyOf(linkIds);
    }

    public static LinkedObservation of(Observation observation, String... linkIds) {
        return new LinkedObservation(observation, Set.of(linkIds));
    }
}
