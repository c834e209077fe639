package io.choreoscope.model.api;

import java.util.List;

/**
 * Body of {@code POST /api/v1/replays}.
 *
 * @param mode            required
 * @param events          for {@link ReplayMode#EVENT}: the records to re-publish (1..max)
 * @param correlationIds  for {@link ReplayMode#STUCK_LAST_EVENT}: the instances whose last event is re-published
 * @param deadLetterTopic for {@link ReplayMode#DEAD_LETTER}: the dead-letter topic to redrive
 * @param targetTopic     for DEAD_LETTER: where records go whose headers name no original topic; for the other
 *                        modes: optional override of every record's destination. Null: no override.
 * @param dryRun          true: nothing is sent; the answer lists exactly the records that would be
 * @param ratePerSecond   records per second, default {@code choreoscope.replay.default-rate}
 */
public record ReplayRequest(ReplayMode mode, List<EventRef> events, List<String> correlationIds,
                            String deadLetterTopic, String targetTopic, Boolean dryRun, Double ratePerSecond) {

    /** Longest {@link #subject()}, in characters: the coordinates or IDs it lists are cut with "…" beyond it. */
    public static final int MAX_SUBJECT_CHARS = 200;

    /**
     * What the request replays, in words for the audit: {@code event orders/2/1234}, {@code 3 events: orders/2/1234, …},
     * {@code last events of 12 instances: order-1, order-2, …}, {@code dead-letter topic payments.DLT}, {@code dead-letter
     * queue rabbitmq:shipping-notifications.dlq}; {@code " → <target>"} after it when a target topic is given. Null without
     * a mode. Text as sent: whoever shows it escapes it.
     */
    public String subject() {
        if (mode == null) {
            return null;
        }
        List<EventRef> refs = events == null ? List.of() : events;
        List<String> ids = correlationIds == null ? List.of() : correlationIds;
        String what = switch (mode) {
            case EVENT -> refs.isEmpty() ? "no events" : refs.size() == 1 ? "event " + coordinates(refs.get(0))
                    : refs.size() + " events: " + joined(refs, ReplayRequest::coordinates);
            case STUCK_LAST_EVENT -> ids.isEmpty() ? "last events of no instances"
                    : ids.size() == 1 ? "last event of instance " + ids.get(0)
                    : "last events of " + ids.size() + " instances: " + joined(ids, String::valueOf);
            case DEAD_LETTER -> deadLetterTopic == null || deadLetterTopic.isBlank() ? "dead letters"
                    : (deadLetterTopic.strip().startsWith(io.choreoscope.model.Topics.RABBITMQ_PREFIX)
                            ? "dead-letter queue " : "dead-letter topic ") + deadLetterTopic.strip();
        };
        if (targetTopic != null && !targetTopic.isBlank()) {
            what += " \u2192 " + targetTopic.strip();
        }
        return what.length() <= MAX_SUBJECT_CHARS ? what : what.substring(0, MAX_SUBJECT_CHARS - 1) + "\u2026";
    }

    /** The first items, comma-separated, as many as the subject can show: a long list is not walked whole. */
    private static <T> String joined(List<T> items, java.util.function.Function<T, String> text) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < items.size() && b.length() <= MAX_SUBJECT_CHARS; i++) {
            b.append(i == 0 ? "" : ", ").append(text.apply(items.get(i)));
        }
        return b.toString();
    }

    private static String coordinates(EventRef e) {
        return e == null ? "?" : e.topic() + "/" + e.partition() + "/" + e.offset();
    }

    /** A stored record's coordinates. */
    public record EventRef(String topic, int partition, long offset) {
    }
}
