package io.choreoscope.ui.client;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

import io.choreoscope.model.api.AlertFiringView;
import io.choreoscope.model.api.AlertRuleRequest;
import io.choreoscope.model.api.AlertRuleView;
import io.choreoscope.model.api.ApiError;

/**
 * The alert part of {@link FakeChoreoscopeApi}: rules checked with the backend's rules and messages
 * ({@code AlertService.validate}), a firing history, test-fires and silences. Nothing is evaluated: which
 * series fire or wait is set with {@link #setSeries}, and past firings are added with {@link #addFiring}.
 *
 * <p>Webhooks are not called. A delivery to a host ending in {@code .invalid} (a name that can never
 * resolve) fails like the backend reports an unreachable one; any other is delivered with 200.
 */
final class FakeAlerts {

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

    /** The backend's checks and defaults ({@link AlertRuleRequest#check}), with its messages; the first problem is thrown. */
    static AlertRuleView validate(long id, AlertRuleRequest r, Instant silencedUntil, Instant createdAt, Instant now) {
        AlertRuleRequest.Checked c;
        try {
            c = AlertRuleRequest.check(r);
        } catch (IllegalArgumentException e) {
            throw badRequest(e.getMessage());
        }
        return new AlertRuleView(id, c.name(), c.flow(), c.subject(), c.kind(), c.threshold(), c.windowMs(), c.forMs(),
                c.hysteresis(), c.webhookUrl(), c.webhookFormat(), c.enabled(), silencedUntil, createdAt, now, List.of(), List.of());
    }
}
