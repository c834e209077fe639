package io.choreoscope.samples;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

import io.choreoscope.samples.service.LatencyDistribution;
import io.choreoscope.samples.service.ServiceFaults;

/**
 * Everything the sample services and the load generator need. Start from {@link #defaults()} (a lively but
 * mostly healthy demo: about 5 instances/s, a few faults) and change fields with {@link #toBuilder()}.
 * Probabilities are in [0, 1] and drawn per event; the constructor rejects bad values with a message naming
 * the setting.
 *
 * @param bootstrapServers  Kafka bootstrap servers; default {@value #DEFAULT_BOOTSTRAP_SERVERS}
 * @param otlpEndpoint      OTLP/HTTP traces URL every service exports to; default {@value #DEFAULT_OTLP_ENDPOINT}
 * @param tracing           whether services create and export spans (and propagate {@code traceparent}); default true
 * @param rate              new flow instances per second, all flows together; default {@value #DEFAULT_RATE}.
 *                          0 starts no generator (instances only through {@link SampleFlowsRunner#startInstance})
 * @param duration          how long the generator runs; default {@link Duration#ZERO}, meaning forever
 * @param mix               relative weight per flow; default 1 each. Flows with weight 0 are not started at all
 *                          (no topics, no services)
 * @param declineRate       share of orders whose payment is declined; default {@value #DEFAULT_DECLINE_RATE}
 * @param shortageRate      share of paid orders without stock (then refunded); default {@value #DEFAULT_SHORTAGE_RATE}
 * @param rejectRate        share of uploads moderation rejects; default {@value #DEFAULT_REJECT_RATE}
 * @param dropService       service that silently drops events (stuck instances); default {@value #DEFAULT_DROP_SERVICE}
 * @param dropRate          share of its events it drops; default {@value #DEFAULT_DROP_RATE}
 * @param slowService       service with a latency distribution; default {@value #DEFAULT_SLOW_SERVICE}
 * @param slowLatency       its processing time; default lognormal, mean {@value #DEFAULT_SLOW_MEAN_MS} ms
 * @param duplicateRate     share of every service's publishes sent twice with the same event ID; default
 *                          {@value #DEFAULT_DUPLICATE_RATE}
 * @param outOfOrderRate    share of every service's publishes stamped before their cause; default
 *                          {@value #DEFAULT_OUT_OF_ORDER_RATE}
 * @param outOfOrderSkewMs  how far before (ms); default {@value #DEFAULT_OUT_OF_ORDER_SKEW_MS}
 * @param failingService    service that fails randomly and dead-letters the record; default
 *                          {@value #DEFAULT_FAILING_SERVICE}
 * @param dltRate           share of its events that fail; default {@value #DEFAULT_DLT_RATE}
 * @param skuFaultRate      share of the orders of {@code kettle-5} ({@link io.choreoscope.samples.flows.OrderSaga#FAULTY_SKU})
 *                          that shipping fails on and dead-letters: a fault that depends on a payload value; default
 *                          {@value #DEFAULT_SKU_FAULT_RATE}
 * @param errorService      service whose handler fails and gives up on the record: its CONSUMER span ends with status
 *                          ERROR and an exception event, it publishes nothing and dead-letters nothing (the instance is
 *                          stuck with an error span as its cause); default {@value #DEFAULT_ERROR_SERVICE}
 * @param errorRate         share of its events it fails on that way; default {@value #DEFAULT_ERROR_RATE}
 * @param topicPrefix       prefix of every topic and consumer group name; default empty (topics {@code orders}, ...)
 * @param partitions        partitions of topics created here; default {@value #DEFAULT_PARTITIONS}. Existing topics
 *                          are left as they are
 * @param deployAt          when the order saga's simulated deploy happens ({@link
 *                          io.choreoscope.samples.flows.SimulatedDeploy}: shipping then ships straight after the
 *                          payment, the stock step disappears); default null, meaning no simulated deploy at all.
 *                          {@link Instant#MAX} makes it switchable at run time without a schedule
 * @param contentSchemaV2After how long after the start the content pipeline's uploads service moves to
 *                          {@code ContentUploaded} schema v2 (adds the optional {@code language}); default
 *                          {@link #DEFAULT_CONTENT_SCHEMA_V2_AFTER}, {@link Duration#ZERO} from the start, null never
 */
public record SampleFlowsSettings(String bootstrapServers, String otlpEndpoint, boolean tracing,
                                  double rate, Duration duration, Map<Flow, Double> mix,
                                  double declineRate, double shortageRate, double rejectRate,
                                  String dropService, double dropRate,
                                  String slowService, LatencyDistribution slowLatency,
                                  double duplicateRate, double outOfOrderRate, long outOfOrderSkewMs,
                                  String failingService, double dltRate, double skuFaultRate,
                                  String errorService, double errorRate,
                                  String topicPrefix, int partitions, Instant deployAt,
                                  Duration contentSchemaV2After) {

    public static final String DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092";
    public static final String DEFAULT_OTLP_ENDPOINT = "http://localhost:4318/v1/traces";
    public static final double DEFAULT_RATE = 5;
    /** Upper bound of {@code rate}: the generator ticks at most once per 100 µs. */
    public static final double MAX_RATE = 10_000;
    public static final double DEFAULT_DECLINE_RATE = 0.1;
    public static final double DEFAULT_SHORTAGE_RATE = 0.05;
    public static final double DEFAULT_REJECT_RATE = 0.05;
    public static final String DEFAULT_DROP_SERVICE = "shipping";
    public static final double DEFAULT_DROP_RATE = 0.02;
    public static final String DEFAULT_SLOW_SERVICE = "transcoding";
    public static final double DEFAULT_SLOW_MEAN_MS = 300;
    public static final double DEFAULT_DUPLICATE_RATE = 0.01;
    public static final double DEFAULT_OUT_OF_ORDER_RATE = 0.01;
    public static final long DEFAULT_OUT_OF_ORDER_SKEW_MS = 2_000;
    public static final String DEFAULT_FAILING_SERVICE = "inventory";
    public static final double DEFAULT_DLT_RATE = 0.01;
    public static final double DEFAULT_SKU_FAULT_RATE = 0.3;
    public static final String DEFAULT_ERROR_SERVICE = "payments";
    public static final double DEFAULT_ERROR_RATE = 0.01;
    public static final int DEFAULT_PARTITIONS = 3;
    /** The content pipeline's schema change happens this long after the start: inside the flow page's default hour. */
    public static final Duration DEFAULT_CONTENT_SCHEMA_V2_AFTER = Duration.ofMinutes(2);

    public SampleFlowsSettings {
        require(bootstrapServers != null && !bootstrapServers.isBlank(), "bootstrap servers must not be empty");
        require(!tracing || (otlpEndpoint != null && (otlpEndpoint.startsWith("http://") || otlpEndpoint.startsWith("https://"))),
                "OTLP endpoint must be an http(s) URL, was " + otlpEndpoint);
        require(rate >= 0 && rate <= MAX_RATE, "rate must be between 0 and " + MAX_RATE + " instances/s, was " + rate);
        require(duration != null && !duration.isNegative(), "duration must be >= 0, was " + duration);
        require(mix != null && !mix.isEmpty(), "mix must name at least one flow");
        EnumMap<Flow, Double> m = new EnumMap<>(Flow.class);
        for (Map.Entry<Flow, Double> e : mix.entrySet()) {
            require(e.getValue() != null && e.getValue() >= 0 && !e.getValue().isInfinite(),
                    "weight of " + e.getKey().key() + " must be a number >= 0, was " + e.getValue());
            m.put(e.getKey(), e.getValue());
        }
        require(m.values().stream().anyMatch(w -> w > 0), "mix must give at least one flow a weight > 0");
        mix = Collections.unmodifiableMap(m);
        ServiceFaults.probability("decline rate", declineRate);
        ServiceFaults.probability("shortage rate", shortageRate);
        ServiceFaults.probability("reject rate", rejectRate);
        ServiceFaults.probability("drop rate", dropRate);
        ServiceFaults.probability("duplicate rate", duplicateRate);
        ServiceFaults.probability("out-of-order rate", outOfOrderRate);
        ServiceFaults.probability("dlt rate", dltRate);
        ServiceFaults.probability("sku fault rate", skuFaultRate);
        ServiceFaults.probability("error rate", errorRate);
        require(outOfOrderSkewMs >= 0, "out-of-order skew must be >= 0 ms, was " + outOfOrderSkewMs);
        require(slowLatency != null, "slow latency is required");
        require(partitions >= 1, "partitions must be >= 1, was " + partitions);
        require(contentSchemaV2After == null || !contentSchemaV2After.isNegative(),
                "content schema v2 time must be >= 0, was " + contentSchemaV2After);
        topicPrefix = topicPrefix == null ? "" : topicPrefix;
        dropService = dropService == null ? "" : dropService;
        slowService = slowService == null ? "" : slowService;
        failingService = failingService == null ? "" : failingService;
        errorService = errorService == null ? "" : errorService;
    }

    public static SampleFlowsSettings defaults() {
        Map<Flow, Double> mix = new EnumMap<>(Flow.class);
        for (Flow f : Flow.values()) {
            mix.put(f, 1.0);
        }
        return new SampleFlowsSettings(DEFAULT_BOOTSTRAP_SERVERS, DEFAULT_OTLP_ENDPOINT, true,
                DEFAULT_RATE, Duration.ZERO, mix,
                DEFAULT_DECLINE_RATE, DEFAULT_SHORTAGE_RATE, DEFAULT_REJECT_RATE,
                DEFAULT_DROP_SERVICE, DEFAULT_DROP_RATE,
                DEFAULT_SLOW_SERVICE, new LatencyDistribution(LatencyDistribution.Shape.LOGNORMAL, DEFAULT_SLOW_MEAN_MS),
                DEFAULT_DUPLICATE_RATE, DEFAULT_OUT_OF_ORDER_RATE, DEFAULT_OUT_OF_ORDER_SKEW_MS,
                DEFAULT_FAILING_SERVICE, DEFAULT_DLT_RATE, DEFAULT_SKU_FAULT_RATE,
                DEFAULT_ERROR_SERVICE, DEFAULT_ERROR_RATE, "", DEFAULT_PARTITIONS, null,
                DEFAULT_CONTENT_SCHEMA_V2_AFTER);
    }

    /** The faults {@code service} injects under these settings. */
    public ServiceFaults faultsFor(String service) {
        return new ServiceFaults(service.equals(dropService) ? dropRate : 0,
                service.equals(slowService) ? slowLatency : LatencyDistribution.NONE,
                service.equals(failingService) ? dltRate : 0,
                service.equals(errorService) ? errorRate : 0,
                duplicateRate, outOfOrderRate, outOfOrderSkewMs);
    }

    /** Settings with no faults at all (every instance takes its happy path unless the business rates say otherwise). */
    public SampleFlowsSettings withoutFaults() {
        return toBuilder().dropRate(0).dltRate(0).skuFaultRate(0).errorRate(0).duplicateRate(0).outOfOrderRate(0)
                .slowLatency(LatencyDistribution.NONE).build();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Mutable copy of the settings; {@link #build()} validates. */
    public static final class Builder {
        private String bootstrapServers;
        private String otlpEndpoint;
        private boolean tracing;
        private double rate;
        private Duration duration;
        private Map<Flow, Double> mix;
        private double declineRate;
        private double shortageRate;
        private double rejectRate;
        private String dropService;
        private double dropRate;
        private String slowService;
        private LatencyDistribution slowLatency;
        private double duplicateRate;
        private double outOfOrderRate;
        private long outOfOrderSkewMs;
        private String failingService;
        private double dltRate;
        private double skuFaultRate;
        private String errorService;
        private double errorRate;
        private String topicPrefix;
        private int partitions;
        private Instant deployAt;
        private Duration contentSchemaV2After;

        private Builder(SampleFlowsSettings s) {
            bootstrapServers = s.bootstrapServers;
            otlpEndpoint = s.otlpEndpoint;
            tracing = s.tracing;
            rate = s.rate;
            duration = s.duration;
            mix = new EnumMap<>(s.mix);
            declineRate = s.declineRate;
            shortageRate = s.shortageRate;
            rejectRate = s.rejectRate;
            dropService = s.dropService;
            dropRate = s.dropRate;
            slowService = s.slowService;
            slowLatency = s.slowLatency;
            duplicateRate = s.duplicateRate;
            outOfOrderRate = s.outOfOrderRate;
            outOfOrderSkewMs = s.outOfOrderSkewMs;
            failingService = s.failingService;
            dltRate = s.dltRate;
            skuFaultRate = s.skuFaultRate;
            errorService = s.errorService;
            errorRate = s.errorRate;
            topicPrefix = s.topicPrefix;
            partitions = s.partitions;
            deployAt = s.deployAt;
            contentSchemaV2After = s.contentSchemaV2After;
        }

        public Builder bootstrapServers(String v) { bootstrapServers = v; return this; }
        public Builder otlpEndpoint(String v) { otlpEndpoint = v; return this; }
        public Builder tracing(boolean v) { tracing = v; return this; }
        public Builder rate(double v) { rate = v; return this; }
        public Builder duration(Duration v) { duration = v; return this; }
        public Builder mix(Map<Flow, Double> v) { mix = v; return this; }
        /** Only {@code flow}, weight 1; the other flows are not started. */
        public Builder only(Flow flow) { mix = Map.of(flow, 1.0); return this; }
        public Builder declineRate(double v) { declineRate = v; return this; }
        public Builder shortageRate(double v) { shortageRate = v; return this; }
        public Builder rejectRate(double v) { rejectRate = v; return this; }
        public Builder dropService(String v) { dropService = v; return this; }
        public Builder dropRate(double v) { dropRate = v; return this; }
        public Builder slowService(String v) { slowService = v; return this; }
        public Builder slowLatency(LatencyDistribution v) { slowLatency = v; return this; }
        public Builder duplicateRate(double v) { duplicateRate = v; return this; }
        public Builder outOfOrderRate(double v) { outOfOrderRate = v; return this; }
        public Builder outOfOrderSkewMs(long v) { outOfOrderSkewMs = v; return this; }
        public Builder failingService(String v) { failingService = v; return this; }
        public Builder dltRate(double v) { dltRate = v; return this; }
        public Builder skuFaultRate(double v) { skuFaultRate = v; return this; }
        public Builder errorService(String v) { errorService = v; return this; }
        public Builder errorRate(double v) { errorRate = v; return this; }
        public Builder topicPrefix(String v) { topicPrefix = v; return this; }
        public Builder partitions(int v) { partitions = v; return this; }
        public Builder deployAt(Instant v) { deployAt = v; return this; }
        public Builder contentSchemaV2After(Duration v) { contentSchemaV2After = v; return this; }

        public LatencyDistribution slowLatency() { return slowLatency; }

        /** @throws IllegalArgumentException naming the first bad setting */
        public SampleFlowsSettings build() {
            return new SampleFlowsSettings(bootstrapServers, otlpEndpoint, tracing, rate, duration, mix,
                    declineRate, shortageRate, rejectRate, dropService, dropRate, slowService, slowLatency,
                    duplicateRate, outOfOrderRate, outOfOrderSkewMs, failingService, dltRate, skuFaultRate, errorService, errorRate, topicPrefix, partitions, deployAt,
                    contentSchemaV2After);
        }
    }
}
