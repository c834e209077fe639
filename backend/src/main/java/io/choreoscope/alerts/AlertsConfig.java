package io.choreoscope.alerts;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import io.micronaut.context.annotation.ConfigurationProperties;

/** Alert evaluation and webhook delivery, under {@value #PREFIX}. */
@ConfigurationProperties(AlertsConfig.PREFIX)
public class AlertsConfig {
    public static final String PREFIX = "choreoscope.alerts";
    /** Default: rules are evaluated. */
    public static final boolean DEFAULT_ENABLED = true;
    /** Default time between two evaluations of every enabled rule: 15 s. */
    public static final Duration DEFAULT_EVALUATION_INTERVAL = Duration.ofSeconds(15);
    /**
     * Default regex of dead-letter topics for rules that name none: the names the stuck causes and the redrive
     * dialog take for dead letters too ({@code payments.DLT}, {@code orders_dlq}, {@code dead-letters} ...;
     * {@link io.choreoscope.model.Topics#DEAD_LETTER_REGEX}).
     */
    public static final String DEFAULT_DEAD_LETTER_TOPICS = io.choreoscope.model.Topics.DEAD_LETTER_REGEX;
    /** Default longest wait for one webhook call: 10 s. */
    public static final Duration DEFAULT_WEBHOOK_TIMEOUT = Duration.ofSeconds(10);
    /** Default attempts per notification (the first one included): 5. */
    public static final int DEFAULT_WEBHOOK_MAX_ATTEMPTS = 5;
    /** Default wait before the first retry, doubled for each next one: 500 ms. */
    public static final Duration DEFAULT_WEBHOOK_INITIAL_BACKOFF = Duration.ofMillis(500);
    /** Default longest wait between two attempts: 30 s. */
    public static final Duration DEFAULT_WEBHOOK_MAX_BACKOFF = Duration.ofSeconds(30);
    /**
     * Default hosts and networks webhooks may call although they are not public: none. Loopback, private,
     * link-local (cloud metadata), unspecified and multicast addresses are refused (see {@link WebhookAddressPolicy}).
     */
    public static final List<String> DEFAULT_WEBHOOK_ALLOWED_HOSTS = List.of();

    private boolean enabled = DEFAULT_ENABLED;
    private Duration evaluationInterval = DEFAULT_EVALUATION_INTERVAL;
    private String deadLetterTopics = DEFAULT_DEAD_LETTER_TOPICS;
    private Webhook webhook = new Webhook();

    public boolean isEnabled() { return enabled; }
    public void setEnabled(boolean enabled) { this.enabled = enabled; }
    public Duration getEvaluationInterval() { return evaluationInterval; }

    public void setEvaluationInterval(Duration v) {
        if (v == null || v.isNegative() || v.isZero()) {
            throw new IllegalArgumentException(PREFIX + ".evaluation-interval must be positive, was " + v);
        }
        this.evaluationInterval = v;
    }

    public String getDeadLetterTopics() { return deadLetterTopics; }

    public void setDeadLetterTopics(String regex) {
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(PREFIX + ".dead-letter-topics is not a valid regex: " + e.getMessage(), e);
        }
        this.deadLetterTopics = regex;
    }

    public Webhook getWebhook() { return webhook; }

    /** Set by Micronaut with the bound {@code webhook} settings; without it they would never reach the notifier. */
    public void setWebhook(Webhook webhook) { this.webhook = webhook; }

    /** Webhook delivery, under {@code choreoscope.alerts.webhook}. */
    @ConfigurationProperties("webhook")
    public static class Webhook {
        private Duration timeout = DEFAULT_WEBHOOK_TIMEOUT;
        private int maxAttempts = DEFAULT_WEBHOOK_MAX_ATTEMPTS;
        private Duration initialBackoff = DEFAULT_WEBHOOK_INITIAL_BACKOFF;
        private Duration maxBackoff = DEFAULT_WEBHOOK_MAX_BACKOFF;
        private List<String> allowedHosts = DEFAULT_WEBHOOK_ALLOWED_HOSTS;

        public Duration getTimeout() { return timeout; }
        public void setTimeout(Duration timeout) { this.timeout = timeout; }
        public int getMaxAttempts() { return maxAttempts; }

        public void setMaxAttempts(int maxAttempts) {
            if (maxAttempts < 1 || maxAttempts > 20) {
                throw new IllegalArgumentException(PREFIX + ".webhook.max-attempts must be 1..20, was " + maxAttempts);
            }
            this.maxAttempts = maxAttempts;
        }

        public Duration getInitialBackoff() { return initialBackoff; }
        public void setInitialBackoff(Duration v) { this.initialBackoff = v; }
        public Duration getMaxBackoff() { return maxBackoff; }
        public void setMaxBackoff(Duration v) { this.maxBackoff = v; }

        /** Host names (exact) or CIDR blocks (e.g. {@code 10.1.0.0/16}) webhooks may call although not public. */
        public List<String> getAllowedHosts() { return allowedHosts; }

        public void setAllowedHosts(List<String> v) {
            List<String> hosts = v == null ? List.of() : List.copyOf(v);
            new WebhookAddressPolicy(hosts); // bad CIDR blocks fail the start with the reason
            this.allowedHosts = hosts;
        }
    }
}
