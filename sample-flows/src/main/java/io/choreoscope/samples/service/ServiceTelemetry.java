package io.choreoscope.samples.service;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;

/**
 * One service's OpenTelemetry: its own SDK with its own {@code service.name} Resource, exporting over OTLP/HTTP
 * (protobuf) through a {@link BatchSpanProcessor}, so that each sample service looks like a separate process.
 * Nothing is registered globally. Export failures are logged by the exporter (java.util.logging) and the spans
 * dropped; they never reach the service's code.
 */
public final class ServiceTelemetry {
    /** How long a batch waits before export (ms); short so that the demo's traces show up quickly. */
    public static final long SCHEDULE_DELAY_MS = 1_000;
    /** Exporter timeout per request (ms); bounds how long shutdown can wait for an unreachable collector. */
    public static final long EXPORT_TIMEOUT_MS = 3_000;

    private final OpenTelemetry otel;
    private final SdkTracerProvider provider;

    private ServiceTelemetry(OpenTelemetry otel, SdkTracerProvider provider) {
        this.otel = otel;
        this.provider = provider;
    }

    /** Telemetry for {@code serviceName} exporting to {@code endpoint} (a full URL such as http://localhost:4318/v1/traces). */
    public static ServiceTelemetry otlp(String serviceName, String endpoint) {
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
                .setEndpoint(endpoint)
                .setTimeout(Duration.ofMillis(EXPORT_TIMEOUT_MS))
                .build();
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
                        AttributeKey.stringKey("service.name"), serviceName,
                        AttributeKey.stringKey("service.namespace"), "choreoscope-samples"))))
                .addSpanProcessor(BatchSpanProcessor.builder(exporter)
                        .setScheduleDelay(Duration.ofMillis(SCHEDULE_DELAY_MS))
                        .build())
                .build();
        OpenTelemetry otel = OpenTelemetrySdk.builder()
                .setTracerProvider(provider)
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
        return new ServiceTelemetry(otel, provider);
    }

    /** No spans at all; {@code traceparent} is neither read nor written. */
    public static ServiceTelemetry disabled() {
        return new ServiceTelemetry(OpenTelemetry.noop(), null);
    }

    public Tracer tracer() {
        return otel.getTracer("io.choreoscope.samples");
    }

    public TextMapPropagator propagator() {
        return otel.getPropagators().getTextMapPropagator();
    }

    /** Flushes pending spans and stops the exporter; completes (maybe unsuccessfully) within the exporter timeout. */
    public CompletableResultCode shutdown() {
        return provider == null ? CompletableResultCode.ofSuccess() : provider.shutdown();
    }

    /** Shuts all down in parallel and waits at most {@code timeoutMs} in total. */
    public static void shutdownAll(Iterable<ServiceTelemetry> all, long timeoutMs) {
        java.util.List<CompletableResultCode> results = new java.util.ArrayList<>();
        all.forEach(t -> results.add(t.shutdown()));
        CompletableResultCode.ofAll(results).join(timeoutMs, TimeUnit.MILLISECONDS);
    }
}
