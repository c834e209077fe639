package io.choreoscope.replay;

import java.time.Instant;

import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;

/**
 * A dead-lettered record that a redrive sent and Kafka acknowledged (table {@code replay_redriven}), part of
 * the replay audit. Its {@code source} is the redrive's idempotency key: a later redrive of the same
 * dead-letter topic skips it.
 *
 * @param source          {@code topic/partition/offset} of the dead-lettered record (not of its original)
 * @param deadLetterTopic the dead-letter topic it was read from
 * @param replayId        the replay that sent it
 * @param redrivenAt      when that replay was planned
 */
@MappedEntity(value = "replay_redriven", escape = false)
public record RedrivenRecord(@Id String source, String deadLetterTopic, String replayId, Instant redrivenAt) {
}
