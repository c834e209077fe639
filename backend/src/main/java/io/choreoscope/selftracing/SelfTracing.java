package io.choreoscope.selftracing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * choreoscope's own tracer. Either disabled (a no-op tracer: no SDK objects, no exporter, no thread,
 * and {@link #traceWrite} just runs its body) or exporting through an OpenTelemetry SDK
 * {@link BatchSpanProcessor} to any {@link SpanExporter} (OTLP/HTTP in the application; the exporter
 * is the seam tests replace).
 */
public final class SelfTracing implements AutoCloseable {
    static final String INSTRUMENTATION_SCOPE = "io.choreoscope";
    private static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey("db.system.name");
    private static final AttributeKey<String> DB_COLLECTION = AttributeKey.stringKey("db.collection.name");
    private static final AttributeKey<String> DB_OPERATION = AttributeKey.stringKey("db.operation.name");
    private static final AttributeKey<Long> BATCH_ROWS = AttributeKey.longKey("choreoscope.batch.rows");

    /** A body that may throw a checked exception of type {@code E}. */
    @FunctionalInterface
    public interface Body<E extends Exception> {
        void run() throws E;
    }

    private final SdkTracerProvider provider;
    private final Tracer tracer;

    private SelfTracing(SdkTracerProvider provider) {
        this.provider = provider;
        this.tracer = provider != null ? provider.get(INSTRUMENTATION_SCOPE)
                : TracerProvider.noop().get(INSTRUMENTATION_SCOPE);
    }

    /** No tracing: nothing is created and nothing is exported. */
    public static SelfTracing disabled() {
        return new SelfTracing(null);
    }

    /**
     * Traces with the SDK and exports in batches to {@code exporter}.
     *
     * @param serviceName the {@code service.name} resource attribute
     * @param exportDelay longest time a finished span waits before export
     */
    public static SelfTracing exportingTo(SpanExporter exporter, String serviceName, Duration exportDelay) {
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(
                        Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), serviceName))))
                .addSpanProcessor(BatchSpanProcessor.builder(exporter).setScheduleDelay(exportDelay).build())
                .build();
        return new SelfTracing(provider);
    }

    public boolean enabled() {
        return provider != null;
    }

    /** The tracer for choreoscope's own spans (a no-op tracer when disabled). */
    public Tracer tracer() {
        return tracer;
    }

    /**
     * Runs one batch write inside a CLIENT span {@code "INSERT <table>"} with the database semantic-
     * convention attributes and the row count. A failure is recorded on the span (exception event,
     * ERROR status) and rethrown unchanged.
     */
    public <E extends Exception> void traceWrite(String table, int rows, Body<E> body) throws E {
        if (provider == null) {
            body.run();
            return;
        }
        Span span = tracer.spanBuilder("INSERT " + table)
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute(DB_SYSTEM, "clickhouse")
                .setAttribute(DB_COLLECTION, table)
                .setAttribute(DB_OPERATION, "INSERT")
                .setAttribute(BATCH_ROWS, (long) rows)
                .startSpan();
        try (Scope ignored = span.makeCurrent()) {
            body.run();
        } catch (Exception | Error e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
            throw e;
        } finally {
            span.end();
        }
    }

    /** Exports finished spans now; waits up to {@code timeout}. No-op when disabled. */
    public void flush(Duration timeout) {
        if (provider != null) {
            provider.forceFlush().join(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Exports what is left (up to 5 s) and stops the export thread. */
    @Override
    public void close() {
        if (provider != null) {
            provider.shutdown().join(5, TimeUnit.SECONDS);
        }
    }
}
