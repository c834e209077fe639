package io.choreoscope.collectors.otlp.bench;

import io.choreoscope.collectors.otlp.OtlpConfig;
import io.choreoscope.collectors.otlp.OtlpReceiver;
import io.choreoscope.harness.otlp.OtlpRequests;
import io.choreoscope.model.Span;
import io.choreoscope.model.SpanSink;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Spans per second through the OTLP/HTTP receiver: HTTP, protobuf decoding, conversion to
 * {@link Span} and a sink call, with a sink that only counts (storage is measured elsewhere).
 * Not a test: run it by hand, on an otherwise idle machine, and read the last line.
 *
 * <pre>
 * mvn -B -q -pl collectors -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -Xmx1g -cp collectors/target/test-classes:collectors/target/classes:model/target/classes:$(cat /tmp/cp.txt) \
 *     io.choreoscope.collectors.otlp.bench.OtlpIngestBenchmark [requests=20000] [spansPerRequest=100] [clientThreads=3]
 * </pre>
 *
 * Each span is shaped like a Kafka consumer span: 8 attributes (messaging.*, a correlation ID), a
 * parent, one resource per request with service.name. Requests are encoded once before timing; a
 * first round of 10% of the requests warms the JIT and is not counted.
 */
public final class OtlpIngestBenchmark {

    public static void main(String[] args) throws Exception {
        int requests = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int spansPerRequest = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int clientThreads = args.length > 2 ? Integer.parseInt(args[2]) : 3;

        AtomicLong stored = new AtomicLong();
        SpanSink countingSink = batch -> stored.addAndGet(batch.size());
        OtlpConfig config = new OtlpConfig();
        config.setPort(0);
        config.setGrpcPort(-1);
        config.setHost("127.0.0.1");
        OtlpReceiver receiver = new OtlpReceiver(config, countingSink, null);
        receiver.start();
        try {
            URI uri = URI.create("http://127.0.0.1:" + receiver.port() + OtlpReceiver.TRACES_PATH);
            List<byte[]> bodies = new ArrayList<>();
            Random random = new Random(42);
            for (int i = 0; i < 64; i++) {
                bodies.add(OtlpRequests.consumerSpans(random, spansPerRequest).toByteArray());
            }
            System.out.printf("body size: %d bytes for %d spans%n", bodies.get(0).length, spansPerRequest);

            run(uri, bodies, Math.max(clientThreads, requests / 10), clientThreads); // warm-up
            long before = stored.get();
            long t0 = System.nanoTime();
            run(uri, bodies, requests, clientThreads);
            double seconds = (System.nanoTime() - t0) / 1e9;
            long spans = stored.get() - before;
            System.out.printf("%d requests x %d spans, %d client threads, %d receiver threads, %d cores: "
                            + "%d spans in %.2f s = %.0f spans/s (%.0f requests/s)%n",
                    requests, spansPerRequest, clientThreads, config.effectiveThreads(),
                    Runtime.getRuntime().availableProcessors(), spans, seconds, spans / seconds,
                    requests / seconds);
        } finally {
            receiver.stop();
        }
    }

    private static void run(URI uri, List<byte[]> bodies, int requests, int threads) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicLong next = new AtomicLong();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            done.add(pool.submit(() -> {
                for (long i; (i = next.getAndIncrement()) < requests; ) {
                    HttpRequest request = HttpRequest.newBuilder(uri)
                            .header("Content-Type", "application/x-protobuf")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(bodies.get((int) (i % bodies.size()))))
                            .build();
                    HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
                    if (response.statusCode() != 200) {
                        throw new IllegalStateException("receiver answered " + response.statusCode());
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
    }
}
