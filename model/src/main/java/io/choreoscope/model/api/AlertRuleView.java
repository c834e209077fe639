package io.choreoscope.model.api;

import java.time.Instant;
import java.util.List;

/**
 * An alert rule as the API shows it, with the series it is firing for now.
 *
 * @param silencedUntil null when not silenced
 * @param firing        series (flow, consumer group or topic) the rule is firing for now
 * @param pending       series that crossed the threshold and wait for the {@code for} duration
 */
public record AlertRuleView(long id, String name, String flow, String subject, AlertKind kind, double threshold,
                            long windowMs, long forMs, double hysteresis, String webhookUrl,
                            WebhookFormat webhookFormat, boolean enabled, Instant silencedUntil, Instant createdAt,
                            Instant updatedAt, List<String> firing, List<String> pending) {
}
