package io.choreoscope.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.choreoscope.model.flow.DependencyMap;

/** Reads the service dependency map and per-topic traffic. Reads that cannot be answered throw {@link StorageException}. */
public interface DependencyReader {

    /**
     * The service dependency map of [{@code from}, {@code to}): PRODUCES edges counted from per-minute aggregates
     * of the stored events (the window is taken in whole minutes, from the minute of {@code from}; a record the tap
     * delivered twice may count twice there), with rates in records per second over {@link #windowSeconds}; CONSUMES edges as
     * live inference learned them, merged over every owner. Nodes sorted by kind, then name.
     */
    DependencyMap dependencies(Instant from, Instant to);

    /**
     * Messaging edges counted from the stored spans of [{@code from}, {@code to}), on the same basis as the PRODUCES
     * edges of {@link #dependencies}: the window starts at the minute of {@code from}, a span counts in the minute of
     * its start, and rates are records per second over that window ({@link #windowSeconds}). A PRODUCER span with a
     * messaging destination makes a PRODUCES edge (its service -> the topic), a CONSUMER span a CONSUMES edge (the
     * topic -> its service); evidence {@code span}, service names as the spans report them, no event types, NaN delays.
     */
    DependencyMap spanDependencies(Instant from, Instant to);

    /** CONSUMER spans of one service (as the spans name it) on one topic that started in one minute. */
    record MinuteCount(String service, String topic, Instant minute, long count) {
    }

    /**
     * CONSUMER spans per service, topic and minute of their start, for the given topics, on the basis of
     * {@link #spanDependencies}: minutes from the minute of {@code from}, each minute before {@code to}. Summing the
     * minutes m with {@code minute(from) <= m < to} gives the CONSUMES count {@link #spanDependencies} answers for
     * [from, to). Empty topics: nothing read.
     */
    List<MinuteCount> consumerSpansPerMinute(java.util.Collection<String> topics, Instant from, Instant to);

    /**
     * Consumer group -> the service its CONSUMER spans of [{@code from}, {@code to}) report (the most frequent one
     * when several do). Groups no span reports are absent.
     */
    Map<String, String> consumerGroupServices(Instant from, Instant to);

    /**
     * RabbitMQ: exchange topic ({@code rabbitmq:[vhost:]exchange}) -> queue -> messages of [{@code from}, {@code to})
     * the broker routed to that queue (the tap's {@code amqp:routed_queue} headers), on the same basis as the PRODUCES
     * edges of {@link #dependencies} (from the minute of {@code from}; a message the tap stored twice counts twice).
     */
    Map<String, Map<String, Long>> routedQueues(Instant from, Instant to);

    /**
     * RabbitMQ dead letters of one queue in one exchange: {@code count} messages of [{@code from}, {@code to}) the
     * broker dead-lettered from {@code queue} into the exchange {@code topic}, of these event types.
     */
    record DeadLettered(String topic, String queue, long count, Set<String> eventTypes) {
        public DeadLettered {
            eventTypes = Set.copyOf(eventTypes);
        }
    }

    /**
     * The RabbitMQ dead letters of [{@code from}, {@code to}) per dead-letter exchange and the queue they died in, as
     * {@link DeadLetters#deadLetteredByRabbitMq} tells them (a redriven message is not one), on the basis of
     * {@link #routedQueues}.
     */
    List<DeadLettered> deadLettered(Instant from, Instant to);

    /**
     * Kafka topics holding dead letters of [{@code from}, {@code to}) by their headers: records carrying a header that
     * names their original topic ({@link DeadLetters#ORIGINAL_TOPIC_HEADERS}), whatever the topic is called (a topic
     * named as a dead-letter topic is one anyway, {@link io.choreoscope.model.Topics#looksLikeDeadLetter}). From the
     * minute of {@code from}, as {@link #dependencies}; at most {@value #MAX_DEAD_LETTER_TOPICS}, sorted.
     */
    Set<String> deadLetterTopicsByHeaders(Instant from, Instant to);

    /** Most topics {@link #deadLetterTopicsByHeaders} names. */
    int MAX_DEAD_LETTER_TOPICS = 1_000;

    /**
     * The seconds {@link #dependencies} and {@link #spanDependencies} divide counts by: from the start of the minute
     * of {@code from} to {@code to}, at least 1.
     */
    static double windowSeconds(Instant from, Instant to) {
        long start = from.truncatedTo(java.time.temporal.ChronoUnit.MINUTES).toEpochMilli();
        return Math.max(1, (to.toEpochMilli() - start) / 1000.0);
    }

    /** Events per second tapped per topic over the last 5 minutes; topics without events in that time are absent. */
    Map<String, Double> topicRates();
}
