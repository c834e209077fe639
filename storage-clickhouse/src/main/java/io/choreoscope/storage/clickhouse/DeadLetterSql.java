package io.choreoscope.storage.clickhouse;

import io.choreoscope.model.DeadLetters;
import io.choreoscope.model.Observation;

/**
 * {@link DeadLetters#isDeadLetter}'s rule in SQL over a row of {@code events}, built from the model's constants so the
 * two cannot drift: the topic's name (matched against a bound regex by the caller), or the headers.
 */
final class DeadLetterSql {
    private DeadLetterSql() {
    }

    /**
     * True where the row's headers make it a dead letter: a Kafka tool's original-topic header, or RabbitMQ's death
     * queue without the replay header (a redriven message is not one).
     *
     * @param row the table's alias and a dot ({@code "e."}), or {@code ""}
     */
    static String byHeaders(String row) {
        return "(" + namingOriginalTopic(row) + " OR (has(" + row + "header_keys, '" + DeadLetters.RABBITMQ_DEATH_QUEUE
                + "') AND NOT has(" + row + "header_keys, '" + Observation.REPLAY_ID_HEADER + "')))";
    }

    /** True where the row carries a Kafka tool's header naming the record's original topic. */
    static String namingOriginalTopic(String row) {
        return "hasAny(" + row + "header_keys, [" + String.join(", ", DeadLetters.ORIGINAL_TOPIC_HEADERS.stream()
                .map(h -> "'" + h + "'").toList()) + "])";
    }
}
