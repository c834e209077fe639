package io.choreoscope.alerts;

/**
 * One value of a KPI for one series at evaluation time.
 *
 * @param series the flow, consumer group or topic the value belongs to
 * @param value  in the rule kind's unit; null when there is no data (e.g. no instance finished in the
 *               window, so there is no completion rate)
 */
public record KpiReading(String series, Double value) {
    public KpiReading {
        java.util.Objects.requireNonNull(series, "series");
    }
}
