package io.choreoscope.samples.wire;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Events as Avro records in Avro's own single-object encoding ({@code C3 01}, the writer schema's 64-bit CRC-64-AVRO
 * fingerprint little-endian, then the binary body), one record schema per event type, no registry and no header: the
 * record's name is the event type, and the fields {@code correlationId}, {@code eventId}, {@code causationId},
 * {@code source} carry the envelope; every other field comes from (and goes back into) the event's {@code data}.
 * Fields of {@code data} the schema does not name are not sent.
 *
 * <p>Schemas are {@code .avsc} files on the class path (under {@value #RESOURCE_ROOT}), the same files a reader of
 * the topics (choreoscope) is pointed at. An event type may have several versions; the encoder writes the first
 * version until {@code latest} says the producer has moved on, then the last. The decoder reads any version it knows,
 * by fingerprint, with the writer's schema. Encoding uses Avro's {@link BinaryMessageEncoder}.
 */
public final class AvroSingleObjectCodec implements EventCodec {
    /** Class-path folder of the sample schemas; a folder of the source tree too (sample-flows/src/main/resources/schemas). */
    public static final String RESOURCE_ROOT = "schemas/";
    private static final Set<String> ENVELOPE = Set.of("correlationId", "eventId", "causationId", "source");
    private static final byte[] MAGIC = {(byte) 0xC3, 0x01};

    private final Map<String, List<Schema>> versions;
    private final Map<Long, Schema> byFingerprint = new HashMap<>();
    private final Map<Schema, BinaryMessageEncoder<GenericRecord>> encoders = new HashMap<>();
    private final BooleanSupplier latest;

    /**
     * @param versions per event type, its schema versions oldest first
     * @param latest   true once producers write the newest version of each type (asked per record)
     */
    public AvroSingleObjectCodec(Map<String, List<Schema>> versions, BooleanSupplier latest) {
        this.versions = Map.copyOf(versions);
        this.latest = latest;
        for (List<Schema> vs : versions.values()) {
            for (Schema s : vs) {
                byFingerprint.put(SchemaNormalization.parsingFingerprint64(s), s);
                encoders.put(s, new BinaryMessageEncoder<>(GenericData.get(), s));
            }
        }
    }

    /**
     * The schemas of {@code resources} (class-path names under {@value #RESOURCE_ROOT}, oldest version first per
     * type), grouped by record name.
     */
    public static Map<String, List<Schema>> load(List<String> resources) {
        Map<String, List<Schema>> out = new LinkedHashMap<>();
        for (String r : resources) {
            Schema s = new Schema.Parser().parse(read(RESOURCE_ROOT + r));
            out.computeIfAbsent(s.getFullName(), k -> new ArrayList<>()).add(s);
        }
        return out;
    }

    /** The text of a class-path resource. */
    public static String read(String resource) {
        try (InputStream in = AvroSingleObjectCodec.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("schema " + resource + " is not on the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The schema this codec writes {@code eventType} with now. */
    public Schema writerSchema(String eventType) {
        List<Schema> vs = versions.get(eventType);
        if (vs == null) {
            throw new IllegalArgumentException("no Avro schema for event type " + eventType);
        }
        return latest.getAsBoolean() ? vs.get(vs.size() - 1) : vs.get(0);
    }

    @Override
    public ProducerRecord<byte[], byte[]> encode(String topic, SampleEvent e) {
        Schema schema = writerSchema(e.type());
        GenericRecord r = new GenericData.Record(schema);
        for (Schema.Field f : schema.getFields()) {
            Object v = switch (f.name()) {
                case "correlationId" -> e.correlationId();
                case "eventId" -> e.eventId();
                case "causationId" -> e.causationId();
                case "source" -> e.source();
                default -> toAvro(f.schema(), e.data().get(f.name()), f);
            };
            r.put(f.pos(), v);
        }
        byte[] value;
        try {
            value = toBytes(encoders.get(schema).encode(r));
        } catch (IOException | AvroRuntimeException ex) {
            throw new IllegalArgumentException(e.type() + " does not fit its Avro schema: " + ex.getMessage(), ex);
        }
        return new ProducerRecord<>(topic, null, HeaderCodec.utf8(e.correlationId()), value, new RecordHeaders());
    }

    @Override
    public SampleEvent decode(ConsumerRecord<byte[], byte[]> record) {
        byte[] v = record.value();
        if (v == null || v.length < 10 || v[0] != MAGIC[0] || v[1] != MAGIC[1]) {
            throw new MalformedEventException("not Avro single-object encoded (no C3 01 marker)");
        }
        long fp = ByteBuffer.wrap(v, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Schema schema = byFingerprint.get(fp);
        if (schema == null) {
            throw new MalformedEventException("unknown Avro schema fingerprint " + Long.toHexString(fp));
        }
        GenericRecord r;
        try {
            r = new GenericDatumReader<GenericRecord>(schema).read(null,
                    DecoderFactory.get().binaryDecoder(v, 10, v.length - 10, null));
        } catch (IOException | RuntimeException e) {
            throw new MalformedEventException(schema.getFullName() + " body does not decode: " + e.getMessage(), e);
        }
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        for (Schema.Field f : schema.getFields()) {
            if (!ENVELOPE.contains(f.name())) {
                data.set(f.name(), toJson(r.get(f.pos())));
            }
        }
        Object cause = r.get("causationId");
        return new SampleEvent(text(r, "eventId"), schema.getFullName(), text(r, "correlationId"),
                cause == null ? null : cause.toString(), text(r, "source"), data);
    }

    @Override
    public String style() {
        return "avro-single-object";
    }

    private static String text(GenericRecord r, String field) {
        Object o = r.get(field);
        if (o == null || o.toString().isEmpty()) {
            throw new MalformedEventException("Avro field " + field + " missing or empty");
        }
        return o.toString();
    }

    private static byte[] toBytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** A JSON value of the event's data as the Avro type {@code s} wants it (string, long, array of strings, or a union with null). */
    private static Object toAvro(Schema s, JsonNode v, Schema.Field f) {
        if (s.getType() == Schema.Type.UNION) {
            if (v == null || v.isNull()) {
                return null;
            }
            for (Schema branch : s.getTypes()) {
                if (branch.getType() != Schema.Type.NULL) {
                    return toAvro(branch, v, f);
                }
            }
        }
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("the event's data has no " + f.name() + " for its Avro schema");
        }
        return switch (s.getType()) {
            case STRING -> v.asText();
            case LONG -> v.asLong();
            case INT -> v.asInt();
            case BOOLEAN -> v.asBoolean();
            case DOUBLE -> v.asDouble();
            case ARRAY -> {
                List<Object> items = new ArrayList<>();
                v.forEach(item -> items.add(toAvro(s.getElementType(), item, f)));
                yield new GenericData.Array<>(s, items);
            }
            default -> throw new IllegalArgumentException("Avro type " + s.getType() + " of " + f.name() + " is not used by the samples");
        };
    }

    private static JsonNode toJson(Object o) {
        JsonNodeFactory n = JsonNodeFactory.instance;
        if (o == null) {
            return n.nullNode();
        }
        if (o instanceof CharSequence c) {
            return n.textNode(c.toString());
        }
        if (o instanceof Long l) {
            return n.numberNode(l);
        }
        if (o instanceof Integer i) {
            return n.numberNode(i);
        }
        if (o instanceof Double d) {
            return n.numberNode(d);
        }
        if (o instanceof Boolean b) {
            return n.booleanNode(b);
        }
        if (o instanceof List<?> l) {
            ArrayNode a = n.arrayNode();
            l.forEach(x -> a.add(toJson(x)));
            return a;
        }
        return n.textNode(o.toString());
    }
}
