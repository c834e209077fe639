package io.choreoscope.collectors.schema;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.squareup.wire.ProtoAdapter;
import com.squareup.wire.schema.MessageType;
import io.choreoscope.collectors.extract.RawRecord;
import io.choreoscope.model.Header;
import io.choreoscope.model.ParseStatus;
import io.choreoscope.model.SchemaRef;

/**
 * The one decoding step both taps call before the extraction rules: recognises a schema-framed payload, finds its
 * schema through the configured {@link SchemaSource}s and decodes it into JSON.
 *
 * <p>Framings, tried in this order:
 * <ol>
 *   <li>Apicurio's header form: a {@code apicurio.value.globalId} or {@code apicurio.value.contentId} header (8-byte
 *       big-endian long, or its decimal text); the value is the bare body;</li>
 *   <li>Avro single-object encoding: {@code C3 01}, the writer schema's 8-byte CRC-64-AVRO fingerprint
 *       (little-endian), then the body;</li>
 *   <li>the Confluent wire format: byte {@code 0}, a 4-byte big-endian schema ID, for Protobuf the message indexes
 *       (zig-zag varints: a count, then the path; a single {@code 0} means the first message), then the body. Tried
 *       only for topics that a registry source serves: without a registry a leading zero byte proves nothing.</li>
 * </ol>
 * Anything else answers null and the record is classified as before (JSON, text, binary).
 *
 * <p>Avro bodies are read straight into their JSON text ({@link AvroJson}: no generic record, no tree, and a record's
 * top-level fields handed to the rules so that they do not scan that text again); Protobuf and JSON Schema bodies go
 * through a Jackson tree.
 *
 * <p>Bounds: a payload over {@code maxPayloadBytes} is not decoded ({@code DECODE_ERROR}); the decoded value may nest
 * at most {@code maxDepth} levels and hold at most {@code maxNodes} values (Avro arrays and maps count as they are
 * read, so a hostile block count cannot make the read go on); Avro string and byte lengths are capped at
 * {@code maxPayloadBytes} through Avro's own limits. Decoding is linear in the payload's bytes, so these bound its
 * time too. Never throws for a record's content: every failure is a flagged {@link DecodedPayload}.
 *
 * <p>Thread-safe.
 */
public final class PayloadDecoder {
    /** A decoder with no sources: recognises nothing, every record goes to the plain classifier. */
    public static final PayloadDecoder NONE = new PayloadDecoder(List.of(), 1 << 20, 64, 100_000);

    static final String APICURIO_GLOBAL_ID = "apicurio.value.globalid";
    static final String APICURIO_CONTENT_ID = "apicurio.value.contentid";
    private static final int MAX_ERROR_CHARS = 300;

    private final List<SchemaSource> sources;
    private final int maxPayloadBytes;
    private final int maxDepth;
    private final int maxNodes;
    private final ObjectMapper json;
    /** Avro readers with their decoder and output buffer, one per thread (taps normalise on several). */
    private final ThreadLocal<AvroJson> avroJson;

    /**
     * @param sources         asked in order; the first that knows a key answers
     * @param maxPayloadBytes largest payload decoded, bytes
     * @param maxDepth        deepest nesting of the decoded value
     * @param maxNodes        most values in the decoded value
     */
    public PayloadDecoder(List<SchemaSource> sources, int maxPayloadBytes, int maxDepth, int maxNodes) {
        this.sources = List.copyOf(sources);
        this.maxPayloadBytes = maxPayloadBytes;
        this.maxDepth = maxDepth;
        this.maxNodes = maxNodes;
        AvroLimits.capAt(maxPayloadBytes);
        this.avroJson = ThreadLocal.withInitial(() -> new AvroJson(maxDepth, maxNodes));
        this.json = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                .build();
        json.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxDepth).build());
    }

    /** True when no source is configured: nothing will be decoded. */
    public boolean isEmpty() {
        return sources.isEmpty();
    }

    /**
     * Decodes the record's value when it is schema-framed.
     *
     * @return null when the value carries no schema framing this decoder recognises; else the decoded JSON or the
     *         reason it could not be had
     */
    public DecodedPayload decode(RawRecord r) {
        return decode(r, null);
    }

    /**
     * As {@link #decode(RawRecord)}; an Avro record at the root also yields, in {@link DecodedPayload#topLevel()},
     * its scalar fields named in {@code keepTopLevel} (as the rules' JSON scan would keep them), so that the rules
     * need not scan the decoded JSON again.
     *
     * @param keepTopLevel top-level field names the rules read, or null for none
     */
    public DecodedPayload decode(RawRecord r, Set<String> keepTopLevel) {
        byte[] v = r.value();
        if (sources.isEmpty() || v == null || v.length == 0) {
            return null;
        }
        SchemaKey key;
        int bodyStart;
        Long apicurio = null;
        boolean global = false;
        for (Header h : r.headers()) {
            String n = h.name().toLowerCase(Locale.ROOT);
            if (n.equals(APICURIO_GLOBAL_ID) || (apicurio == null && n.equals(APICURIO_CONTENT_ID))) {
                Long id = headerLong(h.value());
                if (id != null) {
                    apicurio = id;
                    global = n.equals(APICURIO_GLOBAL_ID);
                }
            }
        }
        if (apicurio != null) {
            key = new SchemaKey.ApicurioId(apicurio, global);
            bodyStart = 0;
        } else if (v.length >= 10 && v[0] == (byte) 0xC3 && v[1] == 0x01) {
            long fp = 0;
            for (int i = 9; i >= 2; i--) {
                fp = (fp << 8) | (v[i] & 0xFF);
            }
            key = new SchemaKey.AvroFingerprint(fp);
            bodyStart = 10;
        } else if (v.length >= 5 && v[0] == 0 && registryServes(r.topic())) {
            key = new SchemaKey.ConfluentId(((v[1] & 0xFF) << 24) | ((v[2] & 0xFF) << 16) | ((v[3] & 0xFF) << 8) | (v[4] & 0xFF));
            bodyStart = 5;
        } else {
            return null;
        }
        String id = key.label();
        if (v.length > maxPayloadBytes) {
            return failed(new SchemaRef(formatHint(key), id, null, null, 0), ParseStatus.DECODE_ERROR,
                    "payload of " + v.length + " bytes is over the decoding bound of " + maxPayloadBytes + " bytes");
        }
        ResolvedSchema schema = null;
        String unavailable = null;
        for (SchemaSource s : sources) {
            if (!s.serves(r.topic())) {
                continue;
            }
            try {
                schema = s.resolve(key, r.topic());
            } catch (SchemaUnavailableException e) {
                unavailable = s.name() + ": " + e.getMessage();
            } catch (RuntimeException e) {
                unavailable = s.name() + ": " + e;
            }
            if (schema != null) {
                break;
            }
        }
        if (schema == null) {
            SchemaRef ref = new SchemaRef(formatHint(key), id, null, null, 0);
            return unavailable != null
                    ? failed(ref, ParseStatus.SCHEMA_UNAVAILABLE, "schema " + id + " unavailable: " + unavailable)
                    : failed(ref, ParseStatus.SCHEMA_NOT_FOUND, "no schema source knows schema " + id);
        }
        return decodeBody(schema, key, v, bodyStart, r, keepTopLevel);
    }

    private DecodedPayload decodeBody(ResolvedSchema schema, SchemaKey key, byte[] v, int start, RawRecord r,
            Set<String> keepTopLevel) {
        String id = key.label();
        String name = null;
        try {
            switch (schema.format()) {
                case SchemaRef.AVRO -> {
                    name = schema.avro().getFullName();
                    AvroJson.Result view;
                    try {
                        view = avroJson.get().read(schema.avroPlan(), v, start, keepTopLevel);
                    } catch (StackOverflowError e) {
                        throw new IllegalArgumentException("nested too deep to decode");
                    }
                    SchemaRef ref = new SchemaRef(schema.format(), id, name, schema.subject(), schema.version());
                    return new DecodedPayload(view.json(), ref, ParseStatus.OK, null, view.topLevel());
                }
                case SchemaRef.PROTOBUF -> {
                    MessageType message;
                    int[] pos = {start};
                    if (key instanceof SchemaKey.ConfluentId) {
                        message = schema.protoMessage(messageIndexes(v, pos));
                    } else {
                        String declared = headerText(r, "apicurio.value.msgtype");
                        message = declared != null ? schema.protoMessage(declared) : schema.protoMessage(new int[0]);
                    }
                    if (message == null) {
                        throw new IllegalArgumentException("the message index names no message of the schema");
                    }
                    name = message.getType().toString();
                    String typeName = name;
                    ProtoAdapter<Object> adapter = schema.protoAdapter(typeName);
                    byte[] body = java.util.Arrays.copyOfRange(v, pos[0], v.length);
                    Object decoded;
                    try {
                        decoded = adapter.decode(body);
                    } catch (StackOverflowError e) {
                        throw new IllegalArgumentException("nested too deep to decode");
                    }
                    return ok(schema, id, name, new PayloadJson(maxDepth, maxNodes).toJson(decoded));
                }
                default -> {
                    name = schema.jsonTitle();
                    JsonNode tree = json.readTree(new java.io.ByteArrayInputStream(v, start, v.length - start));
                    if (tree == null) {
                        throw new IllegalArgumentException("empty body");
                    }
                    return ok(schema, id, name, tree);
                }
            }
        } catch (IOException | RuntimeException e) {
            SchemaRef ref = new SchemaRef(schema.format(), id, name, schema.subject(), schema.version());
            return failed(ref, ParseStatus.DECODE_ERROR, "body does not decode with " + schema.format() + " schema " + id
                    + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
    }

    private DecodedPayload ok(ResolvedSchema schema, String id, String name, JsonNode json) throws IOException {
        SchemaRef ref = new SchemaRef(schema.format(), id, name, schema.subject(), schema.version());
        return new DecodedPayload(this.json.writeValueAsBytes(json), ref, ParseStatus.OK, null);
    }

    private static DecodedPayload failed(SchemaRef ref, ParseStatus status, String error) {
        String oneLine = error.replace('\n', ' ').replace('\r', ' ');
        if (oneLine.length() > MAX_ERROR_CHARS) {
            oneLine = oneLine.substring(0, MAX_ERROR_CHARS) + "...";
        }
        return new DecodedPayload(null, ref, status, oneLine);
    }

    private boolean registryServes(String topic) {
        for (SchemaSource s : sources) {
            if (s instanceof RegistrySchemaSource && s.serves(topic)) {
                return true;
            }
        }
        return false;
    }

    /** The format the key's framing implies before the schema is known (only single-object encoding says). */
    private static String formatHint(SchemaKey key) {
        return key instanceof SchemaKey.AvroFingerprint ? SchemaRef.AVRO : "unknown";
    }

    /**
     * Reads Confluent's Protobuf message indexes at {@code pos[0]}, advancing it: a zig-zag varint count, then that
     * many zig-zag varint indexes; a count of 0 means the path {@code [0]}.
     */
    static int[] messageIndexes(byte[] v, int[] pos) {
        int count = zigZagVarint(v, pos);
        if (count == 0) {
            return new int[] {0};
        }
        if (count < 0 || count > 64) {
            throw new IllegalArgumentException("bad message index count " + count);
        }
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = zigZagVarint(v, pos);
        }
        return out;
    }

    private static int zigZagVarint(byte[] v, int[] pos) {
        int raw = 0;
        for (int shift = 0; shift < 32; shift += 7) {
            if (pos[0] >= v.length) {
                throw new IllegalArgumentException("payload ends inside the message indexes");
            }
            byte b = v[pos[0]++];
            raw |= (b & 0x7F) << shift;
            if (b >= 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new IllegalArgumentException("message index varint too long");
    }

    private static Long headerLong(byte[] value) {
        if (value == null) {
            return null;
        }
        if (value.length == 8) {
            long id = 0;
            for (byte b : value) {
                id = (id << 8) | (b & 0xFF);
            }
            return id;
        }
        try {
            return Long.parseLong(new String(value, StandardCharsets.US_ASCII).strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String headerText(RawRecord r, String lowerName) {
        for (Header h : r.headers()) {
            if (h.name().toLowerCase(Locale.ROOT).equals(lowerName)) {
                return h.text();
            }
        }
        return null;
    }
}
