package io.choreoscope.model;

import java.util.List;
import java.util.Optional;

/**
 * Reads stored spans back, and joins them to stored Kafka events. Every implementation shows each
 * span (trace ID, span ID) once, however often an exporter re-sent it.
 *
 * <p>How a span joins an event, in order of trust:
 * <ol>
 *   <li>trace context: the record's {@code traceparent} header names the producer span
 *       ({@link Observation#traceId()}, {@link Observation#spanId()}); spans whose parent is that
 *       span, or that link to it (batch consumers), consumed the record;</li>
 *   <li>messaging attributes: a span whose {@link Span#messagingDestination()} is the record's topic
 *       and whose {@link Span#messagingMessageId()} is the record's {@link Observation#eventId()}, or
 *       whose Kafka partition and offset attributes ({@code messaging.destination.partition.id} or
 *       {@code messaging.kafka.destination.partition}, and {@code messaging.kafka.message.offset})
 *       are the record's;</li>
 *   <li>correlation: a span carrying the correlation ID as an attribute or baggage
 *       ({@link Span#correlationId()}) belongs to that instance, whatever its trace.</li>
 * </ol>
 */
public interface SpanReader {

    /** The spans of one trace, each once, ordered by start time then span ID; empty when unknown. */
    List<Span> trace(String traceId);

    /** One span, if stored. */
    Optional<Span> span(String traceId, String spanId);

    /**
     * Every span joined to one business transaction, each once, ordered by start time then trace and
     * span ID: all spans of the traces its events belong to (by the events' trace IDs), spans that
     * link to its events' producer spans, spans whose messaging attributes name one of its events, and
     * spans carrying that correlation ID. Empty when nothing joins.
     */
    List<Span> spansOf(String correlationId);

    /**
     * The same join for an instance whose events the caller has already read: spans carrying any of
     * {@code correlationIds}, and spans joined to any of {@code events} by trace context or messaging
     * attributes. Each once, ordered as {@link #spansOf(String)}.
     */
    List<Span> spansOf(java.util.Collection<String> correlationIds, List<Observation> events);

    /** An instance to join spans to: its correlation IDs and its records, already read. */
    record Joinable(java.util.Collection<String> correlationIds, List<Observation> events) {
        public Joinable {
            correlationIds = List.copyOf(correlationIds);
            events = List.copyOf(events);
        }
    }

    /**
     * {@link #spansOf(java.util.Collection, List)} for each instance, answers in the same order and each equal to
     * that call's. Implementations read all of them in a few batched statements (a listing of stuck instances).
     */
    default List<List<Span>> spansOfEach(List<Joinable> instances) {
        return instances.stream().map(j -> spansOf(j.correlationIds(), j.events())).toList();
    }

    /** The spans joined to one stored event (see the class comment for the rules). */
    EventSpans spansJoinedTo(Observation event);

    /**
     * The spans joined to one Kafka record.
     *
     * @param producer  the span that produced the record: the one its {@code traceparent} names or,
     *                  when the record has none, a PRODUCER span whose messaging attributes name the
     *                  record; null when no such span is stored
     * @param consumers spans that consumed it: children of the producer span, spans linking to it, and
     *                  non-producer spans whose messaging attributes name the record; each once,
     *                  ordered by start time; never null
     */
    record EventSpans(Span producer, List<Span> consumers) {
        public EventSpans {
            consumers = List.copyOf(consumers);
        }
    }
}
