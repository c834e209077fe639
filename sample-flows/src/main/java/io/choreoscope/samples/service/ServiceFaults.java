package io.choreoscope.samples.service;

/**
 * The faults one service injects. Probabilities are in [0, 1] and drawn independently per event.
 *
 * @param dropRate          share of handled events the service silently ignores (no reaction: the instance gets stuck)
 * @param latency           simulated processing time per handled event
 * @param failureRate       share of handled events whose processing fails; the record goes to the dead-letter topic
 * @param errorRate         share of handled events whose processing fails and is given up on: the CONSUMER span ends
 *                          with status ERROR and the exception recorded, nothing is published or dead-lettered, the
 *                          offset is committed (a handler that logs and skips): the instance gets stuck
 * @param duplicateRate     share of publishes sent twice (same record, same event ID), like a producer retry
 * @param outOfOrderRate    share of publishes stamped {@code outOfOrderSkewMs} before their cause, like a service
 *                          with a lagging clock: ordered by timestamp, the two events of the instance are swapped
 * @param outOfOrderSkewMs  how far back such a publish is stamped (ms)
 */
public record ServiceFaults(double dropRate, LatencyDistribution latency, double failureRate, double errorRate,
                            double duplicateRate, double outOfOrderRate, long outOfOrderSkewMs) {

    public static final ServiceFaults NONE = new ServiceFaults(0, LatencyDistribution.NONE, 0, 0, 0, 0, 0);

    public ServiceFaults {
        probability("drop rate", dropRate);
        probability("failure rate", failureRate);
        probability("error rate", errorRate);
        probability("duplicate rate", duplicateRate);
        probability("out-of-order rate", outOfOrderRate);
        if (latency == null) {
            latency = LatencyDistribution.NONE;
        }
        if (outOfOrderSkewMs < 0) {
            throw new IllegalArgumentException("out-of-order skew must be >= 0 ms, was " + outOfOrderSkewMs);
        }
    }

    /** @throws IllegalArgumentException unless {@code p} is in [0, 1] */
    public static double probability(String name, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(name + " must be between 0 and 1, was " + p);
        }
        return p;
    }
}
