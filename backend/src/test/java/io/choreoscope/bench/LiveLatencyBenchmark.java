package io.choreoscope.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.choreoscope.harness.clickhouse.EmbeddedClickHouse;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
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
 */
public final class LiveLatencyBenchmark {
    private static final AtomicInteger PENDING = new AtomicInteger();
    private static final java.util.concurrent.atomic.AtomicLong POLLS = new java.util.concurrent.atomic.AtomicLong();
    /** Time of each API read (request sent to response read), ms: part of every latency measured. */
    private static final ConcurrentLinkedQueue<Long> READS = new ConcurrentLinkedQueue<>();
    private static final String[] TYPES = {"OrderPlaced", "PaymentCaptured", "StockReserved", "OrderShipped", "OrderDelivered"};
    private static final String[] SERVICES = {"orders", "payments", "stock", "shipping", "delivery"};

    public static void main(String[] args) throws Exception {
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        int sampleEvery = args.length > 2 ? Integer.parseInt(args[2]) : 500;
        Path dir = Files.createTempDirectory("choreoscope-live-bench-");
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
                String base = app.getBean(EmbeddedServer.class).getURL() + "/api/v1/instances/";
                HttpClient http = HttpClient.newHttpClient();
                String token = BenchSignIn.token(http, app.getBean(EmbeddedServer.class).getURL().toString());
                ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
                AtomicInteger missed = new AtomicInteger();
                ScheduledExecutorService pollers = Executors.newScheduledThreadPool(4);
                // Instances run 5 events, one every 200 ms; at any moment rate/5 instances start per second.
                int instancesPerTick = Math.max(1, rate / 5 / 100); // 10 ms ticks
                long start = System.nanoTime();
                long ticks = seconds * 100L;
                long sent = 0;
                int started = 0;
                List<long[]> open = new ArrayList<>(); // {instance number, next step}
                for (long tick = 0; tick < ticks; tick++) {
                    long due = start + tick * 10_000_000L;
                    // Parked, not spinning: a spinning producer thread held one of the two cores for the whole run.
                    for (long left = due - System.nanoTime(); left > 0; left = due - System.nanoTime()) {
                        java.util.concurrent.locks.LockSupport.parkNanos(left);
                    }
                    for (int k = 0; k < instancesPerTick; k++) {
                        open.add(new long[] {started++, 0, tick});
                    }
                    for (int j = open.size() - 1; j >= 0; j--) {
                        long[] in = open.get(j);
                        if ((tick - in[2]) % 20 != 0) {
                            continue; // every 200 ms
                        }
                        int step = (int) in[1];
                        String id = "order-" + in[0];
                        long now = System.currentTimeMillis();
                        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, null, now, id.getBytes(StandardCharsets.UTF_8),
                                ("{\"orderId\":\"" + id + "\",\"step\":" + step + "}").getBytes(StandardCharsets.UTF_8));
                        r.headers().add("correlationId", id.getBytes(StandardCharsets.UTF_8));
                        r.headers().add("eventType", TYPES[step].getBytes(StandardCharsets.UTF_8));
                        r.headers().add("sourceService", SERVICES[step].getBytes(StandardCharsets.UTF_8));
                        producer.send(r);
                        sent++;
                        in[1]++;
                        if (in[1] == 5) {
                            open.remove(j);
                            if (in[0] % sampleEvery == 0) {
                                poll(pollers, http, token, base + id, now, latencies, missed);
                            }
                        }
                    }
                }
                double secs = (System.nanoTime() - start) / 1e9;
                System.out.printf("produced %,d events in %.1f s = %,.0f events/s (%,d instances)%n", sent, secs, sent / secs, started);
                long waitUntil = System.nanoTime() + 60_000_000_000L;
                while (PENDING.get() > 0 && System.nanoTime() < waitUntil) {
                    Thread.sleep(100); // a harness waiting for its own pollers, not a test
                }
                pollers.shutdownNow();
                long[] l = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
                System.out.printf("instance state visible through the API after its last event was produced, %d samples: "
                                + "p50 %d ms, p95 %d ms, p99 %d ms, max %d ms; not visible within 30 s: %d%n",
                        l.length, l[l.length / 2], l[(int) (l.length * 0.95)], l[Math.min(l.length - 1, (int) (l.length * 0.99))],
                        l[l.length - 1], missed.get());
                long[] reads = READS.stream().mapToLong(Long::longValue).sorted().toArray();
                System.out.printf("the pollers read %,d instances through the API meanwhile (%.0f/s); one read took p50 %d ms, "
                                + "p95 %d ms, max %d ms%n", POLLS.get(), POLLS.get() / ((System.nanoTime() - start) / 1e9),
                        reads[reads.length / 2], reads[(int) (reads.length * 0.95)], reads[reads.length - 1]);
                printStages(app.getBean(io.micrometer.core.instrument.MeterRegistry.class));
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

    private static void poll(ScheduledExecutorService pollers, HttpClient http, String token, String url, long producedAt,
                             ConcurrentLinkedQueue<Long> latencies, AtomicInteger missed) {
        PENDING.incrementAndGet();
        Runnable[] self = new Runnable[1];
        self[0] = () -> {
            try {
                POLLS.incrementAndGet();
                long sentAt = System.nanoTime();
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "?maxPayloadBytes=0"))
                        .header("Authorization", "Bearer " + token).build(),
                        HttpResponse.BodyHandlers.ofString());
                long now = System.currentTimeMillis();
                READS.add((System.nanoTime() - sentAt) / 1_000_000);
                if (r.statusCode() == 200 && r.body().contains("\"eventCount\":5")) {
                    latencies.add(now - producedAt);
                    PENDING.decrementAndGet();
                    return;
                }
                if (now - producedAt > 30_000) {
                    missed.incrementAndGet();
                    PENDING.decrementAndGet();
                    return;
                }
            } catch (Exception e) {
                // retry
            }
            pollers.schedule(self[0], 50, TimeUnit.MILLISECONDS);
        };
        pollers.schedule(self[0], 50, TimeUnit.MILLISECONDS);
    }

}
