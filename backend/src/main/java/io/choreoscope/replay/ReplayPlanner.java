package io.choreoscope.replay;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

import io.choreoscope.collectors.kafka.TapConfig;
import io.choreoscope.http.ApiException;
import io.choreoscope.model.Observation;
import io.choreoscope.model.api.ReplayRequest;
import io.choreoscope.model.EventReader;

/**
 * Turns a replay request into the exact records to send, reading the originals from the event store.
 * The same plan is shown by a dry run and sent by a real run. Refuses (400/404, with the reason)
 * requests that name nothing, name unknown events, exceed the size bound, or redrive dead letters
 * whose original topic is unknown and no target topic was chosen.
 * <p>Every destination, however it was chosen (the {@code targetTopic} override, the record's own topic, a
 * dead-letter header), must be allowed: never one of choreoscope's own or Kafka's internal topics
 * ({@link #OWN_TOPICS}), and always a match of the allowed pattern ({@code choreoscope.replay.allowed-topics},
 * by default the topics the tap taps). Otherwise the whole request is refused with 400 and nothing is sent.
 */
final class ReplayPlanner {
    /** Kafka's own rule for topic names. */
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    private static final int PAGE = 1_000;
    /**
     * Topics a replay never writes to, whatever the configuration: choreoscope's own ({@code choreoscope.observations}
     * and the like; a replay there would forge observations) and internal ones ({@code __consumer_offsets},
     * {@code _schemas}...). The same names the tap never taps by default.
     */
    static final Pattern OWN_TOPICS = Pattern.compile(TapConfig.DEFAULT_EXCLUDE);

    private final EventReader events;
    private final int maxRecords;
    private final Pattern allowed;
    private final Function<String, Set<String>> redriven;
    private final Function<Observation, String> rabbitRefusal;

    /**
     * @param allowed  topics a replay may write to (whole name); {@link #OWN_TOPICS} are refused even when it matches them
     * @param redriven for a dead-letter topic, the {@code topic/partition/offset} of its records an earlier redrive sent
     */
    ReplayPlanner(EventReader events, int maxRecords, Pattern allowed, Function<String, Set<String>> redriven) {
        this(events, maxRecords, allowed, redriven, o -> "replay to RabbitMQ needs choreoscope.rabbitmq.uri to be set");
    }

    /**
     * @param rabbitRefusal for a stored RabbitMQ message going back to its own exchange: why that is refused, or null when
     *                      it is allowed
     */
    ReplayPlanner(EventReader events, int maxRecords, Pattern allowed, Function<String, Set<String>> redriven,
                  Function<Observation, String> rabbitRefusal) {
        this.rabbitRefusal = rabbitRefusal;
        this.events = events;
        this.maxRecords = maxRecords;
        this.allowed = allowed;
        this.redriven = redriven;
    }

    /**
     * What a request sends.
     *
     * @param records the records, in order
     * @param skipped dead-letter records left out because an earlier redrive already sent them (0 in other modes)
     */
    record Plan(List<PlannedRecord> records, int skipped) {
    }

    Plan plan(ReplayRequest r, String replayId, Instant now) {
        if (r.mode() == null) {
            throw ApiException.badRequest("mode is required, one of EVENT, STUCK_LAST_EVENT, DEAD_LETTER");
        }
        String override = blankToNull(r.targetTopic());
        if (override != null && !TOPIC.matcher(override).matches()) {
            throw ApiException.badRequest("targetTopic '" + override + "' is not a valid Kafka topic name");
        }
        String at = now.toString();
        List<PlannedRecord> out = new ArrayList<>();
        int skipped = 0;
        switch (r.mode()) {
            case EVENT -> {
                if (r.events() == null || r.events().isEmpty()) {
                    throw ApiException.badRequest("events is required for mode EVENT: [{\"topic\",\"partition\",\"offset\"}, ...]");
                }
                checkSize(r.events().size());
                for (ReplayRequest.EventRef e : new LinkedHashSet<>(r.events())) {
                    if (e.topic() == null || e.topic().isBlank()) {
                        throw ApiException.badRequest("every event needs topic, partition and offset");
                    }
                    Observation o = events.event(e.topic(), e.partition(), e.offset()).orElseThrow(() -> ApiException.notFound(
                            "no stored event at " + e.topic() + "/" + e.partition() + "/" + e.offset()));
                    out.add(copy(o, target(o, override), false, replayId, at));
                }
            }
            case STUCK_LAST_EVENT -> {
                if (r.correlationIds() == null || r.correlationIds().isEmpty()) {
                    throw ApiException.badRequest("correlationIds is required for mode STUCK_LAST_EVENT");
                }
                checkSize(r.correlationIds().size());
                for (String id : new LinkedHashSet<>(r.correlationIds())) {
                    Optional<Observation> last = id == null ? Optional.empty() : events.lastEventOf(id);
                    Observation o = last.orElseThrow(() -> ApiException.notFound("no stored events for correlation ID '" + id + "'"));
                    out.add(copy(o, target(o, override), false, replayId, at));
                }
            }
            case DEAD_LETTER -> {
                String dlt = blankToNull(r.deadLetterTopic());
                if (dlt == null) {
                    throw ApiException.badRequest("deadLetterTopic is required for mode DEAD_LETTER");
                }
                List<Observation> all = allOf(dlt);
                if (all.isEmpty()) {
                    throw ApiException.notFound("no stored events on dead-letter topic '" + dlt + "'");
                }
                int unknown = 0;
                String firstUnknown = null;
                Set<String> done = redriven.apply(dlt);
                for (Observation o : all) {
                    if (done.contains(o.coordinates())) {
                        skipped++; // the idempotency key: this dead-lettered record was already redriven
                        continue;
                    }
                    String original = ReplayHeaders.originalTopic(o);
                    String target = original != null ? original : override;
                    if (target == null) {
                        unknown++;
                        firstUnknown = firstUnknown == null ? o.coordinates() : firstUnknown;
                        continue;
                    }
                    if (!TOPIC.matcher(target).matches()) {
                        throw ApiException.badRequest("record " + o.coordinates() + " names original topic '" + target
                                + "', which is not a valid topic name; replay it alone with mode EVENT and a targetTopic");
                    }
                    checkTarget(target, original != null
                            ? "record " + o.coordinates() + "'s dead-letter header names original topic '" + target + "'"
                            : "targetTopic '" + target + "'");
                    out.add(copy(o, target, true, replayId, at));
                }
                if (unknown > 0) {
                    throw ApiException.badRequest(unknown + " of " + (all.size() - skipped) + " records to redrive from '" + dlt
                            + "' carry no original-topic header (kafka_dlt-original-topic, x-original-topic or "
                            + "__connect.errors.topic), the first at " + firstUnknown + ": choose a targetTopic for them");
                }
            }
            default -> throw ApiException.badRequest("unknown mode " + r.mode());
        }
        return new Plan(out, skipped);
    }

    private List<Observation> allOf(String topic) {
        List<Observation> all = new ArrayList<>();
        int partition = -1;
        long offset = -1;
        while (true) {
            List<Observation> page = events.eventsOfTopicAfter(topic, partition, offset, PAGE);
            all.addAll(page);
            checkSize(all.size());
            if (page.size() < PAGE) {
                return all;
            }
            Observation last = page.get(page.size() - 1);
            partition = last.partition();
            offset = last.offset();
        }
    }

    private String target(Observation o, String override) {
        if (override != null) {
            checkTarget(override, "targetTopic '" + override + "'");
            return override;
        }
        if (io.choreoscope.model.Topics.RABBITMQ.equals(io.choreoscope.model.Topics.bus(o.topic()))) {
            String refusal = rabbitRefusal.apply(o);
            if (refusal != null) {
                throw ApiException.badRequest("record " + o.coordinates() + " would go back to RabbitMQ exchange '" + o.topic()
                        + "': " + refusal);
            }
            return o.topic();
        }
        checkTarget(o.topic(), "record " + o.coordinates() + " would go back to its own topic '" + o.topic() + "'");
        return o.topic();
    }

    /** Refuses (400) a destination that is choreoscope's own or internal, or not allowed; {@code how} says how it was chosen. */
    private void checkTarget(String topic, String how) {
        if (io.choreoscope.model.Topics.RABBITMQ.equals(io.choreoscope.model.Topics.bus(topic))) {
            // Only a stored RabbitMQ message goes back to its own exchange (target above); nothing else is sent there.
            throw ApiException.badRequest(how + ": '" + topic + "' is a RabbitMQ exchange; only a RabbitMQ message is "
                    + "replayed there, to its own exchange (docs/ALERTS_AND_REPLAY.md)");
        }
        if (OWN_TOPICS.matcher(topic).matches()) {
            throw ApiException.badRequest(how + ": replays into choreoscope's own or Kafka's internal topics ("
                    + OWN_TOPICS.pattern() + ") are refused");
        }
        if (!allowed.matcher(topic).matches()) {
            throw ApiException.badRequest(how + ": the topic is not one replays may write to (choreoscope.replay.allowed-topics '"
                    + allowed.pattern() + "', by default the tapped topics)");
        }
    }

    private void checkSize(int n) {
        if (n > maxRecords) {
            throw ApiException.badRequest("a replay may send at most " + maxRecords
                    + " records (choreoscope.replay.max-records); this one has more: split it");
        }
    }

    private static PlannedRecord copy(Observation o, String target, boolean deadLetter, String replayId, String at) {
        return new PlannedRecord(o.coordinates(), target, o.key(), ReplayHeaders.forReplay(o, deadLetter, replayId, at), o.payload());
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
