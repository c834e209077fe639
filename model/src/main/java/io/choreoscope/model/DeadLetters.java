package io.choreoscope.model;

import java.util.List;
import java.util.function.Function;

/**
 * What makes a stored record a dead-letter copy, and what it says of how it died: one rule for the stuck causes, the
 * suspects and the instance page.
 *
 * <ul>
 *   <li>A Kafka dead letter: on a topic whose name says so ({@link Topics#DEAD_LETTER_REGEX}), or carrying a header
 *       that names its original topic ({@link #ORIGINAL_TOPIC_HEADERS}: Spring Kafka, Kafka Connect and the usual
 *       conventions).</li>
 *   <li>A RabbitMQ dead letter: carrying {@link #RABBITMQ_DEATH_QUEUE}, which RabbitMQ (3.8 and later) puts on a
 *       message it dead-letters, with {@link #RABBITMQ_DEATH_EXCHANGE}, {@link #RABBITMQ_DEATH_REASON} and
 *       {@code x-death}; whatever its exchange is called. A message a redrive sent back keeps those headers (so a second
 *       death counts on) and carries {@link Observation#REPLAY_ID_HEADER}: that one is not a dead letter.</li>
 * </ul>
 */
public final class DeadLetters {
    /** Headers naming the topic a Kafka dead letter was first on. */
    public static final List<String> ORIGINAL_TOPIC_HEADERS = List.of("x-original-topic", "kafka_dlt-original-topic",
            "x-exception-original-topic", "dlt-original-topic", "__connect.errors.topic");
    /** Headers carrying why a Kafka dead letter failed, most specific first. */
    public static final List<String> EXCEPTION_HEADERS = List.of("kafka_dlt-exception-message", "x-exception-message",
            "exception-message", "x-exception", "error");
    /** The exchange a RabbitMQ dead letter was first published to. */
    public static final String RABBITMQ_DEATH_EXCHANGE = "x-first-death-exchange";
    /** The queue that first dead-lettered a RabbitMQ message. */
    public static final String RABBITMQ_DEATH_QUEUE = "x-first-death-queue";
    /** Why: {@code rejected}, {@code expired}, {@code maxlen}, {@code delivery_limit}. */
    public static final String RABBITMQ_DEATH_REASON = "x-first-death-reason";

    private DeadLetters() {
    }

    /**
     * Whether a record is a dead-letter copy.
     *
     * @param topic  its topic ({@code rabbitmq:...} for an exchange)
     * @param header its header of a name (the first), or null
     */
    public static boolean isDeadLetter(String topic, Function<String, String> header) {
        if (Topics.looksLikeDeadLetter(topic)) {
            return true;
        }
        if (header.apply(RABBITMQ_DEATH_QUEUE) != null) {
            return deadLetteredByRabbitMq(header);
        }
        for (String h : ORIGINAL_TOPIC_HEADERS) {
            if (header.apply(h) != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether RabbitMQ dead-lettered it (and no redrive sent it back since): it then keeps its publisher's properties
     * and trace, so neither names who gave up on it.
     */
    public static boolean deadLetteredByRabbitMq(Function<String, String> header) {
        return header.apply(RABBITMQ_DEATH_QUEUE) != null && header.apply(Observation.REPLAY_ID_HEADER) == null;
    }

    /**
     * Why it died, in words, from its headers: a Kafka dead letter's exception message, or RabbitMQ's reason and queue
     * ({@code rejected in queue notifications}); null when its headers do not say.
     */
    public static String reason(Function<String, String> header) {
        for (String h : EXCEPTION_HEADERS) {
            String v = header.apply(h);
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        String queue = header.apply(RABBITMQ_DEATH_QUEUE);
        if (queue == null) {
            return null;
        }
        String why = header.apply(RABBITMQ_DEATH_REASON);
        return (why == null || why.isBlank() ? "dead-lettered" : why) + " in queue " + queue;
    }

    /** The topic, or the exchange for RabbitMQ, it was first on; null when its headers do not say. */
    public static String originalTopic(Function<String, String> header) {
        for (String h : ORIGINAL_TOPIC_HEADERS) {
            String v = header.apply(h);
            if (v != null) {
                return v;
            }
        }
        return header.apply(RABBITMQ_DEATH_EXCHANGE);
    }
}
