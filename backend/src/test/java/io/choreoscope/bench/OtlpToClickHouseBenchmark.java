package io.choreoscope.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import io.choreoscope.collectors.otlp.OtlpConfig;
import io.choreoscope.collectors.otlp.OtlpReceiver;
import io.choreoscope.harness.clickhouse.EmbeddedClickHouse;
import io.choreoscope.harness.otlp.OtlpRequests;
import io.choreoscope.model.SpanSink;
import io.choreoscope.storage.clickhouse.ClickHouseConfig;
import io.choreoscope.storage.clickhouse.ClickHouseSpanWriter;
import io.choreoscope.storage.clickhouse.ClickHouseStore;
import io.choreoscope.storage.clickhouse.SchemaMigrator;

/**
 * Spans per second end to end: OTLP/HTTP protobuf into the receiver, decoding, the receiver's span
 * queue ({@code SpanBuffer}, default settings) and batched RowBinary inserts into ClickHouse's
 * {@code spans} table, as the application wires it; the clock stops when every span is stored. Not a test: run it by hand and read the last lines.
 *
 * <pre>
 * mvn -B -q -pl backend -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/backend-cp.txt
 * java -Xmx1g -cp backend/target/test-classes:backend/target/classes:collectors/target/classes:model/target/classes:harness/target/classes:$(cat /tmp/backend-cp.txt) \
 *     io.choreoscope.bench.OtlpToClickHouseBenchmark [requests=2000] [spansPerRequest=100] [clientThreads=3] [clickhouseUrl]
 * </pre>
 *
 * Without a URL it starts the embedded ClickHouse (installed by scripts/install-clickhouse.sh) on a
 * temporary directory, in its own process on the same machine. Spans are shaped like those of
 * OtlpIngestBenchmark (a Kafka consumer span with 8 attributes), with fresh random IDs so that no
 * span folds into another. Requests are encoded before timing; 10% of them first warm up, uncounted.
 * At the end the stored rows are counted with FINAL to check that every span arrived once.
 */
public final class OtlpToClickHouseBenchmark {

    public static void main(String[] args) throws Exception {
        int requests = args.length > 0 ? Integer.parseInt(args[0]) : 2_000;
        int spansPerRequest = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int clientThreads = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        String url = args.length > 3 ? args[3] : null;

        Path dataDir = null;
        EmbeddedClickHouse engine = null;
        if (url == null) {
            dataDir = Files.createTempDirectory("otlp-bench-clickhouse");
            engine = EmbeddedClickHouse.start(dataDir, 0);
            url = engine.httpUrl();
        }
        ClickHouseStore store = new ClickHouseStore(new ClickHouseConfig(url, "otlp_bench_" + System.currentTimeMillis()));
        new SchemaMigrator(store).migrate();
        SpanSink sink = new ClickHouseSpanWriter(store);
        OtlpConfig config = new OtlpConfig();
        config.setPort(0);
        config.setGrpcPort(-1);
        config.setHost("127.0.0.1");
        OtlpReceiver receiver = new OtlpReceiver(config, sink, null);
        receiver.start();
        try {
            URI uri = URI.create("http://127.0.0.1:" + receiver.port() + OtlpReceiver.TRACES_PATH);
            Random random = new Random(42);
            int warmup = Math.max(clientThreads, requests / 10);
            List<byte[]> bodies = new ArrayList<>(warmup + requests);
            for (int i = 0; i < warmup + requests; i++) {
                bodies.add(OtlpRequests.consumerSpans(random, spansPerRequest).toByteArray());
            }
            System.out.printf("body size: %d bytes for %d spans; ClickHouse at %s%n", bodies.get(0).length,
                    spansPerRequest, url);

            run(uri, bodies.subList(0, warmup), clientThreads);
            long t0 = System.nanoTime();
            run(uri, bodies.subList(warmup, bodies.size()), clientThreads);
            double ackSeconds = (System.nanoTime() - t0) / 1e9;
            // The receiver acknowledges once spans are queued; the clock stops when all are stored.
            long total = (long) (warmup + requests) * spansPerRequest;
            while (true) {
                try (var c = store.connect(); var s = c.createStatement();
                     var rs = s.executeQuery("SELECT count() FROM " + store.database() + ".spans")) {
                    rs.next();
                    if (rs.getLong(1) >= total) {
                        break;
                    }
                }
                Thread.sleep(50);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("all requests acknowledged after %.2f s%n", ackSeconds);
            long spans = (long) requests * spansPerRequest;
            long stored;
            try (var c = store.connect(); var s = c.createStatement();
                 var rs = s.executeQuery("SELECT count() FROM " + store.database() + ".spans FINAL")) {
                rs.next();
                stored = rs.getLong(1);
            }
            System.out.printf("%d requests x %d spans, %d client threads, %d receiver threads, %d cores: "
                            + "%d spans in %.2f s = %.0f spans/s (%.0f requests/s); stored (FINAL) %d of %d%n",
                    requests, spansPerRequest, clientThreads, config.effectiveThreads(),
                    Runtime.getRuntime().availableProcessors(), spans, seconds, spans / seconds, requests / seconds,
                    stored, (long) (warmup + requests) * spansPerRequest);
        } finally {
            receiver.stop();
            store.close();
            if (engine != null) {
                engine.close();
                try (var paths = Files.walk(dataDir)) {
                    paths.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        }
    }

    /**
     * The load generator: per thread one keep-alive HTTP/1.1 connection writing requests encoded beforehand and
     * reading each answer, like wrk. It shares the 2 cores with what it measures, so it does as little as it can;
     * java.net.http's client took about a sixth of the CPU in a profile of the earlier version.
     */
    private static void run(URI uri, List<byte[]> bodies, int threads) throws Exception {
        byte[] head = ("POST " + uri.getPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nContent-Type: application/x-protobuf\r\nContent-Length: ").getBytes(StandardCharsets.US_ASCII);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicLong next = new AtomicLong();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            done.add(pool.submit(() -> {
                try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
                    socket.setTcpNoDelay(true);
                    OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
                    InputStream in = new BufferedInputStream(socket.getInputStream(), 1 << 14);
                    for (long i; (i = next.getAndIncrement()) < bodies.size(); ) {
                        byte[] body = bodies.get((int) i);
                        out.write(head);
                        out.write((body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(body);
                        out.flush();
                        int status = readResponse(in);
                        if (status != 200) {
                            throw new IllegalStateException("receiver answered " + status);
                        }
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

    /** Reads one HTTP/1.1 response (status line, headers, Content-Length body) and returns its status. */
    private static int readResponse(InputStream in) throws java.io.IOException {
        String status = line(in);
        int code = Integer.parseInt(status.split(" ")[1]);
        long length = 0;
        for (String h; !(h = line(in)).isEmpty(); ) {
            if (h.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Long.parseLong(h.substring(15).strip());
            }
        }
        in.skipNBytes(length);
        return code;
    }

    private static String line(InputStream in) throws java.io.IOException {
        StringBuilder b = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new java.io.EOFException("connection closed by the receiver");
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }
}
