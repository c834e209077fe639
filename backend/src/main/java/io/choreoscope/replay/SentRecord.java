package io.choreoscope.replay;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;

/**
 * One record a replay sent and Kafka acknowledged (table {@code replay_sent_record}), part of the replay audit.
 *
 * @param source          {@code topic/partition/offset} of the stored record that was copied
 * @param targetTopic     where it was produced
 * @param targetPartition the partition Kafka put it in
 * @param targetOffset    its offset there
 * @param recordKey       its key as text (base64 with a {@code base64:} prefix when not UTF-8), cut to
 *                        {@value #MAX_KEY_CHARS} characters; null when it had none
 */
@MappedEntity(value = "replay_sent_record", escape = false)
public record SentRecord(@Id @GeneratedValue @Nullable Long id, String replayId, String source, String targetTopic,
                         int targetPartition, long targetOffset, @Nullable String recordKey) {
    /** Longest key kept, in characters (the column holds 400). */
    static final int MAX_KEY_CHARS = 300;
}
