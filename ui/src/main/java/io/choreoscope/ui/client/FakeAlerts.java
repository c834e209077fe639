package io.choreoscope.ui.client;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import io.choreoscope.model.api.AlertFiringView;
import io.choreoscope.model.api.AlertKind;
import io.choreoscope.model.api.AlertRuleRequest;
import io.choreoscope.model.api.AlertRuleView;
import io.choreoscope.model.api.ApiError;
import io.choreoscope.model.api.WebhookFormat;

/**
 * The alert part of {@link FakeChoreoscopeApi}: rules checked with the backend's rules and messages
 * ({@code AlertService.validate}), a firing history, test-fires and silences. Nothing is evaluated: which
 * series fire or wait is set with {@link #setSeries}, and past firings are added with {@link #addFiring}.
 *
 * <p>Webhooks are not called. A delivery to a host ending in {@code .invalid} (a name that can never
 * resolve) fails like the backend reports an unreachable one; any other is delivered with 200.
 */
final class FakeAlerts {

    static final long DEFAULT_WINDOW_MS = 300_000;
    static final long MAX_WINDOW_MS = 31L * 24 * 3600 * 1000;
    static final long MAX_FOR_MS = 24L * 3600 * 1000;
    /** Attempts the backend makes by default before giving up on a webhook. */
    static final int MAX_ATTEMPTS = 5;

    private final Supplier<Clock> clock;
    private final Map<Long, AlertRuleView> rules = new LinkedHashMap<>();
    private final List<AlertFiringView> firings = new ArrayList<>();
    private long nextRuleId = 1;
    private long nextFiringId = 1;

    FakeAlerts(Supplier<Clock> clock) {
        this.clock = clock;
    }

    synchronized List<AlertRuleView> rules() {
        return List.copyOf(rules.values());
    }

    synchronized AlertRuleView rule(long id) {
        return find(id);
    }

    synchronized AlertRuleView create(AlertRuleRequest r) {
        Instant now = now();
        AlertRuleView v = validate(nextRuleId, r, null, now, now);
        nextRuleId++;
        rules.put(v.id(), v);
        return v;
    }

    synchronized AlertRuleView update(long id, AlertRuleRequest r) {
        AlertRuleView old = find(id);
        AlertRuleView v = validate(id, r, old.silencedUntil(), old.createdAt(), now());
        boolean changed = old.kind() != v.kind() || !Objects.equals(old.flow(), v.flow())
                || !Objects.equals(old.subject(), v.subject());
        if (!v.enabled() || changed) {
            resolveOpen(id, v.enabled() ? "rule changed" : "rule disabled");
        } else {
            v = withSeries(v, old.firing(), old.pending());
        }
        rules.put(id, v);
        return v;
    }

    synchronized void delete(long id) {
        find(id);
        resolveOpen(id, "rule deleted");
        rules.remove(id);
    }

    synchronized AlertFiringView testFire(long id) {
        AlertRuleView rule = find(id);
        if (rule.webhookUrl() == null) {
            throw badRequest("rule " + id + " has no webhookUrl to test");
        }
        Instant now = now();
        AlertFiringView f = new AlertFiringView(nextFiringId++, id, rule.name(), rule.kind(), "test", rule.threshold(),
                null, null, now, now, null, "test", true, false, delivery(rule.webhookUrl()));
        firings.add(f);
        return f;
    }

    synchronized AlertRuleView silence(long id, Instant until) {
        AlertRuleView r = find(id);
        Instant now = now();
        if (until == null) {
            throw badRequest("until is required: an ISO-8601 instant such as 2026-11-22T18:00:00Z");
        }
        if (until.isAfter(now.plus(Duration.ofDays(366)))) {
            throw badRequest("until must be within a year from now, was " + until);
        }
        AlertRuleView v = new AlertRuleView(r.id(), r.name(), r.flow(), r.subject(), r.kind(), r.threshold(),
                r.windowMs(), r.forMs(), r.hysteresis(), r.webhookUrl(), r.webhookFormat(), r.enabled(),
                until.isAfter(now) ? until : null, r.createdAt(), now, r.firing(), r.pending());
        rules.put(id, v);
        return v;
    }

    synchronized List<AlertFiringView> firings(Long ruleId, int limit) {
        int n = limit <= 0 ? ChoreoscopeApi.DEFAULT_LIMIT : limit;
        if (n > ChoreoscopeApi.MAX_LIMIT) {
            throw badRequest("limit must be 1.." + ChoreoscopeApi.MAX_LIMIT + ", was " + n);
        }
        List<AlertFiringView> out = new ArrayList<>();
        for (int i = firings.size() - 1; i >= 0 && out.size() < n; i--) {
            AlertFiringView f = firings.get(i);
            if (ruleId == null || f.ruleId() == ruleId) {
                out.add(f);
            }
        }
        return out;
    }

    /** Sets the series a rule fires and waits for now, as an evaluation round would. */
    synchronized void setSeries(long id, List<String> firing, List<String> pending) {
        rules.put(id, withSeries(find(id), firing, pending));
    }

    /** Adds a firing to the history (its ID is assigned here); returns it. */
    synchronized AlertFiringView addFiring(AlertFiringView f) {
        AlertFiringView withId = new AlertFiringView(nextFiringId++, f.ruleId(), f.ruleName(), f.kind(), f.series(),
                f.threshold(), f.firedValue(), f.pendingSince(), f.firedAt(), f.resolvedAt(), f.resolvedValue(),
                f.resolution(), f.test(), f.silenced(), f.notificationStatus());
        firings.add(withId);
        return withId;
    }

    // --- helpers ---------------------------------------------------------------------------------------

    private Instant now() {
        return clock.get().instant().truncatedTo(ChronoUnit.MILLIS);
    }

    private AlertRuleView find(long id) {
        AlertRuleView r = rules.get(id);
        if (r == null) {
            throw ApiException.notFound("no alert rule with id " + id);
        }
        return r;
    }

    private void resolveOpen(long ruleId, String why) {
        Instant now = now();
        for (int i = 0; i < firings.size(); i++) {
            AlertFiringView f = firings.get(i);
            if (f.ruleId() == ruleId && f.resolvedAt() == null) {
                firings.set(i, new AlertFiringView(f.id(), f.ruleId(), f.ruleName(), f.kind(), f.series(), f.threshold(),
                        f.firedValue(), f.pendingSince(), f.firedAt(), now, null, why, f.test(), f.silenced(),
                        f.notificationStatus()));
            }
        }
    }

    private static AlertRuleView withSeries(AlertRuleView r, List<String> firing, List<String> pending) {
        return new AlertRuleView(r.id(), r.name(), r.flow(), r.subject(), r.kind(), r.threshold(), r.windowMs(),
                r.forMs(), r.hysteresis(), r.webhookUrl(), r.webhookFormat(), r.enabled(), r.silencedUntil(),
                r.createdAt(), r.updatedAt(), List.copyOf(firing), List.copyOf(pending));
    }

    /** What the backend's notifier would report for a webhook call to {@code url}. */
    static String delivery(String url) {
        String host = URI.create(url).getHost();
        if (host != null && host.toLowerCase(Locale.ROOT).endsWith(".invalid")) {
            return "failed after " + MAX_ATTEMPTS + " attempts: " + host + ": Name or service not known";
        }
        return "delivered (200) after 1 attempt";
    }

    static ApiException badRequest(String message) {
        return new ApiException(new ApiError(400, "bad_request", message));
    }

    /** The backend's checks and defaults, with its messages; the first problem is thrown. */
    static AlertRuleView validate(long id, AlertRuleRequest r, Instant silencedUntil, Instant createdAt, Instant now) {
        if (r == null) {
            throw badRequest("a JSON body with name, kind and threshold is required");
        }
        String name = r.name() == null ? "" : r.name().strip();
        if (name.isEmpty() || name.length() > 200) {
            throw badRequest("name is required, 1..200 characters");
        }
        AlertKind kind = r.kind();
        if (kind == null) {
            throw badRequest("kind is required, one of " + Arrays.toString(AlertKind.values()));
        }
        if (r.threshold() == null || r.threshold().isNaN() || r.threshold().isInfinite()) {
            throw badRequest("threshold is required: a number in the unit of " + kind
                    + (kind.isPercent() ? " (percent, 0..100)" : ""));
        }
        double threshold = r.threshold();
        if (threshold < 0 || (kind.isPercent() && threshold > 100)) {
            throw badRequest("threshold of " + kind + " must be " + (kind.isPercent() ? "0..100 (percent)" : "at least 0")
                    + ", was " + threshold);
        }
        long window = r.windowMs() == null ? DEFAULT_WINDOW_MS : r.windowMs();
        if (window < 1_000 || window > MAX_WINDOW_MS) {
            throw badRequest("windowMs must be 1000..2678400000 (1 s to 31 days), was " + window);
        }
        long forMs = r.forMs() == null ? 0 : r.forMs();
        if (forMs < 0 || forMs > MAX_FOR_MS) {
            throw badRequest("forMs must be 0..86400000 (up to 1 day), was " + forMs);
        }
        double hysteresis = r.hysteresis() == null ? 0 : r.hysteresis();
        if (hysteresis < 0 || Double.isNaN(hysteresis) || Double.isInfinite(hysteresis)) {
            throw badRequest("hysteresis must be a number at least 0, was " + r.hysteresis());
        }
        String flow = blankToNull(r.flow());
        String subject = blankToNull(r.subject());
        if (flow != null && kind.scope() != AlertKind.Scope.FLOW) {
            throw badRequest("flow applies to flow kinds only; " + kind + " uses subject ("
                    + (kind.scope() == AlertKind.Scope.TOPIC ? "a topic regex" : "a consumer group") + ")");
        }
        if (subject != null && kind.scope() == AlertKind.Scope.FLOW) {
            throw badRequest("subject applies to CONSUMER_LAG_ABOVE and DEAD_LETTER_GROWTH_ABOVE only; use flow for " + kind);
        }
        if (flow != null && flow.length() > 500 || subject != null && subject.length() > 500) {
            throw badRequest("flow and subject are at most 500 characters");
        }
        if (subject != null && kind == AlertKind.DEAD_LETTER_GROWTH_ABOVE) {
            try {
                Pattern.compile(subject);
            } catch (PatternSyntaxException e) {
                throw badRequest("subject must be a topic regex: " + e.getDescription() + " in '" + subject + "'");
            }
        }
        String url = blankToNull(r.webhookUrl());
        if (url != null) {
            URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException e) {
                throw badRequest("webhookUrl is not a URL: " + e.getMessage());
            }
            if (!("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme())) || uri.getHost() == null) {
                throw badRequest("webhookUrl must be an absolute http(s) URL, was '" + url + "'");
            }
            if (url.length() > 2000) {
                throw badRequest("webhookUrl is at most 2000 characters");
            }
        }
        WebhookFormat format = r.webhookFormat() == null ? WebhookFormat.GENERIC : r.webhookFormat();
        boolean enabled = r.enabled() == null || r.enabled();
        return new AlertRuleView(id, name, flow, subject, kind, threshold, window, forMs, hysteresis, url, format,
                enabled, silencedUntil, createdAt, now, List.of(), List.of());
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
