package io.choreoscope.replay;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.micronaut.context.annotation.ConfigurationProperties;

/**
 * Replay, under {@value #PREFIX}. Records are produced to the tapped cluster
 * ({@code choreoscope.kafka}).
 */
@ConfigurationProperties(ReplayConfig.PREFIX)
public class ReplayConfig {
    public static final String PREFIX = "choreoscope.replay";
    /** Default: the replay API is served. */
    public static final boolean DEFAULT_ENABLED = true;
    /** Default rate limit of a replay, records per second. */
    public static final double DEFAULT_RATE = 100;
    /** Default highest rate a request may ask for, records per second. */
    public static final double DEFAULT_MAX_RATE = 5_000;
    /** Default largest replay, in records; a larger request is refused with 400 (split it). */
    public static final int DEFAULT_MAX_RECORDS = 100_000;
    /** Default time the POST waits for a replay to finish before answering 202 with its progress. */
    public static final Duration DEFAULT_SYNC_WAIT = Duration.ofSeconds(5);
    /**
     * Default topics a replay may write to: none configured (null), meaning the topics the tap taps
     * ({@code choreoscope.tap.include} but not {@code choreoscope.tap.exclude}). Choreoscope's own and
     * internal topics ({@code choreoscope[._-].*}, {@code _.*}) are refused whatever this says.
     */
    public static final String DEFAULT_ALLOWED_TOPICS = null;

    private boolean enabled = DEFAULT_ENABLED;
    private double defaultRate = DEFAULT_RATE;
    private double maxRate = DEFAULT_MAX_RATE;
    private int maxRecords = DEFAULT_MAX_RECORDS;
    private Duration syncWait = DEFAULT_SYNC_WAIT;
    private String allowedTopics = DEFAULT_ALLOWED_TOPICS;
    private Map<String, String> producer = new HashMap<>();

    public boolean isEnabled() { return enabled; }
    public void setEnabled(boolean enabled) { this.enabled = enabled; }
    public double getDefaultRate() { return defaultRate; }

    public void setDefaultRate(double v) {
        if (!(v > 0)) {
            throw new IllegalArgumentException(PREFIX + ".default-rate must be positive, was " + v);
        }
        this.defaultRate = v;
    }

    public double getMaxRate() { return maxRate; }
    public void setMaxRate(double v) { this.maxRate = v; }
    public int getMaxRecords() { return maxRecords; }
    public void setMaxRecords(int v) { this.maxRecords = v; }
    public Duration getSyncWait() { return syncWait; }
    public void setSyncWait(Duration v) { this.syncWait = v; }
    /** Regex (whole name) of the topics a replay may write to; null or blank: the tapped topics. */
    public String getAllowedTopics() { return allowedTopics; }

    /** Refuses (at configuration time) a regex that does not compile, naming it. */
    public void setAllowedTopics(String v) {
        if (v != null && !v.isBlank()) {
            try {
                java.util.regex.Pattern.compile(v);
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new IllegalArgumentException(PREFIX + ".allowed-topics is not a valid regex: " + e.getMessage(), e);
            }
        }
        this.allowedTopics = v;
    }

    /** Extra Kafka producer properties (e.g. {@code security.protocol}); they win over replay's own. */
    public Map<String, String> getProducer() { return producer; }
    public void setProducer(Map<String, String> v) { this.producer = v; }
}
