package io.choreoscope.live;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.choreoscope.inference.InferenceSettings;
import io.micronaut.context.annotation.ConfigurationProperties;

/**
 * Live inference, under {@value #PREFIX}: where it runs, how often it evaluates and persists, how it
 * recovers, and the engine knobs most often changed (the rest keep {@link InferenceSettings#defaults()}).
 */
@ConfigurationProperties(InferenceConfig.PREFIX)
public class InferenceConfig {
    public static final String PREFIX = "choreoscope.inference";
    /** Default: inference runs inside the process that taps (role {@code all}). */
    public static final boolean DEFAULT_EMBEDDED = true;
    /** Default: the collector does not publish observations (only role {@code collector} does). */
    public static final boolean DEFAULT_PUBLISH = false;
    /** Default: no inference worker (only role {@code inference} runs one). */
    public static final boolean DEFAULT_WORKER = false;
    /** Default topic of normalised observations, keyed by correlation ID (excluded from the tap by its default exclude pattern). */
    public static final String DEFAULT_TOPIC = "choreoscope.observations";
    /** Default partitions of that topic when choreoscope creates it; also the partitioning of the embedded layout. */
    public static final int DEFAULT_TOPIC_PARTITIONS = 12;
    /** Default consumer group of inference workers. */
    public static final String DEFAULT_GROUP_ID = "choreoscope-inference";
    /** Default time between evaluations (states, stuck detection) and instance persistence, 500 ms. */
    public static final Duration DEFAULT_EVALUATE_INTERVAL = Duration.ofMillis(500);
    /** Default time between writes of flow models and dependency maps (only when something changed), 5 s. */
    public static final Duration DEFAULT_MODEL_INTERVAL = Duration.ofSeconds(5);
    /** Default: instances whose last event lies within this window are replayed on recovery (plus every unfinished one), 1 h. */
    public static final Duration DEFAULT_RECOVERY_WINDOW = Duration.ofHours(1);
    /** Default cap on instances replayed by one recovery, newest first. */
    public static final int DEFAULT_RECOVERY_MAX_INSTANCES = 200_000;
    /** Default first delay before an inference worker retries a failed step (doubling per failure, with jitter), 500 ms. */
    public static final Duration DEFAULT_RETRY_INITIAL = Duration.ofMillis(500);
    /** Default cap on that delay, 30 s. */
    public static final Duration DEFAULT_RETRY_MAX = Duration.ofSeconds(30);
    /** Default bound on observation batches queued for the embedded engine; the tap waits when it is full. */
    public static final int DEFAULT_QUEUE_BATCHES = 64;

    private boolean embedded = DEFAULT_EMBEDDED;
    private boolean publish = DEFAULT_PUBLISH;
    private boolean worker = DEFAULT_WORKER;
    private String topic = DEFAULT_TOPIC;
    private int topicPartitions = DEFAULT_TOPIC_PARTITIONS;
    private String groupId = DEFAULT_GROUP_ID;
    private String bootstrapServers;
    private Duration evaluateInterval = DEFAULT_EVALUATE_INTERVAL;
    private Duration modelInterval = DEFAULT_MODEL_INTERVAL;
    private Duration recoveryWindow = DEFAULT_RECOVERY_WINDOW;
    private int recoveryMaxInstances = DEFAULT_RECOVERY_MAX_INSTANCES;
    private int queueBatches = DEFAULT_QUEUE_BATCHES;
    private int maxLiveInstances = InferenceSettings.DEFAULT_MAX_LIVE_INSTANCES;
    private int maxEventTypes = InferenceSettings.DEFAULT_MAX_EVENT_TYPES;
    private Duration retryInitial = DEFAULT_RETRY_INITIAL;
    private Duration retryMax = DEFAULT_RETRY_MAX;
    private List<String> endEventTypes = List.of();
    private Map<String, String> flowAliases = new HashMap<>();
    private Duration stuckFloor = InferenceSettings.DEFAULT_STUCK_FLOOR;
    private Duration defaultBound = InferenceSettings.DEFAULT_BOUND;
    private Duration retention = InferenceSettings.DEFAULT_RETENTION;
    private Duration settleAfter = InferenceSettings.DEFAULT_SETTLE_AFTER;
    private Duration abandonAfter = InferenceSettings.DEFAULT_ABANDON_AFTER;
    private Duration startGrace = InferenceSettings.DEFAULT_START_GRACE;

    /** The engine configuration these settings describe. */
    public InferenceSettings engineConfig() {
        InferenceSettings d = InferenceSettings.defaults();
        return d.withEndEventTypes(Set.copyOf(endEventTypes))
                .withFlowAliases(Map.copyOf(flowAliases))
                .withStuckBounds(d.stuckFactor(), stuckFloor, defaultBound, d.minLatencySamples())
                .withLifetimes(retention, abandonAfter, settleAfter)
                .withMaxLiveInstances(maxLiveInstances)
                .withMaxEventTypes(maxEventTypes)
                .withStartGrace(startGrace);
    }

    public boolean isEmbedded() { return embedded; }
    public void setEmbedded(boolean v) { embedded = v; }
    public boolean isPublish() { return publish; }
    public void setPublish(boolean v) { publish = v; }
    public boolean isWorker() { return worker; }
    public void setWorker(boolean v) { worker = v; }
    public String getTopic() { return topic; }
    public void setTopic(String v) { topic = v; }
    public int getTopicPartitions() { return topicPartitions; }

    public void setTopicPartitions(int v) {
        if (v < 1) {
            throw new IllegalArgumentException(PREFIX + ".topic-partitions must be at least 1, was " + v);
        }
        topicPartitions = v;
    }

    public String getGroupId() { return groupId; }
    public void setGroupId(String v) { groupId = v; }
    /** Bootstrap servers of the observations topic when it is on another cluster; null (default): those of {@code choreoscope.kafka}, with its properties either way. */
    public String getBootstrapServers() { return bootstrapServers; }
    public void setBootstrapServers(String v) { bootstrapServers = v; }
    public Duration getEvaluateInterval() { return evaluateInterval; }
    public void setEvaluateInterval(Duration v) { evaluateInterval = v; }
    public Duration getModelInterval() { return modelInterval; }
    public void setModelInterval(Duration v) { modelInterval = v; }
    public Duration getRecoveryWindow() { return recoveryWindow; }
    public void setRecoveryWindow(Duration v) { recoveryWindow = v; }
    public int getRecoveryMaxInstances() { return recoveryMaxInstances; }
    public void setRecoveryMaxInstances(int v) { recoveryMaxInstances = v; }
    public int getQueueBatches() { return queueBatches; }
    public void setQueueBatches(int v) { queueBatches = Math.max(1, v); }
    /** Cap on live instances per engine (least recently active evicted first, persisted); default {@value InferenceSettings#DEFAULT_MAX_LIVE_INSTANCES}. */
    public int getMaxLiveInstances() { return maxLiveInstances; }

    public void setMaxLiveInstances(int v) {
        if (v < 1) {
            throw new IllegalArgumentException(PREFIX + ".max-live-instances must be at least 1, was " + v);
        }
        maxLiveInstances = v;
    }

    /**
     * Distinct event types each engine tells apart; later ones count as one type and flow, {@code (too many event
     * types)}; default {@value InferenceSettings#DEFAULT_MAX_EVENT_TYPES}.
     */
    public int getMaxEventTypes() { return maxEventTypes; }

    public void setMaxEventTypes(int v) {
        if (v < 1 || v > InferenceSettings.MOST_EVENT_TYPES) {
            throw new IllegalArgumentException(PREFIX + ".max-event-types must be from 1 to "
                    + InferenceSettings.MOST_EVENT_TYPES + ", was " + v);
        }
        maxEventTypes = v;
    }

    public Duration getRetryInitial() { return retryInitial; }
    public void setRetryInitial(Duration v) { retryInitial = v; }
    public Duration getRetryMax() { return retryMax; }
    public void setRetryMax(Duration v) { retryMax = v; }
    public List<String> getEndEventTypes() { return endEventTypes; }
    public void setEndEventTypes(List<String> v) { endEventTypes = v == null ? List.of() : v; }
    public Map<String, String> getFlowAliases() { return flowAliases; }
    public void setFlowAliases(Map<String, String> v) { flowAliases = v == null ? new HashMap<>() : v; }
    public Duration getStuckFloor() { return stuckFloor; }
    public void setStuckFloor(Duration v) { stuckFloor = v; }
    public Duration getDefaultBound() { return defaultBound; }
    public void setDefaultBound(Duration v) { defaultBound = v; }
    public Duration getRetention() { return retention; }
    public void setRetention(Duration v) { retention = v; }
    public Duration getSettleAfter() { return settleAfter; }
    public void setSettleAfter(Duration v) { settleAfter = v; }
    public Duration getAbandonAfter() { return abandonAfter; }
    public void setAbandonAfter(Duration v) { abandonAfter = v; }
    public Duration getStartGrace() { return startGrace; }
    /** How long an instance seen from the middle (its first events late) waits unnamed for them; 0 turns it off. */
    public void setStartGrace(Duration v) {
        if (v == null || v.isNegative()) {
            throw new IllegalArgumentException("choreoscope.inference.start-grace must be >= 0, was " + v);
        }
        startGrace = v;
    }
}
