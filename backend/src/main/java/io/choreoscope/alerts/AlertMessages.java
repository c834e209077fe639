package io.choreoscope.alerts;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.choreoscope.model.api.AlertKind;
import io.choreoscope.model.api.WebhookFormat;

/**
 * The bodies webhooks receive. GENERIC: a JSON document with every field (version 1, documented in
 * docs/ALERTS_AND_REPLAY.md); SLACK: {@code {"text": "..."}} with one line for people.
 */
public final class AlertMessages {
    /** What a notification announces. */
    public enum Status { FIRING, RESOLVED, TEST }

    private static final ObjectMapper JSON = new ObjectMapper();

    private AlertMessages() {
    }

    /**
     * The body for {@code rule}'s webhook.
     *
     * @param series     the flow, group or topic
     * @param value      the value that fired or resolved it, null when unknown (test)
     * @param firedAt    when the series started firing
     * @param resolvedAt when it resolved, null otherwise
     * @param firingId   the history entry, null when none
     */
    public static String body(AlertRule rule, Status status, String series, Double value, Instant firedAt,
                              Instant resolvedAt, Long firingId) {
        String text = text(rule, status, series, value);
        Map<String, Object> doc = new LinkedHashMap<>();
        if (rule.webhookFormat() == WebhookFormat.SLACK) {
            doc.put("text", text);
        } else {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("id", rule.id());
            r.put("name", rule.name());
            r.put("kind", rule.kind().name());
            r.put("flow", rule.flow());
            r.put("subject", rule.subject());
            r.put("threshold", rule.threshold());
            r.put("windowMs", rule.windowMs());
            r.put("forMs", rule.forMs());
            r.put("hysteresis", rule.hysteresis());
            doc.put("version", 1);
            doc.put("status", status.name().toLowerCase(Locale.ROOT));
            doc.put("rule", r);
            doc.put("series", series);
            doc.put("value", value);
            doc.put("firedAt", firedAt == null ? null : firedAt.toString());
            doc.put("resolvedAt", resolvedAt == null ? null : resolvedAt.toString());
            doc.put("firingId", firingId);
            doc.put("summary", text);
        }
        try {
            return JSON.writeValueAsString(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write alert JSON", e);
        }
    }

    /** One line, e.g. {@code [FIRING] orders: completion rate of flow OrderPlaced is 80% (below 95%, window 300 s)}. */
    public static String text(AlertRule rule, Status status, String series, Double value) {
        AlertKind kind = rule.kind();
        String of = switch (kind.scope()) {
            case FLOW -> " of flow " + series;
            case CONSUMER_GROUP -> " of consumer group " + series;
            case TOPIC -> " of topic " + series;
        };
        String limit = (kind.direction() == AlertKind.Direction.ABOVE ? "above " : "below ")
                + number(rule.threshold()) + kind.unit();
        String window = kind.usesWindow() ? ", window " + rule.windowMs() / 1000 + " s" : "";
        String is = value == null ? "" : " is " + number(value) + kind.unit();
        String head = switch (status) {
            case FIRING -> "[FIRING] ";
            case RESOLVED -> "[RESOLVED] ";
            case TEST -> "[TEST] ";
        };
        return head + rule.name() + ": " + kind.label() + of + is + " (alert when " + limit + window + ")";
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v);
    }
}
