package io.choreoscope.alerts;

import io.choreoscope.model.api.AlertKind;
import java.time.Instant;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;

/**
 * One firing of a rule for one series, from firing to resolution (table {@code alert_firing}). Rule
 * name, kind and threshold are copied so that the history stays readable after the rule changes.
 *
 * @param series             the flow, consumer group or topic the value belongs to
 * @param firedValue         the value when the rule fired (null for a test-fire)
 * @param pendingSince       when the threshold was first crossed
 * @param resolvedAt         null while firing
 * @param resolvedValue      the value that resolved it, null when resolved otherwise
 * @param resolution         how it ended: {@code recovered}, {@code rule disabled}, {@code rule deleted},
 *                           {@code test}; null while firing
 * @param test               true for a test-fire from the API
 * @param silenced           true when the rule was silenced when it fired (nothing was sent then)
 * @param notificationStatus outcome of the last delivery, e.g. {@code delivered (200) after 2 attempts}
 */
@MappedEntity(value = "alert_firing", escape = false)
public record AlertFiring(
        @Id @GeneratedValue @Nullable Long id,
        long ruleId,
        String ruleName,
        AlertKind kind,
        String series,
        double threshold,
        @Nullable Double firedValue,
        @Nullable Instant pendingSince,
        Instant firedAt,
        @Nullable Instant resolvedAt,
        @Nullable Double resolvedValue,
        @Nullable String resolution,
        boolean test,
        boolean silenced,
        @Nullable String notificationStatus) {

    public boolean open() {
        return resolvedAt == null;
    }

    public AlertFiring resolved(Instant at, Double value, String how) {
        return new AlertFiring(id, ruleId, ruleName, kind, series, threshold, firedValue, pendingSince, firedAt, at,
                value, how, test, silenced, notificationStatus);
    }

    public AlertFiring withNotificationStatus(String status) {
        return new AlertFiring(id, ruleId, ruleName, kind, series, threshold, firedValue, pendingSince, firedAt,
                resolvedAt, resolvedValue, resolution, test, silenced, status);
    }
}
