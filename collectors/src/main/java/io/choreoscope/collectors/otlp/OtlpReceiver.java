package io.choreoscope.collectors.otlp;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.util.JsonFormat;
import io.choreoscope.model.SinkUnavailableException;
import io.choreoscope.model.SpanSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.util.StringUtils;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The OTLP trace receiver: OTLP/HTTP {@code POST /v1/traces} (protobuf or JSON, optionally gzip) on
 * {@code choreoscope.otlp.port} (4318) and OTLP/gRPC {@code TraceService/Export} on {@code choreoscope.otlp.grpc-port}
 * (4317), both on Netty. Decoded spans go to the {@link SpanSink} through the span queue ({@link SpanBuffer}), or
 * straight to it when the queue is off or in durable mode.
 *
 * <p>Why Netty and not a Micronaut controller: an extra Micronaut listener serves every route on every port, so the
 * REST API would answer on 4318 and OTLP on 8081. Why not the JDK's {@code com.sun.net.httpserver} (the first
 * version): it reads each request on a blocking worker thread with no read timeout, so a few clients sending their
 * headers slowly held every worker. Here the event loop reads without blocking; a request must arrive in full within
 * {@code read-timeout} (else 408 and the connection is closed), idle connections close after {@code idle-timeout},
 * and connections over {@code max-connections} are closed at once. Workers only decode and hand spans to the sink,
 * with a complete body in hand.
 *
 * <p>Memory: request bodies being received or decoded and the spans queued for the store share one {@link ByteBudget}
 * ({@code max-queue-bytes}); a request that does not fit is answered 429 with Retry-After (gRPC RESOURCE_EXHAUSTED
 * with RetryInfo), which OpenTelemetry exporters retry. A body over {@code max-body-bytes} is refused (413) before it
 * is read when its length is declared, or as soon as it passes the limit.
 *
 * <p>Access: with {@code choreoscope.otlp.token} set, a request must carry {@code Authorization: Bearer <token>} or
 * {@code X-API-Key: <token>} (the exporters' {@code headers} setting): else 401 (gRPC UNAUTHENTICATED), before its
 * body is read or decoded.
 *
 * <p>Lifecycle: a {@link Context} bean, so it starts with the application context and stops with it
 * ({@link PreDestroy}). It exists only when {@code choreoscope.otlp.enabled} is not false and some bean
 * implements {@link SpanSink}, so contexts without storage (most tests) open no port.
 *
 * <p>HTTP answers, as the OTLP specification asks: 200 with an {@code ExportTraceServiceResponse} in the
 * request's encoding ({@code partial_success} set when some spans were rejected); 400 malformed body; 401 missing or
 * wrong token; 408 request not received within the read timeout; 413 body over {@code max-body-bytes}; 415
 * unsupported Content-Type or Content-Encoding; 429 with {@code Retry-After} when the queue or the byte budget is
 * full; 503 with {@code Retry-After} when the store is unavailable (write-through, durable mode) or more than
 * {@code max-pending-requests} wait for a worker; 404/405 for other paths and methods. Error bodies are a
 * {@code google.rpc.Status} (code, message) in the request's encoding (protobuf when unknown). gRPC answers carry
 * the same outcome as {@code grpc-status} (see {@link OtlpGrpcHandler}).
 */
@Context
@Requires(property = OtlpConfig.PREFIX + ".enabled", notEquals = StringUtils.FALSE, defaultValue = StringUtils.TRUE)
@Requires(beans = SpanSink.class)
public class OtlpReceiver {

    /** The only OTLP/HTTP path served. */
    public static final String TRACES_PATH = "/v1/traces";
    /** The only OTLP/gRPC method served. */
    public static final String GRPC_PATH = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

    private static final Logger LOG = LoggerFactory.getLogger(OtlpReceiver.class);
    private static final byte[] EMPTY_SUCCESS_PROTOBUF = new byte[0];
    private static final byte[] EMPTY_SUCCESS_JSON = "{}".getBytes(StandardCharsets.UTF_8);
    // google.rpc.Code values, shared by Status bodies and grpc-status.
    static final int RPC_OK = 0;
    static final int RPC_INVALID_ARGUMENT = 3;
    static final int RPC_DEADLINE_EXCEEDED = 4;
    static final int RPC_NOT_FOUND = 5;
    static final int RPC_RESOURCE_EXHAUSTED = 8;
    static final int RPC_UNIMPLEMENTED = 12;
    static final int RPC_INTERNAL = 13;
    static final int RPC_UNAVAILABLE = 14;
    static final int RPC_UNAUTHENTICATED = 16;

    private final OtlpConfig config;
    private final SpanSink sink;
    /** The queue in front of the store, or null when requests write through (buffer-spans = 0, or durable). */
    private final SpanBuffer buffer;
    private final OtlpTraceDecoder decoder;
    private final ByteBudget budget;
    private final byte[] token;
    private final MeterRegistry meters;
    private final Counter spansReceived;
    private final Counter spansRejected;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicInteger httpConnections = new AtomicInteger();
    private final AtomicInteger grpcConnections = new AtomicInteger();
    private EventLoopGroup eventLoops;
    private ExecutorService workers;
    private Channel httpChannel;
    private Channel grpcChannel;

    public OtlpReceiver(OtlpConfig config, SpanSink sink, @Nullable MeterRegistry meterRegistry) {
        if (config.getMaxQueueBytes() < config.getMaxBodyBytes()) {
            throw new IllegalArgumentException("choreoscope.otlp.max-queue-bytes (" + config.getMaxQueueBytes()
                    + ") must be at least choreoscope.otlp.max-body-bytes (" + config.getMaxBodyBytes() + ")");
        }
        this.config = config;
        this.budget = new ByteBudget(config.getMaxQueueBytes());
        this.buffer = config.getBufferSpans() > 0 && !config.isDurable()
                ? new SpanBuffer(sink, config.getBufferSpans(), config.getBatchMaxSpans(), config.getBatchLingerMs(),
                SpanBuffer.DEFAULT_WRITERS, budget)
                : null;
        this.sink = buffer != null ? buffer : sink;
        this.decoder = new OtlpTraceDecoder(config.getCorrelationAttributes(), config.getMaxBodyBytes());
        String t = config.getToken();
        this.token = t == null || t.isBlank() ? null : t.strip().getBytes(StandardCharsets.UTF_8);
        // Without micrometer wiring, an empty composite registry records nothing and costs little.
        this.meters = meterRegistry != null ? meterRegistry : new CompositeMeterRegistry();
        this.spansReceived = Counter.builder("choreoscope.otlp.spans.received")
                .description("Spans accepted and handed to the span sink").register(meters);
        this.spansRejected = Counter.builder("choreoscope.otlp.spans.rejected")
                .description("Invalid spans left out of a request (OTLP partial success)").register(meters);
    }

    /** Opens the ports. Fails the context start when a port cannot be bound. */
    @PostConstruct
    public synchronized void start() {
        if (eventLoops != null) {
            return;
        }
        int threads = config.effectiveThreads();
        workers = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                new DefaultThreadFactory("otlp-worker", true));
        // Reading and writing is cheap next to decoding, which the workers do: one event loop thread is enough.
        eventLoops = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("otlp-io", true),
                NioIoHandler.newFactory());
        try {
            httpChannel = bind(config.getPort(), "choreoscope.otlp.port", new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    OtlpHttpHandler.configure(ch.pipeline(), OtlpReceiver.this, httpConnections);
                }
            });
            if (config.getGrpcPort() >= 0) {
                grpcChannel = bind(config.getGrpcPort(), "choreoscope.otlp.grpc-port", new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        OtlpGrpcHandler.configure(ch.pipeline(), OtlpReceiver.this, grpcConnections);
                    }
                });
            }
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
        LOG.info("OTLP receiver listening: HTTP on {}:{}{}{}{}", config.getHost(), port(), TRACES_PATH,
                grpcChannel == null ? "" : ", gRPC on " + config.getHost() + ":" + grpcPort(),
                token == null ? " (no token: any client may send spans)" : " (token required)");
        if (token == null && !isLoopback(config.getHost())) {
            LOG.warn("The OTLP receiver listens on {} without a token: anyone who reaches it may send spans. Set "
                    + "choreoscope.otlp.token, or choreoscope.otlp.host=127.0.0.1 when only local exporters send.",
                    config.getHost());
        }
    }

    private Channel bind(int port, String key, ChannelInitializer<SocketChannel> initializer) {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(eventLoops)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 128)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(initializer);
        try {
            return bootstrap.bind(new InetSocketAddress(config.getHost(), port)).syncUninterruptibly().channel();
        } catch (Exception e) {
            throw new UncheckedIOException(new IOException("OTLP receiver cannot listen on " + config.getHost() + ":"
                    + port + " (" + key + "): " + e.getMessage(), e));
        }
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }

    /** Closes the ports, lets requests in progress finish for up to 2 s, then writes out the queue (up to 10 s). */
    @PreDestroy
    public synchronized void stop() {
        if (eventLoops == null) {
            return;
        }
        if (httpChannel != null) {
            httpChannel.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
        if (grpcChannel != null) {
            grpcChannel.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
        workers.shutdown();
        try {
            if (!workers.awaitTermination(1, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
        eventLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
        eventLoops = null;
        httpChannel = null;
        grpcChannel = null;
        if (buffer != null) {
            buffer.close();
        }
        LOG.info("OTLP receiver stopped");
    }

    /** The bound OTLP/HTTP port (useful with {@code choreoscope.otlp.port=0}), or -1 when stopped. */
    public synchronized int port() {
        return httpChannel == null ? -1 : ((InetSocketAddress) httpChannel.localAddress()).getPort();
    }

    /** The bound OTLP/gRPC port, or -1 when stopped or turned off. */
    public synchronized int grpcPort() {
        return grpcChannel == null ? -1 : ((InetSocketAddress) grpcChannel.localAddress()).getPort();
    }

    OtlpConfig config() {
        return config;
    }

    ByteBudget budget() {
        return budget;
    }

    /**
     * True when no token is configured, or when one of the two headers carries it ({@code Authorization: Bearer
     * <token>}, {@code X-API-Key: <token>}). Compared in constant time.
     */
    boolean authorized(@Nullable String authorization, @Nullable String apiKey) {
        if (token == null) {
            return true;
        }
        if (authorization != null && authorization.length() > 7
                && authorization.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")
                && MessageDigest.isEqual(token, authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8))) {
            return true;
        }
        return apiKey != null && MessageDigest.isEqual(token, apiKey.strip().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Runs {@code task} on a worker; false when more than {@code max-pending-requests} already wait or run (the
     * caller answers 503) or the receiver is stopping.
     */
    boolean dispatch(Runnable task) {
        if (pending.incrementAndGet() > config.getMaxPendingRequests()) {
            pending.decrementAndGet();
            return false;
        }
        try {
            workers.execute(() -> {
                try {
                    task.run();
                } finally {
                    pending.decrementAndGet();
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            pending.decrementAndGet();
            return false;
        }
    }

    Answer overloaded() {
        return Answer.error(503, RPC_UNAVAILABLE, "receiver overloaded: more than " + config.getMaxPendingRequests()
                + " requests waiting (choreoscope.otlp.max-pending-requests); retry later");
    }

    Answer overBudget() {
        return Answer.error(429, RPC_RESOURCE_EXHAUSTED, "receiver memory budget full (" + budget.used() + " of "
                + budget.limit() + " bytes in use, choreoscope.otlp.max-queue-bytes); retry later");
    }

    Answer tooLarge(String what) {
        return Answer.error(413, RPC_RESOURCE_EXHAUSTED, what + " exceeds " + config.getMaxBodyBytes()
                + " bytes (choreoscope.otlp.max-body-bytes); export smaller batches");
    }

    static Answer unauthenticated() {
        return Answer.error(401, RPC_UNAUTHENTICATED, "missing or wrong token: send 'Authorization: Bearer <token>' "
                + "or 'X-API-Key: <token>' (choreoscope.otlp.token)");
    }

    /**
     * Decodes one export request and hands its spans to the sink. Runs on a worker thread.
     *
     * @param body            the body as received (gzip or not)
     * @param contentEncoding null or identity, or gzip
     */
    Answer export(byte[] body, OtlpEncoding encoding, @Nullable String contentEncoding) {
        try {
            OtlpTraceDecoder.Result result;
            try {
                result = decoder.decode(body, encoding, contentEncoding);
            } catch (OtlpRequestException e) {
                int rpc = e.httpStatus() == 413 ? RPC_RESOURCE_EXHAUSTED : RPC_INVALID_ARGUMENT;
                return Answer.error(e.httpStatus(), rpc, e.getMessage());
            }
            if (!result.spans().isEmpty()) {
                try {
                    sink.accept(result.spans());
                } catch (QueueFullException e) {
                    return Answer.error(429, RPC_RESOURCE_EXHAUSTED, e.getMessage() + "; retry later");
                } catch (SinkUnavailableException e) {
                    return Answer.error(503, RPC_UNAVAILABLE, "span store unavailable: " + e.getMessage()
                            + "; retry later");
                }
            }
            spansReceived.increment(result.spans().size());
            if (result.rejectedSpans() > 0) {
                spansRejected.increment(result.rejectedSpans());
            }
            return Answer.success(result);
        } catch (RuntimeException e) {
            LOG.error("OTLP request failed", e);
            return Answer.error(500, RPC_INTERNAL, "internal error: " + e);
        }
    }

    /** Counts an answer and logs refusals (5xx at warn level, others at debug). */
    void record(String protocol, Answer answer) {
        if (answer.httpStatus() >= 500 || answer.httpStatus() == 429) {
            LOG.warn("OTLP {} request answered {}: {}", protocol, answer.httpStatus(), answer.message());
        } else if (answer.httpStatus() != 200) {
            LOG.debug("OTLP {} request answered {}: {}", protocol, answer.httpStatus(), answer.message());
        }
        meters.counter("choreoscope.otlp.requests", "protocol", protocol, "status",
                Integer.toString(answer.httpStatus())).increment();
    }

    int retryAfterSeconds() {
        return config.getRetryAfterSeconds();
    }

    /**
     * The outcome of one request, independent of the transport: an HTTP status and the matching gRPC status code,
     * with the decoder's result on success or a message on failure.
     */
    record Answer(int httpStatus, int rpcCode, String message, @Nullable OtlpTraceDecoder.Result result) {
        static Answer success(OtlpTraceDecoder.Result result) {
            return new Answer(200, RPC_OK, "", result);
        }

        static Answer error(int httpStatus, int rpcCode, String message) {
            return new Answer(httpStatus, rpcCode, message, null);
        }

        /** 429 and 503 ask the exporter to retry after Retry-After. */
        boolean retryable() {
            return httpStatus == 429 || httpStatus == 503;
        }

        /** The body in {@code encoding}: the export response on success, else a {@code google.rpc.Status}. */
        byte[] body(OtlpEncoding encoding) {
            try {
                return result != null ? successBody(result, encoding) : status(rpcCode, message, encoding);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static byte[] successBody(OtlpTraceDecoder.Result result, OtlpEncoding encoding) throws IOException {
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

    /**
     * A {@code google.rpc.Status} carrying a {@code google.rpc.RetryInfo} detail with {@code retry_delay} of
     * {@code seconds}: what OTLP/gRPC clients read to wait before retrying RESOURCE_EXHAUSTED or UNAVAILABLE.
     */
    static byte[] statusWithRetryInfo(int rpcCode, String message, int seconds) throws IOException {
        ByteArrayOutputStream duration = new ByteArrayOutputStream();
        CodedOutputStream d = CodedOutputStream.newInstance(duration);
        d.writeInt64(1, seconds);
        d.flush();
        ByteArrayOutputStream retryInfo = new ByteArrayOutputStream();
        CodedOutputStream r = CodedOutputStream.newInstance(retryInfo);
        r.writeByteArray(1, duration.toByteArray());
        r.flush();
        ByteArrayOutputStream any = new ByteArrayOutputStream();
        CodedOutputStream a = CodedOutputStream.newInstance(any);
        a.writeString(1, "type.googleapis.com/google.rpc.RetryInfo");
        a.writeByteArray(2, retryInfo.toByteArray());
        a.flush();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeInt32(1, rpcCode);
        out.writeString(2, message);
        out.writeByteArray(3, any.toByteArray());
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
