package io.choreoscope.model.api;

/**
 * Body of {@code POST /api/v1/alerts/rules} and {@code PUT /api/v1/alerts/rules/{id}}. Thresholds are in
 * the kind's unit (see {@link AlertKind}); durations in ms. Missing optional fields take the defaults below.
 *
 * @param name          required, 1..200 characters
 * @param flow          one flow, or null/absent for every flow (flow kinds only)
 * @param subject       consumer group ({@code CONSUMER_LAG_ABOVE}) or topic regex ({@code DEAD_LETTER_GROWTH_ABOVE}); null: all
 * @param kind          required
 * @param threshold     required; 0..100 for rates, at least 0 otherwise
 * @param windowMs      KPI window, ms; default 300000 (5 min); 1 s .. 31 days
 * @param forMs         how long the threshold must be crossed before firing, ms; default 0; at most 1 day
 * @param hysteresis    how far back past the threshold the value must come to resolve; default 0, at least 0
 * @param webhookUrl    http(s) URL, or null for history only
 * @param webhookFormat default GENERIC
 * @param enabled       default true
 */
public record AlertRuleRequest(String name, String flow, String subject, AlertKind kind, Double threshold,
                               Long windowMs, Long forMs, Double hysteresis, String webhookUrl,
                               WebhookFormat webhookFormat, Boolean enabled) {
}
