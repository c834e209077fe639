package io.choreoscope.replay;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.choreoscope.model.Header;
import io.choreoscope.model.Observation;

/**
 * The headers replay adds, and the dead-letter headers it reads and removes.
 *
 * <p>Added to every replayed record (after the original headers, whose order is kept):
 * {@value #REPLAY_ID} (the replay's ID), {@value #REPLAY_OF} ({@code topic/partition/offset} of the record
 * copied), {@value #REPLAYED_AT} (ISO-8601 instant) and, on a dead-letter redrive when the dead-letter
 * headers name them, {@value #REPLAY_ORIGINAL} ({@code topic/partition/offset} of the record that first
 * failed). Replay headers of an earlier replay are replaced, not repeated.
 *
 * <p>Dead-letter redrive: the original topic comes from the first of {@code kafka_dlt-original-topic}
 * (Spring Kafka), {@code x-original-topic}, {@code __connect.errors.topic} (Kafka Connect). The
 * dead-letter headers themselves (names starting with {@code kafka_dlt-}, {@code x-original-},
 * {@code x-exception}, {@code __connect.errors.}) are dropped: they describe the failure, not the event,
 * and a consumer that fails again would otherwise find stale ones next to new ones. Every other header
 * is kept as it was.
 */
public final class ReplayHeaders {
    public static final String REPLAY_ID = Observation.REPLAY_ID_HEADER;
    public static final String REPLAY_OF = "choreoscope-replay-of";
    public static final String REPLAYED_AT = "choreoscope-replayed-at";
    public static final String REPLAY_ORIGINAL = "choreoscope-replay-original";
    static final List<String> ORIGINAL_TOPIC = List.of("kafka_dlt-original-topic", "x-original-topic", "__connect.errors.topic");
    static final List<String> ORIGINAL_PARTITION = List.of("kafka_dlt-original-partition", "x-original-partition", "__connect.errors.partition");
    static final List<String> ORIGINAL_OFFSET = List.of("kafka_dlt-original-offset", "x-original-offset", "__connect.errors.offset");
    private static final List<String> DEAD_LETTER_PREFIXES = List.of("kafka_dlt-", "x-original-", "x-exception", "__connect.errors.");

    private ReplayHeaders() {
    }

    /** The original topic named by the dead-letter headers, or null. */
    public static String originalTopic(Observation o) {
        String v = first(o, ORIGINAL_TOPIC);
        return v == null || v.isBlank() ? null : v.strip();
    }

    /** {@code topic/partition/offset} of the record that first failed, when the headers name all three; else null. */
    static String originalCoordinates(Observation o) {
        String topic = originalTopic(o);
        Long partition = number(o, ORIGINAL_PARTITION);
        Long offset = number(o, ORIGINAL_OFFSET);
        return topic == null || partition == null || offset == null ? null : topic + "/" + partition + "/" + offset;
    }

    static boolean isDeadLetterHeader(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return DEAD_LETTER_PREFIXES.stream().anyMatch(n::startsWith);
    }

    static boolean isReplayHeader(String name) {
        return name.equals(REPLAY_ID) || name.equals(REPLAY_OF) || name.equals(REPLAYED_AT) || name.equals(REPLAY_ORIGINAL);
    }

    /** The headers to send: the original ones (minus replay headers, and minus dead-letter ones when asked), then the replay headers. */
    static List<Header> forReplay(Observation o, boolean dropDeadLetterHeaders, String replayId, String replayedAt) {
        List<Header> out = new ArrayList<>();
        for (Header h : o.headers()) {
            if (isReplayHeader(h.name()) || dropDeadLetterHeaders && isDeadLetterHeader(h.name())) {
                continue;
            }
            out.add(h);
        }
        out.add(Header.of(REPLAY_ID, replayId));
        out.add(Header.of(REPLAY_OF, o.coordinates()));
        out.add(Header.of(REPLAYED_AT, replayedAt));
        String original = dropDeadLetterHeaders ? originalCoordinates(o) : null;
        if (original != null) {
            out.add(Header.of(REPLAY_ORIGINAL, original));
        }
        return out;
    }

    private static String first(Observation o, List<String> names) {
        for (String n : names) {
            Header h = o.header(n);
            if (h != null && h.value() != null) {
                return h.text();
            }
        }
        return null;
    }

    /** Spring Kafka writes partition as 4 and offset as 8 big-endian bytes; others write decimal text. */
    private static Long number(Observation o, List<String> names) {
        for (String n : names) {
            Header h = o.header(n);
            if (h == null || h.value() == null) {
                continue;
            }
            byte[] v = h.value();
            String text = new String(v, StandardCharsets.UTF_8).strip();
            if (text.matches("-?\\d{1,19}")) {
                return Long.parseLong(text);
            }
            if (v.length == 4) {
                return (long) ByteBuffer.wrap(v).getInt();
            }
            if (v.length == 8) {
                return ByteBuffer.wrap(v).getLong();
            }
        }
        return null;
    }
}
