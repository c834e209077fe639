package io.choreoscope.collectors.otlp;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.choreoscope.model.SinkUnavailableException;
import io.choreoscope.model.SpanSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.util.StringUtils;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The OTLP/HTTP trace receiver: {@code POST /v1/traces} on its own port ({@code choreoscope.otlp.port},
 * 4318), protobuf or JSON, optionally gzip. Decoded spans go to the {@link SpanSink}; the exporter gets
 * 200 only after the sink stored them.
 *
 * <p>Why a dedicated JDK {@code com.sun.net.httpserver} server and not a Micronaut controller: an
 * extra Micronaut Netty listener serves every route on every port, so the REST API would answer on
 * 4318 and OTLP on 8081; keeping them apart needs a filter on the local port for every request. A
 * separate server owns its port and nothing else, lets us answer 413 from Content-Length before
 * reading, bound the read and the gzip expansion, and shed load with 503 before a body is read. It
 * needs no new dependency. Throughput is not its limit: at 100 spans per request, 50k spans/s is 500
 * requests/s; the cost is protobuf decoding, the same under any server (see OtlpIngestBenchmark).
 *
 * <p>Lifecycle: a {@link Context} bean, so it starts with the application context and stops with it
 * ({@link PreDestroy}). It exists only when {@code choreoscope.otlp.enabled} is not false and some bean
 * implements {@link SpanSink}, so contexts without storage (most tests) open no port.
 *
 * <p>Answers, as the OTLP specification asks: 200 with an {@code ExportTraceServiceResponse} in the
 * request's encoding ({@code partial_success} set when some spans were rejected); 400 for a malformed
 * body; 413 for a body over {@code max-body-bytes}; 415 for an unsupported Content-Type or
 * Content-Encoding; 503 with {@code Retry-After} when the sink is unavailable or more than
 * {@code max-pending-requests} wait; 404/405 for other paths and methods. Error bodies are a
 * {@code google.rpc.Status} (code, message) in the request's encoding (protobuf when unknown).
 */
@Context
@Requires(property = OtlpConfig.PREFIX + ".enabled", notEquals = StringUtils.FALSE, defaultValue = StringUtils.TRUE)
@Requires(beans = SpanSink.class)
public class OtlpReceiver {

    /** The only path served. */
    public static final String TRACES_PATH = "/v1/traces";

    private static final Logger LOG = LoggerFactory.getLogger(OtlpReceiver.class);
    private static final byte[] EMPTY_SUCCESS_PROTOBUF = new byte[0];
    private static final byte[] EMPTY_SUCCESS_JSON = "{}".getBytes(StandardCharsets.UTF_8);
    // google.rpc.Code values used in Status bodies.
    private static final int RPC_INVALID_ARGUMENT = 3;
    private static final int RPC_NOT_FOUND = 5;
    private static final int RPC_RESOURCE_EXHAUSTED = 8;
    private static final int RPC_UNIMPLEMENTED = 12;
    private static final int RPC_INTERNAL = 13;
    private static final int RPC_UNAVAILABLE = 14;

    private final OtlpConfig config;
    private final SpanSink sink;
    /** The queue in front of the store, or null when requests write through (buffer-spans = 0). */
    private final SpanBuffer buffer;
    private final OtlpTraceDecoder decoder;
    private final MeterRegistry meters;
    private final Counter spansReceived;
    private final Counter spansRejected;
    private final AtomicInteger pending = new AtomicInteger();
    private HttpServer server;
    private ExecutorService workers;

    public OtlpReceiver(OtlpConfig config, SpanSink sink, @Nullable MeterRegistry meterRegistry) {
        this.config = config;
        this.buffer = config.getBufferSpans() > 0
                ? new SpanBuffer(sink, config.getBufferSpans(), config.getBatchMaxSpans(), config.getBatchLingerMs())
                : null;
        this.sink = buffer != null ? buffer : sink;
        this.decoder = new OtlpTraceDecoder(config.getCorrelationAttributes(), config.getMaxBodyBytes());
        // Without micrometer wiring, an empty composite registry records nothing and costs little.
        this.meters = meterRegistry != null ? meterRegistry : new CompositeMeterRegistry();
        this.spansReceived = Counter.builder("choreoscope.otlp.spans.received")
                .description("Spans accepted and handed to the span sink").register(meters);
        this.spansRejected = Counter.builder("choreoscope.otlp.spans.rejected")
                .description("Invalid spans left out of a request (OTLP partial success)").register(meters);
    }

    /** Opens the port. Fails the context start when the port cannot be bound. */
    @PostConstruct
    public synchronized void start() {
        if (server != null) {
            return;
        }
        try {
            server = HttpServer.create(new InetSocketAddress(config.getHost(), config.getPort()), 128);
        } catch (IOException e) {
            throw new UncheckedIOException("OTLP receiver cannot listen on " + config.getHost() + ":"
                    + config.getPort() + " (choreoscope.otlp.port)", e);
        }
        AtomicInteger threadNo = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(config.effectiveThreads(), r -> {
            Thread t = new Thread(r, "otlp-http-" + threadNo.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        workers = pool;
        // Count requests from dispatch to answer, so a handler can see how many wait behind it.
        server.setExecutor(task -> {
            pending.incrementAndGet();
            pool.execute(() -> {
                try {
                    task.run();
                } finally {
                    pending.decrementAndGet();
                }
            });
        });
        server.createContext("/", this::handle);
        server.start();
        LOG.info("OTLP/HTTP receiver listening on {}:{}{}", config.getHost(), port(), TRACES_PATH);
    }

    /** Closes the port, lets requests in progress finish for up to 2 s, then stops the workers. */
    @PreDestroy
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        server.stop(1);
        workers.shutdown();
        try {
            if (!workers.awaitTermination(1, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
        server = null;
        if (buffer != null) {
            buffer.close();
        }
        LOG.info("OTLP/HTTP receiver stopped");
    }

    /** The bound port (useful with {@code choreoscope.otlp.port=0}), or -1 when stopped. */
    public synchronized int port() {
        return server == null ? -1 : server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        OtlpEncoding encoding = OtlpEncoding.fromContentType(exchange.getRequestHeaders().getFirst("Content-Type"));
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (!TRACES_PATH.equals(path) && !(TRACES_PATH + "/").equals(path)) {
                fail(exchange, encoding, 404, RPC_NOT_FOUND, "no such path " + path + "; OTLP traces go to "
                        + TRACES_PATH);
                return;
            }
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "POST");
                fail(exchange, encoding, 405, RPC_UNIMPLEMENTED, TRACES_PATH + " takes POST only");
                return;
            }
            if (pending.get() > config.getMaxPendingRequests()) {
                unavailable(exchange, encoding, "receiver overloaded: more than " + config.getMaxPendingRequests()
                        + " requests waiting; retry later");
                return;
            }
            if (encoding == null) {
                fail(exchange, null, 415, RPC_INVALID_ARGUMENT, "unsupported Content-Type '"
                        + exchange.getRequestHeaders().getFirst("Content-Type")
                        + "': use application/x-protobuf or application/json");
                return;
            }
            long declared = contentLength(exchange);
            if (declared > config.getMaxBodyBytes()) {
                tooLarge(exchange, encoding, "body of " + declared + " bytes");
                return;
            }
            byte[] body = readBounded(exchange.getRequestBody(), config.getMaxBodyBytes());
            if (body == null) {
                tooLarge(exchange, encoding, "body");
                return;
            }
            OtlpTraceDecoder.Result result;
            try {
                result = decoder.decode(body, encoding,
                        exchange.getRequestHeaders().getFirst("Content-Encoding"));
            } catch (OtlpRequestException e) {
                int rpc = e.httpStatus() == 413 ? RPC_RESOURCE_EXHAUSTED : RPC_INVALID_ARGUMENT;
                fail(exchange, encoding, e.httpStatus(), rpc, e.getMessage());
                return;
            }
            if (!result.spans().isEmpty()) {
                try {
                    sink.accept(result.spans());
                } catch (SinkUnavailableException e) {
                    unavailable(exchange, encoding, "span store unavailable: " + e.getMessage() + "; retry later");
                    return;
                }
            }
            spansReceived.increment(result.spans().size());
            if (result.rejectedSpans() > 0) {
                spansRejected.increment(result.rejectedSpans());
            }
            respond(exchange, encoding, 200, success(result, encoding));
        } catch (RuntimeException e) {
            LOG.error("OTLP request failed", e);
            fail(exchange, encoding, 500, RPC_INTERNAL, "internal error: " + e);
        }
    }

    private static byte[] success(OtlpTraceDecoder.Result result, OtlpEncoding encoding) throws IOException {
        if (result.rejectedSpans() == 0) {
            return encoding == OtlpEncoding.JSON ? EMPTY_SUCCESS_JSON : EMPTY_SUCCESS_PROTOBUF;
        }
        ExportTraceServiceResponse response = ExportTraceServiceResponse.newBuilder()
                .setPartialSuccess(ExportTracePartialSuccess.newBuilder()
                        .setRejectedSpans(result.rejectedSpans())
                        .setErrorMessage(result.errorMessage()))
                .build();
        return encoding == OtlpEncoding.JSON
                ? JsonFormat.printer().omittingInsignificantWhitespace().print(response).getBytes(StandardCharsets.UTF_8)
                : response.toByteArray();
    }

    private static long contentLength(HttpExchange exchange) {
        String value = exchange.getRequestHeaders().getFirst("Content-Length");
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Reads at most {@code max} bytes; null when the body is longer. */
    private static byte[] readBounded(InputStream in, int max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(max, 64 * 1024));
        byte[] buf = new byte[16384];
        long total = 0;
        for (int n; (n = in.read(buf)) > 0; ) {
            total += n;
            if (total > max) {
                return null;
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    private void tooLarge(HttpExchange exchange, OtlpEncoding encoding, String what) throws IOException {
        // A client still sending its body when the server answers and closes gets a TCP reset and may
        // lose the 413. So the rest is read and dropped up to one more max-body-bytes; past that, the
        // connection is closed rather than spend more time on a request that will be refused anyway.
        if (!drain(exchange.getRequestBody(), config.getMaxBodyBytes())) {
            exchange.getResponseHeaders().set("Connection", "close");
        }
        fail(exchange, encoding, 413, RPC_RESOURCE_EXHAUSTED, what + " exceeds " + config.getMaxBodyBytes()
                + " bytes (choreoscope.otlp.max-body-bytes); export smaller batches");
    }

    /** Reads and drops up to {@code limit} bytes; true when the body ended within them. */
    private static boolean drain(InputStream in, long limit) {
        byte[] buf = new byte[16384];
        long total = 0;
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                if (total > limit) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void unavailable(HttpExchange exchange, OtlpEncoding encoding, String message) throws IOException {
        exchange.getResponseHeaders().set("Retry-After", Integer.toString(config.getRetryAfterSeconds()));
        fail(exchange, encoding, 503, RPC_UNAVAILABLE, message);
    }

    private void fail(HttpExchange exchange, OtlpEncoding encoding, int httpStatus, int rpcCode, String message)
            throws IOException {
        if (httpStatus >= 500) {
            LOG.warn("OTLP request answered {}: {}", httpStatus, message);
        } else {
            LOG.debug("OTLP request answered {}: {}", httpStatus, message);
        }
        respond(exchange, encoding, httpStatus, status(rpcCode, message, encoding));
    }

    private void respond(HttpExchange exchange, OtlpEncoding encoding, int httpStatus, byte[] body) throws IOException {
        meters.counter("choreoscope.otlp.requests", "status", Integer.toString(httpStatus)).increment();
        OtlpEncoding answer = encoding == null ? OtlpEncoding.PROTOBUF : encoding;
        exchange.getResponseHeaders().set("Content-Type", answer.contentType());
        exchange.sendResponseHeaders(httpStatus, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** A {@code google.rpc.Status} with code and message, written by hand to avoid a dependency for two fields. */
    static byte[] status(int rpcCode, String message, OtlpEncoding encoding) throws IOException {
        if (encoding == OtlpEncoding.JSON) {
            return ("{\"code\":" + rpcCode + ",\"message\":" + jsonString(message) + "}").getBytes(StandardCharsets.UTF_8);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeInt32(1, rpcCode);
        out.writeString(2, message);
        out.flush();
        return bytes.toByteArray();
    }

    private static String jsonString(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
