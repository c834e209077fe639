package io.choreoscope.selftracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ObservationSink;
import io.choreoscope.model.Span;
import io.choreoscope.model.SpanSink;
import io.micronaut.context.ApplicationContext;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * choreoscope's own spans: exported with the real SDK OTLP/HTTP exporter to a local in-JVM receiver
 * when enabled; nothing created when disabled (the default).
 */
@ExtendWith(ClickHouseExtension.class)
class SelfTracingTest {
    private HttpServer collector;
    private final List<ExportTraceServiceRequest> received = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startCollector() throws IOException {
        collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        collector.createContext("/v1/traces", exchange -> {
            try (exchange) {
                received.add(ExportTraceServiceRequest.parseFrom(exchange.getRequestBody().readAllBytes()));
                exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, -1);
            }
        });
        collector.start();
    }

    @AfterEach
    void stopCollector() {
        collector.stop(0);
    }

    private ApplicationContext start(Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>();
        p.put("choreoscope.tap.enabled", false);
        p.put("choreoscope.otlp.port", 0);
        p.put("choreoscope.otlp.grpc-port", 0);
        p.put("choreoscope.otlp.host", "127.0.0.1");
        p.put("choreoscope.clickhouse.url", ClickHouseExtension.engine().httpUrl());
        p.put("choreoscope.clickhouse.database", ClickHouseExtension.createDatabase());
        p.putAll(extra);
        return ApplicationContext.run(p);
    }

    private static void writeOneOfEach(ApplicationContext app) throws Exception {
        app.getBean(ObservationSink.class).accept(List.of(
                Observation.builder("self", 0, 1, Instant.parse("2026-01-01T00:00:00Z")).build()));
        app.getBean(SpanSink.class).accept(List.of(new Span("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7",
                null, "svc", "op", "INTERNAL", Instant.parse("2026-01-01T00:00:00Z"), 1, "UNSET", Map.of(),
                null, null, null, null, null, null)));
    }

    private static String attribute(List<KeyValue> attributes, String key) {
        return attributes.stream().filter(kv -> kv.getKey().equals(key)).map(kv -> kv.getValue().getStringValue())
                .findFirst().orElse(null);
    }

    @Test
    void enabledSelfTracingExportsASpanPerBatchWriteOverOtlpHttp() throws Exception {
        try (ApplicationContext app = start(Map.of(
                "choreoscope.self-tracing.enabled", true,
                "choreoscope.self-tracing.endpoint", "http://127.0.0.1:" + collector.getAddress().getPort(),
                "choreoscope.self-tracing.export-delay", "100ms"))) {
            SelfTracing tracing = app.getBean(SelfTracing.class);
            assertThat(tracing.enabled()).isTrue();

            writeOneOfEach(app);
            tracing.flush(Duration.ofSeconds(10));

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                List<ResourceSpans> resources = received.stream().flatMap(r -> r.getResourceSpansList().stream()).toList();
                assertThat(resources).isNotEmpty();
                assertThat(resources).allSatisfy(rs ->
                        assertThat(attribute(rs.getResource().getAttributesList(), "service.name")).isEqualTo("choreoscope"));
                List<io.opentelemetry.proto.trace.v1.Span> spans = resources.stream()
                        .flatMap(rs -> rs.getScopeSpansList().stream()).flatMap(ss -> ss.getSpansList().stream()).toList();
                assertThat(spans).extracting(io.opentelemetry.proto.trace.v1.Span::getName)
                        .contains("INSERT events", "INSERT spans");
                assertThat(spans).allSatisfy(s -> {
                    assertThat(s.getKind()).isEqualTo(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CLIENT);
                    assertThat(attribute(s.getAttributesList(), "db.system.name")).isEqualTo("clickhouse");
                });
            });
        }
    }

    @Test
    void disabledByDefaultCreatesNoTracerAndExportsNothing() throws Exception {
        try (ApplicationContext app = start(Map.of(
                "choreoscope.self-tracing.endpoint", "http://127.0.0.1:" + collector.getAddress().getPort(),
                "choreoscope.self-tracing.export-delay", "100ms"))) {
            SelfTracing tracing = app.getBean(SelfTracing.class);
            assertThat(tracing.enabled()).isFalse();
            io.opentelemetry.api.trace.Span probe = tracing.tracer().spanBuilder("probe").startSpan();
            assertThat(probe.isRecording()).isFalse();
            assertThat(probe.getSpanContext().isValid()).isFalse();
            assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("BatchSpanProcessor"));

            writeOneOfEach(app);
            tracing.flush(Duration.ofSeconds(1));
        }
        // The context is closed: a tracer provider would have exported on shutdown.
        assertThat(received).isEmpty();
    }
}
