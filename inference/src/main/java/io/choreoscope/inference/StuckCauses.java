package io.choreoscope.inference;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.choreoscope.model.DeadLetters;
import io.choreoscope.model.Header;
import io.choreoscope.model.Observation;
import io.choreoscope.model.Span;
import io.choreoscope.model.flow.ExpectedStep;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.StuckCause;
import io.choreoscope.model.flow.StuckCause.Kind;

/**
 * Why a stuck instance is stuck: the first cause, most specific first, that its evidence supports
 * (docs/INFERENCE.md, "Why it is stuck"). Plain Java: the instance's stored records and spans go in, consumer
 * activity is asked through {@link ConsumerActivity}, the clock is passed in.
 *
 * <ol>
 *   <li>{@link Kind#DEAD_LETTERED}: one of the instance's records is on a dead-letter topic (a topic whose name has a
 *       {@code dlt}, {@code dlq} or {@code dead-letter} part, or a record with a dead-letter header such as
 *       {@code x-original-topic} or {@code kafka_dlt-original-topic}); the service is the one whose producer span
 *       sent it, else the one whose consumer span on the original topic failed, else the waiting service; the detail
 *       carries the exception header.</li>
 *   <li>{@link Kind#ERROR_SPAN}: a CONSUMER span of the waiting service (any service when none is known) on the last
 *       event's topic ended with status ERROR: its status message and the exception event.</li>
 *   <li>{@link Kind#CONSUMED_NO_OUTPUT}: such a span exists without error: the service received the last event and
 *       produced nothing since.</li>
 *   <li>{@link Kind#NO_CONSUMER_ACTIVITY}: the waiting service has consumer spans on that topic before the last event
 *       but none since it: its consumer is down or lagging.</li>
 *   <li>{@link Kind#NO_EVIDENCE}: otherwise.</li>
 * </ol>
 * Bad input (records without type or topic, spans without destination) is skipped, never thrown on. Cost: linear
 * in the records and spans given, plus at most one {@link ConsumerActivity} call.
 */
public final class StuckCauses {
    private static final Pattern EXCEPTION_MESSAGE = Pattern.compile("\"exception\\.message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern EXCEPTION_TYPE = Pattern.compile("\"exception\\.type\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.S", Locale.ROOT).withZone(ZoneOffset.UTC);
    /** Longest detail text kept, in characters: exception messages are the services' to choose. */
    public static final int MAX_DETAIL_CHARS = 500;

    /** Consumer spans of a service on a topic, around a time; answered from stored spans. */
    @FunctionalInterface
    public interface ConsumerActivity {
        /**
         * @return {before, since}: consumer spans of {@code service} on {@code topic} in the hour before {@code at},
         * and from {@code at} to now
         */
        long[] consumerSpans(String service, String topic, Instant at);
    }

    private StuckCauses() {
    }

    /** The pattern a dead-letter topic's whole name matches (Java and RE2 syntax alike). */
    public static String deadLetterTopicRegex() {
        return io.choreoscope.model.Topics.DEAD_LETTER_REGEX;
    }

    /** Whether a record is a dead-letter copy ({@link DeadLetters#isDeadLetter}). */
    public static boolean deadLetter(Observation o) {
        return DeadLetters.isDeadLetter(o.topic(), headers(o));
    }

    private static java.util.function.Function<String, String> headers(Observation o) {
        return name -> {
            Header h = o.header(name);
            return h == null ? null : h.text();
        };
    }

    /**
     * The cause of a stuck instance.
     *
     * @param s         the instance (its last event type, expected next steps)
     * @param waitingOn the services expected to produce the next steps, most likely first; may be empty
     * @param events    the instance's stored records, dead-letter copies included, any order
     * @param spans     the spans joined to the instance
     * @param activity  consumer activity per service and topic; null to skip that evidence
     */
    public static StuckCause explain(InstanceSnapshot s, List<String> waitingOn, List<Observation> events,
                                     List<Span> spans, ConsumerActivity activity) {
        String waiting = waitingOn == null || waitingOn.isEmpty() ? null : waitingOn.get(0);
        Observation last = lastRecord(s, events);
        String lastType = s.lastEventType() == null ? "the last event" : s.lastEventType();

        // 1. dead-lettered
        Observation dead = events.stream().filter(StuckCauses::deadLetter)
                .max(Comparator.comparing(Observation::timestamp)).orElse(null);
        if (dead != null) {
            // A RabbitMQ dead letter keeps its publisher's properties and trace: its producer is not who gave up on it.
            String by = DeadLetters.deadLetteredByRabbitMq(headers(dead)) ? null : producerService(dead, spans);
            by = by != null ? by : failedConsumer(dead, spans);
            by = by != null ? by : waiting;
            String reason = DeadLetters.reason(headers(dead));
            String detail = "dead-lettered" + (by == null ? "" : " by " + by) + ": "
                    + (reason == null ? "(no reason header)" : reason) + " (" + dead.topic() + ")";
            return new StuckCause(Kind.DEAD_LETTERED, by, cut(detail),
                    List.of("record " + dead.coordinates(), dead.eventType() == null ? "type unknown" : "type " + dead.eventType()));
        }

        // 2 and 3: the waiting service's consumer span of the last event
        Span consumed = null;
        if (last != null) {
            for (Span sp : spans) {
                if (!"CONSUMER".equalsIgnoreCase(sp.kind()) || !last.topic().equals(sp.messagingDestination())) {
                    continue;
                }
                if (waiting != null && !waiting.equals(sp.service())) {
                    continue;
                }
                if (!consumedRecord(sp, last)) {
                    continue;
                }
                if (consumed == null || error(sp) && !error(consumed)
                        || error(sp) == error(consumed) && sp.start() != null && consumed.start() != null
                        && sp.start().isAfter(consumed.start())) {
                    consumed = sp;
                }
            }
        }
        if (consumed != null && error(consumed)) {
            StringBuilder d = new StringBuilder(consumed.service()).append(" failed on ").append(lastType);
            if (consumed.statusMessage() != null && !consumed.statusMessage().isBlank()) {
                d.append(": ").append(consumed.statusMessage());
            }
            String exception = exception(consumed.eventsJson());
            if (exception != null) {
                d.append(" (").append(exception).append(')');
            }
            return new StuckCause(Kind.ERROR_SPAN, consumed.service(), cut(d.toString()),
                    List.of("span " + consumed.spanId() + " status ERROR"));
        }
        if (consumed != null) {
            String at = consumed.start() == null ? "" : " at " + TIME.format(consumed.start());
            return new StuckCause(Kind.CONSUMED_NO_OUTPUT, consumed.service(),
                    cut(consumed.service() + " consumed " + lastType + at + " and produced nothing since"),
                    List.of("span " + consumed.spanId()));
        }

        // 4. no consumer activity
        if (waiting != null && last != null && activity != null) {
            long[] seen = activity.consumerSpans(waiting, last.topic(), last.timestamp());
            if (seen != null && seen.length == 2 && seen[0] > 0 && seen[1] == 0) {
                return new StuckCause(Kind.NO_CONSUMER_ACTIVITY, waiting,
                        cut(waiting + " consumed nothing from " + last.topic() + " since " + TIME.format(last.timestamp())
                                + " (consumer down or lagging)"),
                        List.of(seen[0] + " consumer spans of " + waiting + " on " + last.topic() + " in the hour before",
                                "0 since"));
            }
        }

        // 5. nothing
        ExpectedStep next = s.expectedNext().isEmpty() ? null : s.expectedNext().get(0);
        String detail = next == null ? "no evidence"
                : "no evidence; expected " + next.eventType() + (waiting == null ? "" : " from " + waiting)
                + " within " + duration(next.boundMs());
        return new StuckCause(Kind.NO_EVIDENCE, waiting, cut(detail), List.of());
    }

    private static Observation lastRecord(InstanceSnapshot s, List<Observation> events) {
        Observation best = null;
        for (Observation o : events) {
            if (deadLetter(o) || o.topic() == null || o.timestamp() == null) {
                continue;
            }
            boolean typed = s.lastEventType() != null && s.lastEventType().equals(o.eventType());
            boolean bestTyped = best != null && s.lastEventType() != null && s.lastEventType().equals(best.eventType());
            if (best == null || typed && !bestTyped || typed == bestTyped && o.timestamp().isAfter(best.timestamp())) {
                best = o;
            }
        }
        return best;
    }

    /** The span consumed that record: child of its producer span, or names its event ID or its partition/offset. */
    private static boolean consumedRecord(Span sp, Observation o) {
        if (o.spanId() != null && o.spanId().equals(sp.parentSpanId())
                && (o.traceId() == null || o.traceId().equals(sp.traceId()))) {
            return true;
        }
        if (o.eventId() != null && o.eventId().equals(sp.messagingMessageId())) {
            return true;
        }
        String offset = sp.attributes().getOrDefault("messaging.kafka.message.offset",
                sp.attributes().get("messaging.kafka.offset"));
        String partition = sp.attributes().getOrDefault("messaging.destination.partition.id",
                sp.attributes().get("messaging.kafka.destination.partition"));
        if (offset != null && offset.equals(Long.toString(o.offset()))
                && (partition == null || partition.equals(Integer.toString(o.partition())))) {
            return true;
        }
        // spans joined by correlation ID only: a consumer span of that topic in the instance counts
        return o.correlationId() != null && o.correlationId().equals(sp.correlationId()) && o.spanId() == null
                && o.eventId() == null;
    }

    private static String producerService(Observation o, List<Span> spans) {
        if (o.spanId() == null) {
            return null;
        }
        for (Span sp : spans) {
            if (o.spanId().equals(sp.spanId()) && (o.traceId() == null || o.traceId().equals(sp.traceId()))) {
                return sp.service();
            }
        }
        return null;
    }

    /** The service whose CONSUMER span on the dead letter's original topic ended in error (it gave up on the record). */
    private static String failedConsumer(Observation dead, List<Span> spans) {
        String original = DeadLetters.originalTopic(headers(dead)); // for RabbitMQ, the exchange: a consumer span's destination
        for (Span sp : spans) {
            if ("CONSUMER".equalsIgnoreCase(sp.kind()) && error(sp) && sp.service() != null
                    && (original == null || original.equals(sp.messagingDestination()))) {
                return sp.service();
            }
        }
        return null;
    }

    private static boolean error(Span sp) {
        return "ERROR".equalsIgnoreCase(sp.statusCode());
    }

    private static String exception(String eventsJson) {
        if (eventsJson == null) {
            return null;
        }
        Matcher type = EXCEPTION_TYPE.matcher(eventsJson);
        Matcher message = EXCEPTION_MESSAGE.matcher(eventsJson);
        String t = type.find() ? unescape(type.group(1)) : null;
        String m = message.find() ? unescape(message.group(1)) : null;
        if (t == null && m == null) {
            return null;
        }
        return t == null ? m : m == null ? t : t + ": " + m;
    }

    /**
     * The text of a JSON string's body (the span events as the OTLP receiver stores them are JSON): escapes resolved,
     * control characters (a multi-line message's line breaks) as spaces, so the detail stays one line. A broken escape
     * is kept as written.
     */
    static String unescape(String body) {
        if (body.indexOf('\\') < 0) {
            return body;
        }
        StringBuilder b = new StringBuilder(body.length());
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c != '\\' || i + 1 >= body.length()) {
                b.append(c);
                continue;
            }
            char e = body.charAt(++i);
            switch (e) {
                case 'b', 'f', 'n', 'r', 't' -> b.append(' ');
                case 'u' -> {
                    int code = i + 4 < body.length() ? hex4(body, i + 1) : -1;
                    if (code < 0) {
                        b.append("\\u");
                    } else {
                        b.append(Character.isISOControl(code) ? ' ' : (char) code);
                        i += 4;
                    }
                }
                default -> b.append(e); // \" \\ \/
            }
        }
        return b.toString();
    }

    private static int hex4(String s, int from) {
        int v = 0;
        for (int k = from; k < from + 4; k++) {
            int d = Character.digit(s.charAt(k), 16);
            if (d < 0) {
                return -1;
            }
            v = v * 16 + d;
        }
        return v;
    }

    private static String duration(long ms) {
        if (ms < 10_000) {
            return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
        }
        return ms < 120_000 ? ms / 1000 + " s" : ms / 60_000 + " min";
    }

    private static String cut(String s) {
        return s.length() <= MAX_DETAIL_CHARS ? s : s.substring(0, MAX_DETAIL_CHARS - 1) + "…";
    }

    /** The services that produce each of the expected next steps, most likely step first, each once. */
    public static List<String> waitingOn(InstanceSnapshot s, java.util.function.Function<String, List<String>> producersOfType) {
        List<String> out = new ArrayList<>();
        for (ExpectedStep e : s.expectedNext()) {
            for (String service : producersOfType.apply(e.eventType())) {
                if (service != null && !out.contains(service)) {
                    out.add(service);
                }
            }
        }
        return out;
    }
}
