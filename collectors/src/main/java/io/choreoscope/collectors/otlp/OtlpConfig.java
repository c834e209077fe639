package io.choreoscope.collectors.otlp;

import io.micronaut.context.annotation.ConfigurationProperties;

import java.util.List;

/**
 * Configuration of the OTLP/HTTP trace receiver ({@value #PREFIX}.*).
 */
@ConfigurationProperties(OtlpConfig.PREFIX)
public class OtlpConfig {

    public static final String PREFIX = "choreoscope.otlp";

    /** The receiver starts unless {@code choreoscope.otlp.enabled=false}. */
    public static final boolean DEFAULT_ENABLED = true;
    /** 4318, the port the OTLP specification assigns to OTLP/HTTP; 0 picks a free port (tests). */
    public static final int DEFAULT_PORT = 4318;
    /** All interfaces, like the OpenTelemetry Collector's OTLP receiver. */
    public static final String DEFAULT_HOST = "0.0.0.0";
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
    /** 20,000 spans at most per write to the store. */
    public static final int DEFAULT_BATCH_MAX_SPANS = 20_000;
    /** 200 ms: the longest a queued span waits for its batch to fill. */
    public static final long DEFAULT_BATCH_LINGER_MS = 200;

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
