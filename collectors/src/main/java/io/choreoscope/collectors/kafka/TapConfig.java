package io.choreoscope.collectors.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.convert.format.MapFormat;
import io.micronaut.core.convert.format.ReadableBytes;

/**
 * Configuration of the Kafka tap, under {@value #PREFIX}. Every default works against the demo's
 * broker on first start. Where Kafka is and how to connect to it is {@link KafkaConfig}'s.
 */
@ConfigurationProperties(TapConfig.PREFIX)
public class TapConfig {
    public static final String PREFIX = "choreoscope.tap";
    /** Default: the tap runs. */
    public static final boolean DEFAULT_ENABLED = true;
    /** Default consumer group of the tap. */
    public static final String DEFAULT_GROUP_ID = "choreoscope-tap";
    /** Default: every topic... */
    public static final String DEFAULT_INCLUDE = ".*";
    /** ...except internal ones ({@code __consumer_offsets}, {@code _schemas}...) and choreoscope's own topics. */
    public static final String DEFAULT_EXCLUDE = "_.*|choreoscope[._-].*";
    /** Default batch size, in records: large inserts keep ClickHouse parts few (see docs/BENCHMARKS.md). Two batches are in memory at most. */
    public static final int DEFAULT_BATCH_MAX_RECORDS = 50_000;
    /**
     * Default batch size limit, in bytes of keys, values and headers: keeps memory bounded when records are large
     * (50,000 records near 1 MB would be 50 GB). 300-byte events fill a batch by count first.
     */
    public static final long DEFAULT_BATCH_MAX_BYTES = 32L * 1024 * 1024;
    /** Default longest wait of a record in a batch, in ms. */
    public static final long DEFAULT_BATCH_LINGER_MS = 500;
    /** Default first retry delay after the store failed, in ms. */
    public static final long DEFAULT_RETRY_INITIAL_MS = 200;
    /** Default longest retry delay, in ms. */
    public static final long DEFAULT_RETRY_MAX_MS = 10_000;
    /** Default topic metadata refresh, in ms: new topics are tapped within about this time. */
    public static final long DEFAULT_METADATA_MAX_AGE_MS = 2_000;

    private boolean enabled = DEFAULT_ENABLED;
    private String groupId = DEFAULT_GROUP_ID;
    private String include = DEFAULT_INCLUDE;
    private String exclude = DEFAULT_EXCLUDE;
    private int batchMaxRecords = DEFAULT_BATCH_MAX_RECORDS;
    private long batchMaxBytes = DEFAULT_BATCH_MAX_BYTES;
    private Duration batchLinger = Duration.ofMillis(DEFAULT_BATCH_LINGER_MS);
    private Duration retryInitial = Duration.ofMillis(DEFAULT_RETRY_INITIAL_MS);
    private Duration retryMax = Duration.ofMillis(DEFAULT_RETRY_MAX_MS);
    private Duration metadataMaxAge = Duration.ofMillis(DEFAULT_METADATA_MAX_AGE_MS);
    private Map<String, String> consumer = new HashMap<>();

    /** The tap's settings on that connection: its connection properties, then the tap's own consumer properties. */
    public TapSettings toSettings(KafkaConfig kafka) {
        Map<String, String> consumerProperties = new HashMap<>(kafka.getProperties());
        consumerProperties.putAll(consumer);
        return new TapSettings(kafka.getBootstrapServers(), groupId, include, exclude, batchMaxRecords, batchMaxBytes, batchLinger,
                retryInitial, retryMax, metadataMaxAge, consumerProperties);
    }

    public boolean isEnabled() { return enabled; }
    public void setEnabled(boolean enabled) { this.enabled = enabled; }
    public String getGroupId() { return groupId; }
    public void setGroupId(String v) { this.groupId = v; }
    public String getInclude() { return include; }
    public void setInclude(String v) { this.include = v; }
    public String getExclude() { return exclude; }
    public void setExclude(String v) { this.exclude = v; }
    public int getBatchMaxRecords() { return batchMaxRecords; }
    public void setBatchMaxRecords(int v) { this.batchMaxRecords = v; }
    public long getBatchMaxBytes() { return batchMaxBytes; }
    /** Bytes, or a size such as {@code 32MB}. */
    public void setBatchMaxBytes(@ReadableBytes long v) { this.batchMaxBytes = v; }
    public Duration getBatchLinger() { return batchLinger; }
    public void setBatchLinger(Duration v) { this.batchLinger = v; }
    public Duration getRetryInitial() { return retryInitial; }
    public void setRetryInitial(Duration v) { this.retryInitial = v; }
    public Duration getRetryMax() { return retryMax; }
    public void setRetryMax(Duration v) { this.retryMax = v; }
    public Duration getMetadataMaxAge() { return metadataMaxAge; }
    public void setMetadataMaxAge(Duration v) { this.metadataMaxAge = v; }
    /**
     * Extra properties of the tap's consumer only (tuning; connection and security properties belong in
     * {@code choreoscope.kafka.properties}); they win over the tap's own and over the connection's.
     */
    public Map<String, String> getConsumer() { return consumer; }
    public void setConsumer(@MapFormat(transformation = MapFormat.MapTransformation.FLAT) Map<String, String> v) { this.consumer = v; }
}
