package io.choreoscope.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import io.choreoscope.collectors.otlp.OtlpReceiver;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.model.Span;
import io.choreoscope.model.SpanReader;
import io.micronaut.context.ApplicationContext;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Durable mode (issue 20, item 4): spans acknowledged to a real SDK exporter survive a crash of the storing side.
 * The first application instance cannot reach ClickHouse (its storing side holds the spans it was sent, as a
 * crashed or wedged process would) and is stopped; a second one, with ClickHouse back, must store every span the
 * exporter was told was received, each once. With the in-memory queue (durable mode off) they are gone.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class DurableSpansTest {

    @Test
    void spansAcknowledgedToTheExporterSurviveACrashOfTheStoringSide() throws Exception {
        String prefix = KafkaExtension.uniqueName("durable");
        String db = ClickHouseExtension.createDatabase();
        Map<String, Object> durable = Map.of(
                "choreoscope.otlp.durable", true,
                "choreoscope.otlp.durable-topic", prefix + "-spans",
                "choreoscope.otlp.durable-partitions", 3,
                "choreoscope.otlp.durable-group-id", prefix + "-store",
                "choreoscope.otlp.grpc-port", 0,
                "choreoscope.kafka.bootstrap-servers", KafkaExtension.kafka().bootstrapServers(),
                "choreoscope.inference.embedded", false);

        List<SpanData> sent = sdkSpans(60);
        Set<String> traces = new TreeSet<>();
        sent.forEach(s -> traces.add(s.getTraceId()));
        int acknowledged = 0;

        // 1. The storing side cannot write (ClickHouse at a port where nothing listens), then the process goes away.
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        Map<String, Object> first = TestApplication.properties(prefix, db);
        first.putAll(durable);
        first.put("choreoscope.clickhouse.url", "http://127.0.0.1:" + deadPort);
        try (ApplicationContext app = ApplicationContext.run(io.micronaut.runtime.server.EmbeddedServer.class, first)
                .getApplicationContext()) {
            String endpoint = "http://127.0.0.1:" + app.getBean(OtlpReceiver.class).port() + OtlpReceiver.TRACES_PATH;
            for (int i = 0; i < sent.size(); i += 20) {
                if (export(endpoint, sent.subList(i, i + 20))) {
                    acknowledged += 20;
                }
            }
        }
        assertThat(acknowledged).as("the receiver acknowledged every request").isEqualTo(sent.size());

        // 2. Restarted with ClickHouse reachable: every acknowledged span is stored, once.
        try (ApplicationContext app = TestApplication.start(prefix, db, durable)) {
            SpanReader reader = app.getBean(SpanReader.class);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                List<Span> stored = new ArrayList<>();
                for (String trace : traces) {
                    stored.addAll(reader.trace(trace));
                }
                assertThat(stored).hasSize(sent.size());
            });
        }
    }

    private static boolean export(String endpoint, List<SpanData> spans) {
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(endpoint)
                .setTimeout(Duration.ofSeconds(30)).build();
        CompletableResultCode result = exporter.export(spans).join(40, TimeUnit.SECONDS);
        exporter.shutdown().join(5, TimeUnit.SECONDS);
        return result.isSuccess();
    }

    /** {@code n} spans made by the real SDK: traces of three spans (producer, consumer, a child). */
    private static List<SpanData> sdkSpans(int n) {
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "orders")))
                .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                .build();
        Tracer tracer = provider.get("durable-test");
        for (int i = 0; i < n / 3; i++) {
            io.opentelemetry.api.trace.Span publish = tracer.spanBuilder("orders publish").setSpanKind(SpanKind.PRODUCER)
                    .setAttribute("correlation.id", "order-" + i).startSpan();
            io.opentelemetry.api.trace.Span process = tracer.spanBuilder("orders process").setSpanKind(SpanKind.CONSUMER)
                    .setParent(io.opentelemetry.context.Context.root().with(publish)).startSpan();
            tracer.spanBuilder("charge card").setParent(io.opentelemetry.context.Context.root().with(process))
                    .startSpan().end();
            process.end();
            publish.end();
        }
        List<SpanData> finished = exporter.getFinishedSpanItems();
        provider.shutdown().join(5, TimeUnit.SECONDS);
        assertThat(finished).hasSize(n);
        return finished;
    }
}
