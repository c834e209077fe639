package io.choreoscope.replay;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.choreoscope.http.ApiException;
import io.choreoscope.collectors.kafka.KafkaConfig;
import io.choreoscope.collectors.kafka.TapConfig;
import io.choreoscope.collectors.rabbitmq.RabbitMqConfig;
import io.choreoscope.collectors.rabbitmq.RabbitTapSettings;
import io.choreoscope.model.Header;
import io.choreoscope.model.api.EventView;
import io.choreoscope.model.api.ReplayMode;
import io.choreoscope.model.api.ReplayPlanView;
import io.choreoscope.model.api.ReplayRequest;
import io.choreoscope.model.api.ReplayStatus;
import io.choreoscope.model.EventReader;
import io.micronaut.data.model.Pageable;
import io.micronaut.http.HttpStatus;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plans, audits, runs and reports replays. Each request is planned from the event store (the same plan
 * a dry run shows), audited in the config store ({@code replay_audit}: who, when, what, the progress while it
 * runs and at the end the result; refused requests too, with the reason), then sent by a {@link ReplayJob} on
 * its own thread through one shared idempotent producer ({@code acks=all}) to the tapped cluster. Every record
 * Kafka acknowledged is kept in {@code replay_sent_record}.
 * <p>Bounds: at most {@code choreoscope.replay.max-concurrent} replays run at once (429 past it), all of them
 * together at most {@code choreoscope.replay.total-rate} records/s; a job's plan is let go when it ends; the lists of
 * sent records hold at most {@code choreoscope.replay.audit-max-sent-records} rows (oldest replays' lists pruned).
 */
@Singleton
public class ReplayService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplayService.class);
    /** Records a real run's answer lists (the dry run lists them all). */
    static final int RECORDS_SHOWN = 100;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ReplayConfig config;
    private final ReplayAuditRepository audits;
    private final RedrivenRecordRepository redriven;
    private final ReplayPlanner planner;
    private final KafkaConfig kafka;
    private final Clock clock = Clock.systemUTC();
    /** Running jobs only: a job leaves when it ends (its plan holds the payloads); the audit keeps the rest. */
    private final Map<String, ReplayJob> jobs = new ConcurrentHashMap<>();
    private final java.util.concurrent.Semaphore running;
    private final ReplayRateLimiter totalRate;
    private final SentRecordRepository sent;
    private final ExecutorService runner = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "replay");
        t.setDaemon(true);
        return t;
    });
    private Producer<byte[], byte[]> producer;
    private final RabbitMqConfig rabbitMq;
    private RabbitReplayPublisher rabbitPublisher;

    public ReplayService(ReplayConfig config, ReplayAuditRepository audits, RedrivenRecordRepository redriven,
                         SentRecordRepository sent, EventReader events, KafkaConfig kafka, TapConfig tap,
                       RabbitMqConfig rabbitMq) {
        this.rabbitMq = rabbitMq;
        this.config = config;
        this.sent = sent;
        this.running = new java.util.concurrent.Semaphore(config.getMaxConcurrent());
        this.totalRate = new ReplayRateLimiter(config.getTotalRate());
        this.audits = audits;
        this.redriven = redriven;
        this.planner = new ReplayPlanner(events, config.getMaxRecords(), allowedTopics(config, tap, kafka),
                dlt -> new java.util.HashSet<>(redriven.findSourceByDeadLetterTopic(dlt)), this::rabbitRefusal);
        this.kafka = kafka;
    }

    /** {@code choreoscope.replay.allowed-topics}, or when it is unset the tap's subscription (include but not exclude). */
    static java.util.regex.Pattern allowedTopics(ReplayConfig config, TapConfig tap, KafkaConfig kafka) {
        String configured = config.getAllowedTopics();
        if (configured != null && !configured.isBlank()) {
            return java.util.regex.Pattern.compile(configured);
        }
        return tap.toSettings(kafka).topicPattern();
    }

    /**
     * Plans the request; a dry run answers with the plan, a real run starts sending and answers with the
     * status after at most {@code choreoscope.replay.sync-wait}. A refused request (any {@link ApiException}:
     * bad input, a destination not allowed, too many replays running) is audited as {@code REFUSED} with the
     * reason, then the refusal is thrown on.
     *
     * @param user who asks ({@code anonymous} when unknown)
     */
    public ReplayPlanView replay(ReplayRequest request, String user) {
        String id = UUID.randomUUID().toString();
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        boolean slot = false;
        RabbitDeadLetterRedrive deadLetters = null;
        try {
            if (request == null) {
                throw ApiException.badRequest("a JSON body with mode and what to replay is required");
            }
            double rate = request.ratePerSecond() == null ? config.getDefaultRate() : request.ratePerSecond();
            if (!(rate > 0) || rate > config.getMaxRate()) {
                throw ApiException.badRequest("ratePerSecond must be above 0 and at most " + config.getMaxRate()
                        + " (choreoscope.replay.max-rate), was " + request.ratePerSecond());
            }
            boolean dryRun = Boolean.TRUE.equals(request.dryRun());
            if (!dryRun) {
                // Reserved before planning, which reads (and holds) the records to send.
                if (!running.tryAcquire()) {
                    throw new ApiException(HttpStatus.TOO_MANY_REQUESTS, "too_many_replays", config.getMaxConcurrent()
                            + " replays are running, as many as choreoscope.replay.max-concurrent allows (" + jobs.keySet()
                            + "); wait for one to finish or cancel one, then ask again");
                }
                slot = true;
            }
            ReplayPlanner.Plan planned;
            if (request.mode() == ReplayMode.DEAD_LETTER && request.deadLetterTopic() != null
                    && io.choreoscope.model.Topics.RABBITMQ.equals(io.choreoscope.model.Topics.bus(request.deadLetterTopic().strip()))) {
                deadLetters = openDeadLetterQueue(request);
                planned = planDeadLetterQueue(deadLetters, request.deadLetterTopic().strip(), id, now, dryRun);
            } else {
                planned = planner.plan(request, id, now);
            }
            List<PlannedRecord> plan = planned.records();
            String skipped = planned.skipped() > 0 ? ", " + planned.skipped() + " skipped (already redriven)" : "";
            ReplayAudit audit = audits.save(new ReplayAudit(null, id, user, now, request.mode().name(), describe(request),
                    dryRun, (dryRun ? ReplayStatus.State.DRY_RUN : ReplayStatus.State.RUNNING).name(), plan.size(), 0, 0,
                    dryRun ? now : null, dryRun ? "dry run: " + ReplayStatus.records(plan.size()) + " would be sent" + skipped : null)
                    .withSubject(request.subject(), dryRun ? null : rate));
            if (dryRun) {
                return new ReplayPlanView(toStatus(audit), views(plan, plan.size()));
            }
            String deadLetterTopic = request.mode() == ReplayMode.DEAD_LETTER ? request.deadLetterTopic().strip() : null;
            List<ReplayPlanView.ReplayRecordView> shown = views(plan, RECORDS_SHOWN);
            ReplayJob job = new ReplayJob(id, request.mode(), user, now, plan, rate, totalRate, producer(), clock,
                    new AuditListener(deadLetterTopic, now), deadLetters != null ? deadLetters : rabbitPublisher(plan))
                    .subject(request.subject());
            deadLetters = null; // the job closes it when it ends
            jobs.put(id, job);
            LOG.info("Replay {} by {}: {} {} records at {}/s", id, user, plan.size(), request.mode(), rate);
            runner.execute(job);
            slot = false; // the job releases it when it ends
            try {
                job.awaitDone(config.getSyncWait().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new ReplayPlanView(job.status(), shown);
        } catch (ApiException refused) {
            refused(id, user, now, request, refused);
            throw refused;
        } finally {
            if (slot) {
                running.release();
            }
            if (deadLetters != null) {
                deadLetters.close(); // a dry run or a refusal: every message held goes back to the queue
            }
        }
    }

    /**
     * Opens a RabbitMQ dead-letter queue named {@code rabbitmq:[vhost:]queue} and takes up to
     * {@code choreoscope.replay.max-records} messages off it, unacknowledged. 400 when RabbitMQ is not configured, a
     * targetTopic is given (the x-death header names every message's destination) or the vhost is not tapped; 404 when the
     * queue does not exist or is empty.
     */
    private RabbitDeadLetterRedrive openDeadLetterQueue(ReplayRequest request) {
        String dlt = request.deadLetterTopic().strip();
        if (request.targetTopic() != null && !request.targetTopic().isBlank()) {
            throw ApiException.badRequest("a RabbitMQ dead-letter queue is redriven to the exchange and routing key each "
                    + "message's x-death header names; targetTopic is not used there");
        }
        RabbitTapSettings settings;
        try {
            settings = rabbitSettings();
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        if (settings == null) {
            throw ApiException.badRequest("redriving RabbitMQ dead-letter queue '" + dlt + "' needs choreoscope.rabbitmq.uri to be set");
        }
        RabbitDeadLetterRedrive.QueueRef ref = RabbitDeadLetterRedrive.QueueRef.parse(dlt);
        if (ref.queue().isBlank()) {
            throw ApiException.badRequest("deadLetterTopic '" + dlt + "' names no queue: rabbitmq:[vhost:]queue");
        }
        if (!settings.allVhosts() && !settings.vhosts().contains(ref.vhost())) {
            throw ApiException.badRequest("vhost '" + ref.vhost() + "' is not one the RabbitMQ tap taps (choreoscope.rabbitmq.vhosts "
                    + settings.vhosts() + ")");
        }
        RabbitDeadLetterRedrive r;
        try {
            r = RabbitDeadLetterRedrive.open(settings, ref, config.getMaxRecords());
        } catch (IOException e) {
            String why = String.valueOf(e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
            if (why.contains("NOT_FOUND")) {
                throw ApiException.notFound("no queue '" + ref.queue() + "' in RabbitMQ vhost '" + ref.vhost() + "'");
            }
            throw new ApiException(HttpStatus.BAD_GATEWAY, "rabbitmq_unavailable", "could not read dead-letter queue '"
                    + ref.queue() + "' in vhost '" + ref.vhost() + "': " + (e.getMessage() == null ? e : e.getMessage()));
        }
        if (r.held().isEmpty()) {
            r.close();
            throw ApiException.notFound("dead-letter queue '" + ref.queue() + "' in vhost '" + ref.vhost() + "' holds no messages");
        }
        return r;
    }

    /**
     * The plan of a dead-letter queue redrive: every held message with an x-death to its original exchange; one an earlier
     * redrive already sent (its idempotency key is kept) is skipped and, in a real run, acknowledged off the queue.
     * Refuses (400) when a message carries no x-death or would go to an exchange replays may not write to.
     */
    private ReplayPlanner.Plan planDeadLetterQueue(RabbitDeadLetterRedrive dlq, String dlt, String replayId, Instant now,
                                                   boolean dryRun) {
        java.util.Set<String> done = new java.util.HashSet<>(redriven.findSourceByDeadLetterTopic(dlt));
        List<PlannedRecord> out = new ArrayList<>();
        List<RabbitDeadLetterRedrive.Held> skipped = new ArrayList<>();
        int unknown = 0;
        String firstUnknown = null;
        String at = now.toString();
        for (RabbitDeadLetterRedrive.Held h : dlq.held()) {
            if (h.origin() == null) {
                unknown++;
                firstUnknown = firstUnknown == null ? RabbitDeadLetterRedrive.describe(h) : firstUnknown;
                continue;
            }
            if (!done.add(h.key())) {
                skipped.add(h); // the idempotency key: already redriven (or held twice)
                continue;
            }
            String topic = io.choreoscope.model.Topics.rabbitMq(dlq.source().vhost(), h.origin().exchange());
            String refusal = rabbitRefusal(topic, new RabbitReplayPublisher.Destination(dlq.source().vhost(), h.origin().exchange()));
            if (refusal != null) {
                throw ApiException.badRequest("message " + h.key() + "'s x-death names exchange '" + h.origin().exchange()
                        + "': " + refusal);
            }
            out.add(dlq.planned(h, replayId, at));
        }
        if (unknown > 0) {
            throw ApiException.badRequest(unknown + " of " + dlq.held().size() + " messages of dead-letter queue '" + dlt
                    + "' carry no x-death header naming an exchange, the first " + firstUnknown
                    + ": move them with RabbitMQ's own tools");
        }
        if (!dryRun) {
            for (RabbitDeadLetterRedrive.Held h : skipped) {
                try {
                    dlq.acknowledge(h);
                } catch (IOException e) {
                    LOG.warn("Could not take already redriven message {} off '{}': {}", h.key(), dlt, e.toString());
                }
            }
        }
        return new ReplayPlanner.Plan(out, skipped.size());
    }

    /** Audits a refused request: who, when, what was asked, and why it was refused (status and reason). */
    void refused(String id, String user, Instant at, ReplayRequest request, ApiException why) {
        String mode = request == null || request.mode() == null ? "NONE" : request.mode().name();
        try {
            audits.save(new ReplayAudit(null, id, user, at, mode, request == null ? "(no body)" : describe(request),
                    request != null && Boolean.TRUE.equals(request.dryRun()), ReplayStatus.State.REFUSED.name(), 0, 0, 0, at,
                    ReplayAudit.cut("refused (" + why.status().getCode() + " " + why.code() + "): " + why.getMessage(), 4000))
                    .withSubject(request == null ? null : request.subject(), null));
        } catch (RuntimeException e) {
            LOG.error("Replay request by {} was refused ({}) but the refusal could not be audited: {}", user, why.getMessage(),
                    e.toString());
        }
    }

    /** A request whose body could not even be read (bad JSON, unknown mode): audited as refused with the body as sent. */
    public void refusedUnreadable(String user, String body, ApiException why) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        try {
            audits.save(new ReplayAudit(null, UUID.randomUUID().toString(), user, now, "NONE",
                    body == null || body.isBlank() ? "(no body)" : ReplayAudit.cut(body, 4000), false,
                    ReplayStatus.State.REFUSED.name(), 0, 0, 0, now,
                    ReplayAudit.cut("refused (" + why.status().getCode() + " " + why.code() + "): " + why.getMessage(), 4000)));
        } catch (RuntimeException e) {
            LOG.error("Replay request by {} was refused ({}) but the refusal could not be audited: {}", user, why.getMessage(),
                    e.toString());
        }
    }

    /** The status of a replay: live while it runs in this process, else from the audit. */
    public ReplayStatus status(String id) {
        ReplayJob job = jobs.get(id);
        if (job != null) {
            return job.status();
        }
        return audits.findByReplayId(id).map(ReplayService::toStatus)
                .orElseThrow(() -> ApiException.notFound("no replay with id " + id));
    }

    /** Stops a running replay; answers its status (a finished one is left as it is). */
    public ReplayStatus cancel(String id) {
        ReplayJob job = jobs.get(id);
        if (job == null) {
            return status(id); // finished, ran in a process that stopped, or unknown (404)
        }
        job.cancel();
        try {
            job.awaitDone(config.getSyncWait().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return job.status();
    }

    /** The audit, newest first. */
    public List<ReplayStatus> history(int limit) {
        return audits.listOrderByIdDesc(Pageable.from(0, limit)).stream().map(a -> {
            ReplayJob job = jobs.get(a.replayId());
            return job != null ? job.status() : toStatus(a);
        }).toList();
    }

    /**
     * The records a replay sent, in the order Kafka acknowledged them, after the row {@code afterId} (0: from the
     * first); at most {@code limit}. 404 when the replay is unknown.
     */
    public List<SentRecord> sentRecords(String id, long afterId, int limit) {
        if (audits.findByReplayId(id).isEmpty()) {
            throw ApiException.notFound("no replay with id " + id);
        }
        return sent.findByReplayIdAndIdGreaterThanOrderById(id, afterId, Pageable.from(0, limit));
    }

    /** Replays this process holds (running ones only: a finished replay is let go, its audit stays). */
    int jobsHeld() {
        return jobs.size();
    }

    /**
     * Marks {@code INTERRUPTED} every {@code RUNNING} audit row that no process wrote progress to for
     * {@code choreoscope.replay.interrupted-after}: its process stopped (a crash, a kill) while it ran. Rows of
     * replays running here are left alone. Runs at start and then periodically ({@link ReplayInterruptionSweep}).
     *
     * @return how many rows were marked
     */
    public int markInterrupted() {
        Instant now = clock.instant();
        Instant staleBefore = now.minus(config.getInterruptedAfter());
        int marked = 0;
        for (ReplayAudit a : audits.findByStatus(ReplayStatus.State.RUNNING.name())) {
            Instant alive = a.heartbeatAt() != null ? a.heartbeatAt() : a.requestedAt();
            if (jobs.containsKey(a.replayId()) || !alive.isBefore(staleBefore)) {
                continue;
            }
            audits.update(a.interrupted(now.truncatedTo(ChronoUnit.MILLIS)));
            marked++;
            LOG.warn("Replay {} by {} was interrupted: its process stopped while it ran (last progress {}, {} of {} sent)",
                    a.replayId(), a.requestedBy(), alive, a.sent(), a.total());
        }
        return marked;
    }

    /** Writes a job's progress to the audit, on the job's thread; a failure is logged, the job goes on. */
    private final class AuditListener implements ReplayJob.Listener {
        private final String deadLetterTopic;
        private final Instant plannedAt;

        AuditListener(String deadLetterTopic, Instant plannedAt) {
            this.deadLetterTopic = deadLetterTopic;
            this.plannedAt = plannedAt;
        }

        @Override
        public void progress(ReplayJob job, List<SentRecord> newlySent) {
            String id = job.id();
            if (!newlySent.isEmpty()) {
                try {
                    sent.saveAll(newlySent);
                } catch (RuntimeException e) {
                    LOG.error("Replay {}: {} sent records could not be written to the audit: {}", id, newlySent.size(), e.toString());
                }
                if (deadLetterTopic != null) {
                    remember(newlySent, deadLetterTopic, id, plannedAt);
                }
            }
            ReplayStatus s = job.status();
            if (!s.finished()) {
                try {
                    audits.findByReplayId(id).ifPresent(a -> audits.update(a.progress(s, clock.instant())));
                } catch (RuntimeException e) {
                    LOG.warn("Replay {}: progress could not be written to the audit: {}", id, e.toString());
                }
            }
        }

        @Override
        public void finished(ReplayJob job) {
            String id = job.id();
            ReplayStatus s = job.status();
            try {
                audits.findByReplayId(id).ifPresent(a -> audits.update(a.finished(s)));
            } catch (RuntimeException e) {
                LOG.error("Replay {} ended ({}) but its audit could not be updated: {}", id, s.message(), e.getMessage());
            } finally {
                jobs.remove(id); // the plan and its payloads go with it; the audit keeps the summary
                running.release();
            }
            pruneSentRecords();
            LOG.info("Replay {} {}: {}", id, s.state(), s.message());
        }
    }

    /**
     * Keeps the audit's lists of sent records within {@code choreoscope.replay.audit-max-sent-records} rows: deletes
     * the whole list of the oldest replay while there are more (never that of a running replay), and marks its
     * audit row {@code recordsPruned}.
     */
    synchronized void pruneSentRecords() {
        try {
            while (sent.count() > config.getAuditMaxSentRecords()) {
                List<SentRecord> oldest = sent.listOrderById(Pageable.from(0, 1));
                if (oldest.isEmpty() || jobs.containsKey(oldest.get(0).replayId())) {
                    return;
                }
                String victim = oldest.get(0).replayId();
                sent.deleteByReplayId(victim);
                audits.findByReplayId(victim).ifPresent(a -> audits.update(a.pruned()));
                LOG.info("Replay audit: the list of records sent by replay {} was deleted to stay within {} rows "
                        + "(choreoscope.replay.audit-max-sent-records); its summary stays", victim, config.getAuditMaxSentRecords());
            }
        } catch (RuntimeException e) {
            LOG.warn("Replay audit: pruning the lists of sent records failed: {}", e.toString());
        }
    }

    /**
     * Keeps the idempotency key of every dead-lettered record Kafka acknowledged, so the next redrive skips it.
     * Written as the records are acknowledged (with the progress), so a redrive stopped by a crash is not sent
     * again for what it had sent. A key already kept (two redrives of the same topic at once) is left as it is.
     */
    private void remember(List<SentRecord> sentRecords, String deadLetterTopic, String id, Instant plannedAt) {
        List<RedrivenRecord> keys = sentRecords.stream().map(r -> new RedrivenRecord(r.source(), deadLetterTopic, id, plannedAt)).toList();
        try {
            redriven.saveAll(keys);
        } catch (RuntimeException batch) {
            for (RedrivenRecord k : keys) {
                try {
                    if (!redriven.existsById(k.source())) {
                        redriven.save(k);
                    }
                } catch (RuntimeException e) {
                    LOG.error("Replay {}: could not keep that {} was redriven ({}); a later redrive would send it again",
                            id, k.source(), e.getMessage());
                }
            }
        }
    }

    static ReplayStatus toStatus(ReplayAudit a) {
        ReplayMode mode = java.util.Arrays.stream(ReplayMode.values()).filter(m -> m.name().equals(a.mode())).findFirst()
                .orElse(null); // NONE: a refused request that named no mode
        return new ReplayStatus(a.replayId(), mode, ReplayStatus.State.valueOf(a.status()), a.dryRun(),
                a.requestedBy(), a.requestedAt(), a.finishedAt(), a.total(), a.sent(), a.errors(),
                a.ratePerSecond() == null ? 0 : a.ratePerSecond(), a.result(), List.of(),
                a.subject() != null ? a.subject() : subjectOf(a.request()));
    }

    /**
     * The audited request's subject, from the request as audited (JSON), for rows written before the subject was kept
     * (config-store migration V4); null for a body that could not be read.
     */
    private static String subjectOf(String audited) {
        try {
            return audited == null ? null : JSON.readValue(audited, ReplayRequest.class).subject();
        } catch (JsonProcessingException | RuntimeException e) {
            return null; // "(no body)", an unreadable body kept as sent, or a request cut at 4,000 characters
        }
    }

    private static String describe(ReplayRequest r) {
        try {
            return ReplayAudit.cut(JSON.writeValueAsString(r), 4000);
        } catch (JsonProcessingException e) {
            return String.valueOf(r);
        }
    }

    static List<ReplayPlanView.ReplayRecordView> views(List<PlannedRecord> plan, int max) {
        List<ReplayPlanView.ReplayRecordView> out = new ArrayList<>();
        for (PlannedRecord r : plan.subList(0, Math.min(max, plan.size()))) {
            List<EventView.HeaderView> headers = new ArrayList<>();
            for (Header h : r.headers()) {
                String text = text(h.value());
                headers.add(new EventView.HeaderView(h.name(), text != null || h.value() == null ? text
                        : Base64.getEncoder().encodeToString(h.value()), text != null || h.value() == null ? "text" : "base64"));
            }
            String key = text(r.key());
            String payload = text(r.payload());
            out.add(new ReplayPlanView.ReplayRecordView(r.source(), r.targetTopic(),
                    key != null || r.key() == null ? key : Base64.getEncoder().encodeToString(r.key()),
                    key != null || r.key() == null ? "text" : "base64", headers,
                    payload != null || r.payload() == null ? payload : Base64.getEncoder().encodeToString(r.payload()),
                    payload != null || r.payload() == null ? "text" : "base64"));
        }
        return out;
    }

    /** Strict UTF-8 decoding: null when the bytes are not text (or null). */
    static String text(byte[] b) {
        if (b == null) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * Why a stored RabbitMQ message may not go back to its exchange, or null when it may: RabbitMQ must be configured
     * ({@code choreoscope.rabbitmq.uri}); the topic must match {@code choreoscope.replay.allowed-topics} when that is
     * set, else the exchange must be one the RabbitMQ tap taps (a tapped vhost, not excluded).
     */
    String rabbitRefusal(io.choreoscope.model.Observation o) {
        RabbitReplayPublisher.Destination d = RabbitReplayPublisher.destination(o);
        if (d == null) {
            return "the stored message names no exchange (no amqp:exchange header)";
        }
        return rabbitRefusal(o.topic(), d);
    }

    /** {@link #rabbitRefusal(io.choreoscope.model.Observation)} for a topic and its exchange. */
    String rabbitRefusal(String topic, RabbitReplayPublisher.Destination d) {
        RabbitTapSettings settings;
        try {
            settings = rabbitSettings();
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        if (settings == null) {
            return "replay to RabbitMQ needs choreoscope.rabbitmq.uri to be set";
        }
        String configured = config.getAllowedTopics();
        if (configured != null && !configured.isBlank()) {
            return java.util.regex.Pattern.compile(configured).matcher(topic).matches() ? null
                    : "the topic is not one replays may write to (choreoscope.replay.allowed-topics '" + configured + "')";
        }
        if (settings.excluded(d.exchange())) {
            return "the exchange is one the RabbitMQ tap leaves out (choreoscope.rabbitmq.exclude '"
                    + settings.exclude().pattern() + "'), so replays do not write to it";
        }
        if (!settings.allVhosts() && !settings.vhosts().contains(d.vhost())) {
            return "vhost '" + d.vhost() + "' is not one the RabbitMQ tap taps (choreoscope.rabbitmq.vhosts " + settings.vhosts() + ")";
        }
        return null;
    }

    /** The RabbitMQ tap's settings, or null when RabbitMQ is not configured. */
    private RabbitTapSettings rabbitSettings() {
        String uri = rabbitMq.getUri();
        return uri == null || uri.isBlank() ? null : rabbitMq.toSettings();
    }

    /** The RabbitMQ publisher when the plan sends anything to RabbitMQ (opened on first use), else null. */
    private synchronized RabbitReplayPublisher rabbitPublisher(List<PlannedRecord> plan) {
        boolean any = plan.stream().anyMatch(r -> io.choreoscope.model.Topics.RABBITMQ.equals(
                io.choreoscope.model.Topics.bus(r.targetTopic())));
        if (!any) {
            return null;
        }
        if (rabbitPublisher == null) {
            rabbitPublisher = new RabbitReplayPublisher(rabbitSettings());
        }
        return rabbitPublisher;
    }

    private synchronized Producer<byte[], byte[]> producer() {
        if (producer == null) {
            Properties p = new Properties();
            p.putAll(kafka.clientProperties());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
            p.put(ProducerConfig.CLIENT_ID_CONFIG, "choreoscope-replay");
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
            p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
            p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
            p.putAll(config.getProducer());
            producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    @PreDestroy
    @Override
    public void close() {
        jobs.values().forEach(ReplayJob::cancel);
        runner.shutdown();
        synchronized (this) {
            if (producer != null) {
                producer.close(java.time.Duration.ofSeconds(10));
                producer = null;
            }
            if (rabbitPublisher != null) {
                rabbitPublisher.close();
                rabbitPublisher = null;
            }
        }
    }
}
