package io.choreoscope.replay;

/**
 * The total replay rate across every running replay ({@code choreoscope.replay.total-rate}): each record to send
 * first reserves the next free slot, one every {@code 1/rate} seconds, with no burst (a slot left unused is not
 * saved up). Each replay's own rate still applies on top. Thread-safe.
 */
final class ReplayRateLimiter {
    private final long intervalNanos;
    private long next = Long.MIN_VALUE;

    /** @param recordsPerSecond above 0 */
    ReplayRateLimiter(double recordsPerSecond) {
        if (!(recordsPerSecond > 0)) {
            throw new IllegalArgumentException("the total replay rate must be above 0, was " + recordsPerSecond);
        }
        this.intervalNanos = Math.max(1, (long) (1_000_000_000L / recordsPerSecond));
    }

    /**
     * Reserves the next slot.
     *
     * @param nowNanos {@link System#nanoTime()}
     * @return nanoseconds to wait before sending (0: now)
     */
    synchronized long reserve(long nowNanos) {
        long at = next == Long.MIN_VALUE || next - nowNanos < 0 ? nowNanos : next;
        next = at + intervalNanos;
        return at - nowNanos;
    }
}
