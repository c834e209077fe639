package io.choreoscope.collectors.otlp;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.choreoscope.model.SinkUnavailableException;
import io.choreoscope.model.Span;
import io.choreoscope.model.SpanSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded in-memory queue in front of the span store, as the OpenTelemetry Collector keeps one:
 * requests are acknowledged once their spans are queued, and background writers write them in
 * large batches (by size, or when the oldest queued span waited {@code linger}). Two writers by
 * default: while the store finishes one insert (sorting, compressing, writing its part), the next
 * batch is already being encoded and sent. Exporters send
 * small requests (the SDK: one at a time, up to 512 spans), so writing each request on its own would
 * cap throughput at one small insert per request.
 *
 * <p>When the store refuses a batch, the batch is kept and retried with backoff while new requests
 * fill the queue; once the queue holds {@code capacity} spans, or their estimated heap size
 * ({@link #estimatedBytes(Span)}) no longer fits the receiver's {@link ByteBudget}, {@link #accept} throws
 * {@link QueueFullException} and the receiver answers 429 with Retry-After: back-pressure on the
 * exporters, memory stays bounded. The trade-off, as with the Collector's memory queue: spans queued
 * but not yet written are lost if the process crashes.
 */
public final class SpanBuffer implements SpanSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpanBuffer.class);

    private final SpanSink store;
    private final int capacity;
    private final int batchMax;
    private final long lingerNanos;
    private final long retryMaxMillis;
    /** Default number of writer threads. */
    public static final int DEFAULT_WRITERS = 2;
    private final ByteBudget budget;
    private final List<Span> queue = new ArrayList<>();
    /** Estimated bytes of each queued span, parallel to {@code queue}. */
    private final List<Long> queuedBytes = new ArrayList<>();
    private final List<Thread> writers = new ArrayList<>();
    /** Spans taken by a writer and not yet written; they count against the capacity. */
    private int inFlight;
    private long oldestQueuedAt;
    private boolean closing;
    private volatile int consecutiveFailures;
    private volatile String lastError;

    /**
     * @param store     where batches go
     * @param capacity  most spans queued (including the batch being written); beyond it, 503
     * @param batchMax  most spans in one write
     * @param lingerMs  longest wait of a queued span before its batch is written, ms
     */
    public SpanBuffer(SpanSink store, int capacity, int batchMax, long lingerMs) {
        this(store, capacity, batchMax, lingerMs, DEFAULT_WRITERS, new ByteBudget(Long.MAX_VALUE));
    }

    /** As above, with {@code writers} threads writing batches side by side. */
    public SpanBuffer(SpanSink store, int capacity, int batchMax, long lingerMs, int writers) {
        this(store, capacity, batchMax, lingerMs, writers, new ByteBudget(Long.MAX_VALUE));
    }

    /**
     * As above, with {@code writers} threads writing batches side by side, and queued spans counted against
     * {@code budget} (released once written).
     */
    public SpanBuffer(SpanSink store, int capacity, int batchMax, long lingerMs, int writers, ByteBudget budget) {
        if (capacity < 1 || batchMax < 1 || lingerMs < 0 || writers < 1) {
            throw new IllegalArgumentException("span buffer needs capacity >= 1, batch >= 1, linger >= 0, writers >= 1");
        }
        this.store = store;
        this.budget = budget;
        this.capacity = capacity;
        this.batchMax = batchMax;
        this.lingerNanos = TimeUnit.MILLISECONDS.toNanos(lingerMs);
        this.retryMaxMillis = 5_000;
        for (int i = 1; i <= writers; i++) {
            Thread writer = new Thread(this::run, "otlp-span-writer-" + i);
            writer.setDaemon(true);
            this.writers.add(writer);
        }
        this.writers.forEach(Thread::start);
    }

    @Override
    public void accept(List<Span> spans) throws SinkUnavailableException {
        if (spans.isEmpty()) {
            return;
        }
        synchronized (queue) {
            if (closing) {
                throw new SinkUnavailableException("span buffer is closing", null);
            }
            if (queue.size() + inFlight + spans.size() > capacity) {
                throw new QueueFullException("span queue full (" + (queue.size() + inFlight) + " spans waiting"
                        + (lastError == null ? "" : "; store: " + lastError) + ")");
            }
            long[] sizes = new long[spans.size()];
            long total = 0;
            for (int i = 0; i < sizes.length; i++) {
                sizes[i] = estimatedBytes(spans.get(i));
                total += sizes[i];
            }
            if (!budget.tryReserve(total)) {
                throw new QueueFullException("span queue over its byte budget (" + budget.used() + " of "
                        + budget.limit() + " bytes in use, choreoscope.otlp.max-queue-bytes"
                        + (lastError == null ? "" : "; store: " + lastError) + ")");
            }
            if (queue.isEmpty()) {
                oldestQueuedAt = System.nanoTime();
            }
            queue.addAll(spans);
            for (long size : sizes) {
                queuedBytes.add(size);
            }
            queue.notifyAll();
        }
    }

    /** Spans queued and not yet written. */
    public int queued() {
        synchronized (queue) {
            return queue.size() + inFlight;
        }
    }

    /**
     * Estimated heap bytes of one span as queued: object headers and fields (about 200 bytes), two bytes per
     * character of its strings (an upper bound: Latin-1 strings take one), and about 64 bytes per attribute entry.
     */
    public static long estimatedBytes(Span s) {
        long bytes = 200;
        bytes += 2L * (len(s.traceId()) + len(s.spanId()) + len(s.parentSpanId()) + len(s.service()) + len(s.name())
                + len(s.messagingSystem()) + len(s.messagingDestination()) + len(s.messagingOperation())
                + len(s.messagingMessageId()) + len(s.consumerGroup()) + len(s.correlationId())
                + len(s.statusMessage()) + len(s.eventsJson()) + len(s.linksJson()));
        for (var e : s.attributes().entrySet()) {
            bytes += 64 + 2L * (len(e.getKey()) + len(e.getValue()));
        }
        return bytes;
    }

    private static int len(String s) {
        return s == null ? 0 : s.length();
    }

    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    private void run() {
        while (true) {
            List<Span> batch;
            long batchBytes = 0;
            synchronized (queue) {
                try {
                    while (!closing && (queue.isEmpty()
                            || (queue.size() < batchMax && System.nanoTime() - oldestQueuedAt < lingerNanos))) {
                        long waitNanos = queue.isEmpty() ? TimeUnit.SECONDS.toNanos(1)
                                : lingerNanos - (System.nanoTime() - oldestQueuedAt);
                        TimeUnit.NANOSECONDS.timedWait(queue, Math.max(1, waitNanos));
                    }
                } catch (InterruptedException e) {
                    return;
                }
                if (queue.isEmpty()) {
                    return; // closing and drained
                }
                // The batch leaves the queue but stays counted in flight until written, so capacity covers it.
                int n = Math.min(batchMax, queue.size());
                List<Span> head = queue.subList(0, n);
                batch = List.copyOf(head);
                head.clear();
                List<Long> headBytes = queuedBytes.subList(0, n);
                for (long size : headBytes) {
                    batchBytes += size;
                }
                headBytes.clear();
                inFlight += batch.size();
                oldestQueuedAt = System.nanoTime();
            }
            boolean written = write(batch);
            budget.release(batchBytes);
            synchronized (queue) {
                inFlight -= batch.size();
                queue.notifyAll();
            }
            if (!written) {
                return;
            }
        }
    }

    /** Writes until the store takes the batch; false when closed meanwhile. */
    private boolean write(List<Span> batch) {
        long backoff = 100;
        while (true) {
            try {
                store.accept(batch);
                if (consecutiveFailures > 0) {
                    LOG.info("Span store is back after {} failed attempts", consecutiveFailures);
                }
                consecutiveFailures = 0;
                lastError = null;
                return true;
            } catch (Exception e) {
                consecutiveFailures++;
                lastError = e.getMessage();
                if (consecutiveFailures == 1 || consecutiveFailures % 10 == 0) {
                    LOG.warn("Span store refused {} spans (attempt {}): {}", batch.size(), consecutiveFailures, e.getMessage());
                }
                synchronized (queue) {
                    if (closing) {
                        LOG.warn("Dropping {} spans at shutdown: the store is unavailable", batch.size() + queue.size());
                        for (long size : queuedBytes) {
                            budget.release(size);
                        }
                        queue.clear();
                        queuedBytes.clear();
                        return false;
                    }
                    try {
                        queue.wait(backoff);
                    } catch (InterruptedException ie) {
                        return false;
                    }
                }
                backoff = Math.min(backoff * 2, retryMaxMillis);
            }
        }
    }

    /** Writes what is queued (waiting up to 10 s), then stops. */
    @Override
    public void close() {
        synchronized (queue) {
            closing = true;
            queue.notifyAll();
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try {
            for (Thread writer : writers) {
                writer.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
