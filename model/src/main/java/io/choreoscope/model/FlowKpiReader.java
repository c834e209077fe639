package io.choreoscope.model;

import java.time.Instant;
import java.util.List;

import io.choreoscope.model.api.FlowSummary;

/** Flow KPIs from the persisted instance states: what the dashboard and the alert rules read. */
public interface FlowKpiReader {

    /**
     * KPIs per flow of the instances started in [{@code from}, {@code to}), sorted by flow, with a sparkline of
     * {@code buckets} equal buckets. Throughput counts the events of those instances per second of the window;
     * durations are of finished instances. Throws {@link StorageException} when the store cannot answer.
     */
    List<FlowSummary> flowSummaries(Instant from, Instant to, int buckets);
}
