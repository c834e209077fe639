package io.choreoscope.collectors.otlp;

import io.choreoscope.model.SinkUnavailableException;
import io.choreoscope.model.Span;
import io.choreoscope.model.SpanSink;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.annotation.Requires;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import jakarta.inject.Singleton;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The receiver in a Micronaut context, fed by the real OpenTelemetry SDK exporter and by raw HTTP. */
class OtlpReceiverTest {

    static final long T0 = 1_718_000_000_000_000_000L;

    static ApplicationContext context;
    static CapturingSpanSink sink;
    static String endpoint;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        context = ApplicationContext.run(Map.of(
                "spec.name", "OtlpReceiverTest",
                "choreoscope.tap.enabled", false, // no ObservationSink here: the tap is not under test
                // write-through: each answer follows the store's (see SpanBufferTest for the queue)
                "choreoscope.otlp.buffer-spans", 0,
                "choreoscope.otlp.port", 0,
                "choreoscope.otlp.grpc-port", 0,
                "choreoscope.otlp.host", "127.0.0.1",
                "choreoscope.otlp.max-body-bytes", 64 * 1024));
        sink = context.getBean(CapturingSpanSink.class);
        endpoint = "http://127.0.0.1:" + context.getBean(OtlpReceiver.class).port() + OtlpReceiver.TRACES_PATH;
    }

    @AfterAll
    static void stop() {
        context.close();
    }

    @BeforeEach
    void clear() {
        sink.spans.clear();
        sink.unavailable = false;
    }

    @Test
    void realSdkExporterProtobufSpansArriveWithAllFields() throws Exception {
        exportWithSdk(OtlpHttpSpanExporter.builder().setEndpoint(endpoint).build());

        assertSagaSpans();
    }

    @Test
    void realSdkJsonEncodingSpansArriveWithAllFields() throws Exception {
        // OtlpHttpSpanExporter 1.54 has no public JSON switch, and forcing its internal exportAsJson()
        // sends a Content-Length computed for protobuf (the client aborts). So the SDK's own OTLP/JSON
        // marshaler (the one that switch uses) encodes the spans, and the JDK client posts them.
        List<SpanData> finished = sdkSpans();
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        TraceRequestMarshaler.create(finished).writeJsonTo(json);
        assertThat(json.toString(StandardCharsets.UTF_8)).contains("\"traceId\":\"" + finished.get(0).getTraceId());

        HttpResponse<byte[]> response = post("application/json", json.toByteArray(), null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo("{}");
        assertSagaSpans();
    }

    @Test
    void realSdkExporterGzipSpansArrive() throws Exception {
        exportWithSdk(OtlpHttpSpanExporter.builder().setEndpoint(endpoint).setCompression("gzip").build());

        assertSagaSpans();
    }

    /** Exports a producer span and its consumer child through the SDK exporter, and waits for success. */
    private static void exportWithSdk(OtlpHttpSpanExporter exporter) {
        List<SpanData> finished = sdkSpans();
        CompletableResultCode result = exporter.export(finished).join(10, TimeUnit.SECONDS);
        exporter.shutdown().join(5, TimeUnit.SECONDS);
        assertThat(result.isSuccess()).as("export succeeded").isTrue();
    }

    /** A producer span and its consumer child, made and finished by the real SDK. */
    private static List<SpanData> sdkSpans() {
        InMemorySpanExporter finished = InMemorySpanExporter.create();
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "orders")))
                .addSpanProcessor(SimpleSpanProcessor.create(finished))
                .build();
        Tracer tracer = provider.get("choreoscope-test");
        io.opentelemetry.api.trace.Span producer = tracer.spanBuilder("orders publish")
                .setSpanKind(SpanKind.PRODUCER)
                .setStartTimestamp(T0, TimeUnit.NANOSECONDS)
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.destination.name", "orders")
                .setAttribute("messaging.operation.type", "publish")
                .setAttribute("messaging.message.id", "msg-1")
                .setAttribute("correlation.id", "order-42")
                .startSpan();
        producer.end(T0 + 3_000_000, TimeUnit.NANOSECONDS);
        io.opentelemetry.api.trace.Span consumer = tracer.spanBuilder("orders process")
                .setParent(Context.root().with(producer))
                .setSpanKind(SpanKind.CONSUMER)
                .setStartTimestamp(T0 + 5_000_000, TimeUnit.NANOSECONDS)
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.destination", "orders")
                .setAttribute("messaging.operation", "process")
                .setAttribute("messaging.kafka.consumer.group", "billing")
                .setAttribute("correlationId", "order-42")
                .startSpan();
        consumer.addEvent("exception", Attributes.of(AttributeKey.stringKey("exception.type"), "Boom"),
                T0 + 6_000_000, TimeUnit.NANOSECONDS);
        consumer.setStatus(StatusCode.ERROR, "payment declined");
        consumer.end(T0 + 12_000_000, TimeUnit.NANOSECONDS);
        List<SpanData> spans = finished.getFinishedSpanItems();
        provider.shutdown().join(5, TimeUnit.SECONDS);
        assertThat(spans).hasSize(2);
        return spans;
    }

    private static void assertSagaSpans() {
        assertThat(sink.spans).hasSize(2);
        Span producer = sink.spans.stream().filter(s -> s.kind().equals("PRODUCER")).findFirst().orElseThrow();
        Span consumer = sink.spans.stream().filter(s -> s.kind().equals("CONSUMER")).findFirst().orElseThrow();
        assertThat(producer.service()).isEqualTo("orders");
        assertThat(producer.traceId()).hasSize(32).isEqualTo(consumer.traceId());
        assertThat(producer.spanId()).hasSize(16);
        assertThat(producer.parentSpanId()).isNull();
        assertThat(producer.name()).isEqualTo("orders publish");
        assertThat(producer.durationNanos()).isEqualTo(3_000_000);
        assertThat(producer.messagingSystem()).isEqualTo("kafka");
        assertThat(producer.messagingDestination()).isEqualTo("orders");
        assertThat(producer.messagingOperation()).isEqualTo("publish");
        assertThat(producer.messagingMessageId()).isEqualTo("msg-1");
        assertThat(producer.correlationId()).isEqualTo("order-42");
        assertThat(producer.statusCode()).isEqualTo("UNSET");

        assertThat(consumer.parentSpanId()).isEqualTo(producer.spanId());
        assertThat(consumer.durationNanos()).isEqualTo(7_000_000);
        assertThat(consumer.messagingDestination()).isEqualTo("orders");
        assertThat(consumer.messagingOperation()).isEqualTo("process");
        assertThat(consumer.consumerGroup()).isEqualTo("billing");
        assertThat(consumer.correlationId()).isEqualTo("order-42");
        assertThat(consumer.statusCode()).isEqualTo("ERROR");
        assertThat(consumer.statusMessage()).isEqualTo("payment declined");
        assertThat(consumer.eventsJson()).contains("\"name\":\"exception\"", "\"exception.type\":\"Boom\"");
    }

    @Test
    void malformedProtobufIs400WithStatusBody() throws Exception {
        HttpResponse<byte[]> response = post("application/x-protobuf", new byte[]{(byte) 0xff, 0x01, 0x02}, null);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).contains("malformed protobuf");
        assertThat(sink.spans).isEmpty();
    }

    @Test
    void malformedJsonIs400WithJsonStatusBody() throws Exception {
        HttpResponse<byte[]> response = post("application/json", "{\"resourceSpans\":[".getBytes(), null);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).startsWith("{\"code\":3,\"message\":\"malformed JSON");
    }

    @Test
    void oversizedBodyIs413() throws Exception {
        HttpResponse<byte[]> response = post("application/x-protobuf", new byte[64 * 1024 + 1], null);

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).contains("choreoscope.otlp.max-body-bytes");
    }

    /**
     * The client is still sending when the 413 is written; closing at once made the kernel reset the connection,
     * and the reset could reach the client before the answer (it saw no answer in 77 of 600 such requests).
     */
    @Test
    void everyOversizedRequestReadsIts413BeforeTheConnectionCloses() throws Exception {
        List<String> failures = new ArrayList<>();
        for (int size : new int[] {64 * 1024 + 1, 256 * 1024, 1024 * 1024, 8 * 1024 * 1024}) {
            for (int i = 0; i < 25; i++) {
                try {
                    HttpResponse<byte[]> response = post("application/x-protobuf", new byte[size], null);
                    if (response.statusCode() != 413) {
                        failures.add(size + " bytes: " + response.statusCode());
                    }
                } catch (IOException e) {
                    failures.add(size + " bytes: " + e);
                }
            }
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void oversizedChunkedBodyWithoutContentLengthIs413() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(endpoint))
                .header("Content-Type", "application/x-protobuf")
                .POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream(new byte[200 * 1024])))
                .build();

        assertThat(http.send(request, HttpResponse.BodyHandlers.ofByteArray()).statusCode()).isEqualTo(413);
    }

    @Test
    void unsupportedContentTypeIs415() throws Exception {
        assertThat(post("text/plain", "hello".getBytes(), null).statusCode()).isEqualTo(415);
    }

    @Test
    void unknownJsonFieldsAreToleratedAndMissingServiceNameIsUnknownService() throws Exception {
        String body = OtlpTraceDecoderTest.JSON_BODY.replace(
                "{\"key\":\"service.name\",\"value\":{\"stringValue\":\"payments\"}}",
                "{\"key\":\"host.name\",\"value\":{\"stringValue\":\"h1\"}}");

        HttpResponse<byte[]> response = post("application/json", body.getBytes(StandardCharsets.UTF_8), null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(sink.spans).singleElement().extracting(Span::service).isEqualTo("unknown_service");
    }

    @Test
    void oneBadSpanGivesPartialSuccessInTheRequestEncoding() throws Exception {
        HttpResponse<byte[]> json = post("application/json",
                OtlpTraceDecoderTest.JSON_BODY.getBytes(StandardCharsets.UTF_8), null);

        assertThat(json.statusCode()).isEqualTo(200);
        assertThat(new String(json.body(), StandardCharsets.UTF_8))
                .contains("\"partialSuccess\"", "\"rejectedSpans\":\"1\"", "broken");

        var request = OtlpTraceDecoderTest.request(OtlpTraceDecoderTest.service("x"),
                OtlpTraceDecoderTest.span(OtlpTraceDecoderTest.TRACE, OtlpTraceDecoderTest.SPAN).build(),
                OtlpTraceDecoderTest.span(OtlpTraceDecoderTest.TRACE, OtlpTraceDecoderTest.SPAN).clearSpanId().build());
        HttpResponse<byte[]> proto = post("application/x-protobuf", request.toByteArray(), null);

        assertThat(proto.statusCode()).isEqualTo(200);
        ExportTraceServiceResponse parsed = ExportTraceServiceResponse.parseFrom(proto.body());
        assertThat(parsed.getPartialSuccess().getRejectedSpans()).isEqualTo(1);
        assertThat(parsed.getPartialSuccess().getErrorMessage()).contains("span_id");
        assertThat(sink.spans).hasSize(2);
    }

    @Test
    void gzipOverRawHttpIsAccepted() throws Exception {
        byte[] body = OtlpTraceDecoderTest.gzip(OtlpTraceDecoderTest.JSON_BODY.getBytes(StandardCharsets.UTF_8));

        assertThat(post("application/json", body, "gzip").statusCode()).isEqualTo(200);
        assertThat(sink.spans).hasSize(1);
    }

    @Test
    void sinkUnavailableIs503WithRetryAfter() throws Exception {
        sink.unavailable = true;
        var request = OtlpTraceDecoderTest.request(OtlpTraceDecoderTest.service("x"),
                OtlpTraceDecoderTest.span(OtlpTraceDecoderTest.TRACE, OtlpTraceDecoderTest.SPAN).build());

        HttpResponse<byte[]> response = post("application/x-protobuf", request.toByteArray(), null);

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).hasValue(String.valueOf(OtlpConfig.DEFAULT_RETRY_AFTER_SECONDS));
    }

    @Test
    void tooManyPendingRequestsIs503WithRetryAfter() throws Exception {
        try (ApplicationContext small = ApplicationContext.run(Map.of(
                "spec.name", "OtlpReceiverTest",
                "choreoscope.tap.enabled", false, // no ObservationSink here: the tap is not under test
                // write-through: each answer follows the store's (see SpanBufferTest for the queue)
                "choreoscope.otlp.buffer-spans", 0,
                "choreoscope.otlp.port", 0,
                "choreoscope.otlp.grpc-port", 0,
                "choreoscope.otlp.host", "127.0.0.1",
                "choreoscope.otlp.threads", 2,
                "choreoscope.otlp.max-pending-requests", 1))) {
            CapturingSpanSink slowSink = small.getBean(CapturingSpanSink.class);
            slowSink.gate = new CountDownLatch(1);
            URI uri = URI.create("http://127.0.0.1:" + small.getBean(OtlpReceiver.class).port() + OtlpReceiver.TRACES_PATH);
            byte[] body = OtlpTraceDecoderTest.request(OtlpTraceDecoderTest.service("x"),
                    OtlpTraceDecoderTest.span(OtlpTraceDecoderTest.TRACE, OtlpTraceDecoderTest.SPAN).build()).toByteArray();
            HttpRequest request = HttpRequest.newBuilder(uri).header("Content-Type", "application/x-protobuf")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();

            var first = http.sendAsync(request, HttpResponse.BodyHandlers.discarding());
            await().atMost(Duration.ofSeconds(10)).until(() -> slowSink.waiting);
            HttpResponse<String> second = http.send(request, HttpResponse.BodyHandlers.ofString());
            slowSink.gate.countDown();

            assertThat(second.statusCode()).isEqualTo(503);
            assertThat(second.headers().firstValue("Retry-After")).isPresent();
            assertThat(second.body()).contains("overloaded");
            assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void otherPathsAndMethodsAreRefused() throws Exception {
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(endpoint)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> other = http.send(HttpRequest.newBuilder(URI.create(endpoint.replace("traces", "metrics")))
                .header("Content-Type", "application/x-protobuf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[0])).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(other.statusCode()).isEqualTo(404);
    }

    @Test
    void receiverIsAbsentWhenDisabled() {
        try (ApplicationContext disabled = ApplicationContext.run(Map.of(
                "spec.name", "OtlpReceiverTest",
                "choreoscope.tap.enabled", false, "choreoscope.otlp.enabled", false))) {
            assertThat(disabled.containsBean(OtlpReceiver.class)).isFalse();
        }
    }

    private static HttpResponse<byte[]> post(String contentType, byte[] body, String contentEncoding) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoint)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentEncoding != null) {
            b.header("Content-Encoding", contentEncoding);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Test sink: keeps what it is given, or refuses everything while {@code unavailable}. */
    @Singleton
    @Requires(property = "spec.name", value = "OtlpReceiverTest")
    static class CapturingSpanSink implements SpanSink {
        final List<Span> spans = new CopyOnWriteArrayList<>();
        volatile boolean unavailable;
        /** When set, accept() waits for it (a slow store). */
        volatile CountDownLatch gate;
        volatile boolean waiting;

        @Override
        public void accept(List<Span> batch) throws SinkUnavailableException {
            CountDownLatch g = gate;
            if (g != null) {
                waiting = true;
                try {
                    g.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (unavailable) {
                throw new SinkUnavailableException("test store is down", null);
            }
            spans.addAll(batch);
        }
    }

    /** Keeps finished SDK spans so that the test hands them to the OTLP exporter in one call. */}
