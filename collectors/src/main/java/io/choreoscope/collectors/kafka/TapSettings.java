package io.choreoscope.collectors.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a {@link KafkaTap} needs to run; built from {@link TapConfig} or directly in tests.
 *
 * @param bootstrapServers   Kafka bootstrap servers
 * @param groupId            consumer group of the tap (one group for all collector instances)
 * @param include            regex of topics to tap (whole name)
 * @param exclude            regex of topics never to tap (whole name); wins over include
 * @param batchMaxRecords    a batch goes to the sink when it holds this many records
 * @param batchMaxBytes      ... or before it would hold more than this many bytes of keys, values and headers (a
 *                           single larger record goes alone)
 * @param batchLinger        ... or when its oldest record waited this long
 * @param retryInitial       first wait after the sink failed; doubles up to {@code retryMax}
 * @param retryMax           longest wait between sink retries
 * @param metadataMaxAge     how often topic metadata is refreshed: new topics are seen within about this time
 * @param consumerProperties extra Kafka consumer properties (security, tuning); they win over the tap's own
 */
public record TapSettings(String bootstrapServers, String groupId, String include, String exclude,
                          int batchMaxRecords, long batchMaxBytes, Duration batchLinger, Duration retryInitial, Duration retryMax,
                          Duration metadataMaxAge, Map<String, String> consumerProperties) {

    public TapSettings {
        if (batchMaxRecords < 1) {
            throw new IllegalArgumentException("batch max records must be at least 1, was " + batchMaxRecords);
        }
        if (batchMaxBytes < 1) {
            throw new IllegalArgumentException("batch max bytes must be at least 1, was " + batchMaxBytes);
        }
        consumerProperties = consumerProperties == null ? Map.of() : Map.copyOf(consumerProperties);
        topicPattern(include, exclude); // fail at configuration time, with the regex in the message
    }

    /** The subscription pattern: topics matching {@code include} but not {@code exclude}. */
    public Pattern topicPattern() {
        return topicPattern(include, exclude);
    }

    private static Pattern topicPattern(String include, String exclude) {
        try {
            String ex = exclude == null || exclude.isBlank() ? "" : "(?!(?:" + exclude + ")$)";
            return Pattern.compile("^" + ex + "(?:" + include + ")$");
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("bad topic pattern (include '" + include + "', exclude '" + exclude + "'): "
                    + e.getMessage(), e);
        }
    }

    /** Settings with the documented defaults of {@link TapConfig} for a broker and group. */
    public static TapSettings defaults(String bootstrapServers, String groupId) {
        return new TapSettings(bootstrapServers, groupId, TapConfig.DEFAULT_INCLUDE, TapConfig.DEFAULT_EXCLUDE,
                TapConfig.DEFAULT_BATCH_MAX_RECORDS, TapConfig.DEFAULT_BATCH_MAX_BYTES, Duration.ofMillis(TapConfig.DEFAULT_BATCH_LINGER_MS),
                Duration.ofMillis(TapConfig.DEFAULT_RETRY_INITIAL_MS), Duration.ofMillis(TapConfig.DEFAULT_RETRY_MAX_MS),
                Duration.ofMillis(TapConfig.DEFAULT_METADATA_MAX_AGE_MS), Map.of());
    }

    public TapSettings withInclude(String newInclude) {
        return new TapSettings(bootstrapServers, groupId, newInclude, exclude, batchMaxRecords, batchMaxBytes, batchLinger,
                retryInitial, retryMax, metadataMaxAge, consumerProperties);
    }

    public TapSettings withBatch(int maxRecords, Duration linger) {
        return new TapSettings(bootstrapServers, groupId, include, exclude, maxRecords, batchMaxBytes, linger,
                retryInitial, retryMax, metadataMaxAge, consumerProperties);
    }

    public TapSettings withBatchMaxBytes(long maxBytes) {
        return new TapSettings(bootstrapServers, groupId, include, exclude, batchMaxRecords, maxBytes, batchLinger,
                retryInitial, retryMax, metadataMaxAge, consumerProperties);
    }
}
