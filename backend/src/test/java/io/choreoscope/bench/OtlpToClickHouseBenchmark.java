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
import io.choreoscope.harness.bench.ProcCpu;
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
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.DelegatingSpanData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * Spans per second end to end: OTLP into the receiver, decoding, the receiver's span queue ({@code SpanBuffer},
 * default settings) and batched RowBinary inserts into ClickHouse's {@code spans} table, as the application wires
 * it; the clock stops when every span is stored. Beside the throughput it prints the CPU time of the timed phase per
 * million spans, from /proc ({@link ProcCpu}): the receiver's threads, garbage collection, JIT, the load generator,
 * the harness's count queries and the ClickHouse process. On a shared 2-core virtual machine wall throughput moves
 * by 15-40% between runs minutes apart; CPU per span moves far less, so compare versions by both. Not a test: run it
 * by hand and read the last lines (the {@code RESULT} line holds the figures compared).
 *
 * <pre>
 * mvn -B -q -pl backend -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/backend-cp.txt
 * java -Xmx1g -cp backend/target/test-classes:backend/target/classes:collectors/target/classes:model/target/classes:storage-clickhouse/target/classes:harness/target/classes:$(cat /tmp/backend-cp.txt) \
 *     io.choreoscope.bench.OtlpToClickHouseBenchmark [requests=2000] [spansPerRequest=100] [clientThreads=3] [clickhouseUrl] \
 *     [--warmup=requests] [--sink=clickhouse|count] [--distinct=1000] [--client=raw|http-sdk|grpc-sdk] [--durable]
 *     [--batch=spans] [--sql=statement]... [--insert-setting=name=value]...
 * </pre>
 *
 * Without a URL it starts the embedded ClickHouse (installed by scripts/install-clickhouse.sh) on a
 * temporary directory, in its own process on the same machine. Spans are shaped like those of
 * OtlpIngestBenchmark (a Kafka consumer span with 8 attributes), each with its own trace ID so that no span folds
 * into another. First {@code --warmup} requests (default 10% of {@code requests}) are sent and stored untimed (JIT,
 * ClickHouse's first parts); the timed phase starts once they are all stored. At the end the stored rows are counted
 * with FINAL to check that every span arrived once. The figures of issue 20 item 15 (docs/BENCHMARKS.md) came from
 * {@code 10000 100 3 --warmup=2000}: 200,000 spans of warm-up, 1,000,000 timed. A run longer than the span queue's
 * capacity outpaces ClickHouse; the receiver then refuses requests (429/503) and the load generator sends each again
 * after 20 ms, counting them (printed), so the end-to-end figure is what ClickHouse keeps up with.
 *
 * <p>{@code --sink=count}: no ClickHouse; the receiver hands its batches to a sink that only counts them (the receiver
 * alone: HTTP, decoding, conversion, queue). {@code --distinct}: how many distinct request bodies are encoded before
 * the run; request {@code i} is body {@code i % distinct} with its trace IDs changed by round (see {@link Bodies}), so
 * any number of requests needs the memory of that many bodies only.
 *
 * <p><b>Old receiver against new, same harness.</b> The harness also runs against the receiver before issue 20 item
 * 15 (JDK httpserver, {@code main} at {@code eaa1ecf}), which has no gRPC setting (looked up, see
 * {@link #grpcPort}). Build that tree's {@code collectors} once in a detached worktree, then put its
 * {@code io/choreoscope/collectors/otlp} classes before this tree's on the classpath, everything else (harness,
 * storage, schema, dependencies) from this tree, so that only the receiver differs:
 * <pre>
 * git worktree add --detach ../otlpold eaa1ecf &amp;&amp; (cd ../otlpold &amp;&amp; mvn -o -B -q compile -pl collectors -am)
 * mkdir -p target/otlpold-classes/io/choreoscope/collectors
 * cp -r ../otlpold/collectors/target/classes/io/choreoscope/collectors/otlp target/otlpold-classes/io/choreoscope/collectors/
 * java -Xmx1g -cp target/otlpold-classes:&lt;the classpath above&gt; io.choreoscope.bench.OtlpToClickHouseBenchmark 10000 100 3 --warmup=2000
 * </pre>
 * The first output line names the receiver's classes ({@code receiver classes: ... (JDK httpserver receiver)}).
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
 *
 * <p>{@code --batch}: the span queue's largest write ({@code choreoscope.otlp.batch-max-spans}, default
 * {@value OtlpConfig#DEFAULT_BATCH_MAX_SPANS}). The ClickHouse process's CPU is split by its threads' names: inserts
 * (HTTP handlers) against merges and the other background pools. {@code --sql}: a statement run after the
 * migrations, {@code {db}} naming the benchmark's database (a variant of the schema, e.g. another codec);
 * {@code --insert-setting}: a ClickHouse setting sent with every span insert.
 */
public final class OtlpToClickHouseBenchmark {
    /**
     * The load generator's thread pools, shut down only after the timed phase's CPU was read: a thread that ended is
     * no longer in /proc, and its time would count as "exited or unseen" instead of as the load generator's.
     */
    private static final List<ExecutorService> CLIENT_POOLS = new CopyOnWriteArrayList<>();
    /** Requests the receiver refused with 429/503 (queue full) and the load generator sent again. */
    private static final AtomicLong REFUSED = new AtomicLong();

    public static void main(String[] args) throws Exception {
        List<String> positional = new ArrayList<>();
        String client = "raw";
        boolean durable = false;
        String sinkKind = "clickhouse";
        Integer warmupOption = null;
        int distinct = 1_000;
        Integer batchOption = null;
        List<String> extraSql = new ArrayList<>();
        Map<String, String> spanInsertSettings = new java.util.LinkedHashMap<>();
        for (String a : args) {
            if (a.startsWith("--client=")) {
                client = a.substring("--client=".length());
            } else if (a.startsWith("--sink=")) {
                sinkKind = a.substring("--sink=".length());
            } else if (a.startsWith("--warmup=")) {
                warmupOption = Integer.parseInt(a.substring("--warmup=".length()));
            } else if (a.startsWith("--distinct=")) {
                distinct = Integer.parseInt(a.substring("--distinct=".length()));
            } else if (a.startsWith("--batch=")) {
                batchOption = Integer.parseInt(a.substring("--batch=".length()));
            } else if (a.startsWith("--sql=")) {
                extraSql.add(a.substring("--sql=".length()));
            } else if (a.startsWith("--insert-setting=")) {
                String[] kv = a.substring("--insert-setting=".length()).split("=", 2);
                spanInsertSettings.put(kv[0], kv[1]);
            } else if (a.equals("--durable")) {
                durable = true;
            } else if (a.startsWith("--")) {
                throw new IllegalArgumentException("unknown option " + a
                        + "; use --client=raw|http-sdk|grpc-sdk, --sink=clickhouse|count, --warmup=N, --distinct=N, --durable, --batch=N, --sql=STATEMENT, --insert-setting=NAME=VALUE");
            } else {
                positional.add(a);
            }
        }
        if (!List.of("raw", "http-sdk", "grpc-sdk").contains(client)) {
            throw new IllegalArgumentException("--client must be raw, http-sdk or grpc-sdk, not " + client);
        }
        if (!List.of("clickhouse", "count").contains(sinkKind)) {
            throw new IllegalArgumentException("--sink must be clickhouse or count, not " + sinkKind);
        }
        boolean counting = sinkKind.equals("count");
        if (counting && durable) {
            throw new IllegalArgumentException("--durable stores through Kafka into ClickHouse; it cannot use --sink=count");
        }
        if (distinct < 1) {
            throw new IllegalArgumentException("--distinct must be at least 1");
        }
        int requests = positional.size() > 0 ? Integer.parseInt(positional.get(0)) : 2_000;
        int spansPerRequest = positional.size() > 1 ? Integer.parseInt(positional.get(1)) : 100;
        int clientThreads = positional.size() > 2 ? Integer.parseInt(positional.get(2)) : 3;
        String url = positional.size() > 3 ? positional.get(3) : null;

        Path dataDir = io.choreoscope.harness.TempDirs.deleteAtExit(Files.createTempDirectory("otlp-bench"));
        EmbeddedClickHouse engine = null;
        ClickHouseStore store = null;
        AtomicLong counted = new AtomicLong();
        SpanSink sink;
        if (counting) {
            sink = batch -> counted.addAndGet(batch.size());
        } else {
            if (url == null) {
                engine = EmbeddedClickHouse.start(dataDir.resolve("clickhouse"), 0);
                url = engine.httpUrl();
            }
            store = new ClickHouseStore(new ClickHouseConfig(url, "otlp_bench_" + System.currentTimeMillis()));
            new SchemaMigrator(store).migrate();
            for (String sql : extraSql) { // a variant of the schema: {db} names the benchmark's database
                try (var c = store.connect(); var st = c.createStatement()) {
                    st.execute(sql.replace("{db}", store.database()));
                }
                System.out.println("ran: " + sql);
            }
            Map<String, String> settings = spanInsertSettings.isEmpty() ? ClickHouseSpanWriter.INSERT_SETTINGS : spanInsertSettings;
            sink = new ClickHouseSpanWriter(store, settings);
            System.out.println("span insert settings: " + settings);
        }
        EmbeddedKafka kafka = null;
        SpanTopicPublisher publisher = null;
        SpanTopicStore topicStore = null;
        OtlpConfig config = new OtlpConfig();
        config.setPort(0);
        grpcPort(config, client.equals("grpc-sdk") ? 0 : -1);
        config.setHost("127.0.0.1");
        if (batchOption != null) {
            config.setBatchMaxSpans(batchOption);
        }
        if (durable) {
            kafka = EmbeddedKafka.start(dataDir.resolve("kafka"), 0);
            Map<String, Object> connection = Map.of("bootstrap.servers", kafka.bootstrapServers());
            config.setDurable(true);
            publisher = new SpanTopicPublisher(connection, config.getDurableTopic(), config.getDurablePartitions());
            topicStore = new SpanTopicStore(connection, config.getDurableTopic(), config.getDurableGroupId(),
                    config.getBatchMaxSpans(), sink);
            topicStore.start();
            sink = publisher;
        }
        OtlpReceiver receiver = new OtlpReceiver(config, sink, null);
        receiver.start();
        try {
            URI uri = URI.create("http://127.0.0.1:" + receiver.port() + OtlpReceiver.TRACES_PATH);
            int warmup = warmupOption != null ? warmupOption : Math.max(clientThreads, requests / 10);
            System.out.printf("receiver classes: %s (%s)%n",
                    OtlpReceiver.class.getProtectionDomain().getCodeSource().getLocation(), receiverKind());
            Load warm;
            Load timed;
            if (client.equals("raw")) {
                Bodies bodies = new Bodies(new Random(42), Math.min(distinct, warmup + requests), spansPerRequest);
                System.out.printf("body size: %d bytes for %d spans, %d distinct bodies; %s%n", bodies.size(0),
                        spansPerRequest, bodies.count(), counting ? "counting sink" : "ClickHouse at " + url);
                warm = () -> run(uri, bodies, 0, warmup, clientThreads);
                timed = () -> run(uri, bodies, warmup, warmup + requests, clientThreads);
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
            long warmTotal = (long) warmup * spansPerRequest;
            long total = (long) (warmup + requests) * spansPerRequest;
            // The timed phase starts once the warm-up's spans are all stored, so that it measures only its own spans.
            awaitStored(store, counted, warmTotal);
            long[] pids = engine != null ? new long[] {engine.pid()} : new long[0];
            long refusedInWarmup = REFUSED.get();
            ProcCpu.Threads ch0 = engine != null ? ProcCpu.threads(engine.pid()) : null;
            ProcCpu.Snapshot cpu0 = ProcCpu.snapshot(pids);
            long t0 = System.nanoTime();
            timed.run();
            double ackSeconds = (System.nanoTime() - t0) / 1e9;
            // The receiver acknowledges once spans are queued (durable: in Kafka); the clock stops when all are stored.
            awaitStored(store, counted, total);
            double seconds = (System.nanoTime() - t0) / 1e9;
            ProcCpu.Snapshot cpu1 = ProcCpu.snapshot(pids);
            ProcCpu.Threads ch1 = engine != null ? ProcCpu.threads(engine.pid()) : null;
            CLIENT_POOLS.forEach(ExecutorService::shutdown);
            System.out.printf("all requests acknowledged after %.2f s (%.0f spans/s acknowledged)%n", ackSeconds,
                    (long) requests * spansPerRequest / ackSeconds);
            long spans = (long) requests * spansPerRequest;
            long stored;
            if (counting) {
                stored = counted.get();
            } else {
                try (var c = store.connect(); var s = c.createStatement();
                     var rs = s.executeQuery("SELECT count() FROM " + store.database() + ".spans FINAL")) {
                    rs.next();
                    stored = rs.getLong(1);
                }
            }
            System.out.printf("%d requests x %d spans (after %d warm-up requests), %d client threads, %d receiver threads, "
                            + "%d cores: %d spans in %.2f s = %.0f spans/s (%.0f requests/s); %s %d of %d%n",
                    requests, spansPerRequest, warmup, clientThreads, config.effectiveThreads(),
                    Runtime.getRuntime().availableProcessors(), spans, seconds, spans / seconds, requests / seconds,
                    counting ? "counted by the sink" : "stored (FINAL)", stored, total);
            System.out.printf("requests refused (queue full, sent again after 20 ms): %d in the warm-up, %d timed%n",
                    refusedInWarmup, REFUSED.get() - refusedInWarmup);
            System.out.printf("span queue batch: at most %d spans per insert%n", config.getBatchMaxSpans());
            report(ProcCpu.delta(cpu0, cpu1, OtlpToClickHouseBenchmark::threadGroup),
                    engine != null ? ProcCpu.processSeconds(cpu0, cpu1, engine.pid()) : Double.NaN, spans, seconds);
            if (engine != null) {
                ProcCpu.delta(ch0, ch1, IngestBenchmark::clickHouseGroup).entrySet().stream()
                        .sorted((a, b) -> Double.compare(b.getValue(), a.getValue()))
                        .filter(e -> e.getValue() >= 0.01)
                        .forEach(e -> System.out.printf("  ClickHouse %-32s %8.2f core-s %8.2f core-s per 1M spans%n",
                                e.getKey(), e.getValue(), e.getValue() * 1e6 / spans));
            }
        } finally {
            CLIENT_POOLS.forEach(ExecutorService::shutdownNow);
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
            if (store != null) {
                store.close();
            }
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
        ExecutorService pool = Executors.newFixedThreadPool(threads, clientThreads());
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
        CLIENT_POOLS.add(pool);
    }

    /**
     * SDK spans shaped like {@link OtlpRequests#consumerSpans}: one span made by the real SDK (service billing, a
     * Kafka consumer span with eight attributes) is the template; each span of a batch is that span with fresh random
     * trace, span and parent IDs and its own message and correlation IDs, so that no span folds into another.
     */
    private static final class SdkSpans {
        private final SpanData template;

        SdkSpans() {
            InMemorySpanExporter finished = InMemorySpanExporter.create();
            SdkTracerProvider provider = SdkTracerProvider.builder()
                    .setResource(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "billing")))
                    .addSpanProcessor(SimpleSpanProcessor.create(finished))
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
            template = finished.getFinishedSpanItems().get(0);
            provider.shutdown().join(5, TimeUnit.SECONDS);
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
     * java.net.http's client took about a sixth of the CPU in a profile of the earlier version. Sends requests
     * {@code from} (inclusive) to {@code to} (exclusive) of {@code bodies}.
     */
    private static void run(URI uri, Bodies bodies, int from, int to, int threads) throws Exception {
        byte[] head = ("POST " + uri.getPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nContent-Type: application/x-protobuf\r\nContent-Length: ").getBytes(StandardCharsets.US_ASCII);
        ExecutorService pool = Executors.newFixedThreadPool(threads, clientThreads());
        AtomicLong next = new AtomicLong(from);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            done.add(pool.submit(() -> {
                try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
                    socket.setTcpNoDelay(true);
                    OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
                    InputStream in = new BufferedInputStream(socket.getInputStream(), 1 << 14);
                    byte[] buffer = new byte[0];
                    for (long i; (i = next.getAndIncrement()) < to; ) {
                        int length = bodies.size((int) i);
                        if (buffer.length < length) {
                            buffer = new byte[length];
                        }
                        bodies.write((int) i, buffer);
                        while (true) {
                            out.write(head);
                            out.write((length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                            out.write(buffer, 0, length);
                            out.flush();
                            int status = readResponse(in);
                            if (status == 200) {
                                break;
                            }
                            if (status != 429 && status != 503) {
                                throw new IllegalStateException("receiver answered " + status);
                            }
                            // Queue full: ClickHouse is behind. Back off briefly and send the same request again, as
                            // an exporter retries (without its seconds-long Retry-After, which would idle the run).
                            REFUSED.incrementAndGet();
                            Thread.sleep(20);
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        CLIENT_POOLS.add(pool);
    }

    /**
     * Request bodies for any number of requests from a bounded set encoded beforehand: request {@code i} is distinct
     * body {@code i % count} with the first four bytes of every trace ID XORed with the round {@code i / count}, so
     * that every span of every request has its own trace ID (no span folds into another in ClickHouse) while memory
     * stays that of {@code count} bodies and the client's work per request stays one array copy. The trace IDs'
     * offsets are found in each encoded body by their 16 random bytes.
     */
    static final class Bodies {
        private final byte[][] bodies;
        private final int[][] traceIdOffsets;

        Bodies(Random random, int count, int spansPerRequest) {
            bodies = new byte[count][];
            traceIdOffsets = new int[count][];
            for (int b = 0; b < count; b++) {
                var request = OtlpRequests.consumerSpans(random, spansPerRequest);
                byte[] body = request.toByteArray();
                int[] offsets = new int[spansPerRequest];
                int from = 0;
                int n = 0;
                for (var resource : request.getResourceSpansList()) {
                    for (var scope : resource.getScopeSpansList()) {
                        for (var span : scope.getSpansList()) {
                            int at = indexOf(body, span.getTraceId().toByteArray(), from);
                            if (at < 0) {
                                throw new IllegalStateException("trace ID not found in the encoded body");
                            }
                            offsets[n++] = at;
                            from = at + 16;
                        }
                    }
                }
                bodies[b] = body;
                traceIdOffsets[b] = java.util.Arrays.copyOf(offsets, n);
            }
        }

        int count() {
            return bodies.length;
        }

        int size(int request) {
            return bodies[request % bodies.length].length;
        }

        /** Writes request {@code request}'s body into the start of {@code into}. */
        void write(int request, byte[] into) {
            int b = request % bodies.length;
            int round = request / bodies.length;
            byte[] body = bodies[b];
            System.arraycopy(body, 0, into, 0, body.length);
            for (int at : traceIdOffsets[b]) {
                into[at] ^= (byte) (round >>> 24);
                into[at + 1] ^= (byte) (round >>> 16);
                into[at + 2] ^= (byte) (round >>> 8);
                into[at + 3] ^= (byte) round;
            }
        }

        private static int indexOf(byte[] in, byte[] what, int from) {
            outer:
            for (int i = from; i <= in.length - what.length; i++) {
                for (int j = 0; j < what.length; j++) {
                    if (in[i + j] != what[j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }
    }

    /** The load generator's threads, named so that their CPU time is told apart from the receiver's. */
    private static java.util.concurrent.ThreadFactory clientThreads() {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "bench-client-" + n.incrementAndGet());
            t.setDaemon(true); // a client blocked on a failed run must not keep the JVM alive
            return t;
        };
    }

    /** Waits until {@code spans} spans are stored (counting sink: counted), polling every 50 ms. */
    private static void awaitStored(ClickHouseStore store, AtomicLong counted, long spans) throws Exception {
        while (true) {
            if (store == null) {
                if (counted.get() >= spans) {
                    return;
                }
            } else {
                try (var c = store.connect(); var s = c.createStatement();
                     var rs = s.executeQuery("SELECT count() FROM " + store.database() + ".spans")) {
                    rs.next();
                    if (rs.getLong(1) >= spans) {
                        return;
                    }
                }
            }
            Thread.sleep(50);
        }
    }

    /**
     * Sets the gRPC port where the receiver has one. The receiver before issue 20 item 15 (JDK httpserver, no gRPC)
     * has no such setting; this harness runs against it too (see the class comment), so the setter is looked up.
     */
    private static void grpcPort(OtlpConfig config, int port) {
        try {
            OtlpConfig.class.getMethod("setGrpcPort", int.class).invoke(config, port);
        } catch (NoSuchMethodException before) {
            if (port >= 0) {
                throw new IllegalStateException("this receiver has no OTLP/gRPC; use --client=raw or http-sdk");
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Which receiver the classpath holds: the Netty one has a gRPC port, the one before had none. */
    private static String receiverKind() {
        try {
            OtlpReceiver.class.getMethod("grpcPort");
            return "Netty receiver";
        } catch (NoSuchMethodException before) {
            return "JDK httpserver receiver";
        }
    }

    /**
     * Groups this JVM's threads by the kernel's (15-character) name: the receiver's threads (Netty receiver:
     * {@code otlp-io}, {@code otlp-worker}, {@code otlp-span-writer}; the receiver before: {@code otlp-http},
     * {@code HTTP-Dispatcher}, {@code otlp-span-writer}), garbage collection, JIT compilers, the load generator, the
     * harness's main thread (its count queries), and the rest by name with digits folded.
     */
    static String threadGroup(String name) {
        if (name.startsWith("otlp-") || name.equals("HTTP-Dispatcher")) {
            return "receiver threads";
        } else if (name.startsWith("GC Thread") || name.startsWith("G1 ") || name.equals("VM Thread")) {
            return "GC";
        } else if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
            return "JIT";
        } else if (name.startsWith("bench-client")) {
            return "load generator";
        } else if (name.equals("main")) {
            return "harness main (count queries)";
        }
        return "other: " + name.replaceAll("[0-9]+", "#");
    }

    /** Prints the CPU split of the timed phase, in core-seconds and per million spans. */
    private static void report(Map<String, Double> jvm, double clickhouse, long spans, double seconds) {
        double perMillion = 1e6 / spans;
        System.out.printf("CPU of the timed phase (%.2f s wall, %d cores = %.2f core-seconds available), from /proc:%n",
                seconds, Runtime.getRuntime().availableProcessors(), seconds * Runtime.getRuntime().availableProcessors());
        List<Map.Entry<String, Double>> rows = new ArrayList<>(jvm.entrySet());
        rows.sort((a, b) -> Double.compare(b.getValue(), a.getValue()));
        for (Map.Entry<String, Double> e : rows) {
            if (e.getValue() > 0 || e.getKey().equals("receiver threads")) {
                System.out.printf("  %-36s %8.2f core-s %8.2f core-s per 1M spans%n", e.getKey(), e.getValue(),
                        e.getValue() * perMillion);
            }
        }
        if (!Double.isNaN(clickhouse)) {
            System.out.printf("  %-36s %8.2f core-s %8.2f core-s per 1M spans%n", "ClickHouse process", clickhouse,
                    clickhouse * perMillion);
        }
        double receiver = jvm.getOrDefault("receiver threads", 0.0);
        double gc = jvm.getOrDefault("GC", 0.0);
        System.out.printf("RESULT spans/s %.0f | receiver threads %.3f | receiver threads + GC %.3f | ClickHouse %s "
                        + "| JVM total %.3f core-s per 1M spans%n", spans / seconds, receiver * perMillion,
                (receiver + gc) * perMillion, Double.isNaN(clickhouse) ? "-" : String.format("%.3f", clickhouse * perMillion),
                jvm.get("JVM total") * perMillion);
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
