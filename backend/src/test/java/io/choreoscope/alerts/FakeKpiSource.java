package io.choreoscope.alerts;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import io.choreoscope.model.api.AlertKind;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;

/** KPI values set by the test, per kind and series; replaces the real source in the alert API test. */
@Singleton
@Requires(property = "spec.name", value = "AlertsApiTest")
@Replaces(StoredKpiSource.class)
public class FakeKpiSource implements FlowKpiSource {
    private final Map<AlertKind, Map<String, Double>> values = new ConcurrentHashMap<>();

    public void set(AlertKind kind, String series, Double value) {
        values.computeIfAbsent(kind, k -> new ConcurrentHashMap<>()).put(series, value);
    }

    private List<KpiReading> of(AlertKind kind, String only) {
        List<KpiReading> out = new ArrayList<>();
        new TreeMap<>(values.getOrDefault(kind, Map.of())).forEach((series, v) -> {
            if (only == null || only.equals(series)) {
                out.add(new KpiReading(series, v));
            }
        });
        return out;
    }

    @Override
    public List<KpiReading> completionRatePercent(String flow, Duration window, Instant now) {
        return of(AlertKind.COMPLETION_RATE_BELOW, flow);
    }

    @Override
    public List<KpiReading> stuckInstances(String flow, Instant now) {
        return of(AlertKind.STUCK_INSTANCES_ABOVE, flow);
    }

    @Override
    public List<KpiReading> compensationRatePercent(String flow, Duration window, Instant now) {
        return of(AlertKind.COMPENSATION_RATE_ABOVE, flow);
    }

    @Override
    public List<KpiReading> p95DurationMs(String flow, Duration window, Instant now) {
        return of(AlertKind.P95_DURATION_ABOVE, flow);
    }

    @Override
    public List<KpiReading> orderingViolationRatePercent(String flow, Duration window, Instant now) {
        return of(AlertKind.ORDERING_VIOLATION_RATE_ABOVE, flow);
    }

    @Override
    public List<KpiReading> consumerLagSeconds(String consumerGroup, Instant now) {
        return of(AlertKind.CONSUMER_LAG_ABOVE, consumerGroup);
    }

    @Override
    public List<KpiReading> deadLetterGrowth(String topicRegex, boolean byHeadersToo, Duration window, Instant now) {
        return of(AlertKind.DEAD_LETTER_GROWTH_ABOVE, null);
    }
}
