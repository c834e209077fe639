package io.choreoscope.live;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Delays between retries of a failing step: {@code initial} doubling per consecutive failure up to {@code max}, each
 * with jitter (a uniformly random share between half and all of it), so that workers that failed together (one
 * ClickHouse outage) do not retry in lockstep. Not thread-safe.
 */
final class RetryBackoff {
    private final long initialMs;
    private final long maxMs;
    private final DoubleSupplier random;
    private int failures;

    /**
     * @param initial delay after the first failure (before jitter), at least 1 ms
     * @param max     cap on any delay, at least {@code initial}
     * @param random  uniform in [0, 1), e.g. {@code ThreadLocalRandom.current()::nextDouble}
     */
    RetryBackoff(Duration initial, Duration max, DoubleSupplier random) {
        this.initialMs = Math.max(1, initial.toMillis());
        this.maxMs = Math.max(initialMs, max.toMillis());
        this.random = random;
    }

    /** Counts one more consecutive failure and returns how long to wait before the next try: between half and all of min(max, initial x 2^(failures-1)). */
    Duration next() {
        failures++;
        long base = initialMs;
        for (int i = 1; i < failures && base < maxMs; i++) {
            base *= 2;
        }
        base = Math.min(base, maxMs);
        long jittered = base / 2 + Math.round(random.getAsDouble() * (base - base / 2));
        return Duration.ofMillis(Math.max(1, Math.min(jittered, maxMs)));
    }

    /** Consecutive failures counted since the last {@link #reset}. */
    int failures() {
        return failures;
    }

    /** The step succeeded: the next failure waits {@code initial} again. */
    void reset() {
        failures = 0;
    }
}
