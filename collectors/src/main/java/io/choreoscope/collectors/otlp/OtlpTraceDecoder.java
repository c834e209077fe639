package io.choreoscope.collectors.otlp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.choreoscope.model.Span;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Status;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Turns one OTLP/HTTP trace export body into {@link Span}s. Plain class, no I/O besides the bytes it
 * is given; thread-safe.
 *
 * <p>What it does with bad input:
 * <ul>
 *   <li>a body that is not valid gzip, protobuf or JSON: {@link OtlpRequestException} with 400;</li>
 *   <li>a gzip body that decompresses past {@code maxBodyBytes}: 413;</li>
 *   <li>a Content-Encoding other than gzip/identity: 415;</li>
 *   <li>unknown fields (protobuf or JSON): ignored, as the OTLP specification asks;</li>
 *   <li>a resource without {@code service.name}: its spans get {@value #UNKNOWN_SERVICE};</li>
 *   <li>a span without a valid trace ID (16 bytes, not all zero), span ID (8 bytes, not all zero),
 *       parent span ID (empty or 8 bytes) or start time, or that ends before it starts: that span
 *       alone is rejected and counted in {@link Result#rejectedSpans()}; the rest of the batch is kept
 *       (OTLP partial success).</li>
 * </ul>
 *
 * <p>Protobuf bodies (OTLP/HTTP and OTLP/gRPC) are read by {@link OtlpWireReader} straight into {@link Span}s;
 * OTLP/JSON bodies, and the two rare protobuf encodings that reader leaves aside, are parsed into protobuf's generated
 * classes and converted by {@link #convert}. Both give the same result for the same request
 * ({@code OtlpWireReaderTest}).
 *
 * <p>OTLP/JSON is not the canonical proto3 JSON mapping: trace and span IDs are hex strings, not
 * base64. IDs are rewritten to base64 in the JSON tree before {@link JsonFormat} reads it; an ID that
 * is already base64 of the right length (some exporters send the canonical mapping) is kept, anything
 * else becomes empty so that its span is rejected alone. Enum values may be integers or names;
 * {@link JsonFormat} takes both.
 */
public final class OtlpTraceDecoder {

    /** Service name of spans whose resource has no {@code service.name}. */
    public static final String UNKNOWN_SERVICE = "unknown_service";

    /** At most this many rejection reasons are spelled out in the partial-success message. */
    private static final int MAX_REASONS = 3;

    private static final Set<String> ID_FIELDS = Set.of(
            "traceId", "trace_id", "spanId", "span_id", "parentSpanId", "parent_span_id");
    private static final String[] KINDS = {"INTERNAL", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"};
    private static final byte[] HEX_BYTES = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFormat.Parser JSON_PARSER = JsonFormat.parser().ignoringUnknownFields();

    private final List<String> correlationAttributes;
    private final int maxBodyBytes;

    /**
     * @param correlationAttributes span attribute keys that carry the correlation ID, in order of trust
     * @param maxBodyBytes          bound on the decompressed body in bytes (413 past it)
     */
    public OtlpTraceDecoder(List<String> correlationAttributes, int maxBodyBytes) {
        this.correlationAttributes = List.copyOf(correlationAttributes);
        this.maxBodyBytes = maxBodyBytes;
    }

    /**
     * The spans of one request, and how many were rejected.
     *
     * @param spans         valid spans in request order
     * @param rejectedSpans spans left out because they were invalid
     * @param errorMessage  why, for the OTLP partial-success message; null when nothing was rejected
     */
    public record Result(List<Span> spans, int rejectedSpans, String errorMessage) {
        public Result {
            spans = List.copyOf(spans);
        }
    }

    /**
     * Decodes one request body.
     *
     * @param body            the body as received
     * @param encoding        from the Content-Type
     * @param contentEncoding the Content-Encoding header, or null (identity)
     * @throws OtlpRequestException when the request as a whole cannot be read (see class comment)
     */
    public Result decode(byte[] body, OtlpEncoding encoding, String contentEncoding) throws OtlpRequestException {
        byte[] plain = decompress(body, contentEncoding);
        if (encoding == OtlpEncoding.JSON) {
            return convert(parseJson(plain));
        }
        Result result;
        try {
            result = new OtlpWireReader(this, plain).read();
        } catch (InvalidProtocolBufferException e) {
            throw new OtlpRequestException(400, "malformed protobuf ExportTraceServiceRequest: " + e.getMessage(), e);
        }
        // null: an encoding whose meaning depends on protobuf's merge rules (see OtlpWireReader), read the general way
        return result != null ? result : convert(parseProtobuf(plain));
    }

    /** Converts an already parsed request (also used by tests and benchmarks). */
    public Result convert(ExportTraceServiceRequest request) {
        List<Span> spans = new ArrayList<>();
        Rejections rejections = new Rejections();
        for (int r = 0; r < request.getResourceSpansCount(); r++) {
            ResourceSpans rs = request.getResourceSpans(r);
            String service = serviceName(rs.getResource());
            for (int s = 0; s < rs.getScopeSpansCount(); s++) {
                ScopeSpans ss = rs.getScopeSpans(s);
                for (int i = 0; i < ss.getSpansCount(); i++) {
                    io.opentelemetry.proto.trace.v1.Span span = ss.getSpans(i);
                    String problem = problem(span);
                    if (problem != null) {
                        rejections.add("resource_spans[" + r + "].scope_spans[" + s + "].spans[" + i + "]"
                                + (span.getName().isEmpty() ? "" : " '" + span.getName() + "'") + ": " + problem);
                    } else {
                        spans.add(toSpan(span, service));
                    }
                }
            }
        }
        return new Result(spans, rejections.count, rejections.message());
    }

    private byte[] decompress(byte[] body, String contentEncoding) throws OtlpRequestException {
        String ce = contentEncoding == null ? "" : contentEncoding.trim().toLowerCase(Locale.ROOT);
        switch (ce) {
            case "", "identity" -> {
                return body;
            }
            case "gzip", "x-gzip" -> {
                try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body), 8192)) {
                    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(32, body.length * 4));
                    byte[] buf = new byte[16384];
                    long total = 0;
                    for (int n; (n = in.read(buf)) > 0; ) {
                        total += n;
                        if (total > maxBodyBytes) {
                            throw new OtlpRequestException(413, "gzip body decompresses to more than "
                                    + maxBodyBytes + " bytes (choreoscope.otlp.max-body-bytes)");
                        }
                        out.write(buf, 0, n);
                    }
                    return out.toByteArray();
                } catch (ZipException | java.io.EOFException e) {
                    throw new OtlpRequestException(400, "body is not valid gzip: " + e.getMessage(), e);
                } catch (IOException e) {
                    throw new OtlpRequestException(400, "cannot decompress gzip body: " + e.getMessage(), e);
                }
            }
            default -> throw new OtlpRequestException(415,
                    "unsupported Content-Encoding '" + contentEncoding + "': use gzip or none");
        }
    }

    private static ExportTraceServiceRequest parseProtobuf(byte[] body) throws OtlpRequestException {
        try {
            return ExportTraceServiceRequest.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            throw new OtlpRequestException(400, "malformed protobuf ExportTraceServiceRequest: " + e.getMessage(), e);
        }
    }

    private static ExportTraceServiceRequest parseJson(byte[] body) throws OtlpRequestException {
        JsonNode tree;
        try {
            tree = JSON.readTree(body);
        } catch (IOException e) {
            throw new OtlpRequestException(400, "malformed JSON: " + firstLine(e.getMessage()), e);
        }
        if (tree == null || !tree.isObject()) {
            throw new OtlpRequestException(400, "malformed OTLP/JSON: the body must be a JSON object");
        }
        hexIdsToBase64(tree);
        ExportTraceServiceRequest.Builder builder = ExportTraceServiceRequest.newBuilder();
        try {
            JSON_PARSER.merge(JSON.writeValueAsString(tree), builder);
        } catch (InvalidProtocolBufferException | JsonProcessingException e) {
            throw new OtlpRequestException(400, "malformed OTLP/JSON ExportTraceServiceRequest: "
                    + firstLine(e.getMessage()), e);
        } catch (RuntimeException e) {
            // JsonFormat throws unchecked exceptions on some type mismatches (e.g. a number where an object belongs).
            throw new OtlpRequestException(400, "malformed OTLP/JSON ExportTraceServiceRequest: " + e, e);
        }
        return builder.build();
    }

    /** OTLP/JSON IDs are hex; JsonFormat expects base64 for bytes fields. Rewrites them in place. */
    private static void hexIdsToBase64(JsonNode node) {
        if (node instanceof ObjectNode object) {
            Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                JsonNode value = field.getValue();
                if (ID_FIELDS.contains(field.getKey()) && value.isTextual()) {
                    field.setValue(TextNode.valueOf(idToBase64(value.textValue())));
                } else if (value.isContainerNode()) {
                    hexIdsToBase64(value);
                }
            }
        } else if (node instanceof ArrayNode array) {
            for (JsonNode element : array) {
                hexIdsToBase64(element);
            }
        }
    }

    private static String idToBase64(String id) {
        if (id.isEmpty()) {
            return id;
        }
        byte[] bytes = hexToBytes(id);
        if (bytes != null) {
            return Base64.getEncoder().encodeToString(bytes);
        }
        try {
            int n = Base64.getDecoder().decode(id).length;
            if (n == 8 || n == 16) {
                return id; // canonical proto3 JSON (base64), as some exporters send it
            }
        } catch (IllegalArgumentException notBase64) {
            // fall through
        }
        return ""; // invalid: the span is rejected alone as having no valid ID
    }

    private static byte[] hexToBytes(String s) {
        if ((s.length() & 1) != 0) {
            return null;
        }
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) {
            int hi = Character.digit(s.charAt(2 * i), 16);
            int lo = Character.digit(s.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0) {
                return null;
            }
            out[i] = (byte) (hi << 4 | lo);
        }
        return out;
    }

    private static String problem(io.opentelemetry.proto.trace.v1.Span span) {
        return problem(span.getTraceId().toByteArray(), 0, span.getTraceId().size(),
                span.getSpanId().toByteArray(), 0, span.getSpanId().size(), span.getParentSpanId().size(),
                span.getStartTimeUnixNano(), span.getEndTimeUnixNano());
    }

    /** Why a span is invalid, or null; IDs given as ranges of byte arrays (see {@link OtlpWireReader}). */
    static String problem(byte[] trace, int traceAt, int traceLength, byte[] span, int spanAt, int spanLength,
                          int parentLength, long start, long end) {
        if (!validId(trace, traceAt, traceLength, 16)) {
            return "trace_id must be 16 bytes (32 hex characters), not all zero; got " + describe(traceLength);
        }
        if (!validId(span, spanAt, spanLength, 8)) {
            return "span_id must be 8 bytes (16 hex characters), not all zero; got " + describe(spanLength);
        }
        if (parentLength != 0 && parentLength != 8) {
            return "parent_span_id must be empty or 8 bytes; got " + describe(parentLength);
        }
        if (start == 0) {
            return "start_time_unix_nano is missing";
        }
        if (end != 0 && Long.compareUnsigned(end, start) < 0) {
            return "end_time_unix_nano is before start_time_unix_nano";
        }
        return null;
    }

    private static boolean validId(byte[] id, int at, int length, int size) {
        if (length != size) {
            return false;
        }
        for (int i = at; i < at + size; i++) {
            if (id[i] != 0) {
                return true;
            }
        }
        return false;
    }

    private static String describe(int length) {
        return length == 0 ? "nothing" : length + " bytes";
    }

    private Span toSpan(io.opentelemetry.proto.trace.v1.Span span, String service) {
        Status status = span.getStatus();
        return span(hex(span.getTraceId()), hex(span.getSpanId()),
                span.getParentSpanId().isEmpty() ? null : hex(span.getParentSpanId()), service, span.getName(),
                span.getKindValue(), span.getStartTimeUnixNano(), span.getEndTimeUnixNano(),
                flatten(span.getAttributesList()), status.getCodeValue(), status.getMessage(),
                eventsJson(span.getEventsList()), linksJson(span.getLinksList()));
    }

    /** A valid span in our model, from its decoded fields (both decoding paths end here). */
    Span span(String traceId, String spanId, String parentSpanId, String service, String name, int kindValue,
              long start, long end, Map<String, String> attributes, int statusCode, String statusMessage,
              String eventsJson, String linksJson) {
        long duration = end == 0 ? 0 : end - start;
        return new Span(
                traceId,
                spanId,
                parentSpanId,
                service,
                name,
                kind(kindValue),
                Instant.ofEpochSecond(Long.divideUnsigned(start, 1_000_000_000L),
                        Long.remainderUnsigned(start, 1_000_000_000L)),
                duration,
                statusCode(statusCode),
                attributes,
                attributes.get("messaging.system"),
                destination(attributes),
                first(attributes, "messaging.operation.type", "messaging.operation"),
                attributes.get("messaging.message.id"),
                first(attributes, "messaging.consumer.group.name", "messaging.kafka.consumer.group"),
                correlationId(attributes),
                statusMessage.isEmpty() ? null : statusMessage,
                eventsJson,
                linksJson);
    }

    private static String kind(int value) {
        // SPAN_KIND_UNSPECIFIED (0) and values from a newer OTLP are kept as INTERNAL, the API's default kind.
        return value >= 0 && value < KINDS.length ? KINDS[value] : "INTERNAL";
    }

    private static String statusCode(int value) {
        return switch (value) {
            case 1 -> "OK";
            case 2 -> "ERROR";
            default -> "UNSET";
        };
    }

    /**
     * The span's messaging destination as choreoscope names it. A RabbitMQ span ({@code messaging.system=rabbitmq})
     * names an exchange; it is stored as the topic the RabbitMQ tap gives that exchange ({@code rabbitmq:[vhost:]exchange},
     * the default exchange, empty or {@code <default>}, as {@code amq.default}), so RabbitMQ spans join RabbitMQ events as
     * Kafka spans join Kafka records. No semantic convention names the virtual host: it is read from {@code
     * messaging.rabbitmq.vhost} when an instrumentation sets it, else {@code /}. The raw attributes are kept as they came.
     */
    static String destination(Map<String, String> attributes) {
        String d = first(attributes, "messaging.destination.name", "messaging.destination");
        if (d == null || !"rabbitmq".equalsIgnoreCase(attributes.get("messaging.system"))
                || d.startsWith(io.choreoscope.model.Topics.RABBITMQ_PREFIX)) {
            return d;
        }
        String exchange = d.equals("<default>") ? "" : d;
        return io.choreoscope.model.Topics.rabbitMq(attributes.getOrDefault("messaging.rabbitmq.vhost", "/"), exchange);
    }

    private static String first(Map<String, String> attributes, String key, String olderKey) {
        String v = attributes.get(key);
        return v != null ? v : attributes.get(olderKey);
    }

    /**
     * The first configured key found, in order: as a span attribute, as a baggage entry copied to an
     * attribute ({@code baggage.<key>}, as baggage span processors do), then inside a W3C baggage
     * header kept as the {@code baggage} attribute.
     */
    private String correlationId(Map<String, String> attributes) {
        for (String key : correlationAttributes) {
            String v = attributes.get(key);
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        for (String key : correlationAttributes) {
            String v = attributes.get("baggage." + key);
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        String baggage = attributes.get("baggage");
        return baggage == null ? null : fromBaggage(baggage);
    }

    /** Looks the configured keys up in a W3C baggage value: {@code k1=v1;prop,k2=v2}, values percent-encoded. */
    private String fromBaggage(String baggage) {
        Map<String, String> entries = new LinkedHashMap<>();
        for (String member : baggage.split(",")) {
            int semi = member.indexOf(';');
            String kv = semi < 0 ? member : member.substring(0, semi);
            int eq = kv.indexOf('=');
            if (eq > 0) {
                String value = kv.substring(eq + 1).trim();
                try {
                    value = URLDecoder.decode(value, StandardCharsets.UTF_8);
                } catch (IllegalArgumentException keepRaw) {
                    // a malformed percent sequence: keep the value as sent
                }
                entries.putIfAbsent(kv.substring(0, eq).trim(), value);
            }
        }
        for (String key : correlationAttributes) {
            String v = entries.get(key);
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    private static String serviceName(Resource resource) {
        for (int i = 0; i < resource.getAttributesCount(); i++) {
            KeyValue kv = resource.getAttributes(i);
            if (kv.getKey().equals("service.name")) {
                String name = flatten(kv.getValue());
                return name == null || name.isBlank() ? UNKNOWN_SERVICE : name;
            }
        }
        return UNKNOWN_SERVICE;
    }

    private static Map<String, String> flatten(List<KeyValue> keyValues) {
        Map<String, String> out = new LinkedHashMap<>(Math.max(4, keyValues.size() * 2));
        for (KeyValue kv : keyValues) {
            String v = flatten(kv.getValue());
            if (v != null) {
                out.put(kv.getKey(), v);
            }
        }
        return out;
    }

    /**
     * An attribute value as a string: strings as they are, booleans and numbers in Java notation,
     * bytes in base64, arrays and key-value lists as JSON text; null for an empty value.
     */
    static String flatten(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue();
            case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
            case INT_VALUE -> Long.toString(value.getIntValue());
            case DOUBLE_VALUE -> Double.toString(value.getDoubleValue());
            case BYTES_VALUE -> Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray());
            case ARRAY_VALUE, KVLIST_VALUE -> toJson(toJava(value));
            case VALUE_NOT_SET -> null;
        };
    }

    private static Object toJava(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue();
            case BOOL_VALUE -> value.getBoolValue();
            case INT_VALUE -> value.getIntValue();
            case DOUBLE_VALUE -> value.getDoubleValue();
            case BYTES_VALUE -> Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray());
            case ARRAY_VALUE -> {
                List<Object> list = new ArrayList<>();
                for (AnyValue v : value.getArrayValue().getValuesList()) {
                    list.add(toJava(v));
                }
                yield list;
            }
            case KVLIST_VALUE -> {
                Map<String, Object> map = new LinkedHashMap<>();
                for (KeyValue kv : value.getKvlistValue().getValuesList()) {
                    map.put(kv.getKey(), toJava(kv.getValue()));
                }
                yield map;
            }
            case VALUE_NOT_SET -> null;
        };
    }

    private static String eventsJson(List<io.opentelemetry.proto.trace.v1.Span.Event> list) {
        if (list.isEmpty()) {
            return null;
        }
        List<Map<String, Object>> events = new ArrayList<>(list.size());
        for (io.opentelemetry.proto.trace.v1.Span.Event e : list) {
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("name", e.getName());
            event.put("timeUnixNano", Long.toUnsignedString(e.getTimeUnixNano()));
            event.put("attributes", flatten(e.getAttributesList()));
            events.add(event);
        }
        return toJson(events);
    }

    private static String linksJson(List<io.opentelemetry.proto.trace.v1.Span.Link> list) {
        if (list.isEmpty()) {
            return null;
        }
        List<Map<String, Object>> links = new ArrayList<>(list.size());
        for (io.opentelemetry.proto.trace.v1.Span.Link l : list) {
            Map<String, Object> link = new LinkedHashMap<>();
            link.put("traceId", hex(l.getTraceId()));
            link.put("spanId", hex(l.getSpanId()));
            if (!l.getTraceState().isEmpty()) {
                link.put("traceState", l.getTraceState());
            }
            link.put("attributes", flatten(l.getAttributesList()));
            links.add(link);
        }
        return toJson(links);
    }

    static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write plain maps and lists as JSON", e);
        }
    }

    static String hex(byte[] bytes, int at, int n) {
        byte[] out = new byte[n * 2];
        for (int i = 0; i < n; i++) {
            int b = bytes[at + i] & 0xff;
            out[2 * i] = HEX_BYTES[b >>> 4];
            out[2 * i + 1] = HEX_BYTES[b & 0xf];
        }
        return new String(out, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    static String hex(ByteString bytes) {
        int n = bytes.size();
        byte[] out = new byte[n * 2];
        for (int i = 0; i < n; i++) {
            int b = bytes.byteAt(i) & 0xff;
            out[2 * i] = HEX_BYTES[b >>> 4];
            out[2 * i + 1] = HEX_BYTES[b & 0xf];
        }
        return new String(out, java.nio.charset.StandardCharsets.ISO_8859_1); // Latin-1: a plain copy
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    static final class Rejections {
        int count;
        final List<String> reasons = new ArrayList<>(MAX_REASONS);

        void add(String reason) {
            count++;
            if (reasons.size() < MAX_REASONS) {
                reasons.add(reason);
            }
        }

        String message() {
            if (count == 0) {
                return null;
            }
            return count + " invalid span" + (count == 1 ? "" : "s") + " rejected: " + String.join("; ", reasons)
                    + (count > reasons.size() ? "; ..." : "");
        }
    }
}
