package io.choreoscope.samples;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;

/** A minimal OTLP/HTTP protobuf traces receiver in this JVM: keeps every span it is sent, with its service name. */
final class OtlpCapture implements AutoCloseable {

    /** A received span, IDs as lowercase hex ({@code parentSpanId} empty for a root). */
    record Received(String service, String traceId, String spanId, String parentSpanId, String name, Span.SpanKind kind,
                    Map<String, Object> attributes, Status.StatusCode status, String statusMessage, List<Event> events) {
    }

    /** A span event, such as the {@code exception} event {@code recordException} adds. */
    record Event(String name, Map<String, Object> attributes) {
    }

    private final HttpServer server;
    private final List<Received> spans = new CopyOnWriteArrayList<>();

    OtlpCapture() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/traces", exchange -> {
            try (InputStream body = exchange.getRequestBody()) {
                boolean gzip = "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"));
                ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(gzip ? new GZIPInputStream(body) : body);
                collect(request);
                byte[] ok = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
                exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, ok.length == 0 ? -1 : ok.length);
                if (ok.length > 0) {
                    exchange.getResponseBody().write(ok);
                }
            } catch (IOException | RuntimeException e) {
                exchange.sendResponseHeaders(400, -1);
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces";
    }

    List<Received> spans() {
        return List.copyOf(spans);
    }

    private void collect(ExportTraceServiceRequest request) {
        HexFormat hex = HexFormat.of();
        for (ResourceSpans rs : request.getResourceSpansList()) {
            String service = rs.getResource().getAttributesList().stream()
                    .filter(kv -> kv.getKey().equals("service.name")).map(kv -> kv.getValue().getStringValue())
                    .findFirst().orElse(null);
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                for (Span s : ss.getSpansList()) {
                    List<Event> events = new ArrayList<>();
                    for (Span.Event e : s.getEventsList()) {
                        events.add(new Event(e.getName(), attributes(e.getAttributesList())));
                    }
                    spans.add(new Received(service, hex.formatHex(s.getTraceId().toByteArray()),
                            hex.formatHex(s.getSpanId().toByteArray()), hex.formatHex(s.getParentSpanId().toByteArray()),
                            s.getName(), s.getKind(), attributes(s.getAttributesList()), s.getStatus().getCode(),
                            s.getStatus().getMessage(), List.copyOf(events)));
                }
            }
        }
    }

    private static Map<String, Object> attributes(List<KeyValue> kvs) {
        Map<String, Object> attrs = new java.util.LinkedHashMap<>();
        for (KeyValue kv : kvs) {
            attrs.put(kv.getKey(), value(kv.getValue()));
        }
        return attrs;
    }

    private static Object value(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case INT_VALUE -> v.getIntValue();
            case BOOL_VALUE -> v.getBoolValue();
            case DOUBLE_VALUE -> v.getDoubleValue();
            default -> v.toString();
        };
    }

    @Override
    public void close() {
        server.stop(0);
    }

    static List<Received> ofService(List<Received> spans, String service) {
        List<Received> out = new ArrayList<>();
        spans.stream().filter(s -> service.equals(s.service())).forEach(out::add);
        return out;
    }
}
