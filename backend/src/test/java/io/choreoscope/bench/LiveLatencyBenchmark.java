package io.choreoscope.bench;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.choreoscope.harness.bench.FreshnessPoller;
import io.choreoscope.harness.bench.SagaLoad;
import io.choreoscope.harness.clickhouse.EmbeddedClickHouse;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Issue 5's freshness benchmark (a harness, not a test): the whole application (role {@code all}, shipped
 * defaults: tap linger 500 ms, evaluate every 500 ms) taps a real broker into a real ClickHouse while a
 * producer writes sagas of 5 events at a steady rate (default 5,000 events/s) for a while (default 60 s).
 * For one instance in {@code sampleEvery}, the harness notes when the instance's last event was sent and
 * polls {@code GET /api/v1/instances/{id}} every 50 ms until the API shows all 5 events; the difference is
 * the freshness of the instance state.
 * <pre>
 * mvn -B -q -pl backend -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java -Xmx1g -cp backend/target/test-classes:backend/target/classes:$(cat /tmp/cp.txt) io.choreoscope.bench.LiveLatencyBenchmark 5000 60 500
 * </pre>
 * Arguments: events/s (default 5000), seconds (default 60), sample one instance in (default 500: the pollers must not starve; each poll costs a full instance read).
 * The sagas ({@link SagaLoad}) and the polling ({@link FreshnessPoller}) are the harness module's, shared with e2e's
 * {@code DistributedLayoutBenchmark}, which measures the same in the distributed layout.
 */
public final class LiveLatencyBenchmark {
    public static void main(String[] args) throws Exception {
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        int sampleEvery = args.length > 2 ? Integer.parseInt(args[2]) : 500;
        Path dir = io.choreoscope.harness.TempDirs.deleteAtExit(Files.createTempDirectory("choreoscope-live-bench-"));
        try (EmbeddedClickHouse ch = EmbeddedClickHouse.start(dir.resolve("clickhouse"), 0);
             EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            String topic = "bench-orders";
            kafka.createTopic(topic, 4);
            Map<String, Object> p = new HashMap<>();
            p.put("micronaut.server.port", -1);
            p.put("choreoscope.tap.bootstrap-servers", kafka.bootstrapServers());
            p.put("choreoscope.tap.include", topic);
            p.put("choreoscope.clickhouse.url", ch.httpUrl());
            p.put("choreoscope.clickhouse.database", "live");
            p.put("choreoscope.inference.end-event-types", "OrderDelivered");
            p.put("choreoscope.ui.enabled", false);
            p.put("choreoscope.auth.demo-users", true);
            try (ApplicationContext app = ApplicationContext.run(EmbeddedServer.class, p).getApplicationContext();
                 KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                         ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                         ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.ACKS_CONFIG, "1"),
                         new ByteArraySerializer(), new ByteArraySerializer())) {
                String url = app.getBean(EmbeddedServer.class).getURL().toString();
                String token = BenchSignIn.token(HttpClient.newHttpClient(), url);
                try (FreshnessPoller poller = new FreshnessPoller(url, "Bearer " + token, SagaLoad.EVENTS, null, 4,
                        Duration.ofMillis(50), Duration.ofSeconds(30))) {
                    SagaLoad load = new SagaLoad(producer, topic, "order-", false, false, new SagaLoad.Observer() {
                        @Override
                        public void lastSent(String correlationId, long n, long sentAtMillis) {
                            if (n % sampleEvery == 0) {
                                poller.watch(correlationId, sentAtMillis);
                            }
                        }
                    });
                    long start = System.nanoTime();
                    long sent = load.steady(rate, seconds, false, () -> false);
                    double secs = (System.nanoTime() - start) / 1e9;
                    System.out.printf("produced %,d events in %.1f s = %,.0f events/s (%,d instances)%n", sent, secs,
                            sent / secs, sent / SagaLoad.EVENTS);
                    poller.awaitNonePending(Duration.ofSeconds(60));
                    long[] l = FreshnessPoller.millis(poller.samples());
                    System.out.printf("instance state visible through the API after its last event was produced, %d samples: "
                            + "%s; not visible within 30 s: %d%n", l.length, FreshnessPoller.percentiles(l), poller.missed());
                    long[] reads = poller.readMillis();
                    System.out.printf("the pollers read %,d instances through the API meanwhile (%.0f/s); one read took p50 %d ms, "
                                    + "p95 %d ms, max %d ms%n", poller.reads(), poller.readsPerSecond(),
                            reads[reads.length / 2], FreshnessPoller.at(reads, 0.95), reads[reads.length - 1]);
                    printStages(app.getBean(io.micrometer.core.instrument.MeterRegistry.class));
                }
            }
        }
    }

    /** The live loop's stage timers (choreoscope.inference.stage): count, mean, p50, p95 and max of each, in ms. */
    private static void printStages(io.micrometer.core.instrument.MeterRegistry meters) {
        System.out.println("inference stages (ms; p50/p95 over the last two minutes): stage count mean p50 p95 max");
        for (io.choreoscope.live.LoopStages.Stage s : io.choreoscope.live.LoopStages.Stage.values()) {
            io.micrometer.core.instrument.Timer t = meters.find(io.choreoscope.live.LoopStages.METER)
                    .tag("stage", s.tag()).timer();
            if (t == null) {
                continue;
            }
            io.micrometer.core.instrument.distribution.HistogramSnapshot h = t.takeSnapshot();
            double p50 = 0;
            double p95 = 0;
            for (io.micrometer.core.instrument.distribution.ValueAtPercentile v : h.percentileValues()) {
                if (v.percentile() == 0.5) {
                    p50 = v.value(TimeUnit.MILLISECONDS);
                } else if (v.percentile() == 0.95) {
                    p95 = v.value(TimeUnit.MILLISECONDS);
                }
            }
            System.out.printf("  %-11s %,7d %8.1f %8.1f %8.1f %8.1f%n", s.tag(), h.count(), h.mean(TimeUnit.MILLISECONDS),
                    p50, p95, h.max(TimeUnit.MILLISECONDS));
        }
        io.micrometer.core.instrument.Gauge live = meters.find("choreoscope.inference.instances.live").gauge();
        if (live != null) {
            System.out.printf("  live instances at the end: %,.0f%n", live.value());
        }
    }
}
