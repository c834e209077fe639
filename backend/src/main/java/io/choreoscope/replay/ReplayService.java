package io.choreoscope.replay;

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
import io.choreoscope.model.Header;
import io.choreoscope.model.api.EventView;
import io.choreoscope.model.api.ReplayMode;
import io.choreoscope.model.api.ReplayPlanView;
import io.choreoscope.model.api.ReplayRequest;
import io.choreoscope.model.api.ReplayStatus;
import io.choreoscope.model.EventReader;
import io.micronaut.data.model.Pageable;
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
 * a dry run shows), audited in the config store ({@code replay_audit}: who, when, what, and at the end
 * the result), then sent by a {@link ReplayJob} on its own thread through one shared idempotent
 * producer ({@code acks=all}) to the tapped cluster.
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
    private final Map<String, ReplayJob> jobs = new ConcurrentHashMap<>();
    private final ExecutorService runner = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "replay");
        t.setDaemon(true);
        return t;
    });
    private Producer<byte[], byte[]> producer;

    public ReplayService(ReplayConfig config, ReplayAuditRepository audits, RedrivenRecordRepository redriven, EventReader events,
                         KafkaConfig kafka, TapConfig tap) {
        this.config = config;
        this.audits = audits;
        this.redriven = redriven;
        this.planner = new ReplayPlanner(events, config.getMaxRecords(), allowedTopics(config, tap, kafka),
                dlt -> new java.util.HashSet<>(redriven.findSourceByDeadLetterTopic(dlt)));
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
     * status after at most {@code choreoscope.replay.sync-wait}.
     *
     * @param user who asks ({@code anonymous} when unknown)
     */
    public ReplayPlanView replay(ReplayRequest request, String user) {
        if (request == null) {
            throw ApiException.badRequest("a JSON body with mode and what to replay is required");
        }
        double rate = request.ratePerSecond() == null ? config.getDefaultRate() : request.ratePerSecond();
        if (!(rate > 0) || rate > config.getMaxRate()) {
            throw ApiException.badRequest("ratePerSecond must be above 0 and at most " + config.getMaxRate()
                    + " (choreoscope.replay.max-rate), was " + request.ratePerSecond());
        }
        String id = UUID.randomUUID().toString();
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        boolean dryRun = Boolean.TRUE.equals(request.dryRun());
        ReplayPlanner.Plan planned = planner.plan(request, id, now);
        List<PlannedRecord> plan = planned.records();
        String skipped = planned.skipped() > 0 ? ", " + planned.skipped() + " skipped (already redriven)" : "";
        ReplayAudit audit = audits.save(new ReplayAudit(null, id, user, now, request.mode().name(), describe(request),
                dryRun, (dryRun ? ReplayStatus.State.DRY_RUN : ReplayStatus.State.RUNNING).name(), plan.size(), 0, 0,
                dryRun ? now : null, dryRun ? "dry run: " + plan.size() + " records would be sent" + skipped : null));
        if (dryRun) {
            return new ReplayPlanView(toStatus(audit), views(plan, plan.size()));
        }
        String deadLetterTopic = request.mode() == ReplayMode.DEAD_LETTER ? request.deadLetterTopic().strip() : null;
        ReplayJob job = new ReplayJob(id, request.mode(), user, now, plan, rate, producer(), clock,
                () -> finished(id, deadLetterTopic, now));
        jobs.put(id, job);
        LOG.info("Replay {} by {}: {} {} records at {}/s", id, user, plan.size(), request.mode(), rate);
        runner.execute(job);
        try {
            job.awaitDone(config.getSyncWait().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new ReplayPlanView(job.status(), views(plan, RECORDS_SHOWN));
    }

    /** The status of a replay: live while it runs (or since this process ran it), else from the audit. */
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
            return status(id); // finished before this process started, or unknown (404)
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

    private void finished(String id, String deadLetterTopic, Instant plannedAt) {
        ReplayJob job = jobs.get(id);
        ReplayStatus s = job.status();
        if (deadLetterTopic != null) {
            remember(job.acknowledged(), deadLetterTopic, id, plannedAt);
        }
        try {
            audits.findByReplayId(id).ifPresent(a -> audits.update(a.finished(s)));
        } catch (RuntimeException e) {
            LOG.error("Replay {} ended ({}) but its audit could not be updated: {}", id, s.message(), e.getMessage());
        }
        LOG.info("Replay {} {}: {}", id, s.state(), s.message());
    }

    /**
     * Keeps the idempotency key of every dead-lettered record Kafka acknowledged, so the next redrive skips it.
     * Written before the job counts as done (its POST answers after this). A key already kept (two redrives of
     * the same topic at once) is left as it is.
     */
    private void remember(List<PlannedRecord> sentRecords, String deadLetterTopic, String id, Instant plannedAt) {
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
        return new ReplayStatus(a.replayId(), ReplayMode.valueOf(a.mode()), ReplayStatus.State.valueOf(a.status()), a.dryRun(),
                a.requestedBy(), a.requestedAt(), a.finishedAt(), a.total(), a.sent(), a.errors(), 0, a.result(), List.of());
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
    private static String text(byte[] b) {
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
        }
    }
}
