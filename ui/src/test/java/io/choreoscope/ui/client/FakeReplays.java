package io.choreoscope.ui.client;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import io.choreoscope.model.api.ApiError;
import io.choreoscope.model.api.EventView;
import io.choreoscope.model.api.ReplayMode;
import io.choreoscope.model.api.ReplayPlanView;
import io.choreoscope.model.api.ReplayRequest;
import io.choreoscope.model.api.ReplayStatus;

/**
 * The replay part of {@link FakeChoreoscopeApi}: plans records like the backend ({@code ReplayPlanner},
 * {@code ReplayHeaders}) with its checks and messages, answers dry runs with every record, and runs real
 * replays against the clock: the fake's Kafka acknowledges at most {@link #ACK_RATE} records per second
 * (or the request's lower rate), so a replay of a handful of records takes a few seconds and can be
 * cancelled while it runs. Every replay, dry runs included, goes to the audit.
 */
final class FakeReplays {

    /** Records per second the fake "cluster" acknowledges at most. */
    static final double ACK_RATE = 2.0;
    static final double DEFAULT_RATE = 100;
    static final double MAX_RATE = 5000;
    static final int MAX_RECORDS = 100_000;
    /** Records a real run's answer lists, as the backend. */
    static final int RECORDS_SHOWN = 100;

    static final String REPLAY_ID = "choreoscope-replay-id";
    static final String REPLAY_OF = "choreoscope-replay-of";
    static final String REPLAYED_AT = "choreoscope-replayed-at";
    static final String REPLAY_ORIGINAL = "choreoscope-replay-original";
    private static final List<String> ORIGINAL_TOPIC = List.of("kafka_dlt-original-topic", "x-original-topic", "__connect.errors.topic");
    private static final List<String> ORIGINAL_PARTITION = List.of("kafka_dlt-original-partition", "x-original-partition", "__connect.errors.partition");
    private static final List<String> ORIGINAL_OFFSET = List.of("kafka_dlt-original-offset", "x-original-offset", "__connect.errors.offset");
    private static final List<String> DEAD_LETTER_PREFIXES = List.of("kafka_dlt-", "x-original-", "x-exception", "__connect.errors.");
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    /** Where the stored records come from. */
    interface Store {
        Optional<EventView> event(String topic, int partition, long offset);

        Optional<EventView> lastEventOf(String correlationId);

        /** Every stored record of a topic, by partition then offset. */
        List<EventView> topic(String topic);
    }

    /** One replay as the fake runs it. */
    private static final class Job {
        final String id;
        final ReplayMode mode;
        final boolean dryRun;
        final String user;
        final Instant requestedAt;
        final int total;
        final double rate;
        ReplayStatus.State state;
        int sent;
        Instant finishedAt;
        String message;
        String subject;

        Job(String id, ReplayMode mode, boolean dryRun, String user, Instant requestedAt, int total, double rate) {
            this.id = id;
            this.mode = mode;
            this.dryRun = dryRun;
            this.user = user;
            this.requestedAt = requestedAt;
            this.total = total;
            this.rate = rate;
        }
    }

    private final Supplier<Clock> clock;
    private final Store store;
    /** Insertion order = request order; the audit is read backwards. */
    private final Map<String, Job> jobs = new LinkedHashMap<>();
    /** Failed records of sample replays (the fake's own replays never fail). */
    private final Map<String, Integer> errorsOf = new LinkedHashMap<>();

    FakeReplays(Supplier<Clock> clock, Store store) {
        this.clock = clock;
        this.store = store;
    }

    /** A request the fake refuses is audited as REFUSED with the reason, as the server audits it. */
    synchronized ReplayPlanView replay(ReplayRequest request, String requestedBy) {
        try {
            return accept(request, requestedBy);
        } catch (ApiException refused) {
            String id = UUID.randomUUID().toString();
            Job job = new Job(id, request == null ? null : request.mode(), request != null
                    && Boolean.TRUE.equals(request.dryRun()), user(requestedBy),
                    clock.get().instant().truncatedTo(ChronoUnit.MILLIS), 0, 0);
            job.subject = request == null ? null : request.subject();
            job.state = ReplayStatus.State.REFUSED;
            job.finishedAt = job.requestedAt;
            job.message = "refused (" + refused.status() + " " + refused.error().error() + "): " + refused.getMessage();
            jobs.put(id, job);
            throw refused;
        }
    }

    private ReplayPlanView accept(ReplayRequest request, String requestedBy) {
        if (request == null) {
            throw badRequest("a JSON body with mode and what to replay is required");
        }
        double rate = request.ratePerSecond() == null ? DEFAULT_RATE : request.ratePerSecond();
        if (!(rate > 0) || rate > MAX_RATE) {
            throw badRequest("ratePerSecond must be above 0 and at most " + (long) MAX_RATE
                    + " (choreoscope.replay.max-rate), was " + request.ratePerSecond());
        }
        String id = UUID.randomUUID().toString();
        Instant now = clock.get().instant().truncatedTo(ChronoUnit.MILLIS);
        boolean dryRun = Boolean.TRUE.equals(request.dryRun());
        List<ReplayPlanView.ReplayRecordView> plan = plan(request, id, now);
        Job job = new Job(id, request.mode(), dryRun, user(requestedBy), now, plan.size(), rate);
        job.subject = request.subject();
        if (dryRun) {
            job.state = ReplayStatus.State.DRY_RUN;
            job.finishedAt = now;
            job.message = "dry run: " + ReplayStatus.records(plan.size()) + " would be sent";
        } else {
            job.state = ReplayStatus.State.RUNNING;
        }
        jobs.put(id, job);
        return new ReplayPlanView(status(job), dryRun ? plan : plan.subList(0, Math.min(RECORDS_SHOWN, plan.size())));
    }

    synchronized ReplayStatus status(String id) {
        return status(find(id));
    }

    synchronized ReplayStatus cancel(String id) {
        Job job = find(id);
        ReplayStatus now = status(job);
        if (now.state() == ReplayStatus.State.RUNNING) {
            job.state = ReplayStatus.State.CANCELLED;
            job.finishedAt = clock.get().instant();
            job.message = "cancelled after " + job.sent + " of " + job.total + " records were sent";
        }
        return status(job);
    }

    synchronized List<ReplayStatus> history(int limit) {
        int n = limit <= 0 ? ChoreoscopeApi.DEFAULT_LIMIT : limit;
        if (n > ChoreoscopeApi.MAX_LIMIT) {
            throw badRequest("limit must be 1.." + ChoreoscopeApi.MAX_LIMIT + ", was " + n);
        }
        List<Job> all = new ArrayList<>(jobs.values());
        List<ReplayStatus> out = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0 && out.size() < n; i--) {
            out.add(status(all.get(i)));
        }
        return out;
    }

    /** Adds a finished replay to the audit, as if it had run (sample data). */
    synchronized void addFinished(ReplayMode mode, boolean dryRun, String user, Instant requestedAt, Instant finishedAt,
                                  int total, int sent, int errors, double rate, ReplayStatus.State state, String message,
                                  String subject) {
        Job job = new Job(UUID.randomUUID().toString(), mode, dryRun, user, requestedAt, total, rate);
        job.subject = subject;
        job.state = state;
        job.sent = sent;
        job.finishedAt = finishedAt;
        job.message = message;
        jobs.put(job.id, job);
        errorsOf.put(job.id, errors);
    }

    // --- progress --------------------------------------------------------------------------------------

    /** The job as of now: a running one advances with the clock and finishes when all records are sent. */
    private ReplayStatus status(Job job) {
        if (job.state == ReplayStatus.State.RUNNING) {
            double pace = Math.min(job.rate, ACK_RATE);
            long elapsedMs = Math.max(0, Duration.between(job.requestedAt, clock.get().instant()).toMillis());
            int done = (int) Math.min(job.total, Math.floor(elapsedMs / 1000.0 * pace));
            job.sent = Math.max(job.sent, done);
            if (job.sent >= job.total) {
                job.state = ReplayStatus.State.SUCCEEDED;
                job.finishedAt = job.requestedAt.plusMillis((long) Math.ceil(job.total / pace * 1000));
                job.message = ReplayStatus.records(job.total) + " sent";
            }
        }
        return new ReplayStatus(job.id, job.mode, job.state, job.dryRun, job.user, job.requestedAt, job.finishedAt,
                job.total, job.sent, errorsOf.getOrDefault(job.id, 0), job.dryRun ? 0 : job.rate, job.message, List.of(),
                job.subject);
    }

    private Job find(String id) {
        Job j = id == null ? null : jobs.get(id);
        if (j == null) {
            throw ApiException.notFound("no replay with id " + id);
        }
        return j;
    }

    // --- planning (as the backend's ReplayPlanner) -----------------------------------------------------

    private List<ReplayPlanView.ReplayRecordView> plan(ReplayRequest r, String replayId, Instant now) {
        if (r.mode() == null) {
            throw badRequest("mode is required, one of EVENT, STUCK_LAST_EVENT, DEAD_LETTER");
        }
        String override = blankToNull(r.targetTopic());
        if (override != null && !TOPIC.matcher(override).matches()) {
            throw badRequest("targetTopic '" + override + "' is not a valid Kafka topic name");
        }
        String at = now.toString();
        List<ReplayPlanView.ReplayRecordView> out = new ArrayList<>();
        switch (r.mode()) {
            case EVENT -> {
                if (r.events() == null || r.events().isEmpty()) {
                    throw badRequest("events is required for mode EVENT: [{\"topic\",\"partition\",\"offset\"}, ...]");
                }
                checkSize(r.events().size());
                for (ReplayRequest.EventRef e : new LinkedHashSet<>(r.events())) {
                    if (e.topic() == null || e.topic().isBlank()) {
                        throw badRequest("every event needs topic, partition and offset");
                    }
                    EventView o = store.event(e.topic(), e.partition(), e.offset()).orElseThrow(() -> ApiException.notFound(
                            "no stored event at " + e.topic() + "/" + e.partition() + "/" + e.offset()));
                    out.add(copy(o, override != null ? override : o.topic(), false, replayId, at));
                }
            }
            case STUCK_LAST_EVENT -> {
                if (r.correlationIds() == null || r.correlationIds().isEmpty()) {
                    throw badRequest("correlationIds is required for mode STUCK_LAST_EVENT");
                }
                checkSize(r.correlationIds().size());
                for (String id : new LinkedHashSet<>(r.correlationIds())) {
                    EventView o = (id == null ? Optional.<EventView>empty() : store.lastEventOf(id)).orElseThrow(
                            () -> ApiException.notFound("no stored events for correlation ID '" + id + "'"));
                    out.add(copy(o, override != null ? override : o.topic(), false, replayId, at));
                }
            }
            case DEAD_LETTER -> {
                String dlt = blankToNull(r.deadLetterTopic());
                if (dlt == null) {
                    throw badRequest("deadLetterTopic is required for mode DEAD_LETTER");
                }
                List<EventView> all = store.topic(dlt);
                checkSize(all.size());
                if (all.isEmpty()) {
                    throw ApiException.notFound("no stored events on dead-letter topic '" + dlt + "'");
                }
                int unknown = 0;
                String firstUnknown = null;
                for (EventView o : all) {
                    String original = originalTopic(o);
                    String target = original != null ? original : override;
                    if (target == null) {
                        unknown++;
                        firstUnknown = firstUnknown == null ? coordinates(o) : firstUnknown;
                        continue;
                    }
                    if (!TOPIC.matcher(target).matches()) {
                        throw badRequest("record " + coordinates(o) + " names original topic '" + target
                                + "', which is not a valid topic name; replay it alone with mode EVENT and a targetTopic");
                    }
                    out.add(copy(o, target, true, replayId, at));
                }
                if (unknown > 0) {
                    throw badRequest(unknown + " of " + all.size() + " records on '" + dlt
                            + "' carry no original-topic header (kafka_dlt-original-topic, x-original-topic or "
                            + "__connect.errors.topic), the first at " + firstUnknown + ": choose a targetTopic for them");
                }
            }
            default -> throw badRequest("unknown mode " + r.mode());
        }
        return out;
    }

    private static void checkSize(int n) {
        if (n > MAX_RECORDS) {
            throw badRequest("a replay may send at most " + MAX_RECORDS
                    + " records (choreoscope.replay.max-records); this one has more: split it");
        }
    }

    private static ReplayPlanView.ReplayRecordView copy(EventView o, String target, boolean deadLetter, String replayId,
                                                       String at) {
        List<EventView.HeaderView> headers = new ArrayList<>();
        for (EventView.HeaderView h : o.headers()) {
            if (isReplayHeader(h.name()) || deadLetter && isDeadLetterHeader(h.name())) {
                continue;
            }
            headers.add(h);
        }
        headers.add(text(REPLAY_ID, replayId));
        headers.add(text(REPLAY_OF, coordinates(o)));
        headers.add(text(REPLAYED_AT, at));
        String original = deadLetter ? originalCoordinates(o) : null;
        if (original != null) {
            headers.add(text(REPLAY_ORIGINAL, original));
        }
        return new ReplayPlanView.ReplayRecordView(coordinates(o), target, o.key(), "text", List.copyOf(headers),
                o.payload(), o.payloadEncoding() == null ? "text" : o.payloadEncoding());
    }

    private static EventView.HeaderView text(String name, String value) {
        return new EventView.HeaderView(name, value, "text");
    }

    static String coordinates(EventView e) {
        return e.topic() + "/" + e.partition() + "/" + e.offset();
    }

    static String originalTopic(EventView o) {
        String v = first(o, ORIGINAL_TOPIC);
        return v == null || v.isBlank() ? null : v.strip();
    }

    private static String originalCoordinates(EventView o) {
        String topic = originalTopic(o);
        String partition = first(o, ORIGINAL_PARTITION);
        String offset = first(o, ORIGINAL_OFFSET);
        if (topic == null || partition == null || offset == null) {
            return null;
        }
        try {
            return topic + "/" + Long.parseLong(partition.strip()) + "/" + Long.parseLong(offset.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String first(EventView o, List<String> names) {
        for (String n : names) {
            for (EventView.HeaderView h : o.headers()) {
                if (h.name().equalsIgnoreCase(n) && h.value() != null && "text".equals(h.encoding())) {
                    return h.value();
                }
            }
        }
        return null;
    }

    private static boolean isDeadLetterHeader(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return DEAD_LETTER_PREFIXES.stream().anyMatch(n::startsWith);
    }

    private static boolean isReplayHeader(String name) {
        return name.equals(REPLAY_ID) || name.equals(REPLAY_OF) || name.equals(REPLAYED_AT) || name.equals(REPLAY_ORIGINAL);
    }

    private static String user(String header) {
        if (header == null || header.isBlank()) {
            return "anonymous";
        }
        String u = header.strip();
        return u.length() > 200 ? u.substring(0, 200) : u;
    }

    private static ApiException badRequest(String message) {
        return new ApiException(new ApiError(400, "bad_request", message));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
