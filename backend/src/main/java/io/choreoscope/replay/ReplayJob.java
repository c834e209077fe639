package io.choreoscope.replay;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.choreoscope.model.Header;
import io.choreoscope.model.api.ReplayMode;
import io.choreoscope.model.api.ReplayStatus;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Sends a planned replay at a bounded rate, and can be cancelled. Records are sent in plan order, one
 * every {@code 1/rate} seconds at most, and each also waits for a slot of the total replay rate shared by every
 * job ({@link ReplayRateLimiter}); acknowledgements are counted as they arrive (at most 1000 in flight).
 * Cancel stops issuing records at once; those already handed to the producer still complete and are counted.
 * A failed record is counted and described, and the job goes on with the next one.
 * <p>Every {@link #HEARTBEAT} (also while it waits for its rate) and once at the end, the job hands its
 * {@link Listener} the records acknowledged since the last call, on the job's own thread: the audit writes them
 * and the progress there. The plan (payloads included) is let go when the job ends.
 */
final class ReplayJob implements Runnable {
    private static final int MAX_ERROR_SAMPLES = 10;
    private static final int MAX_IN_FLIGHT = 1_000;
    /** How often a running job reports its progress (and proves it is alive) to the audit. */
    static final java.time.Duration HEARTBEAT = java.time.Duration.ofSeconds(2);

    /** What the audit does with a job's progress. Called on the job's thread; must not throw. */
    interface Listener {
        /** The records Kafka acknowledged since the last call (maybe none), and the status now. */
        void progress(ReplayJob job, List<SentRecord> newlySent);

        /** The job ended (after the last {@link #progress}); its status is final. */
        void finished(ReplayJob job);
    }

    private final String id;
    private final ReplayMode mode;
    private final String requestedBy;
    private final Instant requestedAt;
    private volatile List<PlannedRecord> records;
    private final int total;
    private final double ratePerSecond;
    private final ReplayRateLimiter totalRate;
    private final Producer<byte[], byte[]> producer;
    private final Clock clock;
    private final AtomicInteger sent = new AtomicInteger();
    private final java.util.Queue<SentRecord> acknowledged = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final AtomicInteger errors = new AtomicInteger();
    private final List<String> errorSamples = new ArrayList<>();
    private final CountDownLatch cancelled = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile ReplayStatus.State state = ReplayStatus.State.RUNNING;
    private volatile Instant finishedAt;
    private volatile String message;
    private final Listener listener;
    /** Publishes the records whose target is a RabbitMQ exchange; null when RabbitMQ is not configured. */
    private final RabbitSender rabbit;
    private long lastProgress;
    /** What was asked to be replayed, in words (set before the job starts). */
    private volatile String subject;

    ReplayJob(String id, ReplayMode mode, String requestedBy, Instant requestedAt, List<PlannedRecord> records,
              double ratePerSecond, ReplayRateLimiter totalRate, Producer<byte[], byte[]> producer, Clock clock,
              Listener listener) {
        this(id, mode, requestedBy, requestedAt, records, ratePerSecond, totalRate, producer, clock, listener, null);
    }

    ReplayJob(String id, ReplayMode mode, String requestedBy, Instant requestedAt, List<PlannedRecord> records,
              double ratePerSecond, ReplayRateLimiter totalRate, Producer<byte[], byte[]> producer, Clock clock,
              Listener listener, RabbitSender rabbit) {
        this.rabbit = rabbit;
        this.id = id;
        this.mode = mode;
        this.requestedBy = requestedBy;
        this.requestedAt = requestedAt;
        this.records = records;
        this.total = records.size();
        this.ratePerSecond = ratePerSecond;
        this.totalRate = totalRate;
        this.producer = producer;
        this.clock = clock;
        this.listener = listener;
    }

    String id() {
        return id;
    }

    /** Names what the job replays ({@link io.choreoscope.model.api.ReplayRequest#subject()}); before it starts. */
    ReplayJob subject(String s) {
        this.subject = s;
        return this;
    }

    @Override
    public void run() {
        Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
        long intervalNanos = (long) (1_000_000_000L / ratePerSecond);
        long next = System.nanoTime();
        lastProgress = next;
        int issued = 0;
        try {
            for (PlannedRecord r : records) {
                // Waiting on the cancel latch paces the records and wakes up at once on cancel.
                if (pause(next - System.nanoTime())) {
                    break;
                }
                next = Math.max(next, System.nanoTime() - intervalNanos) + intervalNanos;
                if (pause(totalRate.reserve(System.nanoTime()))) {
                    break;
                }
                if (rabbit != null && io.choreoscope.model.Topics.RABBITMQ.equals(io.choreoscope.model.Topics.bus(r.targetTopic()))) {
                    issued++;
                    publishToRabbit(r);
                    heartbeatIfDue();
                    continue;
                }
                inFlight.acquire();
                issued++;
                try {
                    producer.send(toRecord(r), (metadata, e) -> {
                        if (e == null) {
                            acknowledged.add(new SentRecord(null, id, r.source(), metadata.topic(), metadata.partition(),
                                    metadata.offset(), keyText(r.key())));
                            sent.incrementAndGet();
                        } else {
                            fail(r, e);
                        }
                        inFlight.release();
                    });
                } catch (RuntimeException e) {
                    fail(r, e);
                    inFlight.release();
                }
                heartbeatIfDue();
            }
            producer.flush();
            inFlight.acquire(MAX_IN_FLIGHT); // every callback has run
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            synchronized (errorSamples) {
                errorSamples.add("interrupted after issuing " + issued + " records");
            }
        } finally {
            records = null; // the plan holds the payloads: let it go as soon as nothing more is sent
            try {
                finish(issued);
            } finally {
                if (rabbit != null) {
                    rabbit.jobEnded();
                }
            }
        }
    }

    /** Publishes one record to RabbitMQ and waits for its confirm (the publisher paces itself: one at a time). */
    private void publishToRabbit(PlannedRecord r) throws InterruptedException {
        try {
            long seq = rabbit.publish(r);
            acknowledged.add(new SentRecord(null, id, r.source(), r.targetTopic(), 0, seq, keyText(r.key())));
            sent.incrementAndGet();
        } catch (java.io.IOException | RuntimeException e) {
            fail(r, e);
        }
    }

    /** Waits {@code nanos} (nothing when not positive), reporting progress meanwhile; true when cancelled. */
    private boolean pause(long nanos) throws InterruptedException {
        long until = System.nanoTime() + nanos;
        while (true) {
            long left = until - System.nanoTime();
            if (left <= 0) {
                return cancelled.getCount() == 0;
            }
            long toHeartbeat = lastProgress + HEARTBEAT.toNanos() - System.nanoTime();
            if (cancelled.await(Math.max(1, Math.min(left, toHeartbeat)), TimeUnit.NANOSECONDS)) {
                return true;
            }
            heartbeatIfDue();
        }
    }

    private void heartbeatIfDue() {
        long now = System.nanoTime();
        if (now - lastProgress >= HEARTBEAT.toNanos()) {
            lastProgress = now;
            listener.progress(this, drain());
        }
    }

    private List<SentRecord> drain() {
        List<SentRecord> out = new ArrayList<>();
        for (SentRecord r; (r = acknowledged.poll()) != null; ) {
            out.add(r);
        }
        return out;
    }

    static String keyText(byte[] key) {
        if (key == null) {
            return null;
        }
        String text = ReplayService.text(key);
        String shown = text != null ? text : "base64:" + java.util.Base64.getEncoder().encodeToString(key);
        return shown.length() <= SentRecord.MAX_KEY_CHARS ? shown : shown.substring(0, SentRecord.MAX_KEY_CHARS - 1) + "…";
    }

    private void finish(int issued) {
        int s = sent.get();
        int e = errors.get();
        boolean wasCancelled = cancelled.getCount() == 0 && issued < total;
        ReplayStatus.State end;
        if (wasCancelled) {
            end = ReplayStatus.State.CANCELLED;
            message = "cancelled after " + s + " of " + total + " records were sent" + (e > 0 ? " (" + e + " failed)" : "");
        } else if (e == 0 && s == total) {
            end = ReplayStatus.State.SUCCEEDED;
            message = ReplayStatus.records(s) + " sent";
        } else if (s == 0) {
            end = ReplayStatus.State.FAILED;
            message = "no record could be sent (" + e + " failed): " + firstError();
        } else {
            end = ReplayStatus.State.PARTIALLY_FAILED;
            message = s + " of " + total + " records sent, " + e + " failed: " + firstError();
        }
        try {
            // The last records are written before the state turns final: whoever sees it final finds them all.
            listener.progress(this, drain());
        } finally {
            finishedAt = clock.instant();
            state = end; // last: a reader that sees a final state sees its time and message too
            try {
                listener.finished(this);
            } finally {
                done.countDown();
            }
        }
    }

    private String firstError() {
        synchronized (errorSamples) {
            return errorSamples.isEmpty() ? "(none recorded)" : errorSamples.get(0);
        }
    }

    private void fail(PlannedRecord r, Exception e) {
        errors.incrementAndGet();
        synchronized (errorSamples) {
            if (errorSamples.size() < MAX_ERROR_SAMPLES) {
                errorSamples.add(r.source() + " -> " + r.targetTopic() + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
    }

    private static ProducerRecord<byte[], byte[]> toRecord(PlannedRecord r) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(r.targetTopic(), null, r.key(), r.payload());
        for (Header h : r.headers()) {
            record.headers().add(new RecordHeader(h.name(), h.value()));
        }
        return record;
    }

    /** Asks the job to stop; returns at once. */
    void cancel() {
        cancelled.countDown();
    }

    /** Waits up to {@code millis} for the job to end; true when it has. */
    boolean awaitDone(long millis) throws InterruptedException {
        return done.await(millis, TimeUnit.MILLISECONDS);
    }

    ReplayStatus status() {
        List<String> samples;
        synchronized (errorSamples) {
            samples = List.copyOf(errorSamples);
        }
        return new ReplayStatus(id, mode, state, false, requestedBy, requestedAt, finishedAt, total, sent.get(),
                errors.get(), ratePerSecond, message, samples, subject);
    }
}
