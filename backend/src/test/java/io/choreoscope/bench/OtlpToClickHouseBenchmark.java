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
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.choreoscope.collectors.otlp.OtlpConfig;
import io.choreoscope.collectors.otlp.OtlpReceiver;
import io.choreoscope.harness.clickhouse.EmbeddedClickHouse;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.otlp.OtlpRequests;
import io.choreoscope.ingest.SpanTopicPublisher;
import io.choreoscope.ingest.SpanTopicStore;
import io.choreoscope.model.SpanSink;
import io.choreoscope.storage.clickhouse.ClickHouseConfig;
import io.choreoscope.storage.clickhouse.ClickHouseSpanWriter;
import io.choreoscope.storage.clickhouse.ClickHouseStore;
import io.choreoscope.storage.clickhouse.SchemaMigrator;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.DelegatingSpanData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * Spans per second end to end: OTLP into the receiver, decoding, the receiver's span queue ({@code SpanBuffer},
 * default settings) and batched RowBinary inserts into ClickHouse's {@code spans} table, as the application wires
 * it; the clock stops when every span is stored. Not a test: run it by hand and read the last lines.
 *
 * <pre>
 * mvn -B -q -pl backend -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/backend-cp.txt
 * java -Xmx1g -cp backend/target/test-classes:backend/target/classes:collectors/target/classes:model/target/classes:harness/target/classes:$(cat /tmp/backend-cp.txt) \
 *     io.choreoscope.bench.OtlpToClickHouseBenchmark [requests=2000] [spansPerRequest=100] [clientThreads=3] [clickhouseUrl] \
 *     [--client=raw|http-sdk|grpc-sdk] [--durable]
 * </pre>
 *
 * Without a URL it starts the embedded ClickHouse (installed by scripts/install-clickhouse.sh) on a
 * temporary directory, in its own process on the same machine. Spans are shaped like those of
 * OtlpIngestBenchmark (a Kafka consumer span with 8 attributes), with fresh random IDs so that no
 * span folds into another. 10% of the requests first warm up, uncounted.
 * At the end the stored rows are counted with FINAL to check that every span arrived once.
 *
 * <p>Clients ({@code --client}):
 * <ul>
 *   <li>{@code raw} (default): OTLP/HTTP protobuf from a lean HTTP/1.1 client writing requests encoded before timing,
 *       one keep-alive connection per client thread (see {@link #run}); the figure compared across versions.</li>
 *   <li>{@code grpc-sdk}: OTLP/gRPC from the real {@link OtlpGrpcSpanExporter} (OkHttp, HTTP/2), one exporter per
 *       client thread, each exporting batches of {@code spansPerRequest} SDK {@link SpanData} made during the run
 *       (the exporter encodes them, as it does in a service).</li>
 *   <li>{@code http-sdk}: the same with the real {@link OtlpHttpSpanExporter} (OTLP/HTTP protobuf): what gRPC is
 *       compared with, since both carry the exporter's encoding and HTTP client in the measured time.</li>
 * </ul>
 * {@code --durable}: durable mode ({@code choreoscope.otlp.durable=true}): the receiver writes each request through
 * to the span topic ({@link SpanTopicPublisher}, acks=all) on a real Kafka broker (embedded, in this JVM) and answers
 * once Kafka has the spans; {@link SpanTopicStore} reads the topic into ClickHouse, as the application wires it.
 */
public final class OtlpToClickHouseBenchmark {

    public static void main(String[] args) throws Exception {
        List<String> positional = new ArrayList<>();
        String client = "raw";
        boolean durable = false;
        for (String a : args) {
            if (a.startsWith("--client=")) {
                client = a.substring("--client=".length());
            } else if (a.equals("--durable")) {
                durable = true;
            } else if (a.startsWith("--")) {
                throw new IllegalArgumentException("unknown option " + a + "; use --client=raw|http-sdk|grpc-sdk, --durable");
            } else {
                positional.add(a);
            }
        }
        if (!List.of("raw", "http-sdk", "grpc-sdk").contains(client)) {
            throw new IllegalArgumentException("--client must be raw, http-sdk or grpc-sdk, not " + client);
        }
        int requests = positional.size() > 0 ? Integer.parseInt(positional.get(0)) : 2_000;
        int spansPerRequest = positional.size() > 1 ? Integer.parseInt(positional.get(1)) : 100;
        int clientThreads = positional.size() > 2 ? Integer.parseInt(positional.get(2)) : 3;
        String url = positional.size() > 3 ? positional.get(3) : null;

        Path dataDir = Files.createTempDirectory("otlp-bench");
        EmbeddedClickHouse engine = null;
        if (url == null) {
            engine = EmbeddedClickHouse.start(dataDir.resolve("clickhouse"), 0);
            url = engine.httpUrl();
        }
        ClickHouseStore store = new ClickHouseStore(new ClickHouseConfig(url, "otlp_bench_" + System.currentTimeMillis()));
        new SchemaMigrator(store).migrate();
        SpanSink sink = new ClickHouseSpanWriter(store);
        EmbeddedKafka kafka = null;
        SpanTopicPublisher publisher = null;
        SpanTopicStore topicStore = null;
        OtlpConfig config = new OtlpConfig();
        config.setPort(0);
        config.setGrpcPort(client.equals("grpc-sdk") ? 0 : -1);
        config.setHost("127.0.0.1");
        if (durable) {
            kafka = EmbeddedKafka.start(dataDir.resolve("kafka"), 0);
            Map<String, Object> connection = Map.of("bootstrap.servers", kafka.bootstrapServers());
            config.setDurable(true);
            publisher = new SpanTopicPublisher(connection, config.getDurableTopic(), config.getDurablePartitions());
            topicStore = new SpanTopicStore(connection, config.getDurableTopic(), config.getDurableGroupId(), sink);
            topicStore.start();
            sink = publisher;
        }
        OtlpReceiver receiver = new OtlpReceiver(config, sink, null);
        receiver.start();
        try {
            URI uri = URI.create("http://127.0.0.1:" + receiver.port() + OtlpReceiver.TRACES_PATH);
            int warmup = Math.max(clientThreads, requests / 10);
            Load warm;
            Load timed;
            if (client.equals("raw")) {
                Random random = new Random(42);
                List<byte[]> bodies = new ArrayList<>(warmup + requests);
                for (int i = 0; i < warmup + requests; i++) {
                    bodies.add(OtlpRequests.consumerSpans(random, spansPerRequest).toByteArray());
                }
                System.out.printf("body size: %d bytes for %d spans; ClickHouse at %s%n", bodies.get(0).length,
                        spansPerRequest, url);
                warm = () -> run(uri, bodies.subList(0, warmup), clientThreads);
                timed = () -> run(uri, bodies.subList(warmup, bodies.size()), clientThreads);
            } else {
                boolean grpc = client.equals("grpc-sdk");
                String endpoint = grpc ? "http://127.0.0.1:" + receiver.grpcPort() : uri.toString();
                Supplier<SpanExporter> exporters = grpc
                        ? () -> OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).setTimeout(java.time.Duration.ofSeconds(30)).build()
                        : () -> OtlpHttpSpanExporter.builder().setEndpoint(endpoint).setTimeout(java.time.Duration.ofSeconds(30)).build();
                SdkSpans spans = new SdkSpans();
                System.out.printf("%s exporter to %s, %d spans per export; ClickHouse at %s%n",
                        grpc ? "OTLP/gRPC" : "OTLP/HTTP", endpoint, spansPerRequest, url);
                warm = () -> runExporters(exporters, spans, warmup, spansPerRequest, clientThreads);
                timed = () -> runExporters(exporters, spans, requests, spansPerRequest, clientThreads);
            }
            System.out.printf("mode: client %s, %s%n", client, durable
                    ? "durable (spans to Kafka topic " + config.getDurableTopic() + " before the answer, stored from there)"
                    : "in-memory span queue");

            warm.run();
            long t0 = System.nanoTime();
            timed.run();
            double ackSeconds = (System.nanoTime() - t0) / 1e9;
            // The receiver acknowledges once spans are queued (durable: in Kafka); the clock stops when all are stored.
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
            System.out.printf("all requests acknowledged after %.2f s (%.0f spans/s acknowledged)%n", ackSeconds,
                    (long) requests * spansPerRequest / ackSeconds);
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
                    stored, total);
        } finally {
            receiver.stop();
            if (topicStore != null) {
                topicStore.close();
            }
            if (publisher != null) {
                publisher.close();
            }
            if (kafka != null) {
                kafka.close();
            }
            store.close();
            if (engine != null) {
                engine.close();
            }
            try (var paths = Files.walk(dataDir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** One round of load. */
    private interface Load {
        void run() throws Exception;
    }

    /**
     * The SDK load generator: per client thread one real exporter, exporting {@code perExport} spans at a time (as a
     * batch span processor does) until {@code exports} exports were made by all threads together; each must succeed.
     */
    private static void runExporters(Supplier<SpanExporter> exporters, SdkSpans spans, int exports, int perExport,
                                     int threads) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicLong next = new AtomicLong();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            done.add(pool.submit(() -> {
                SpanExporter exporter = exporters.get();
                try {
                    Random random = new Random(Thread.currentThread().getId() * 31 + System.nanoTime());
                    while (next.getAndIncrement() < exports) {
                        CompletableResultCode result = exporter.export(spans.batch(random, perExport))
                                .join(60, TimeUnit.SECONDS);
                        if (!result.isSuccess()) {
                            throw new IllegalStateException("export failed: " + result.getFailureThrowable());
                        }
                    }
                } finally {
                    exporter.shutdown().join(10, TimeUnit.SECONDS);
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
    }

    /**
     * SDK spans shaped like {@link OtlpRequests#consumerSpans}: one span made by the real SDK (service billing, a
     * Kafka consumer span with eight attributes) is the template; each span of a batch is that span with fresh random
     * trace, span and parent IDs and its own message and correlation IDs, so that no span folds into another.
     */
    private static final class SdkSpans {
        private final SpanData template;

        SdkSpans() {
            List<SpanData> finished = new CopyOnWriteArrayList<>();
            SdkTracerProvider provider = SdkTracerProvider.builder()
                    .setResource(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "billing")))
                    .addSpanProcessor(SimpleSpanProcessor.create(new SpanExporter() {
                        @Override
                        public CompletableResultCode export(java.util.Collection<SpanData> s) {
                            finished.addAll(s);
                            return CompletableResultCode.ofSuccess();
                        }

                        @Override
                        public CompletableResultCode flush() {
                            return CompletableResultCode.ofSuccess();
                        }

                        @Override
                        public CompletableResultCode shutdown() {
                            return CompletableResultCode.ofSuccess();
                        }
                    }))
                    .build();
            provider.get("otlp-bench").spanBuilder("orders process").setSpanKind(SpanKind.CONSUMER)
                    .setAttribute("messaging.system", "kafka")
                    .setAttribute("messaging.destination.name", "orders")
                    .setAttribute("messaging.operation.type", "process")
                    .setAttribute("messaging.message.id", "msg-0")
                    .setAttribute("messaging.consumer.group.name", "billing")
                    .setAttribute("messaging.kafka.message.offset", "0")
                    .setAttribute("messaging.destination.partition.id", "3")
                    .setAttribute("correlation.id", "order-0")
                    .startSpan().end();
            provider.shutdown().join(5, TimeUnit.SECONDS);
            template = finished.get(0);
        }

        List<SpanData> batch(Random random, int n) {
            List<SpanData> batch = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String trace = TraceId.fromLongs(random.nextLong() | 1, random.nextLong());
                SpanContext context = SpanContext.create(trace, SpanId.fromLong(random.nextLong() | 1),
                        TraceFlags.getSampled(), TraceState.getDefault());
                SpanContext parent = SpanContext.createFromRemoteParent(trace, SpanId.fromLong(random.nextLong() | 1),
                        TraceFlags.getSampled(), TraceState.getDefault());
                Attributes attributes = template.getAttributes().toBuilder()
                        .put("messaging.message.id", "msg-" + random.nextInt(1_000_000))
                        .put("messaging.kafka.message.offset", Integer.toString(i))
                        .put("correlation.id", "order-" + random.nextInt(100_000))
                        .build();
                batch.add(new DelegatingSpanData(template) {
                    @Override
                    public SpanContext getSpanContext() {
                        return context;
                    }

                    @Override
                    public SpanContext getParentSpanContext() {
                        return parent;
                    }

                    @Override
                    public Attributes getAttributes() {
                        return attributes;
                    }
                });
            }
            return batch;
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
