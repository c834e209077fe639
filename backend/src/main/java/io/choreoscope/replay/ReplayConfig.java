package io.choreoscope.replay;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.convert.format.MapFormat;

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
    /**
     * Default largest number of replays running at once in one process (dry runs do not count); one more is
     * refused with 429 and audited as refused.
     */
    public static final int DEFAULT_MAX_CONCURRENT = 4;
    /** Default total rate of all running replays of one process together, records per second. */
    public static final double DEFAULT_TOTAL_RATE = 5_000;
    /**
     * Default time after which a {@code RUNNING} audit row whose process wrote no progress is marked
     * {@code INTERRUPTED} (a running replay writes its progress every 2 s).
     */
    public static final Duration DEFAULT_INTERRUPTED_AFTER = Duration.ofSeconds(60);
    /**
     * Default bound of the audit's lists of sent records, in rows over all replays; past it the lists of the oldest
     * replays are deleted whole (their summary rows stay). 100 to 500 bytes a row (keys are cut to 300 characters).
     */
    public static final long DEFAULT_AUDIT_MAX_SENT_RECORDS = 1_000_000;

    private boolean enabled = DEFAULT_ENABLED;
    private double defaultRate = DEFAULT_RATE;
    private double maxRate = DEFAULT_MAX_RATE;
    private int maxRecords = DEFAULT_MAX_RECORDS;
    private Duration syncWait = DEFAULT_SYNC_WAIT;
    private String allowedTopics = DEFAULT_ALLOWED_TOPICS;
    private Map<String, String> producer = new HashMap<>();
    private int maxConcurrent = DEFAULT_MAX_CONCURRENT;
    private double totalRate = DEFAULT_TOTAL_RATE;
    private Duration interruptedAfter = DEFAULT_INTERRUPTED_AFTER;
    private long auditMaxSentRecords = DEFAULT_AUDIT_MAX_SENT_RECORDS;

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
    public void setProducer(@MapFormat(transformation = MapFormat.MapTransformation.FLAT) Map<String, String> v) { this.producer = v; }

    /** Replays running at once in this process, at least 1. */
    public int getMaxConcurrent() { return maxConcurrent; }

    public void setMaxConcurrent(int v) {
        if (v < 1) {
            throw new IllegalArgumentException(PREFIX + ".max-concurrent must be at least 1, was " + v);
        }
        this.maxConcurrent = v;
    }

    /** Records per second of all running replays together. */
    public double getTotalRate() { return totalRate; }

    public void setTotalRate(double v) {
        if (!(v > 0)) {
            throw new IllegalArgumentException(PREFIX + ".total-rate must be positive, was " + v);
        }
        this.totalRate = v;
    }

    /** A RUNNING audit row without progress for this long is marked INTERRUPTED; at least 10 s. */
    public Duration getInterruptedAfter() { return interruptedAfter; }

    public void setInterruptedAfter(Duration v) {
        if (v == null || v.compareTo(Duration.ofSeconds(10)) < 0) {
            throw new IllegalArgumentException(PREFIX + ".interrupted-after must be at least 10s (a running replay writes "
                    + "its progress every 2 s), was " + v);
        }
        this.interruptedAfter = v;
    }

    /** Rows of sent records the audit keeps over all replays; at least 1. */
    public long getAuditMaxSentRecords() { return auditMaxSentRecords; }

    public void setAuditMaxSentRecords(long v) {
        if (v < 1) {
            throw new IllegalArgumentException(PREFIX + ".audit-max-sent-records must be at least 1, was " + v);
        }
        this.auditMaxSentRecords = v;
    }
}
