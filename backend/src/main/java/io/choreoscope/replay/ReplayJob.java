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
 * every {@code 1/rate} seconds at most; acknowledgements are counted as they arrive (at most 1000 in
 * flight). Cancel stops issuing records at once; those already handed to the producer still complete
 * and are counted. A failed record is counted and described, and the job goes on with the next one.
 */
final class ReplayJob implements Runnable {
    private static final int MAX_ERROR_SAMPLES = 10;
    private static final int MAX_IN_FLIGHT = 1_000;

    private final String id;
    private final ReplayMode mode;
    private final String requestedBy;
    private final Instant requestedAt;
    private final List<PlannedRecord> records;
    private final double ratePerSecond;
    private final Producer<byte[], byte[]> producer;
    private final Clock clock;
    private final AtomicInteger sent = new AtomicInteger();
    private final java.util.Queue<PlannedRecord> acknowledged = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final AtomicInteger errors = new AtomicInteger();
    private final List<String> errorSamples = new ArrayList<>();
    private final CountDownLatch cancelled = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile ReplayStatus.State state = ReplayStatus.State.RUNNING;
    private volatile Instant finishedAt;
    private volatile String message;
    private final Runnable onFinish;

    ReplayJob(String id, ReplayMode mode, String requestedBy, Instant requestedAt, List<PlannedRecord> records,
              double ratePerSecond, Producer<byte[], byte[]> producer, Clock clock, Runnable onFinish) {
        this.id = id;
        this.mode = mode;
        this.requestedBy = requestedBy;
        this.requestedAt = requestedAt;
        this.records = records;
        this.ratePerSecond = ratePerSecond;
        this.producer = producer;
        this.clock = clock;
        this.onFinish = onFinish;
    }

    @Override
    public void run() {
        Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
        long intervalNanos = (long) (1_000_000_000L / ratePerSecond);
        long next = System.nanoTime();
        int issued = 0;
        try {
            for (PlannedRecord r : records) {
                long wait = next - System.nanoTime();
                // Waiting on the cancel latch paces the records and wakes up at once on cancel.
                if (wait > 0 ? cancelled.await(wait, TimeUnit.NANOSECONDS) : cancelled.getCount() == 0) {
                    break;
                }
                next = Math.max(next, System.nanoTime() - intervalNanos) + intervalNanos;
                inFlight.acquire();
                issued++;
                try {
                    producer.send(toRecord(r), (metadata, e) -> {
                        if (e == null) {
                            acknowledged.add(r);
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
            }
            producer.flush();
            inFlight.acquire(MAX_IN_FLIGHT); // every callback has run
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            synchronized (errorSamples) {
                errorSamples.add("interrupted after issuing " + issued + " records");
            }
        } finally {
            finish(issued);
        }
    }

    private void finish(int issued) {
        int s = sent.get();
        int e = errors.get();
        boolean wasCancelled = cancelled.getCount() == 0 && issued < records.size();
        ReplayStatus.State end;
        if (wasCancelled) {
            end = ReplayStatus.State.CANCELLED;
            message = "cancelled after " + s + " of " + records.size() + " records were sent" + (e > 0 ? " (" + e + " failed)" : "");
        } else if (e == 0 && s == records.size()) {
            end = ReplayStatus.State.SUCCEEDED;
            message = s + " records sent";
        } else if (s == 0) {
            end = ReplayStatus.State.FAILED;
            message = "no record could be sent (" + e + " failed): " + firstError();
        } else {
            end = ReplayStatus.State.PARTIALLY_FAILED;
            message = s + " of " + records.size() + " records sent, " + e + " failed: " + firstError();
        }
        finishedAt = clock.instant();
        state = end; // last: a reader that sees a final state sees its time and message too
        try {
            onFinish.run();
        } finally {
            done.countDown();
        }
    }

    /** The records Kafka acknowledged so far (all of them once the job is done). */
    List<PlannedRecord> acknowledged() {
        return List.copyOf(acknowledged);
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
        return new ReplayStatus(id, mode, state, false, requestedBy, requestedAt, finishedAt, records.size(), sent.get(),
                errors.get(), ratePerSecond, message, samples);
    }
}
