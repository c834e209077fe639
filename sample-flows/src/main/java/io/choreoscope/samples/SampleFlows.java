package io.choreoscope.samples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.choreoscope.samples.service.LatencyDistribution;
import io.choreoscope.samples.service.SampleService;

/**
 * Command line entry point: runs the sample services and the load/fault generator until Ctrl-C (or until
 * {@code --duration} is over, plus {@value #DRAIN_SECONDS} s for in-flight instances). Exit codes: 0 done,
 * 1 could not start (e.g. Kafka unreachable), 2 bad options.
 *
 * <pre>java -cp sample-flows/target/classes:sample-flows/target/lib/* io.choreoscope.samples.SampleFlows --help</pre>
 */
public final class SampleFlows {
    /** Seconds the services keep running after a finite {@code --duration}, so started instances can finish. */
    public static final int DRAIN_SECONDS = 5;
    /** Seconds between progress lines on stderr. */
    public static final int REPORT_SECONDS = 10;

    private SampleFlows() {
    }

    /** Bad command line; the message is shown to the user as is. */
    public static final class UsageException extends Exception {
        public UsageException(String message) {
            super(message);
        }
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs as {@link #main} does, returning the exit code instead of exiting. Blocks while the flows run. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        SampleFlowsSettings settings;
        try {
            settings = parse(args);
        } catch (UsageException e) {
            err.println("sample-flows: " + e.getMessage());
            err.println("Run with --help to see the options.");
            return 2;
        }
        if (settings == null) {
            out.print(usage());
            return 0;
        }
        SampleFlowsRunner runner;
        try {
            runner = SampleFlowsRunner.start(settings);
        } catch (RuntimeException e) {
            err.println("sample-flows: " + e.getMessage());
            return 1;
        }
        CountDownLatch closed = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            runner.close();
            closed.countDown();
        }, "sample-flows-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        err.println("sample-flows: running " + settings.mix() + " at " + settings.rate() + " instances/s; Ctrl-C to stop");
        runner.deploy().flatMap(d -> d.at()).ifPresent(at -> err.println("sample-flows: simulated deploy of the order saga at "
                + at + " (from then on shipping ships straight after the payment; no StockReserved)"));
        if (settings.mix().getOrDefault(Flow.CONTENT, 0.0) > 0) {
            runner.contentSchemaV2At().ifPresent(at -> err.println("sample-flows: the content pipeline's uploads moves to "
                    + "ContentUploaded schema v2 (Avro, adds language) at " + at));
        }
        try {
            boolean finite = !settings.duration().isZero() && runner.generator().isPresent();
            long end = finite ? System.nanoTime() + settings.duration().toNanos() + TimeUnit.SECONDS.toNanos(DRAIN_SECONDS)
                    : Long.MAX_VALUE;
            while (!closed.await(Math.min(REPORT_SECONDS, Math.max(0, (end - System.nanoTime()) / 1_000_000_000L) + 1),
                    TimeUnit.SECONDS)) {
                report(runner, err);
                if (System.nanoTime() >= end) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closed.getCount() > 0) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is already running
            }
            runner.close();
        }
        return 0;
    }

    private static void report(SampleFlowsRunner runner, PrintStream err) {
        StringBuilder b = new StringBuilder("sample-flows: started ")
                .append(runner.generator().map(g -> g.startedCount()).orElse(0L)).append(" instances;");
        for (SampleService s : runner.services()) {
            if (s.handledCount() > 0 || s.publishedCount() > 0) {
                b.append(' ').append(s.name()).append(" in=").append(s.handledCount())
                        .append(" out=").append(s.publishedCount());
                if (s.droppedCount() > 0) {
                    b.append(" dropped=").append(s.droppedCount());
                }
                if (s.deadLetteredCount() > 0) {
                    b.append(" dlt=").append(s.deadLetteredCount());
                }
                if (s.erroredCount() > 0) {
                    b.append(" errors=").append(s.erroredCount());
                }
                b.append(',');
            }
        }
        err.println(b);
    }

    /**
     * Settings from the command line, defaults for what is not given; null when {@code --help} was asked for.
     * Options take {@code --name value} or {@code --name=value}.
     *
     * @throws UsageException naming the bad option or value
     */
    public static SampleFlowsSettings parse(String[] args) throws UsageException {
        SampleFlowsSettings.Builder b = SampleFlowsSettings.defaults().toBuilder();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                return null;
            }
            if (arg.equals("--no-tracing")) {
                b.tracing(false);
                continue;
            }
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "'");
            }
            String name = arg;
            String value;
            int eq = arg.indexOf('=');
            if (eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new UsageException("option " + arg + " needs a value");
            }
            try {
                apply(b, name, value);
            } catch (NumberFormatException e) {
                throw new UsageException("option " + name + ": '" + value + "' is not a number");
            } catch (IllegalArgumentException e) {
                throw new UsageException("option " + name + ": " + e.getMessage());
            }
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static void apply(SampleFlowsSettings.Builder b, String name, String value) throws UsageException {
        switch (name) {
            case "--bootstrap-servers" -> b.bootstrapServers(value);
            case "--rabbitmq-uri" -> io.choreoscope.samples.service.RabbitBus.configure(value);
            case "--otlp-endpoint" -> b.otlpEndpoint(value);
            case "--rate" -> b.rate(Double.parseDouble(value));
            case "--duration" -> b.duration(duration(value));
            case "--mix" -> b.mix(mix(value));
            case "--decline-rate" -> b.declineRate(Double.parseDouble(value));
            case "--shortage-rate" -> b.shortageRate(Double.parseDouble(value));
            case "--reject-rate" -> b.rejectRate(Double.parseDouble(value));
            case "--drop-service" -> b.dropService(value);
            case "--drop-rate" -> b.dropRate(Double.parseDouble(value));
            case "--slow-service" -> b.slowService(value);
            case "--slow-mean-ms" -> b.slowLatency(new LatencyDistribution(b.slowLatency().shape(), Double.parseDouble(value)));
            case "--slow-distribution" -> b.slowLatency(new LatencyDistribution(LatencyDistribution.Shape.parse(value),
                    b.slowLatency().meanMs()));
            case "--duplicate-rate" -> b.duplicateRate(Double.parseDouble(value));
            case "--out-of-order-rate" -> b.outOfOrderRate(Double.parseDouble(value));
            case "--out-of-order-skew-ms" -> b.outOfOrderSkewMs(Long.parseLong(value));
            case "--failing-service" -> b.failingService(value);
            case "--dlt-rate" -> b.dltRate(Double.parseDouble(value));
            case "--sku-fault-rate" -> b.skuFaultRate(Double.parseDouble(value));
            case "--error-service" -> b.errorService(value);
            case "--error-rate" -> b.errorRate(Double.parseDouble(value));
            case "--topic-prefix" -> b.topicPrefix(value);
            case "--partitions" -> b.partitions(Integer.parseInt(value));
            case "--deploy-at" -> b.deployAt(deployAt(value, java.time.Instant.now()));
            case "--content-schema-v2-after" -> b.contentSchemaV2After("never".equals(value.strip()) ? null : duration(value));
            default -> throw new UsageException("unknown option " + name);
        }
    }

    /** Seconds ({@code 30}) or with a unit ({@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}). */
    static Duration duration(String v) {
        String s = v.trim();
        try {
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            }
            char unit = s.isEmpty() ? ' ' : s.charAt(s.length() - 1);
            return switch (unit) {
                case 's' -> Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)));
                case 'm' -> Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1)));
                case 'h' -> Duration.ofHours(Long.parseLong(s.substring(0, s.length() - 1)));
                default -> Duration.ofSeconds(Long.parseLong(s));
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + v + "' is not a duration (seconds, or e.g. 500ms, 30s, 5m, 1h)");
        }
    }

    /** {@code orders=1,signup=2,content=0}; flows not named get weight 0. */
    static Map<Flow, Double> mix(String v) {
        Map<Flow, Double> m = new EnumMap<>(Flow.class);
        for (String part : v.split(",")) {
            String[] kv = part.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("'" + part + "' is not flow=weight (e.g. orders=1,signup=1,content=1)");
            }
            Flow f = Flow.ofKey(kv[0]);
            if (m.containsKey(f)) {
                throw new IllegalArgumentException(f.key() + " is given twice");
            }
            try {
                m.put(f, Double.parseDouble(kv[1].trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("weight of " + f.key() + " '" + kv[1] + "' is not a number");
            }
        }
        return m;
    }

    /**
     * {@code --deploy-at}: {@code +D} (a duration as {@code --duration} takes it, from {@code now}) or an ISO-8601
     * instant such as {@code 2026-12-02T21:00:00Z}.
     */
    static java.time.Instant deployAt(String value, java.time.Instant now) throws UsageException {
        String v = value.strip();
        if (v.startsWith("+")) {
            return now.plus(duration(v.substring(1)));
        }
        try {
            return java.time.Instant.parse(v);
        } catch (java.time.format.DateTimeParseException e) {
            throw new UsageException("option --deploy-at: '" + value + "' is neither +DURATION (+10m) nor an ISO-8601 "
                    + "instant (2026-12-02T21:00:00Z)");
        }
    }

    /** The {@code --help} text, with every default. */
    public static String usage() {
        SampleFlowsSettings d = SampleFlowsSettings.defaults();
        return """
                Usage: SampleFlows [options]
                Runs the sample choreographies (order saga, signup fan-out, content pipeline) as independent
                Kafka services instrumented with OpenTelemetry, and a load and fault generator.

                Connections
                  --bootstrap-servers HOST:PORT  Kafka (default %s)
                  --otlp-endpoint URL            OTLP/HTTP traces endpoint (default %s)
                  --no-tracing                   create and export no spans
                  --rabbitmq-uri URI             the order saga's shipping step publishes to RabbitMQ (exchange
                                                 "shipping") instead of Kafka (default: off, all on Kafka)
                  --topic-prefix P               prefix of topic and consumer group names (default none)
                  --partitions N                 partitions of topics created here (default %d)
                Load
                  --rate R                       new instances per second, all flows (default %s; 0 = none)
                  --duration D                   how long to generate: seconds or 500ms/30s/5m/1h (default 0 = forever)
                  --mix orders=W,signup=W,content=W  relative weights; unnamed flows are off (default 1 each)
                Business outcomes
                  --decline-rate P               orders whose payment is declined (default %s)
                  --shortage-rate P              paid orders out of stock, then refunded (default %s)
                  --reject-rate P                uploads rejected by moderation (default %s)
                Faults
                  --drop-service S               service that silently drops events (default %s)
                  --drop-rate P                  share it drops: stuck instances (default %s)
                  --slow-service S               service with a latency distribution (default %s)
                  --slow-mean-ms MS              its mean processing time (default %s)
                  --slow-distribution D          lognormal or exponential (default lognormal)
                  --duplicate-rate P             publishes sent twice with the same event ID (default %s)
                  --out-of-order-rate P          publishes stamped before their cause (default %s)
                  --out-of-order-skew-ms MS      how far before (default %d)
                  --failing-service S            service that fails randomly (default %s)
                  --dlt-rate P                   share of its events that fail and go to dead-letters (default %s)
                  --sku-fault-rate P             share of kettle-5 orders shipping fails on (default %s)
                  --error-service S              service that fails and gives up on events: error span, no
                                                 output, no dead letter (default %s)
                  --error-rate P                 share of its events it fails on that way (default %s)
                  --deploy-at +D|INSTANT         simulate a deploy of the order saga then (+10m = ten minutes from
                                                 start, or 2026-12-02T21:00:00Z): shipping ships straight after the
                                                 payment, the stock step disappears (default: no deploy)
                  --content-schema-v2-after D|never  when uploads moves to the Avro schema ContentUploaded v2
                                                 (adds the optional language), from start (default 2m)
                  --help                         this text
                Probabilities P are between 0 and 1. Services: orders, payments, inventory, shipping, accounts,
                email, analytics, crm, welcome-campaign, uploads, moderation, transcoding, publishing.
                """.formatted(d.bootstrapServers(), d.otlpEndpoint(), d.partitions(), fmt(d.rate()),
                fmt(d.declineRate()), fmt(d.shortageRate()), fmt(d.rejectRate()), d.dropService(), fmt(d.dropRate()),
                d.slowService(), fmt(d.slowLatency().meanMs()), fmt(d.duplicateRate()), fmt(d.outOfOrderRate()),
                d.outOfOrderSkewMs(), d.failingService(), fmt(d.dltRate()), fmt(d.skuFaultRate()),
                d.errorService(), fmt(d.errorRate()));
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
