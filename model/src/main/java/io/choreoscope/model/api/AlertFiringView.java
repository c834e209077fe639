package io.choreoscope.model.api;

import java.time.Instant;

/**
 * One entry of the firing history ({@code GET /api/v1/alerts/firings}).
 *
 * @param series             flow, consumer group or topic the value belongs to ({@code test} for a test-fire)
 * @param firedValue         the value when it fired, in the kind's unit; null for a test-fire
 * @param resolvedAt         null while firing
 * @param resolution         {@code recovered}, {@code rule disabled}, {@code rule deleted}, {@code test}; null while firing
 * @param silenced           the rule was silenced when it fired, so nothing was sent then
 * @param notificationStatus outcome of the last webhook delivery, or null when none was due
 */
public record AlertFiringView(long id, long ruleId, String ruleName, AlertKind kind, String series, double threshold,
                              Double firedValue, Instant pendingSince, Instant firedAt, Instant resolvedAt,
                              Double resolvedValue, String resolution, boolean test, boolean silenced,
                              String notificationStatus) {
}
