package io.choreoscope.model;

import java.time.Instant;
import java.util.Map;

import io.choreoscope.model.flow.DependencyMap;

/** Reads the service dependency map and per-topic traffic. Reads that cannot be answered throw {@link StorageException}. */
public interface DependencyReader {

    /**
     * The service dependency map of [{@code from}, {@code to}): PRODUCES edges counted from per-minute aggregates
     * of the stored events (the window is taken in whole minutes, from the minute of {@code from}; a record the tap
     * delivered twice may count twice there), with rates in records per second over the window; CONSUMES edges as
     * live inference learned them, merged over every owner. Nodes sorted by kind, then name.
     */
    DependencyMap dependencies(Instant from, Instant to);

    /** Events per second tapped per topic over the last 5 minutes; topics without events in that time are absent. */
    Map<String, Double> topicRates();
}
