package io.choreoscope.alerts;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.choreoscope.model.api.AlertKind;

/**
 * Where alert rules read their values: the seam between alerting and whatever computes KPIs. Each
 * method returns one reading per series (flow, consumer group or topic), in the unit of the matching
 * {@link AlertKind}. A {@code flow} (or group) of null means every flow (group). A series with no data
 * in the window should be returned with a null value rather than left out when it is known to exist.
 *
 * <p>Implementations: {@link StoredKpiSource} computes dead-letter growth (from the tapped events in
 * ClickHouse) and consumer lag (Kafka admin API). The flow KPIs (completion, compensation and
 * ordering-violation rates, stuck count, p95) belong to the query API's flow KPI service; until it is
 * wired in here, they throw {@link KpiUnavailableException}. Wiring it is one adapter implementing the
 * five flow methods from {@code FlowSummary} (and the deviations of the inference engine for ordering).
 *
 * @throws KpiUnavailableException (any method) when the value cannot be computed now or at all
 */
public interface FlowKpiSource {

    /** Completed / (completed + compensated + failed + stuck) of instances started in the window, percent. */
    List<KpiReading> completionRatePercent(String flow, Duration window, Instant now);

    /** Instances stuck now. */
    List<KpiReading> stuckInstances(String flow, Instant now);

    /** Compensated / finished instances started in the window, percent. */
    List<KpiReading> compensationRatePercent(String flow, Duration window, Instant now);

    /** 95th percentile of the end-to-end duration of instances finished in the window, ms. */
    List<KpiReading> p95DurationMs(String flow, Duration window, Instant now);

    /** Instances of the window with at least one out-of-order event, percent. */
    List<KpiReading> orderingViolationRatePercent(String flow, Duration window, Instant now);

    /** Per consumer group: age of the oldest record it has not consumed, seconds (0 when caught up). */
    List<KpiReading> consumerLagSeconds(String consumerGroup, Instant now);

    /**
     * Per topic matching {@code topicRegex}: records that arrived in the window; with {@code byHeadersToo} also, on any
     * other topic, the records whose headers make them dead letters (a Kafka tool's original-topic header, RabbitMQ's
     * death headers: a RabbitMQ dead-letter exchange whatever it is called).
     */
    List<KpiReading> deadLetterGrowth(String topicRegex, boolean byHeadersToo, Duration window, Instant now);

    /**
     * The readings a rule asks for. A dead-letter rule that names no topic regex counts every dead letter: on the
     * topics {@code defaultDeadLetterTopics} matches and, by their headers, on any other.
     */
    default List<KpiReading> read(AlertRule rule, String defaultDeadLetterTopics, Instant now) {
        return switch (rule.kind()) {
            case COMPLETION_RATE_BELOW -> completionRatePercent(rule.flow(), rule.window(), now);
            case STUCK_INSTANCES_ABOVE -> stuckInstances(rule.flow(), now);
            case COMPENSATION_RATE_ABOVE -> compensationRatePercent(rule.flow(), rule.window(), now);
            case P95_DURATION_ABOVE -> p95DurationMs(rule.flow(), rule.window(), now);
            case ORDERING_VIOLATION_RATE_ABOVE -> orderingViolationRatePercent(rule.flow(), rule.window(), now);
            case CONSUMER_LAG_ABOVE -> consumerLagSeconds(rule.subject(), now);
            case DEAD_LETTER_GROWTH_ABOVE -> deadLetterGrowth(rule.subject() == null ? defaultDeadLetterTopics
                    : rule.subject(), rule.subject() == null, rule.window(), now);
        };
    }
}
