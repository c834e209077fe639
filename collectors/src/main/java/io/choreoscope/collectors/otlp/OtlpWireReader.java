package io.choreoscope.collectors.otlp;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.choreoscope.model.Span;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one protobuf {@code ExportTraceServiceRequest} straight from its bytes into {@link Span}s, without building
 * protobuf's generated message objects first (a span with eight attributes is some 30 objects there, built only to be
 * read once: the largest part of the receiver's time in its profile). One instance per request; not thread-safe.
 *
 * <p>The result is the one {@link OtlpTraceDecoder#convert} gives on the generated classes, field by field: every
 * field of the OTLP trace schema is read or checked as the generated parser does it, so a body is refused exactly
 * when the generated parser refuses it:
 * <ul>
 *   <li>strings (names, keys, values, trace states, schema URLs, scope and entity fields) must be valid UTF-8;</li>
 *   <li>nesting is bounded as protobuf-java bounds it ({@value #MAX_DEPTH} messages or groups below the request,
 *       counted from the request, for nested attribute values and unknown groups alike);</li>
 *   <li>a length past the end of its enclosing message, a malformed varint, a field number 0, a wire type 6 or 7, an
 *       unmatched end-group tag: {@link InvalidProtocolBufferException};</li>
 *   <li>unknown fields are skipped; a known field number with another wire type is an unknown field, as there;</li>
 *   <li>sizes and counts (attributes, events, links, spans) have no bound of their own here, as there: the body's
 *       size bound ({@code choreoscope.otlp.max-body-bytes}) bounds them.</li>
 * </ul>
 * A field sent twice follows protobuf's rules: the last scalar wins, repeated fields append, a message sent twice is
 * read as one (so a second {@code status} or attribute {@code value} continues the first).
 *
 * <p>{@link #read} returns null for the two encodings where that rule needs more than one pass over the bytes, and
 * the caller then reads the request with the generated classes: a {@code resource} after spans of its
 * {@code ResourceSpans} (it names the service of spans read already), and an attribute value whose array or
 * key-value list comes back after another kind of value replaced it (protobuf-java then appends to the list it
 * kept). No encoder writes either; a client that does costs one more parse, no more.
 */
final class OtlpWireReader {
    /** protobuf-java's default recursion limit, which the generated parser applies to the whole request. */
    static final int MAX_DEPTH = 100;

    // Tags: field number << 3 | wire type, as constants for switch.
    private static final int LEN = WireFormat.WIRETYPE_LENGTH_DELIMITED;
    private static final int VARINT = WireFormat.WIRETYPE_VARINT;
    private static final int FIXED64 = WireFormat.WIRETYPE_FIXED64;

    private static final int REQUEST_RESOURCE_SPANS = 1 << 3 | LEN;
    private static final int RESOURCE_SPANS_RESOURCE = 1 << 3 | LEN;
    private static final int RESOURCE_SPANS_SCOPE_SPANS = 2 << 3 | LEN;
    private static final int RESOURCE_SPANS_SCHEMA_URL = 3 << 3 | LEN;
    private static final int RESOURCE_ATTRIBUTES = 1 << 3 | LEN;
    private static final int RESOURCE_ENTITY_REFS = 3 << 3 | LEN;
    private static final int ENTITY_REF_SCHEMA_URL = 1 << 3 | LEN;
    private static final int ENTITY_REF_TYPE = 2 << 3 | LEN;
    private static final int ENTITY_REF_ID_KEYS = 3 << 3 | LEN;
    private static final int ENTITY_REF_DESCRIPTION_KEYS = 4 << 3 | LEN;
    private static final int SCOPE_SPANS_SCOPE = 1 << 3 | LEN;
    private static final int SCOPE_SPANS_SPANS = 2 << 3 | LEN;
    private static final int SCOPE_SPANS_SCHEMA_URL = 3 << 3 | LEN;
    private static final int SCOPE_NAME = 1 << 3 | LEN;
    private static final int SCOPE_VERSION = 2 << 3 | LEN;
    private static final int SCOPE_ATTRIBUTES = 3 << 3 | LEN;
    private static final int SPAN_TRACE_ID = 1 << 3 | LEN;
    private static final int SPAN_SPAN_ID = 2 << 3 | LEN;
    private static final int SPAN_TRACE_STATE = 3 << 3 | LEN;
    private static final int SPAN_PARENT_SPAN_ID = 4 << 3 | LEN;
    private static final int SPAN_NAME = 5 << 3 | LEN;
    private static final int SPAN_KIND = 6 << 3 | VARINT;
    private static final int SPAN_START = 7 << 3 | FIXED64;
    private static final int SPAN_END = 8 << 3 | FIXED64;
    private static final int SPAN_ATTRIBUTES = 9 << 3 | LEN;
    private static final int SPAN_EVENTS = 11 << 3 | LEN;
    private static final int SPAN_LINKS = 13 << 3 | LEN;
    private static final int SPAN_STATUS = 15 << 3 | LEN;
    private static final int EVENT_TIME = 1 << 3 | FIXED64;
    private static final int EVENT_NAME = 2 << 3 | LEN;
    private static final int EVENT_ATTRIBUTES = 3 << 3 | LEN;
    private static final int LINK_TRACE_ID = 1 << 3 | LEN;
    private static final int LINK_SPAN_ID = 2 << 3 | LEN;
    private static final int LINK_TRACE_STATE = 3 << 3 | LEN;
    private static final int LINK_ATTRIBUTES = 4 << 3 | LEN;
    private static final int STATUS_MESSAGE = 2 << 3 | LEN;
    private static final int STATUS_CODE = 3 << 3 | VARINT;
    private static final int KEY_VALUE_KEY = 1 << 3 | LEN;
    private static final int KEY_VALUE_VALUE = 2 << 3 | LEN;
    private static final int ANY_STRING = 1 << 3 | LEN;
    private static final int ANY_BOOL = 2 << 3 | VARINT;
    private static final int ANY_INT = 3 << 3 | VARINT;
    private static final int ANY_DOUBLE = 4 << 3 | FIXED64;
    private static final int ANY_ARRAY = 5 << 3 | LEN;
    private static final int ANY_KVLIST = 6 << 3 | LEN;
    private static final int ANY_BYTES = 7 << 3 | LEN;
    private static final int VALUES = 1 << 3 | LEN; // ArrayValue.values and KeyValueList.values

    private final OtlpTraceDecoder decoder;
    private final byte[] body;
    private final CodedInputStream in;
    /** Messages and groups entered below the request, as protobuf-java counts them against its recursion limit. */
    private int depth;
    /** Reused for attribute values that are flattened to a string as soon as they are read. */
    private final Value flat = new Value();

    /** @param body one uncompressed protobuf request */
    OtlpWireReader(OtlpTraceDecoder decoder, byte[] body) {
        this.decoder = decoder;
        this.body = body;
        this.in = CodedInputStream.newInstance(body);
    }

    /** Thrown inside the reader when the request must be read with the generated classes; never leaves {@link #read}. */
    private static final class Unusual extends Exception {
        static final Unusual INSTANCE = new Unusual();

        private Unusual() {
            super(null, null, false, false);
        }
    }

    /**
     * The spans of the request, or null when it must be read with the generated classes (see the class comment).
     *
     * @throws InvalidProtocolBufferException when the body is not a valid request, as the generated parser would
     */
    OtlpTraceDecoder.Result read() throws InvalidProtocolBufferException {
        try {
            List<Span> spans = new ArrayList<>();
            OtlpTraceDecoder.Rejections rejections = new OtlpTraceDecoder.Rejections();
            int r = 0;
            for (int tag; (tag = in.readTag()) != 0; ) {
                if (tag == REQUEST_RESOURCE_SPANS) {
                    int limit = enter();
                    resourceSpans(r++, spans, rejections);
                    leave(limit);
                } else if (!skip(tag)) {
                    break;
                }
            }
            in.checkLastTagWas(0);
            return new OtlpTraceDecoder.Result(spans, rejections.count, rejections.message());
        } catch (Unusual e) {
            return null;
        } catch (InvalidProtocolBufferException e) {
            throw e;
        } catch (IOException e) { // not thrown when reading an array; declared by CodedInputStream
            throw new InvalidProtocolBufferException(e);
        }
    }

    // --- nesting, as CodedInputStream.readMessage and UnknownFieldSet count it ---

    /** Reads a nested message's length and enters it; returns the limit to give {@link #leave}. */
    private int enter() throws IOException {
        int length = in.readRawVarint32();
        checkDepth();
        int limit = in.pushLimit(length);
        depth++;
        return limit;
    }

    private void leave(int limit) throws InvalidProtocolBufferException {
        in.checkLastTagWas(0);
        depth--;
        in.popLimit(limit);
    }

    private void checkDepth() throws InvalidProtocolBufferException {
        if (depth >= MAX_DEPTH) {
            throw new InvalidProtocolBufferException("Protocol message had too many levels of nesting (more than "
                    + MAX_DEPTH + ")");
        }
    }

    /**
     * Skips an unknown field; false at an end-group tag (the enclosing message or group ends there). Groups are
     * walked here rather than by {@link CodedInputStream#skipField}, so that their nesting counts from the request,
     * as when the generated parser keeps them as unknown fields.
     */
    private boolean skip(int tag) throws IOException {
        switch (WireFormat.getTagWireType(tag)) {
            case WireFormat.WIRETYPE_START_GROUP -> {
                checkDepth();
                depth++;
                for (int t; (t = in.readTag()) != 0; ) {
                    if (!skip(t)) {
                        break;
                    }
                }
                in.checkLastTagWas(WireFormat.getTagFieldNumber(tag) << 3 | WireFormat.WIRETYPE_END_GROUP);
                depth--;
                return true;
            }
            case WireFormat.WIRETYPE_END_GROUP -> {
                return false;
            }
            default -> {
                return in.skipField(tag);
            }
        }
    }

    // --- the trace schema ---

    private void resourceSpans(int r, List<Span> spans, OtlpTraceDecoder.Rejections rejections)
            throws IOException, Unusual {
        Resource resource = new Resource();
        boolean spansSeen = false;
        int s = 0;
        for (int tag; (tag = in.readTag()) != 0; ) {
            if (tag == RESOURCE_SPANS_SCOPE_SPANS) {
                spansSeen = true;
                int limit = enter();
                scopeSpans(r, s++, resource.service(), spans, rejections);
                leave(limit);
            } else if (tag == RESOURCE_SPANS_RESOURCE) {
                if (spansSeen) {
                    throw Unusual.INSTANCE; // it would name the service of spans read already
                }
                int limit = enter();
                resource(resource); // a second one continues the first, as protobuf merges them
                leave(limit);
            } else if (tag == RESOURCE_SPANS_SCHEMA_URL) {
                in.readStringRequireUtf8();
            } else if (!skip(tag)) {
                break;
            }
        }
    }

    /** What a {@code Resource} gives: the first {@code service.name} attribute's value. */
    private static final class Resource {
        boolean named;
        String serviceName;

        String service() {
            return serviceName == null || serviceName.isBlank() ? OtlpTraceDecoder.UNKNOWN_SERVICE : serviceName;
        }
    }

    private void resource(Resource resource) throws IOException, Unusual {
        for (int tag; (tag = in.readTag()) != 0; ) {
            if (tag == RESOURCE_ATTRIBUTES) {
                int limit = enter();
                String key = keyValue(flat);
                leave(limit);
                if (!resource.named && key.equals("service.name")) {
                    resource.named = true;
                    resource.serviceName = flat.flatten();
                }
            } else if (tag == RESOURCE_ENTITY_REFS) {
                int limit = enter();
                strings(ENTITY_REF_SCHEMA_URL, ENTITY_REF_TYPE, ENTITY_REF_ID_KEYS, ENTITY_REF_DESCRIPTION_KEYS);
                leave(limit);
            } else if (!skip(tag)) {
                break;
            }
        }
    }

    /** A message whose fields are only checked: the string fields given (UTF-8) and the rest skipped. */
    private void strings(int... stringTags) throws IOException {
        for (int tag; (tag = in.readTag()) != 0; ) {
            if (Arrays.binarySearch(stringTags, tag) >= 0) {
                in.readStringRequireUtf8();
            } else if (!skip(tag)) {
                break;
            }
        }
    }

    private void scopeSpans(int r, int s, String service, List<Span> spans, OtlpTraceDecoder.Rejections rejections)
            throws IOException, Unusual {
        int i = 0;
        for (int tag; (tag = in.readTag()) != 0; ) {
            if (tag == SCOPE_SPANS_SPANS) {
                int limit = enter();
                span(r, s, i++, service, spans, rejections);
                leave(limit);
            } else if (tag == SCOPE_SPANS_SCOPE) {
                int limit = enter();
                scope();
                leave(limit);
            } else if (tag == SCOPE_SPANS_SCHEMA_URL) {
                in.readStringRequireUtf8();
            } else if (!skip(tag)) {
                break;
            }
        }
    }

    /** An {@code InstrumentationScope}: checked, not kept. */
    private void scope() throws IOException, Unusual {
        for (int tag; (tag = in.readTag()) != 0; ) {
            if (tag == SCOPE_NAME || tag == SCOPE_VERSION) {
                in.readStringRequireUtf8();
            } else if (tag == SCOPE_ATTRIBUTES) {
                int limit = enter();
                keyValue(flat);
                leave(limit);
            } else if (!skip(tag)) {
                break;
            }
        }
    }

    private void span(int r, int s, int i, String service, List<Span> spans, OtlpTraceDecoder.Rejections rejections)
            throws IOException, Unusual {
        int traceAt = 0;
        int traceLength = 0;
        int spanAt = 0;
        int spanLength = 0;
        int parentAt = 0;
        int parentLength = 0;
        String name = "";
        int kind = 0;
        long start = 0;
        long end = 0;
        Map<String, String> attributes = null;
        int statusCode = 0;
        String statusMessage = "";
        List<Object> events = null;
        List<Object> links = null;
        loop:
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (tag) {
                case SPAN_TRACE_ID -> {
                    traceLength = in.readRawVarint32();
                    traceAt = in.getTotalBytesRead();
                    in.skipRawBytes(traceLength);
                }
                case SPAN_SPAN_ID -> {
                    spanLength = in.readRawVarint32();
                    spanAt = in.getTotalBytesRead();
                    in.skipRawBytes(spanLength);
                }
                case SPAN_PARENT_SPAN_ID -> {
                    parentLength = in.readRawVarint32();
                    parentAt = in.getTotalBytesRead();
                    in.skipRawBytes(parentLength);
                }
                case SPAN_NAME -> name = in.readStringRequireUtf8();
                case SPAN_KIND -> kind = in.readEnum();
                case SPAN_START -> start = in.readFixed64();
                case SPAN_END -> end = in.readFixed64();
                case SPAN_ATTRIBUTES -> {
                    if (attributes == null) {
                        attributes = new LinkedHashMap<>(16);
                    }
                    attribute(attributes);
                }
                case SPAN_STATUS -> {
                    int limit = enter();
                    for (int t; (t = in.readTag()) != 0; ) { // a second status continues the first
                        if (t == STATUS_MESSAGE) {
                            statusMessage = in.readStringRequireUtf8();
                        } else if (t == STATUS_CODE) {
                            statusCode = in.readEnum();
                        } else if (!skip(t)) {
                            break;
                        }
                    }
                    leave(limit);
                }
                case SPAN_EVENTS -> {
                    if (events == null) {
                        events = new ArrayList<>(2);
                    }
                    int limit = enter();
                    events.add(event());
                    leave(limit);
                }
                case SPAN_LINKS -> {
                    if (links == null) {
                        links = new ArrayList<>(2);
                    }
                    int limit = enter();
                    links.add(link());
                    leave(limit);
                }
                case SPAN_TRACE_STATE -> in.readStringRequireUtf8(); // checked, not kept
                default -> {
                    if (!skip(tag)) {
                        break loop;
                    }
                }
            }
        }
        String problem = OtlpTraceDecoder.problem(body, traceAt, traceLength, body, spanAt, spanLength, parentLength,
                start, end);
        if (problem != null) {
            rejections.add("resource_spans[" + r + "].scope_spans[" + s + "].spans[" + i + "]"
                    + (name.isEmpty() ? "" : " '" + name + "'") + ": " + problem);
            return;
        }
        spans.add(decoder.span(
                OtlpTraceDecoder.hex(body, traceAt, traceLength),
                OtlpTraceDecoder.hex(body, spanAt, spanLength),
                parentLength == 0 ? null : OtlpTraceDecoder.hex(body, parentAt, parentLength),
                service, name, kind, start, end, attributes == null ? Map.of() : attributes, statusCode, statusMessage,
                events == null ? null : OtlpTraceDecoder.toJson(events),
                links == null ? null : OtlpTraceDecoder.toJson(links)));
    }

    /** One {@code KeyValue} field into {@code out}, its value flattened to a string (left out when it has none). */
    private void attribute(Map<String, String> out) throws IOException, Unusual {
        int limit = enter();
        String key = keyValue(flat);
        leave(limit);
        String value = flat.flatten();
        if (value != null) {
            out.put(key, value);
        }
    }

    private Map<String, Object> event() throws IOException, Unusual {
        String name = "";
        long time = 0;
        Map<String, String> attributes = new LinkedHashMap<>(4);
        for (int tag; (tag = in.readTag()) != 0; ) {
            if (tag == EVENT_TIME) {
                time = in.readFixed64();
            } else if (tag == EVENT_NAME) {
                name = in.readStringRequireUtf8();
            } else if (tag == EVENT_ATTRIBUTES) {
                attribute(attributes);
            } else if (!skip(tag)) {
                break;
            }
        }
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("name", name);
        event.put("timeUnixNano", Long.toUnsignedString(time));
        event.put("attributes", attributes);
        return event;
    }

    private Map<String, Object> link() throws IOException, Unusual {
        int traceAt = 0;
        int traceLength = 0;
        int spanAt = 0;
        int spanLength = 0;
        String traceState = "";
        Map<String, String> attributes = new LinkedHashMap<>(4);
        for (int tag; (tag = in.readTag()) != 0; ) {
            if (tag == LINK_TRACE_ID) {
                traceLength = in.readRawVarint32();
                traceAt = in.getTotalBytesRead();
                in.skipRawBytes(traceLength);
            } else if (tag == LINK_SPAN_ID) {
                spanLength = in.readRawVarint32();
                spanAt = in.getTotalBytesRead();
                in.skipRawBytes(spanLength);
            } else if (tag == LINK_TRACE_STATE) {
                traceState = in.readStringRequireUtf8();
            } else if (tag == LINK_ATTRIBUTES) {
                attribute(attributes);
            } else if (!skip(tag)) {
                break;
            }
        }
        Map<String, Object> link = new LinkedHashMap<>();
        link.put("traceId", OtlpTraceDecoder.hex(body, traceAt, traceLength));
        link.put("spanId", OtlpTraceDecoder.hex(body, spanAt, spanLength));
        if (!traceState.isEmpty()) {
            link.put("traceState", traceState);
        }
        link.put("attributes", attributes);
        return link;
    }

    /** The fields of one {@code KeyValue} (already entered): returns its key, its value is read into {@code value}. */
    private String keyValue(Value value) throws IOException, Unusual {
        value.clear();
        String key = "";
        for (int tag; (tag = in.readTag()) != 0; ) {
            if (tag == KEY_VALUE_KEY) {
                key = in.readStringRequireUtf8();
            } else if (tag == KEY_VALUE_VALUE) {
                int limit = enter();
                anyValue(value); // a second value continues the first, as protobuf merges them
                leave(limit);
            } else if (!skip(tag)) {
                break;
            }
        }
        return key;
    }

    /** The fields of one {@code AnyValue} (already entered), into {@code value}. */
    private void anyValue(Value value) throws IOException, Unusual {
        loop:
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (tag) {
                case ANY_STRING -> value.scalar(in.readStringRequireUtf8());
                case ANY_BOOL -> value.scalar(in.readBool());
                case ANY_INT -> value.scalar(in.readInt64());
                case ANY_DOUBLE -> value.scalar(in.readDouble());
                case ANY_BYTES -> {
                    int length = in.readRawVarint32();
                    int at = in.getTotalBytesRead();
                    in.skipRawBytes(length);
                    value.scalar(Base64.getEncoder().encodeToString(Arrays.copyOfRange(body, at, at + length)));
                }
                case ANY_ARRAY -> {
                    List<Object> list = value.array();
                    int limit = enter();
                    for (int t; (t = in.readTag()) != 0; ) {
                        if (t == VALUES) {
                            Value element = new Value();
                            int l = enter();
                            anyValue(element);
                            leave(l);
                            list.add(element.toJava());
                        } else if (!skip(t)) {
                            break;
                        }
                    }
                    leave(limit);
                }
                case ANY_KVLIST -> {
                    Map<String, Object> map = value.kvlist();
                    int limit = enter();
                    for (int t; (t = in.readTag()) != 0; ) {
                        if (t == VALUES) {
                            Value element = new Value();
                            int l = enter();
                            String key = keyValue(element);
                            leave(l);
                            map.put(key, element.toJava());
                        } else if (!skip(t)) {
                            break;
                        }
                    }
                    leave(limit);
                }
                default -> {
                    if (!skip(tag)) {
                        break loop;
                    }
                }
            }
        }
    }

    /**
     * One {@code AnyValue} as it is being read: its set value, in the form {@link OtlpTraceDecoder#flatten} gives
     * nested values (String, Boolean, Long, Double, base64 String, List, Map), or null when none is set.
     */
    private static final class Value {
        private static final int ARRAY = 1;
        private static final int KVLIST = 2;
        private Object value;
        /** Which of the list kinds had a builder in protobuf-java's AnyValue builder. */
        private int lists;

        void clear() {
            value = null;
            lists = 0;
        }

        void scalar(Object v) {
            value = v;
        }

        @SuppressWarnings("unchecked")
        List<Object> array() throws Unusual {
            if (value instanceof List<?> list) {
                return (List<Object>) list; // a second array_value continues the first
            }
            if ((lists & ARRAY) != 0) {
                throw Unusual.INSTANCE; // protobuf-java would append to the array it kept aside
            }
            lists |= ARRAY;
            List<Object> list = new ArrayList<>();
            value = list;
            return list;
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> kvlist() throws Unusual {
            if (value instanceof Map<?, ?> map) {
                return (Map<String, Object>) map;
            }
            if ((lists & KVLIST) != 0) {
                throw Unusual.INSTANCE;
            }
            lists |= KVLIST;
            Map<String, Object> map = new LinkedHashMap<>();
            value = map;
            return map;
        }

        Object toJava() {
            return value;
        }

        /** As an attribute: scalars in Java notation, lists as JSON text, null when none is set. */
        String flatten() {
            if (value == null || value instanceof String) {
                return (String) value;
            }
            if (value instanceof List<?> || value instanceof Map<?, ?>) {
                return OtlpTraceDecoder.toJson(value);
            }
            return value.toString(); // Boolean, Long, Double: as Boolean/Long/Double.toString
        }
    }
}
