package io.choreoscope.model.api;

import java.util.List;

/**
 * KPIs of one flow over a time window (instances started inside the window).
 *
 * @param flow             flow name (start event type, or its alias)
 * @param windowSeconds    length of the window
 * @param eventsPerSecond  events of this flow per second over the window (throughput)
 * @param started          instances started in the window
 * @param running          of those, still running
 * @param completed        ... completed
 * @param compensated      ... compensated
 * @param failed           ... failed
 * @param stuck            ... stuck now
 * @param completionRate   completed / (completed + compensated + failed + stuck), 0..1; null when none finished
 * @param p50Ms            end-to-end duration of finished instances, median, ms; null when none
 * @param p95Ms            ... 95th percentile, ms
 * @param p99Ms            ... 99th percentile, ms
 * @param sparkline        instances started per bucket, oldest first (the window cut in equal buckets, 30 by default)
 */
public record FlowSummary(String flow, long windowSeconds, double eventsPerSecond, long started, long running,
                          long completed, long compensated, long failed, long stuck, Double completionRate,
                          Long p50Ms, Long p95Ms, Long p99Ms, List<Long> sparkline) {
}
