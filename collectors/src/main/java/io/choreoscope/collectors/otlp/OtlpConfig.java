package io.choreoscope.collectors.otlp;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;

import java.time.Duration;
import java.util.List;

/**
 * Configuration of the OTLP trace receiver ({@value #PREFIX}.*): OTLP/HTTP on {@link #getPort()} and OTLP/gRPC on
 * {@link #getGrpcPort()}, both on Netty.
 */
@ConfigurationProperties(OtlpConfig.PREFIX)
public class OtlpConfig {

    public static final String PREFIX = "choreoscope.otlp";

    /** The receiver starts unless {@code choreoscope.otlp.enabled=false}. */
    public static final boolean DEFAULT_ENABLED = true;
    /** 4318, the port the OTLP specification assigns to OTLP/HTTP; 0 picks a free port (tests). */
    public static final int DEFAULT_PORT = 4318;
    /** 4317, the port the OTLP specification assigns to OTLP/gRPC; 0 picks a free port (tests), -1 turns gRPC off. */
    public static final int DEFAULT_GRPC_PORT = 4317;
    /**
     * All interfaces: services in other containers and hosts must reach the receiver. Set {@code 127.0.0.1} when
     * only local processes (or a sidecar Collector) export, and set {@link #getToken()} when it is reachable
     * from a network you do not trust; a warning is logged at start when neither is done.
     */
    public static final String DEFAULT_HOST = "0.0.0.0";
    /**
     * 10 seconds from a connection's first byte (or the end of its previous answer) to the last byte of a
     * request: headers and body. A client slower than that (a slow-loris) is answered 408 (gRPC: the stream is
     * reset) and its connection closed. Slow clients cost no worker thread meanwhile: Netty reads without blocking.
     */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(10);
    /** 60 seconds without a byte read or written closes a kept-alive connection. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    /** 1,024 open connections per port at most; further connections are closed at once. */
    public static final int DEFAULT_MAX_CONNECTIONS = 1024;
    /**
     * 256 MiB: the byte budget of the receiver's memory, shared by request bodies being received or decoded
     * and spans queued for the store (estimated at their size in the heap). A request that does not fit is
     * answered 429 with Retry-After (gRPC RESOURCE_EXHAUSTED with RetryInfo), so exporters retry later. Must
     * be at least {@code max-body-bytes}.
     */
    public static final long DEFAULT_MAX_QUEUE_BYTES = 256L * 1024 * 1024;
    /**
     * 8 MiB. Applies to the body as received and, for gzip, to the decompressed body too (a small
     * gzip body may not expand past it). Larger requests get 413.
     */
    public static final int DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
    /**
     * Worker threads that read, decode and hand requests to the sink: 0 means one per available
     * processor (at least 2).
     */
    public static final int DEFAULT_THREADS = 0;
    /**
     * 64 requests accepted but not yet answered (queued for a worker or being worked on). A request
     * that finds more than this waiting is answered 503 with Retry-After without being read, so a
     * slow sink turns into back-pressure on the exporters instead of growing memory.
     */
    public static final int DEFAULT_MAX_PENDING_REQUESTS = 64;
    /** 5 seconds, sent as {@code Retry-After} with every 503. */
    public static final int DEFAULT_RETRY_AFTER_SECONDS = 5;
    /**
     * Span attribute keys that carry the correlation ID, tried in order: {@code correlation.id},
     * {@code correlationId}, {@code correlation_id}, {@code messaging.message.conversation_id}. The
     * same keys are looked up in W3C baggage (see {@link OtlpTraceDecoder}).
     */
    public static final List<String> DEFAULT_CORRELATION_ATTRIBUTES =
            List.of("correlation.id", "correlationId", "correlation_id", "messaging.message.conversation_id");

    /**
     * 200,000 spans queued in memory before the store (see {@link SpanBuffer}); requests are answered
     * once queued. 0 turns the queue off: each request is answered only after its spans are stored.
     */
    public static final int DEFAULT_BUFFER_SPANS = 200_000;
    /**
     * 50,000 spans at most per write to the store. Fewer, larger parts: ClickHouse's merges cost half as much per span
     * as with 20,000, the earlier default (docs/BENCHMARKS.md, issue 19 item 5).
     */
    public static final int DEFAULT_BATCH_MAX_SPANS = 50_000;
    /** 200 ms: the longest a queued span waits for its batch to fill. */
    public static final long DEFAULT_BATCH_LINGER_MS = 200;

    /** {@code choreoscope.spans}: the topic durable mode publishes spans to, keyed by trace ID. */
    public static final String DEFAULT_DURABLE_TOPIC = "choreoscope.spans";
    /** 12 partitions when durable mode creates its topic. */
    public static final int DEFAULT_DURABLE_PARTITIONS = 12;
    /** {@code choreoscope-spans}: the consumer group that stores the span topic into ClickHouse. */
    public static final String DEFAULT_DURABLE_GROUP_ID = "choreoscope-spans";

    private int grpcPort = DEFAULT_GRPC_PORT;
    private Duration readTimeout = DEFAULT_READ_TIMEOUT;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;
    private long maxQueueBytes = DEFAULT_MAX_QUEUE_BYTES;
    private String token;
    private boolean durable;
    private String durableTopic = DEFAULT_DURABLE_TOPIC;
    private int durablePartitions = DEFAULT_DURABLE_PARTITIONS;
    private String durableGroupId = DEFAULT_DURABLE_GROUP_ID;
    private int bufferSpans = DEFAULT_BUFFER_SPANS;
    private int batchMaxSpans = DEFAULT_BATCH_MAX_SPANS;
    private long batchLingerMs = DEFAULT_BATCH_LINGER_MS;
    private boolean enabled = DEFAULT_ENABLED;
    private int port = DEFAULT_PORT;
    private String host = DEFAULT_HOST;
    private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private int threads = DEFAULT_THREADS;
    private int maxPendingRequests = DEFAULT_MAX_PENDING_REQUESTS;
    private int retryAfterSeconds = DEFAULT_RETRY_AFTER_SECONDS;
    private List<String> correlationAttributes = DEFAULT_CORRELATION_ATTRIBUTES;

    public boolean isEnabled() { return enabled; }
    public void setEnabled(boolean enabled) { this.enabled = enabled; }

    public int getPort() { return port; }
    public void setPort(int port) { this.port = port; }

    public int getGrpcPort() { return grpcPort; }
    public void setGrpcPort(int grpcPort) { this.grpcPort = grpcPort; }

    public Duration getReadTimeout() { return readTimeout; }
    public void setReadTimeout(Duration readTimeout) { this.readTimeout = readTimeout; }

    public Duration getIdleTimeout() { return idleTimeout; }
    public void setIdleTimeout(Duration idleTimeout) { this.idleTimeout = idleTimeout; }

    public int getMaxConnections() { return maxConnections; }
    public void setMaxConnections(int maxConnections) { this.maxConnections = maxConnections; }

    public long getMaxQueueBytes() { return maxQueueBytes; }
    public void setMaxQueueBytes(long maxQueueBytes) { this.maxQueueBytes = maxQueueBytes; }

    /**
     * The shared secret exporters must send, as {@code Authorization: Bearer <token>} or {@code X-API-Key: <token>}
     * (the exporters' {@code headers} setting); null or blank (the default) accepts every request. Wrong or
     * missing: 401 (gRPC UNAUTHENTICATED).
     */
    @Nullable
    public String getToken() { return token; }
    public void setToken(@Nullable String token) { this.token = token; }

    /**
     * Durable mode (default false): requests are acknowledged only once their spans are in Kafka (see the
     * backend's span topic); the in-memory queue is not used. Set by the application, read here so the
     * receiver writes through to the sink instead of queueing.
     */
    public boolean isDurable() { return durable; }
    public void setDurable(boolean durable) { this.durable = durable; }

    public String getDurableTopic() { return durableTopic; }
    public void setDurableTopic(String durableTopic) { this.durableTopic = durableTopic; }
    public int getDurablePartitions() { return durablePartitions; }
    public void setDurablePartitions(int durablePartitions) { this.durablePartitions = durablePartitions; }
    public String getDurableGroupId() { return durableGroupId; }
    public void setDurableGroupId(String durableGroupId) { this.durableGroupId = durableGroupId; }

    public String getHost() { return host; }
    public void setHost(String host) { this.host = host; }

    public int getMaxBodyBytes() { return maxBodyBytes; }
    public void setMaxBodyBytes(int maxBodyBytes) { this.maxBodyBytes = maxBodyBytes; }

    public int getBufferSpans() { return bufferSpans; }
    public void setBufferSpans(int v) { this.bufferSpans = v; }
    public int getBatchMaxSpans() { return batchMaxSpans; }
    public void setBatchMaxSpans(int v) { this.batchMaxSpans = v; }
    public long getBatchLingerMs() { return batchLingerMs; }
    public void setBatchLingerMs(long v) { this.batchLingerMs = v; }
    public int getThreads() { return threads; }
    public void setThreads(int threads) { this.threads = threads; }

    /** Worker threads actually used: {@link #getThreads()}, or one per processor (at least 2) when 0. */
    public int effectiveThreads() {
        return threads > 0 ? threads : Math.max(2, Runtime.getRuntime().availableProcessors());
    }

    public int getMaxPendingRequests() { return maxPendingRequests; }
    public void setMaxPendingRequests(int maxPendingRequests) { this.maxPendingRequests = maxPendingRequests; }

    public int getRetryAfterSeconds() { return retryAfterSeconds; }
    public void setRetryAfterSeconds(int retryAfterSeconds) { this.retryAfterSeconds = retryAfterSeconds; }

    public List<String> getCorrelationAttributes() { return correlationAttributes; }
    public void setCorrelationAttributes(List<String> correlationAttributes) {
        this.correlationAttributes = correlationAttributes == null ? List.of() : List.copyOf(correlationAttributes);
    }
}
