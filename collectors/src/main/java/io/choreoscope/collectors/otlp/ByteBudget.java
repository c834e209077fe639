package io.choreoscope.collectors.otlp;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The receiver's memory budget in bytes, shared by request bodies being received or decoded and by spans queued
 * for the store ({@link SpanBuffer}). Reservations that would pass the limit are refused, never waited for: the
 * receiver answers 429 (gRPC RESOURCE_EXHAUSTED) and the exporter retries later. Thread-safe, lock-free.
 */
public final class ByteBudget {
    private final long limit;
    private final AtomicLong used = new AtomicLong();

    /** @param limit most bytes reserved at once, at least 1 */
    public ByteBudget(long limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("byte budget must be at least 1 byte, got " + limit);
        }
        this.limit = limit;
    }

    /** Reserves {@code bytes} (0 or more); false, reserving nothing, when they do not fit. */
    public boolean tryReserve(long bytes) {
        if (bytes <= 0) {
            return true;
        }
        while (true) {
            long now = used.get();
            if (now + bytes > limit) {
                return false;
            }
            if (used.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    /** Gives back bytes reserved before. */
    public void release(long bytes) {
        if (bytes > 0) {
            used.addAndGet(-bytes);
        }
    }

    public long used() {
        return used.get();
    }

    public long limit() {
        return limit;
    }
}
