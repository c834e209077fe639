package io.choreoscope.alerts;

import io.choreoscope.http.ApiException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import io.choreoscope.model.api.AlertFiringView;
import io.choreoscope.model.api.AlertRuleRequest;
import io.choreoscope.model.api.AlertRuleView;
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

    private final AlertRuleRepository rules;
    private final AlertFiringRepository firings;
    private final FlowKpiSource kpis;
    private final WebhookNotifier notifier;
    private final WebhookAddressPolicy addresses;
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
        this.addresses = WebhookAddressPolicy.from(config.getWebhook());
        this.config = config;
        this.clock = clock;
    }

    /** What webhook bodies pass through before they leave: masked for receivers, who have no role. */
    private java.util.function.UnaryOperator<String> webhookMasking = java.util.function.UnaryOperator.identity();

    @jakarta.inject.Inject
    void masking(io.choreoscope.masking.ReadMasking masking) {
        this.webhookMasking = masking::webhook;
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

    /**
     * Every rule; {@code showWebhookUrls} false (callers who are not admins) masks each webhook URL to its
     * scheme and host ({@link #maskedWebhookUrl}), since a URL such as Slack's is itself the secret.
     */
    public List<AlertRuleView> rules(boolean showWebhookUrls) {
        return rules.listOrderById().stream().map(r -> view(r, showWebhookUrls)).toList();
    }

    /** One rule, its webhook URL masked unless {@code showWebhookUrls}; 404 when unknown. */
    public AlertRuleView rule(long id, boolean showWebhookUrls) {
        return view(find(id), showWebhookUrls);
    }

    public List<AlertRuleView> rules() {
        return rules(true);
    }

    public AlertRuleView rule(long id) {
        return rule(id, true);
    }

    /**
     * {@code url} with only its scheme and host, e.g. {@code https://hooks.slack.com/…}; null stays null, an
     * unparsable URL becomes {@code …}.
     */
    static String maskedWebhookUrl(String url) {
        if (url == null) {
            return null;
        }
        try {
            java.net.URI u = java.net.URI.create(url);
            return u.getScheme() == null || u.getHost() == null ? "…" : u.getScheme() + "://" + u.getHost() + "/…";
        } catch (IllegalArgumentException e) {
            return "…";
        }
    }

    public AlertRuleView create(AlertRuleRequest request) {
        Instant now = clock.instant();
        AlertRule rule = validate(request, null, now, now);
        checkWebhookAddress(rule);
        return view(rules.save(rule));
    }

    public AlertRuleView update(long id, AlertRuleRequest request) {
        AlertRule old = find(id);
        AlertRule rule = validate(request, old.silencedUntil(), old.createdAt(), clock.instant()).withId(id);
        checkWebhookAddress(rule);
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
            throw ApiException.badRequest("until is required: an ISO-8601 instant such as 2026-11-22T18:00:00Z");
        }
        if (until.isAfter(now.plus(Duration.ofDays(366)))) {
            throw ApiException.badRequest("until must be within a year from now, was " + until);
        }
        return view(rules.update(rule.withSilencedUntil(until.isAfter(now) ? until : null, now)));
    }

    /** Sends a test notification to the rule's webhook now (silence or not) and records it in the history. */
    public AlertFiringView testFire(long id) {
        AlertRule rule = find(id);
        if (rule.webhookUrl() == null) {
            throw ApiException.badRequest("rule " + id + " has no webhookUrl to test");
        }
        Instant now = clock.instant();
        AlertFiring f = firings.save(new AlertFiring(null, id, rule.name(), rule.kind(), "test", rule.threshold(), null,
                null, now, now, null, "test", true, false, null));
        WebhookNotifier.Delivery d = notifier.post(rule.webhookUrl(), webhookMasking.apply(
                AlertMessages.body(rule, AlertMessages.Status.TEST, "test", null, now, now, f.id()))).join();
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
        return notifier.post(rule.webhookUrl(), webhookMasking.apply(body)).thenAccept(d -> {
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
        return rules.findById(id).orElseThrow(() -> ApiException.notFound("no alert rule with id " + id));
    }

    /** 400 with the reason when the rule's webhook resolves to an address webhooks may not call. */
    private void checkWebhookAddress(AlertRule rule) {
        if (rule.webhookUrl() != null) {
            String refused = addresses.refusal(rule.webhookUrl());
            if (refused != null) {
                throw ApiException.badRequest(refused);
            }
        }
    }

    private AlertRuleView view(AlertRule r) {
        return view(r, true);
    }

    private AlertRuleView view(AlertRule r, boolean showWebhookUrl) {
        return new AlertRuleView(r.id(), r.name(), r.flow(), r.subject(), r.kind(), r.threshold(), r.windowMs(), r.forMs(),
                r.hysteresis(), showWebhookUrl ? r.webhookUrl() : maskedWebhookUrl(r.webhookUrl()), r.webhookFormat(), r.enabled(), r.silencedUntil(), r.createdAt(),
                r.updatedAt(), evaluator.series(r.id(), AlertEvaluator.State.FIRING),
                evaluator.series(r.id(), AlertEvaluator.State.PENDING));
    }

    static AlertFiringView view(AlertFiring f) {
        return new AlertFiringView(f.id(), f.ruleId(), f.ruleName(), f.kind(), f.series(), f.threshold(), f.firedValue(),
                f.pendingSince(), f.firedAt(), f.resolvedAt(), f.resolvedValue(), f.resolution(), f.test(), f.silenced(),
                f.notificationStatus());
    }

    // --- validation ------------------------------------------------------------------------------

    /** Checks every field and fills defaults ({@link AlertRuleRequest#check}); the first problem becomes a 400 with its reason. */
    static AlertRule validate(AlertRuleRequest r, Instant silencedUntil, Instant createdAt, Instant now) {
        AlertRuleRequest.Checked c;
        try {
            c = AlertRuleRequest.check(r);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        return new AlertRule(null, c.name(), c.flow(), c.subject(), c.kind(), c.threshold(), c.windowMs(), c.forMs(),
                c.hysteresis(), c.webhookUrl(), c.webhookFormat(), c.enabled(), silencedUntil,
                createdAt.truncatedTo(ChronoUnit.MICROS), now.truncatedTo(ChronoUnit.MICROS));
    }
}
