package io.choreoscope.collectors.otlp;

import io.choreoscope.model.SinkUnavailableException;
import io.choreoscope.model.Span;
import io.choreoscope.model.SpanSink;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.annotation.Requires;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import jakarta.inject.Singleton;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The receiver against hostile and unlucky clients (issue 20, item 15), driven by the real OpenTelemetry SDK
 * exporters over both protocols: slow-loris connections do not stop a real exporter from delivering; a token is
 * enforced (401 / UNAUTHENTICATED); a full byte budget answers 429 / RESOURCE_EXHAUSTED with retry hints, and an
 * exporter that retries gets through once the store drains.
 */
class OtlpReceiverHardeningTest {
    private static final String SPEC = "OtlpReceiverHardeningTest";
    private static final MediaType GRPC = MediaType.get("application/grpc");

    private ApplicationContext context;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicBoolean trickle = new AtomicBoolean(true);

    @AfterEach
    void close() throws Exception {
        trickle.set(false);
        for (Socket s : sockets) {
            s.close();
        }
        if (context != null) {
            context.close();
        }
    }

    private OtlpReceiver start(Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>(Map.of(
                "spec.name", SPEC,
                "choreoscope.tap.enabled", false,
                "choreoscope.otlp.port", 0,
                "choreoscope.otlp.grpc-port", 0,
                "choreoscope.otlp.host", "127.0.0.1"));
        p.putAll(extra);
        context = ApplicationContext.run(p);
        return context.getBean(OtlpReceiver.class);
    }

    private Sink sink() {
        return context.getBean(Sink.class);
    }

    @Test
    void slowLorisConnectionsDoNotStopARealExporterFromDelivering() throws Exception {
        OtlpReceiver receiver = start(Map.of("choreoscope.otlp.threads", 2, "choreoscope.otlp.buffer-spans", 0,
                "choreoscope.otlp.read-timeout", "2s"));
        // Twenty clients each send a request line, then one header byte every 200 ms: never a whole request.
        for (int i = 0; i < 20; i++) {
            Socket s = new Socket("127.0.0.1", receiver.port());
            sockets.add(s);
            s.getOutputStream().write(("POST " + OtlpReceiver.TRACES_PATH + " HTTP/1.1\r\nHost: x\r\n").getBytes());
            s.getOutputStream().flush();
            trickle(s, "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        }
        Thread.sleep(300); // let them all take their place first

        long t0 = System.nanoTime();
        assertThat(exportHttp("http://127.0.0.1:" + receiver.port() + OtlpReceiver.TRACES_PATH, Map.of()))
                .as("the SDK exporter delivered next to 20 slow clients").isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThat(sink().spans).hasSize(2);

        // And the slow clients are cut off after the read timeout: 408, then the connection is closed.
        for (Socket s : sockets.subList(0, 3)) {
            s.setSoTimeout(10_000);
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 408");
        }
    }

    @Test
    void slowHttp2ClientsDoNotStopARealGrpcExporterFromDelivering() throws Exception {
        OtlpReceiver receiver = start(Map.of("choreoscope.otlp.threads", 2, "choreoscope.otlp.buffer-spans", 0,
                "choreoscope.otlp.read-timeout", "2s"));
        for (int i = 0; i < 20; i++) {
            Socket s = new Socket("127.0.0.1", receiver.grpcPort());
            sockets.add(s);
            trickle(s, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        }
        Thread.sleep(300);

        assertThat(exportGrpc("http://127.0.0.1:" + receiver.grpcPort(), Map.of())).isTrue();
        assertThat(sink().spans).hasSize(2);
        Socket slow = sockets.get(0);
        slow.setSoTimeout(10_000);
        long t0 = System.nanoTime();
        slow.getInputStream().readAllBytes(); // the server's SETTINGS, then the end of the stream: closed
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("slow connection closed after the read timeout")
                .isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void grpcExporterDeliversSpansWithAllFields() {
        OtlpReceiver receiver = start(Map.of("choreoscope.otlp.buffer-spans", 0));

        assertThat(exportGrpc("http://127.0.0.1:" + receiver.grpcPort(), Map.of())).isTrue();

        assertThat(sink().spans).hasSize(2);
        Span consumer = sink().spans.stream().filter(s -> s.kind().equals("CONSUMER")).findFirst().orElseThrow();
        Span producer = sink().spans.stream().filter(s -> s.kind().equals("PRODUCER")).findFirst().orElseThrow();
        assertThat(consumer.parentSpanId()).isEqualTo(producer.spanId());
        assertThat(consumer.service()).isEqualTo("orders");
        assertThat(consumer.messagingDestination()).isEqualTo("orders");
        assertThat(consumer.correlationId()).isEqualTo("order-42");
    }

    @Test
    void grpcExporterWithGzipDelivers() {
        OtlpReceiver receiver = start(Map.of("choreoscope.otlp.buffer-spans", 0));
        OtlpGrpcSpanExporter exporter = OtlpGrpcSpanExporter.builder()
                .setEndpoint("http://127.0.0.1:" + receiver.grpcPort()).setCompression("gzip").build();

        assertThat(export(exporter)).isTrue();
        assertThat(sink().spans).hasSize(2);
    }

    @Test
    void tokenIsRequiredOverHttpAndGrpc() throws Exception {
        OtlpReceiver receiver = start(Map.of("choreoscope.otlp.buffer-spans", 0, "choreoscope.otlp.token", "s3cret-token"));
        String http = "http://127.0.0.1:" + receiver.port() + OtlpReceiver.TRACES_PATH;
        String grpc = "http://127.0.0.1:" + receiver.grpcPort();

        assertThat(exportHttp(http, Map.of())).as("HTTP without token").isFalse();
        assertThat(exportGrpc(grpc, Map.of())).as("gRPC without token").isFalse();
        assertThat(exportHttp(http, Map.of("Authorization", "Bearer wrong"))).as("HTTP wrong token").isFalse();
        assertThat(sink().spans).isEmpty();

        assertThat(exportHttp(http, Map.of("Authorization", "Bearer s3cret-token"))).isTrue();
        assertThat(exportGrpc(grpc, Map.of("Authorization", "Bearer s3cret-token"))).isTrue();
        assertThat(exportGrpc(grpc, Map.of("X-API-Key", "s3cret-token"))).isTrue();
        assertThat(sink().spans).hasSize(6);

        HttpResponse<String> raw = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(http))
                .header("Content-Type", "application/x-protobuf").header("Authorization", "Bearer nope")
                .POST(HttpRequest.BodyPublishers.ofByteArray(request(3))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(raw.statusCode()).isEqualTo(401);
        assertThat(raw.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(raw.body()).contains("choreoscope.otlp.token");

        GrpcAnswer g = grpcCall(receiver.grpcPort(), request(3), Map.of("authorization", "Bearer nope"));
        assertThat(g.status).isEqualTo("16"); // UNAUTHENTICATED
        assertThat(sink().spans).hasSize(6);
    }

    @Test
    void fullByteBudgetIs429AndResourceExhaustedUntilTheStoreDrains() throws Exception {
        // The store is held; the queue fills its 200 KB budget (each request of 40 spans costs ~80 KB in the heap).
        OtlpReceiver receiver = start(Map.of("choreoscope.otlp.max-queue-bytes", 200_000,
                "choreoscope.otlp.max-body-bytes", 64 * 1024, "choreoscope.otlp.batch-linger-ms", 0));
        Sink sink = sink();
        sink.gate = new CountDownLatch(1);
        String http = "http://127.0.0.1:" + receiver.port() + OtlpReceiver.TRACES_PATH;
        HttpClient client = HttpClient.newHttpClient();

        HttpResponse<String> refused = null;
        for (int i = 0; i < 20 && refused == null; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(http))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json(40))).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.body()).doesNotContain("rejected");
            assertThat(r.statusCode()).isIn(200, 429);
            if (r.statusCode() == 429) {
                refused = r;
            }
        }
        assertThat(refused).as("some request was refused once the budget was full").isNotNull();
        assertThat(refused.headers().firstValue("Retry-After")).hasValue(String.valueOf(OtlpConfig.DEFAULT_RETRY_AFTER_SECONDS));
        assertThat(refused.body()).contains("\"code\":8", "max-queue-bytes");

        GrpcAnswer g = grpcCall(receiver.grpcPort(), request(40), Map.of());
        assertThat(g.status).isEqualTo("8"); // RESOURCE_EXHAUSTED
        assertThat(g.detailsBin).as("RetryInfo detail").isNotNull();
        assertThat(new String(java.util.Base64.getDecoder().decode(g.detailsBin), StandardCharsets.ISO_8859_1))
                .contains("google.rpc.RetryInfo");

        // A real exporter, which retries 429, gets through once the store takes the queue.
        int before = sink.spans.size();
        Thread release = new Thread(() -> {
            try {
                Thread.sleep(700);
            } catch (InterruptedException ignored) {
                // ends early
            }
            sink.gate.countDown();
        });
        release.start();
        assertThat(exportHttp(http, Map.of())).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.spans.size() >= before + 2);
        assertThat(receiver.budget().used()).isLessThan(200_000);
    }

    // --- helpers

    private void trickle(Socket s, String text) {
        Thread t = new Thread(() -> {
            try {
                OutputStream out = s.getOutputStream();
                for (int i = 0; trickle.get() && i < text.length(); i++) {
                    out.write(text.charAt(i));
                    out.flush();
                    Thread.sleep(200);
                }
            } catch (Exception ignored) {
                // closed by the server: what the test wants
            }
        }, "slow-client");
        t.setDaemon(true);
        t.start();
    }

    private static boolean exportHttp(String endpoint, Map<String, String> headers) {
        var b = OtlpHttpSpanExporter.builder().setEndpoint(endpoint).setTimeout(Duration.ofSeconds(10));
        headers.forEach(b::addHeader);
        return export(b.build());
    }

    private static boolean exportGrpc(String endpoint, Map<String, String> headers) {
        var b = OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).setTimeout(Duration.ofSeconds(10));
        headers.forEach(b::addHeader);
        return export(b.build());
    }

    private static boolean export(SpanExporter exporter) {
        CompletableResultCode result = exporter.export(sdkSpans()).join(30, TimeUnit.SECONDS);
        exporter.shutdown().join(5, TimeUnit.SECONDS);
        return result.isSuccess();
    }

    /** A producer span and its consumer child, made by the real SDK. */
    static List<SpanData> sdkSpans() {
        InMemorySpanExporter finished = InMemorySpanExporter.create();
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "orders")))
                .addSpanProcessor(SimpleSpanProcessor.create(finished))
                .build();
        Tracer tracer = provider.get("choreoscope-test");
        io.opentelemetry.api.trace.Span producer = tracer.spanBuilder("orders publish").setSpanKind(SpanKind.PRODUCER)
                .setAttribute("messaging.destination.name", "orders").setAttribute("correlation.id", "order-42")
                .startSpan();
        producer.end();
        io.opentelemetry.api.trace.Span consumer = tracer.spanBuilder("orders process")
                .setParent(io.opentelemetry.context.Context.root().with(producer)).setSpanKind(SpanKind.CONSUMER)
                .setAttribute("messaging.destination.name", "orders").setAttribute("correlation.id", "order-42")
                .startSpan();
        consumer.end();
        List<SpanData> spans = finished.getFinishedSpanItems();
        provider.shutdown().join(5, TimeUnit.SECONDS);
        return spans;
    }

    private static byte[] request(int spans) {
        return io.choreoscope.harness.otlp.OtlpRequests.consumerSpans(new Random(), spans).toByteArray();
    }

    /** OTLP/JSON (hex IDs, as the SDK's JSON marshaler writes them) of {@code spans} SDK-made spans. */
    private static byte[] json(int spans) throws Exception {
        List<SpanData> all = new ArrayList<>();
        while (all.size() < spans) {
            all.addAll(sdkSpans());
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler.create(all.subList(0, spans)).writeJsonTo(out);
        return out.toByteArray();
    }

    record GrpcAnswer(String status, String message, String detailsBin) {
    }

    /** One unary gRPC call over cleartext HTTP/2, framed by hand; grpc-status from the headers or the trailers. */
    private static GrpcAnswer grpcCall(int port, byte[] message, Map<String, String> headers) throws Exception {
        OkHttpClient client = new OkHttpClient.Builder().protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE)).build();
        byte[] framed = ByteBuffer.allocate(5 + message.length).put((byte) 0).putInt(message.length).put(message).array();
        Request.Builder b = new Request.Builder().url("http://127.0.0.1:" + port + OtlpReceiver.GRPC_PATH)
                .header("te", "trailers").post(RequestBody.create(framed, GRPC, 0, framed.length));
        headers.forEach(b::header);
        try (Response response = client.newCall(b.build()).execute()) {
            response.body().bytes();
            String status = response.header("grpc-status");
            if (status != null) {
                return new GrpcAnswer(status, response.header("grpc-message"), response.header("grpc-status-details-bin"));
            }
            var trailers = response.trailers();
            return new GrpcAnswer(trailers.get("grpc-status"), trailers.get("grpc-message"),
                    trailers.get("grpc-status-details-bin"));
        } finally {
            client.dispatcher().executorService().shutdown();
            client.connectionPool().evictAll();
        }
    }

    /** Test store: keeps spans; while {@code gate} is set, waits for it (a store that is slow or away). */
    @Singleton
    @Requires(property = "spec.name", value = SPEC)
    static class Sink implements SpanSink {
        final List<Span> spans = new CopyOnWriteArrayList<>();
        volatile CountDownLatch gate;

        @Override
        public void accept(List<Span> batch) throws SinkUnavailableException {
            CountDownLatch g = gate;
            if (g != null) {
                try {
                    g.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            spans.addAll(batch);
        }
    }
}
