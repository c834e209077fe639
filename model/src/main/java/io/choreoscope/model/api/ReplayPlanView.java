package io.choreoscope.model.api;

import java.util.List;

/**
 * The answer to a replay request: its status and, for a dry run, exactly the records that would be
 * sent (for a real run, the first 100 of those sent). The replay headers shown for a dry run carry
 * the dry run's own replay ID and time; a real run gets its own.
 */
public record ReplayPlanView(ReplayStatus status, List<ReplayRecordView> records) {

    /**
     * One record as it is (or would be) produced.
     *
     * @param source      coordinates of the stored record it copies, {@code topic/partition/offset}
     * @param targetTopic where it goes
     * @param key         the original key (text, or base64 when {@code keyEncoding = "base64"}); null when none
     * @param headers     every header in order: the original ones (minus dead-letter headers on a redrive)
     *                    followed by the replay headers
     * @param payload     the original value (text or base64); null for a tombstone
     */
    public record ReplayRecordView(String source, String targetTopic, String key, String keyEncoding,
                                   List<EventView.HeaderView> headers, String payload, String payloadEncoding) {
    }
}
