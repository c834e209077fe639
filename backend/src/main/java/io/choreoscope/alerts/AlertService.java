package io.choreoscope.alerts;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import io.choreoscope.model.api.AlertFiringView;
import io.choreoscope.model.api.AlertKind;
import io.choreoscope.model.api.AlertRuleRequest;
import io.choreoscope.model.api.AlertRuleView;
import io.choreoscope.model.api.WebhookFormat;
import io.micronaut.data.model.Pageable;
import jakarta.annotation.PostConstruct;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Alert rules and their firings: validation and storage of rules, the evaluation round (read KPIs,
 * step the {@link AlertEvaluator}, record firings, notify webhooks), test-fire and silence.
 */
@Singleton
public class AlertService {
    private static final Logger LOG = LoggerFactory.getLogger(AlertService.class);
    static final long DEFAULT_WINDOW_MS = 300_000;
    static final long MAX_WINDOW_MS = Duration.ofDays(31).toMillis();
    static final long MAX_FOR_MS = Duration.ofDays(1).toMillis();

    private final AlertRuleRepository rules;
    private final AlertFiringRepository firings;
    private final FlowKpiSource kpis;
    private final WebhookNotifier notifier;
    private final AlertsConfig config;
    private final AlertEvaluator evaluator = new AlertEvaluator();
    private final Clock clock;
    /** Last KPI error per rule, so a broken source is logged once, not every round. */
    private final Map<Long, String> lastError = new ConcurrentHashMap<>();

    public AlertService(AlertRuleRepository rules, AlertFiringRepository firings, FlowKpiSource kpis, AlertsConfig config) {
        this(rules, firings, kpis, WebhookNotifier.from(config.getWebhook()), config, Clock.systemUTC());
    }

    AlertService(AlertRuleRepository rules, AlertFiringRepository firings, FlowKpiSource kpis, WebhookNotifier notifier,
                 AlertsConfig config, Clock clock) {
        this.rules = rules;
        this.firings = firings;
        this.kpis = kpis;
        this.notifier = notifier;
        this.config = config;
        this.clock = clock;
    }

    /** Open firings in the store become FIRING series again, so a restart neither re-fires nor forgets them. */
    @PostConstruct
    void restore() {
        for (AlertFiring f : firings.findByResolvedAtIsNull()) {
            if (!f.test()) {
                evaluator.restoreFiring(f.ruleId(), f.series(), f.pendingSince(), f.firedAt(), !f.silenced());
            }
        }
    }

    // --- rules -----------------------------------------------------------------------------------

    public List<AlertRuleView> rules() {
        return rules.listOrderById().stream().map(this::view).toList();
    }

    public AlertRuleView rule(long id) {
        return view(find(id));
    }

    public AlertRuleView create(AlertRuleRequest request) {
        Instant now = clock.instant();
        AlertRule rule = validate(request, null, now, now);
        return view(rules.save(rule));
    }

    public AlertRuleView update(long id, AlertRuleRequest request) {
        AlertRule old = find(id);
        AlertRule rule = validate(request, old.silencedUntil(), old.createdAt(), clock.instant()).withId(id);
        boolean semanticsChanged = old.kind() != rule.kind() || !java.util.Objects.equals(old.flow(), rule.flow())
                || !java.util.Objects.equals(old.subject(), rule.subject());
        if (!rule.enabled() || semanticsChanged) {
            // What it watched is gone: close its firings instead of leaving them open forever.
            resolveAll(old, rule.enabled() ? "rule changed" : "rule disabled");
        }
        return view(rules.update(rule));
    }

    public void delete(long id) {
        AlertRule rule = find(id);
        resolveAll(rule, "rule deleted");
        rules.deleteById(id);
    }

    /** Holds notifications back until {@code until}; a time in the past (or now) lifts the silence. */
    public AlertRuleView silence(long id, Instant until) {
        AlertRule rule = find(id);
        Instant now = clock.instant();
        if (until == null) {
            throw new InvalidRequestException("until is required: an ISO-8601 instant such as 2026-11-22T18:00:00Z");
        }
        if (until.isAfter(now.plus(Duration.ofDays(366)))) {
            throw new InvalidRequestException("until must be within a year from now, was " + until);
        }
        return view(rules.update(rule.withSilencedUntil(until.isAfter(now) ? until : null, now)));
    }

    /** Sends a test notification to the rule's webhook now (silence or not) and records it in the history. */
    public AlertFiringView testFire(long id) {
        AlertRule rule = find(id);
        if (rule.webhookUrl() == null) {
            throw new InvalidRequestException("rule " + id + " has no webhookUrl to test");
        }
        Instant now = clock.instant();
        AlertFiring f = firings.save(new AlertFiring(null, id, rule.name(), rule.kind(), "test", rule.threshold(), null,
                null, now, now, null, "test", true, false, null));
        WebhookNotifier.Delivery d = notifier.post(rule.webhookUrl(),
                AlertMessages.body(rule, AlertMessages.Status.TEST, "test", null, now, now, f.id())).join();
        return view(firings.update(f.withNotificationStatus(d.summary())));
    }

    public List<AlertFiringView> firings(Long ruleId, int limit) {
        Pageable page = Pageable.from(0, limit);
        List<AlertFiring> list = ruleId == null ? firings.listOrderByIdDesc(page) : firings.findByRuleIdOrderByIdDesc(ruleId, page);
        return list.stream().map(AlertService::view).toList();
    }

    // --- evaluation ------------------------------------------------------------------------------

    /** One evaluation round over every enabled rule at {@code now}; returns every transition. */
    public List<AlertEvaluator.Transition> evaluateAll(Instant time) {
        Instant now = time.truncatedTo(ChronoUnit.MILLIS); // what every store keeps
        List<AlertEvaluator.Transition> all = new ArrayList<>();
        for (AlertRule rule : rules.findByEnabledTrueOrderById()) {
            List<KpiReading> readings;
            try {
                readings = kpis.read(rule, config.getDeadLetterTopics(), now);
                if (lastError.remove(rule.id()) != null) {
                    LOG.info("Alert rule {} ({}) can be evaluated again", rule.id(), rule.name());
                }
            } catch (KpiUnavailableException e) {
                if (!e.getMessage().equals(lastError.put(rule.id(), e.getMessage()))) {
                    LOG.warn("Alert rule {} ({}) not evaluated: {}", rule.id(), rule.name(), e.getMessage());
                }
                continue;
            }
            for (AlertEvaluator.Transition t : evaluator.evaluate(rule, readings, now)) {
                apply(rule, t);
                all.add(t);
            }
        }
        return all;
    }

    /** The evaluator's state of one series (for the API and tests). */
    public AlertEvaluator.State state(long ruleId, String series) {
        return evaluator.state(ruleId, series);
    }

    /** The last KPI error of a rule, or null when its last evaluation worked. */
    public String lastError(long ruleId) {
        return lastError.get(ruleId);
    }

    private void apply(AlertRule rule, AlertEvaluator.Transition t) {
        switch (t.change()) {
            case FIRING -> {
                AlertFiring f = firings.save(new AlertFiring(null, rule.id(), rule.name(), rule.kind(), t.series(),
                        rule.threshold(), t.value(), t.pendingSince(), t.firedAt(), null, null, null, false,
                        !t.announce(), null));
                LOG.info("Alert {} ({}) FIRING for {}: {}", rule.id(), rule.name(), t.series(), t.value());
                if (t.announce()) {
                    notify(rule, f, AlertMessages.Status.FIRING, t.value(), null);
                }
            }
            case ANNOUNCE -> openFiring(rule.id(), t.series()).ifPresent(f ->
                    notify(rule, f, AlertMessages.Status.FIRING, t.value() == null ? f.firedValue() : t.value(), null));
            case RESOLVED -> openFiring(rule.id(), t.series()).ifPresent(f -> {
                AlertFiring resolved = firings.update(f.resolved(t.at(), t.value(), "recovered"));
                LOG.info("Alert {} ({}) RESOLVED for {}: {}", rule.id(), rule.name(), t.series(), t.value());
                if (t.announce()) {
                    notify(rule, resolved, AlertMessages.Status.RESOLVED, t.value(), t.at());
                }
            });
            case PENDING, CLEARED -> LOG.debug("Alert {} {} for {}", rule.id(), t.change(), t.series());
            default -> throw new IllegalStateException("unknown change " + t.change());
        }
    }

    private java.util.Optional<AlertFiring> openFiring(long ruleId, String series) {
        return firings.findByRuleIdAndResolvedAtIsNull(ruleId).stream()
                .filter(f -> !f.test() && f.series().equals(series)).findFirst();
    }

    private CompletableFuture<Void> notify(AlertRule rule, AlertFiring f, AlertMessages.Status status, Double value,
                                           Instant resolvedAt) {
        if (rule.webhookUrl() == null) {
            return CompletableFuture.completedFuture(null);
        }
        String body = AlertMessages.body(rule, status, f.series(), value, f.firedAt(), resolvedAt, f.id());
        return notifier.post(rule.webhookUrl(), body).thenAccept(d -> {
            try {
                firings.findById(f.id()).ifPresent(current ->
                        firings.update(current.withNotificationStatus(status.name().toLowerCase() + " " + d.summary())));
            } catch (RuntimeException e) {
                LOG.warn("Could not record the delivery of firing {}: {}", f.id(), e.getMessage());
            }
        });
    }

    private void resolveAll(AlertRule rule, String why) {
        Instant now = clock.instant();
        Map<String, Boolean> wasFiring = evaluator.forget(rule.id());
        for (AlertFiring f : firings.findByRuleIdAndResolvedAtIsNull(rule.id())) {
            AlertFiring resolved = firings.update(f.resolved(now, null, why));
            if (Boolean.TRUE.equals(wasFiring.get(f.series())) && !rule.silencedAt(now)) {
                notify(rule, resolved, AlertMessages.Status.RESOLVED, null, now);
            }
        }
    }

    private AlertRule find(long id) {
        return rules.findById(id).orElseThrow(() -> new NotFoundException("no alert rule with id " + id));
    }

    private AlertRuleView view(AlertRule r) {
        return new AlertRuleView(r.id(), r.name(), r.flow(), r.subject(), r.kind(), r.threshold(), r.windowMs(), r.forMs(),
                r.hysteresis(), r.webhookUrl(), r.webhookFormat(), r.enabled(), r.silencedUntil(), r.createdAt(),
                r.updatedAt(), evaluator.series(r.id(), AlertEvaluator.State.FIRING),
                evaluator.series(r.id(), AlertEvaluator.State.PENDING));
    }

    static AlertFiringView view(AlertFiring f) {
        return new AlertFiringView(f.id(), f.ruleId(), f.ruleName(), f.kind(), f.series(), f.threshold(), f.firedValue(),
                f.pendingSince(), f.firedAt(), f.resolvedAt(), f.resolvedValue(), f.resolution(), f.test(), f.silenced(),
                f.notificationStatus());
    }

    // --- validation ------------------------------------------------------------------------------

    /** Checks every field and fills defaults; the first problem becomes a 400 with its reason. */
    static AlertRule validate(AlertRuleRequest r, Instant silencedUntil, Instant createdAt, Instant now) {
        if (r == null) {
            throw new InvalidRequestException("a JSON body with name, kind and threshold is required");
        }
        String name = r.name() == null ? "" : r.name().strip();
        if (name.isEmpty() || name.length() > 200) {
            throw new InvalidRequestException("name is required, 1..200 characters");
        }
        AlertKind kind = r.kind();
        if (kind == null) {
            throw new InvalidRequestException("kind is required, one of " + java.util.Arrays.toString(AlertKind.values()));
        }
        if (r.threshold() == null || r.threshold().isNaN() || r.threshold().isInfinite()) {
            throw new InvalidRequestException("threshold is required: a number in the unit of " + kind
                    + (kind.isPercent() ? " (percent, 0..100)" : ""));
        }
        double threshold = r.threshold();
        if (threshold < 0 || (kind.isPercent() && threshold > 100)) {
            throw new InvalidRequestException("threshold of " + kind + " must be " + (kind.isPercent() ? "0..100 (percent)" : "at least 0")
                    + ", was " + threshold);
        }
        long window = r.windowMs() == null ? DEFAULT_WINDOW_MS : r.windowMs();
        if (window < 1_000 || window > MAX_WINDOW_MS) {
            throw new InvalidRequestException("windowMs must be 1000..2678400000 (1 s to 31 days), was " + window);
        }
        long forMs = r.forMs() == null ? 0 : r.forMs();
        if (forMs < 0 || forMs > MAX_FOR_MS) {
            throw new InvalidRequestException("forMs must be 0..86400000 (up to 1 day), was " + forMs);
        }
        double hysteresis = r.hysteresis() == null ? 0 : r.hysteresis();
        if (hysteresis < 0 || Double.isNaN(hysteresis) || Double.isInfinite(hysteresis)) {
            throw new InvalidRequestException("hysteresis must be a number at least 0, was " + r.hysteresis());
        }
        String flow = blankToNull(r.flow());
        String subject = blankToNull(r.subject());
        if (flow != null && kind.scope() != AlertKind.Scope.FLOW) {
            throw new InvalidRequestException("flow applies to flow kinds only; " + kind + " uses subject ("
                    + (kind.scope() == AlertKind.Scope.TOPIC ? "a topic regex" : "a consumer group") + ")");
        }
        if (subject != null && kind.scope() == AlertKind.Scope.FLOW) {
            throw new InvalidRequestException("subject applies to CONSUMER_LAG_ABOVE and DEAD_LETTER_GROWTH_ABOVE only; use flow for " + kind);
        }
        if (flow != null && flow.length() > 500 || subject != null && subject.length() > 500) {
            throw new InvalidRequestException("flow and subject are at most 500 characters");
        }
        if (subject != null && kind == AlertKind.DEAD_LETTER_GROWTH_ABOVE) {
            try {
                Pattern.compile(subject);
            } catch (PatternSyntaxException e) {
                throw new InvalidRequestException("subject must be a topic regex: " + e.getDescription() + " in '" + subject + "'");
            }
        }
        String url = blankToNull(r.webhookUrl());
        if (url != null) {
            URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException("webhookUrl is not a URL: " + e.getMessage());
            }
            if (!("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme())) || uri.getHost() == null) {
                throw new InvalidRequestException("webhookUrl must be an absolute http(s) URL, was '" + url + "'");
            }
            if (url.length() > 2000) {
                throw new InvalidRequestException("webhookUrl is at most 2000 characters");
            }
        }
        WebhookFormat format = r.webhookFormat() == null ? WebhookFormat.GENERIC : r.webhookFormat();
        boolean enabled = r.enabled() == null || r.enabled();
        return new AlertRule(null, name, flow, subject, kind, threshold, window, forMs, hysteresis, url, format, enabled,
                silencedUntil, createdAt.truncatedTo(ChronoUnit.MICROS), now.truncatedTo(ChronoUnit.MICROS));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
