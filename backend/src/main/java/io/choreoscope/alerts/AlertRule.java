package io.choreoscope.alerts;

import io.choreoscope.model.api.WebhookFormat;
import io.choreoscope.model.api.AlertKind;
import java.time.Duration;
import java.time.Instant;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.MappedProperty;

/**
 * An alert rule as stored in the config store (table {@code alert_rule}).
 *
 * @param id            store ID; null before the first save
 * @param name          shown in notifications and the UI
 * @param flow          the one flow the rule watches, or null for every flow (flow kinds only)
 * @param subject       consumer group for {@link AlertKind#CONSUMER_LAG_ABOVE}, topic regex for
 *                      {@link AlertKind#DEAD_LETTER_GROWTH_ABOVE}; null means every group / the configured
 *                      dead-letter topics; unused by flow kinds
 * @param kind          what is watched
 * @param threshold     in the kind's unit (percent, ms, seconds, count)
 * @param windowMs      the window the KPI is computed over, ms (ignored by kinds without a window)
 * @param forMs         how long the threshold must be crossed before the rule fires, ms; 0 fires at once
 * @param hysteresis    how far back past the threshold the value must come to resolve, in the kind's unit
 * @param webhookUrl    where notifications go (http or https), or null for history only
 * @param webhookFormat body shape
 * @param enabled       disabled rules are not evaluated, and their open firings are resolved
 * @param silencedUntil until then firings are recorded but not sent; null when not silenced
 */
@MappedEntity(value = "alert_rule", escape = false)
public record AlertRule(
        @Id @GeneratedValue @Nullable Long id,
        String name,
        @Nullable String flow,
        @Nullable String subject,
        AlertKind kind,
        double threshold,
        long windowMs,
        @MappedProperty("for_ms") long forMs,
        double hysteresis,
        @Nullable String webhookUrl,
        WebhookFormat webhookFormat,
        boolean enabled,
        @Nullable Instant silencedUntil,
        Instant createdAt,
        Instant updatedAt) {

    public Duration window() {
        return Duration.ofMillis(windowMs);
    }

    public Duration forDuration() {
        return Duration.ofMillis(forMs);
    }

    /** True when notifications are held back at {@code now}. */
    public boolean silencedAt(Instant now) {
        return silencedUntil != null && now.isBefore(silencedUntil);
    }

    public AlertRule withId(Long newId) {
        return new AlertRule(newId, name, flow, subject, kind, threshold, windowMs, forMs, hysteresis, webhookUrl,
                webhookFormat, enabled, silencedUntil, createdAt, updatedAt);
    }

    public AlertRule withSilencedUntil(Instant until, Instant now) {
        return new AlertRule(id, name, flow, subject, kind, threshold, windowMs, forMs, hysteresis, webhookUrl,
                webhookFormat, enabled, until, createdAt, now);
    }
}
