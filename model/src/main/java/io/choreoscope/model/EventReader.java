package io.choreoscope.model;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads stored observations back. Every implementation shows each Kafka record once, however often
 * it was delivered to the sink. Reads that cannot be answered throw {@link StorageException}.
 */
public interface EventReader {

    /** The events of one correlation ID, ordered by timestamp, then partition and offset. */
    List<Observation> eventsOf(String correlationId);

    /**
     * The events of several correlation IDs (an instance and its linked IDs), each record once, ordered by
     * timestamp, then partition and offset. At most 1000 IDs per call; an empty collection reads nothing.
     */
    List<Observation> eventsOf(Collection<String> correlationIds);

    /**
     * {@link #eventsOf(Collection)} with what inference reads of a record and nothing more: no key, no headers, no
     * payload and no decoded document (left absent). Live inference's recovery reads through it; a record's bytes
     * are most of what a read of events moves and decodes, and the engine uses none of them. The IDs go into one
     * statement: the caller bounds them (a few thousand, 64 Ki characters), not the 1000 of {@link #eventsOf}.
     */
    default List<Observation> eventsForInference(Collection<String> correlationIds) {
        return eventsOf(correlationIds);
    }

    /**
     * One page of the events of several correlation IDs (an instance and its linked IDs), each record once, in the
     * order of {@link EventPosition} (timestamp, partition, offset, topic), strictly after {@code after} (null: from
     * the first), at most {@code limit}. Each payload is read only up to {@code maxPayloadBytes} (0: none of it);
     * the excerpt carries the stored size. At most 1000 IDs; an empty collection reads nothing.
     */
    List<EventExcerpt> eventPage(Collection<String> correlationIds, EventPosition after, int limit, int maxPayloadBytes);

    /**
     * For many correlation IDs at once (the instances of a listing): the first {@code perIdLimit} records of each ID
     * in the order of {@link EventPosition}, each record once, payloads not read (empty, as {@code eventPage} with
     * {@code maxPayloadBytes} 0). Any number of IDs; implementations read them in a few batched statements. The
     * first n records of an instance (several IDs) are the first n of the union of its IDs' answers.
     */
    default List<Observation> firstEventsOfEach(Collection<String> correlationIds, int perIdLimit) {
        List<Observation> out = new java.util.ArrayList<>();
        for (String id : new java.util.LinkedHashSet<>(correlationIds)) {
            eventPage(List.of(id), null, perIdLimit, 0).forEach(e -> out.add(e.event()));
        }
        return out;
    }

    /** How many records (each once) the given correlation IDs hold in all. At most 1000 IDs. */
    long countEventsOf(Collection<String> correlationIds);

    /** The last event of a correlation ID (by timestamp, then partition and offset), if any. */
    Optional<Observation> lastEventOf(String correlationId);

    /** The event stored for those coordinates, if any. */
    Optional<Observation> event(String topic, int partition, long offset);

    /**
     * The event stored for those coordinates, when its correlation ID is known too (a search hit names both): a
     * store ordered by correlation ID finds it by key instead of scanning every record. Same answer as
     * {@link #event(String, int, long)} for an event stored under {@code correlationId}.
     */
    default Optional<Observation> event(String correlationId, String topic, int partition, long offset) {
        return event(topic, partition, offset).filter(o -> correlationId == null
                || correlationId.equals(o.correlationId() == null ? "" : o.correlationId()));
    }

    /** All events of a topic, each once, in partition/offset order; at most {@code limit}. */
    List<Observation> eventsOfTopic(String topic, int limit);

    /**
     * Events of a topic after the given coordinates, each once, in partition/offset order; at most
     * {@code limit}. Start with partition -1 to read from the beginning; pass the last row's coordinates
     * to read the next page.
     */
    List<Observation> eventsOfTopicAfter(String topic, int afterPartition, long afterOffset, int limit);

    /**
     * How late a record may be stamped and still count as arriving in a window ({@link #countByTopicSince},
     * {@link #deadLettersByTopicSince}): one hour. A dead letter keeps its original record's timestamp when Kafka
     * Connect writes it (its dead-letter queue reporter copies it), so a connector running behind, or retrying for
     * minutes, writes dead letters stamped before the window they arrive in; counted by their timestamp they were never
     * counted. Counted by their arrival alone, the history of a dead-letter topic that choreoscope reads from its
     * beginning at its first start would all arrive at once. Records stamped more than this before the window are
     * that history.
     */
    java.time.Duration LATE_ARRIVAL = java.time.Duration.ofHours(1);

    /**
     * For every stored topic whose whole name matches {@code topicRegex} (RE2 syntax), how many distinct
     * records arrived (were stored) at or after {@code since}, stamped at most {@link #LATE_ARRIVAL} before it; topics
     * with none count 0. Sorted by topic.
     */
    Map<String, Long> countByTopicSince(String topicRegex, Instant since);

    /**
     * Dead letters per topic, as {@link DeadLetters#isDeadLetter} tells them: every record of a topic whose whole name
     * matches {@code topicRegex}, and on any other topic the records whose headers make them dead letters (a Kafka
     * tool's original-topic header, RabbitMQ's death queue without the replay header: a RabbitMQ dead-letter exchange
     * is found whatever it is called). Distinct records counted as {@link #countByTopicSince} counts them (arrived at or
     * after {@code since}, stamped at most {@link #LATE_ARRIVAL} before it); a topic matched by name counts 0 when
     * quiet, a topic of dead letters by headers does so for a day after its last one. Sorted by topic.
     */
    default Map<String, Long> deadLettersByTopicSince(String topicRegex, Instant since) {
        return deadLettersByTopicSince(topicRegex, since, since.minus(java.time.Duration.ofDays(1)));
    }

    /**
     * As {@link #deadLettersByTopicSince(String, Instant)}, the topics of dead letters by headers read from
     * {@code headersSince} instead of a day before {@code since}: a caller that remembers the topics it has seen reads
     * only its window ({@code headersSince = since}) after a first read of the day. A topic whose first dead letter by
     * headers arrives in the window is listed whatever its stamp within {@link #LATE_ARRIVAL}.
     */
    Map<String, Long> deadLettersByTopicSince(String topicRegex, Instant since, Instant headersSince);

    /** How many distinct records of a topic are flagged replayed (they carry the replay-ID header). */
    long countReplayed(String topic);

    /** How many distinct records (by topic, partition, offset) are stored for a topic. */
    long countDistinct(String topic);

    /** How many rows are returned for a topic by an ordinary query: equals {@link #countDistinct} when deduplication works. */
    long countVisible(String topic);
}
