package io.choreoscope.samples.service;

import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * Simulated processing time of a slow service.
 *
 * @param shape  {@link Shape#LOGNORMAL} (a long right tail, like real services) or {@link Shape#EXPONENTIAL}
 * @param meanMs mean delay in ms; 0 means no delay. Samples are capped at {@link #CAP_FACTOR} times the mean so a
 *               single draw cannot stall the service for minutes.
 */
public record LatencyDistribution(Shape shape, double meanMs) {
    /** Samples above this multiple of the mean are cut to it. */
    public static final double CAP_FACTOR = 10;
    /** Log-space standard deviation of the lognormal shape. */
    public static final double LOGNORMAL_SIGMA = 0.6;

    public static final LatencyDistribution NONE = new LatencyDistribution(Shape.LOGNORMAL, 0);

    public enum Shape {
        LOGNORMAL, EXPONENTIAL;

        /** @throws IllegalArgumentException naming the allowed values */
        public static Shape parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown latency distribution '" + s + "' (use lognormal or exponential)");
            }
        }
    }

    public LatencyDistribution {
        if (shape == null) {
            throw new IllegalArgumentException("latency shape is required");
        }
        if (!(meanMs >= 0) || Double.isInfinite(meanMs)) {
            throw new IllegalArgumentException("mean latency must be a finite number >= 0 ms, was " + meanMs);
        }
    }

    /** One delay in ms, in [0, CAP_FACTOR * mean]. */
    public long sampleMs(RandomGenerator rnd) {
        if (meanMs == 0) {
            return 0;
        }
        double v = switch (shape) {
            // mu chosen so that E[exp(N(mu, sigma))] = mean
            case LOGNORMAL -> Math.exp(Math.log(meanMs) - LOGNORMAL_SIGMA * LOGNORMAL_SIGMA / 2
                    + LOGNORMAL_SIGMA * rnd.nextGaussian());
            case EXPONENTIAL -> -meanMs * Math.log(1 - rnd.nextDouble());
        };
        return Math.round(Math.min(v, meanMs * CAP_FACTOR));
    }
}
