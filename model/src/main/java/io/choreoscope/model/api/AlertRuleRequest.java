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
    /** Default KPI window: 5 minutes. */
    public static final long DEFAULT_WINDOW_MS = 300_000;
    /** Longest KPI window: 31 days. */
    public static final long MAX_WINDOW_MS = 31L * 24 * 3600 * 1000;
    /** Longest {@code forMs}: 1 day. */
    public static final long MAX_FOR_MS = 24L * 3600 * 1000;

    /** A request whose every field was checked, with defaults filled in and text stripped (absent text: null). */
    public record Checked(String name, String flow, String subject, AlertKind kind, double threshold, long windowMs,
                          long forMs, double hysteresis, String webhookUrl, WebhookFormat webhookFormat, boolean enabled) {
    }

    /**
     * Checks every field of {@code r} (which may be null) and fills the defaults: the API's rules, shared by the
     * backend and the UI's fake API so that both answer alike.
     *
     * @throws IllegalArgumentException with the first problem, worded for the API's 400 answer
     */
    public static Checked check(AlertRuleRequest r) {
        if (r == null) {
            throw new IllegalArgumentException("a JSON body with name, kind and threshold is required");
        }
        String name = r.name() == null ? "" : r.name().strip();
        if (name.isEmpty() || name.length() > 200) {
            throw new IllegalArgumentException("name is required, 1..200 characters");
        }
        AlertKind kind = r.kind();
        if (kind == null) {
            throw new IllegalArgumentException("kind is required, one of " + java.util.Arrays.toString(AlertKind.values()));
        }
        if (r.threshold() == null || r.threshold().isNaN() || r.threshold().isInfinite()) {
            throw new IllegalArgumentException("threshold is required: a number in the unit of " + kind
                    + (kind.isPercent() ? " (percent, 0..100)" : ""));
        }
        double threshold = r.threshold();
        if (threshold < 0 || (kind.isPercent() && threshold > 100)) {
            throw new IllegalArgumentException("threshold of " + kind + " must be " + (kind.isPercent() ? "0..100 (percent)" : "at least 0")
                    + ", was " + threshold);
        }
        long window = r.windowMs() == null ? DEFAULT_WINDOW_MS : r.windowMs();
        if (window < 1_000 || window > MAX_WINDOW_MS) {
            throw new IllegalArgumentException("windowMs must be 1000..2678400000 (1 s to 31 days), was " + window);
        }
        long forMs = r.forMs() == null ? 0 : r.forMs();
        if (forMs < 0 || forMs > MAX_FOR_MS) {
            throw new IllegalArgumentException("forMs must be 0..86400000 (up to 1 day), was " + forMs);
        }
        double hysteresis = r.hysteresis() == null ? 0 : r.hysteresis();
        if (hysteresis < 0 || Double.isNaN(hysteresis) || Double.isInfinite(hysteresis)) {
            throw new IllegalArgumentException("hysteresis must be a number at least 0, was " + r.hysteresis());
        }
        String flow = blankToNull(r.flow());
        String subject = blankToNull(r.subject());
        if (flow != null && kind.scope() != AlertKind.Scope.FLOW) {
            throw new IllegalArgumentException("flow applies to flow kinds only; " + kind + " uses subject ("
                    + (kind.scope() == AlertKind.Scope.TOPIC ? "a topic regex" : "a consumer group") + ")");
        }
        if (subject != null && kind.scope() == AlertKind.Scope.FLOW) {
            throw new IllegalArgumentException("subject applies to CONSUMER_LAG_ABOVE and DEAD_LETTER_GROWTH_ABOVE only; use flow for " + kind);
        }
        if (flow != null && flow.length() > 500 || subject != null && subject.length() > 500) {
            throw new IllegalArgumentException("flow and subject are at most 500 characters");
        }
        if (subject != null && kind == AlertKind.DEAD_LETTER_GROWTH_ABOVE) {
            try {
                java.util.regex.Pattern.compile(subject);
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new IllegalArgumentException("subject must be a topic regex: " + e.getDescription() + " in '" + subject + "'");
            }
        }
        String url = blankToNull(r.webhookUrl());
        if (url != null) {
            java.net.URI uri;
            try {
                uri = java.net.URI.create(url);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("webhookUrl is not a URL: " + e.getMessage());
            }
            if (!("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException("webhookUrl must be an absolute http(s) URL, was '" + url + "'");
            }
            if (url.length() > 2000) {
                throw new IllegalArgumentException("webhookUrl is at most 2000 characters");
            }
        }
        WebhookFormat format = r.webhookFormat() == null ? WebhookFormat.GENERIC : r.webhookFormat();
        boolean enabled = r.enabled() == null || r.enabled();
        return new Checked(name, flow, subject, kind, threshold, window, forMs, hysteresis, url, format, enabled);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
