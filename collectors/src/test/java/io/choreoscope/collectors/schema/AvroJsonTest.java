package io.choreoscope.collectors.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.choreoscope.collectors.extract.ExtractionRules;
import io.choreoscope.collectors.extract.Field;
import io.choreoscope.collectors.extract.RawRecord;
import io.choreoscope.collectors.extract.RecordNormalizer;
import io.choreoscope.model.Observation;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AvroJson} against the path it replaced (Avro's generic reader, {@link PayloadJson}'s tree, Jackson's writer,
 * kept here as the reference): the same JSON text, byte for byte, and the same top-level fields as the rules' scan of
 * that text, for awkward values chosen by hand and for random ones; the same failures for bodies that do not match.
 */
class AvroJsonTest {
    static final String AWKWARD = """
            {"type":"record","name":"Awkward","namespace":"t","fields":[
             {"name":"s","type":"string"},
             {"name":"js","type":{"type":"string","avro.java.string":"String"}},
             {"name":"n","type":"null"},
             {"name":"b","type":"boolean"},
             {"name":"i","type":"int"},
             {"name":"l","type":"long"},
             {"name":"f","type":"float"},
             {"name":"d","type":"double"},
             {"name":"by","type":"bytes"},
             {"name":"fx","type":{"type":"fixed","name":"Five","size":5}},
             {"name":"e","type":{"type":"enum","name":"Colour","symbols":["RED","GREEN","BLUE"]}},
             {"name":"u","type":["null","string","int","double",{"type":"record","name":"Inner","fields":[
               {"name":"x","type":"string"},{"name":"y","type":["null","long"]}]},"Colour","bytes"]},
             {"name":"opt","type":["null","string"],"default":null},
             {"name":"nested","type":{"type":"record","name":"Nested","fields":[
               {"name":"id","type":"string"},{"name":"inner","type":"Inner"},
               {"name":"tags","type":{"type":"array","items":"string"}}]}},
             {"name":"m","type":{"type":"map","values":"string"}},
             {"name":"jm","type":{"type":"map","values":"long","avro.java.string":"String"}},
             {"name":"mm","type":{"type":"map","values":{"type":"map","values":["null","double"]}}},
             {"name":"arr","type":{"type":"array","items":["null","Inner"]}},
             {"name":"list","type":["null",{"type":"record","name":"Link","fields":[
               {"name":"v","type":"int"},{"name":"next","type":["null","Link"]}]}]},
             {"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}},
             {"name":"decFixed","type":{"type":"fixed","name":"Dec8","size":8,"logicalType":"decimal","precision":18,"scale":4}},
             {"name":"uuid","type":{"type":"string","logicalType":"uuid"}},
             {"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
             {"name":"day","type":{"type":"int","logicalType":"date"}},
             {"name":"empty","type":{"type":"record","name":"Empty","fields":[]}}]}""";
    static final Schema SCHEMA = new Schema.Parser().parse(AWKWARD);
    /** Top-level names a rule set might read: every kind of field, and one the schema lacks. */
    static final Set<String> KEEP = Set.of("s", "js", "n", "b", "i", "l", "f", "d", "by", "fx", "e", "u", "opt", "nested",
            "m", "arr", "list", "dec", "decFixed", "uuid", "ts", "day", "empty", "missing");
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build();

    @Test
    void awkwardValuesWriteTheSameJsonAsTheTreePath() throws Exception {
        List<GenericRecord> records = List.of(awkward(0), awkward(1), awkward(2), awkward(3));
        for (GenericRecord r : records) {
            assertSameAsTreePath(SCHEMA, encode(SCHEMA, r));
        }
        // The hand-picked values really are in the text: unions unwrapped, non-finite doubles as strings, bytes as
        // base64, enums as symbols, unicode raw but for the halves of a surrogate pair, control characters escaped.
        String text = new String(new AvroJson(64, 100_000).read(new AvroJson.Plan(SCHEMA),
                encode(SCHEMA, records.get(1)), 0, null).json(), StandardCharsets.UTF_8);
        assertThat(text).contains("\"d\":\"NaN\"", "\"f\":\"-Infinity\"", "\"e\":\"BLUE\"", "\"u\":{\"x\":\"in union\",\"y\":null}",
                "\"by\":\"AAEC/w==\"", "Grüße \\uD83D\\uDE00", "\\u0001", "\\n", "\\\"", "\\\\", "\u2028");
    }

    @Test
    void randomValuesWriteTheSameJsonAsTheTreePath() throws Exception {
        Random random = new Random(18_7);
        for (int i = 0; i < 2_000; i++) {
            GenericRecord r = (GenericRecord) randomValue(SCHEMA, random, 0);
            assertSameAsTreePath(SCHEMA, encode(SCHEMA, r));
        }
    }

    /**
     * Plain ASCII runs are copied eight bytes at a time: a string of plain text with one byte that needs care (each kind
     * of escape, a non-ASCII character, a malformed byte) at every position of runs of every length around the eight-byte
     * steps, and random mostly-plain strings, write what the tree path writes.
     */
    @Test
    void longPlainAsciiRunsWithOneSpecialByteAnywhereWriteTheSameJsonAsTheTreePath() throws Exception {
        Schema s = new Schema.Parser().parse("""
                {"type":"record","name":"R","fields":[{"name":"s","type":"string"}]}""");
        String[] specials = {"\"", "\\", "\n", "\u0001", "\u001f", "\u007f", "/", "\u00fc", "\u2028", "\uD83D\uDE00"};
        for (int n = 0; n <= 27; n++) {
            for (int at = 0; at <= n; at++) {
                for (String special : specials) {
                    String text = "x".repeat(at) + (at < n ? special + "y".repeat(n - at - 1) : "");
                    assertSameAsTreePath(s, stringBody(text.getBytes(StandardCharsets.UTF_8)));
                }
                byte[] malformed = ("z".repeat(n) + "!").getBytes(StandardCharsets.US_ASCII);
                malformed[at] = (byte) 0xC3; // a cut two-byte sequence, or a stray lead byte
                assertSameAsTreePath(s, stringBody(malformed));
            }
        }
        Random random = new Random(18_77);
        for (int i = 0; i < 5_000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int k = random.nextInt(80); k > 0; k--) {
                sb.append(random.nextInt(12) == 0 ? randomString(random) : String.valueOf((char) (0x20 + random.nextInt(0x5F))));
            }
            assertSameAsTreePath(s, stringBody(sb.toString().getBytes(StandardCharsets.UTF_8)));
        }
    }

    /** A record of one string field: its Avro body (zig-zag length, then the bytes as they are). */
    private static byte[] stringBody(byte[] utf8) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        long zz = (long) utf8.length << 1;
        while ((zz & ~0x7FL) != 0) {
            body.write((int) ((zz & 0x7F) | 0x80));
            zz >>>= 7;
        }
        body.write((int) zz);
        body.writeBytes(utf8);
        return body.toByteArray();
    }

    @Test
    void malformedUtf8InStringsAndMapKeysDecodesAsJavaDoes() throws Exception {
        Schema s = new Schema.Parser().parse("""
                {"type":"record","name":"R","fields":[{"name":"s","type":"string"},
                 {"name":"m","type":{"type":"map","values":"int"}}]}""");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(new byte[] {8, 'a', (byte) 0xFF, (byte) 0xC3, 'b'}); // "a", a stray byte, a cut sequence, "b"
        // A map whose two keys are different malformed bytes that both decode to U+FFFD, then a third key.
        body.write(new byte[] {6, 2, (byte) 0xFF, 2, 2, (byte) 0xFE, 4, 2, 'k', 6, 0});
        byte[] v = body.toByteArray();
        assertSameAsTreePath(s, v);
        assertThat(new String(treePath(s, v, 64, 100_000), StandardCharsets.UTF_8)).contains("a\uFFFD\uFFFDb");
    }

    @Test
    void aMapAtTheRootAndAScalarAtTheRootKeepNoTopLevelFields() throws Exception {
        Schema map = new Schema.Parser().parse("{\"type\":\"map\",\"values\":\"string\"}");
        Schema string = Schema.create(Schema.Type.STRING);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<Object>(map).write(Map.of("s", "x", "t", "y"), enc);
        enc.flush();
        assertSameAsTreePath(map, out.toByteArray());
        assertThat(new AvroJson(64, 100).read(new AvroJson.Plan(map), out.toByteArray(), 0, KEEP).topLevel()).isNull();
        out.reset();
        new GenericDatumWriter<Object>(string).write("plain", enc);
        enc.flush();
        assertSameAsTreePath(string, out.toByteArray());
    }

    @Test
    void bodiesThatDoNotMatchFailAsTheTreePathFails() throws Exception {
        byte[] good = encode(SCHEMA, awkward(0));
        // Cut short, trailing bytes, a union branch that does not exist, an enum symbol that does not exist.
        assertBothFail(SCHEMA, java.util.Arrays.copyOf(good, good.length - 3), 64, 100_000, null);
        byte[] longer = java.util.Arrays.copyOf(good, good.length + 2);
        assertBothFail(SCHEMA, longer, 64, 100_000, "bytes left over after the record: the body does not match its schema");
        Schema union = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"U\",\"fields\":[{\"name\":\"u\",\"type\":[\"null\",\"int\"]}]}");
        assertBothFail(union, new byte[] {8, 2}, 64, 100_000, null);
        Schema colour = SCHEMA.getField("e").schema();
        assertBothFail(colour, new byte[] {10}, 64, 100_000, null);
    }

    @Test
    void boundsFailWithTheTreePathsReasons() throws Exception {
        byte[] good = encode(SCHEMA, awkward(0));
        assertBothFail(SCHEMA, good, 64, 20, "more than 20 values");
        assertBothFail(SCHEMA, good, 2, 100_000, "nested deeper than 2");
        Schema ints = new Schema.Parser().parse("{\"type\":\"array\",\"items\":\"int\"}");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        List<Integer> many = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            many.add(i);
        }
        new GenericDatumWriter<Object>(ints).write(many, enc);
        enc.flush();
        assertBothFail(ints, out.toByteArray(), 64, 30, "more than 30 values");
        // Items are counted while reading, so the read stops there: a body that would also end early fails on the count.
        byte[] cut = java.util.Arrays.copyOf(out.toByteArray(), out.size() - 5);
        assertBothFail(ints, cut, 64, 30, null);
        assertThatThrownBy(() -> new AvroJson(64, 30).read(new AvroJson.Plan(ints), cut, 0, null))
                .hasMessage("more than 30 values");
    }

    @Test
    void theNormalizerExtractsFromAvroWhatItExtractsFromTheTreePathsJson(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("awkward.avsc"), AWKWARD);
        PayloadDecoder decoder = new PayloadDecoder(List.of(new DirectorySchemaSource(List.of(dir))), 1 << 20, 64, 100_000);
        BinaryMessageEncoder<GenericRecord> single = new BinaryMessageEncoder<>(GenericData.get(), SCHEMA);
        Random random = new Random(42);
        Instant now = Instant.parse("2026-12-03T07:00:00Z");
        List<String> pointers = List.of("/s", "/js", "/n", "/b", "/i", "/l", "/f", "/d", "/by", "/fx", "/e", "/u", "/opt",
                "/nested", "/nested/id", "/nested/inner/x", "/m", "/arr/0/x", "/dec", "/uuid", "/ts", "/day", "/missing");
        for (int round = 0; round < 300; round++) {
            GenericRecord r = round < 4 ? awkward(round) : (GenericRecord) randomValue(SCHEMA, random, 0);
            byte[] avro = single.encode(r).array();
            byte[] json = treePath(SCHEMA, encode(SCHEMA, r), 64, 100_000);
            String pointer = pointers.get(round % pointers.size());
            String other = pointers.get((round * 7 + 3) % pointers.size());
            ExtractionRules rules = ExtractionRules.defaults()
                    .withRules(Field.CORRELATION_ID, List.of("json:" + pointer))
                    .withRules(Field.EVENT_ID, List.of("json:" + other))
                    .withRules(Field.EVENT_TYPE, List.of("json:/e"));
            Observation fromAvro = new RecordNormalizer(rules, decoder)
                    .normalize(new RawRecord("t", 0, round, now, null, List.of(), avro), now);
            Observation fromJson = new RecordNormalizer(rules)
                    .normalize(new RawRecord("t", 0, round, now, null, List.of(), json), now);
            assertThat(fromAvro.decodedPayload()).isEqualTo(new String(json, StandardCharsets.UTF_8));
            assertThat(fromAvro.parseStatus()).isEqualTo(fromJson.parseStatus());
            assertThat(fromAvro.correlationId()).as(pointer).isEqualTo(fromJson.correlationId());
            assertThat(fromAvro.eventId()).as(other).isEqualTo(fromJson.eventId());
            assertThat(fromAvro.eventType()).isEqualTo(fromJson.eventType());
            assertThat(fromAvro.sourceService()).isEqualTo(fromJson.sourceService());
            assertThat(fromAvro.causationId()).isEqualTo(fromJson.causationId());
        }
    }

    // --- the reference: the path AvroJson replaced, as it was ---

    /**
     * Avro's generic reader, PayloadJson's tree, Jackson's writer. (The earlier path's reader also counted array items
     * and map entries in {@code addToArray} and {@code addToMap}; Avro's generic reader reads through its fast reader,
     * which calls neither, so that count never ran and is left out here.)
     */
    static byte[] treePath(Schema schema, byte[] body, int maxDepth, int maxNodes) throws Exception {
        GenericDatumReader<Object> reader = new GenericDatumReader<>(schema);
        BinaryDecoder in = DecoderFactory.get().binaryDecoder(body, 0, body.length, null);
        Object datum = reader.read(null, in);
        if (!in.isEnd()) {
            throw new IllegalArgumentException("bytes left over after the record: the body does not match its schema");
        }
        return JSON.writeValueAsBytes(new PayloadJson(maxDepth, maxNodes).toJson(datum));
    }

    static void assertSameAsTreePath(Schema schema, byte[] body) throws Exception {
        byte[] expected = treePath(schema, body, 64, 100_000);
        AvroJson.Result got = new AvroJson(64, 100_000).read(new AvroJson.Plan(schema), body, 0, KEEP);
        assertThat(new String(got.json(), StandardCharsets.UTF_8)).isEqualTo(new String(expected, StandardCharsets.UTF_8));
        assertThat(got.json()).isEqualTo(expected);
        if (schema.getType() == Schema.Type.RECORD) {
            // What the rules' scan keeps of that text: scalar members' text (numbers as written), nulls and nested left out.
            Map<String, String> kept = new HashMap<>();
            try (JsonParser p = JSON.getFactory().createParser(expected)) {
                p.nextToken();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken t = p.nextToken();
                    if (t.isStructStart()) {
                        p.skipChildren();
                    } else if (t != JsonToken.VALUE_NULL && KEEP.contains(name)) {
                        kept.put(name, p.getText());
                    }
                }
            }
            assertThat(got.topLevel()).isEqualTo(kept);
        }
    }

    /** Both paths fail on the body; with the same message when {@code message} is given. */
    static void assertBothFail(Schema schema, byte[] body, int maxDepth, int maxNodes, String message) {
        var old = assertThatThrownBy(() -> treePath(schema, body, maxDepth, maxNodes));
        var now = assertThatThrownBy(() -> new AvroJson(maxDepth, maxNodes).read(new AvroJson.Plan(schema), body, 0, KEEP));
        if (message != null) {
            old.hasMessage(message);
            now.hasMessage(message);
        }
    }

    static byte[] encode(Schema schema, Object datum) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<Object>(schema).write(datum, enc);
        enc.flush();
        return out.toByteArray();
    }

    // --- values ---

    static Schema field(String name) {
        return SCHEMA.getField(name).schema();
    }

    /** Hand-picked awkward records, {@code which} 0 to 3. */
    static GenericRecord awkward(int which) {
        GenericRecord r = new GenericData.Record(SCHEMA);
        Schema inner = field("u").getTypes().get(4);
        GenericRecord in = new GenericData.Record(inner);
        in.put("x", "in union");
        in.put("y", null);
        GenericRecord in2 = new GenericData.Record(inner);
        in2.put("x", "zweites \"Ding\"");
        in2.put("y", Long.MIN_VALUE);
        r.put("s", switch (which) {
            case 0 -> "";
            case 1 -> "Grüße 😀 \u0001\u001f\n\t\r\b\f \"q\" \\ / \u007f \u2028 \u00e9 \uFFFF";
            case 2 -> "plain ascii " + "x".repeat(300);
            default -> "日本語テキスト";
        });
        r.put("js", which == 2 ? "" : "java \u0000 string");
        r.put("n", null);
        r.put("b", which % 2 == 0);
        r.put("i", new int[] {0, Integer.MIN_VALUE, Integer.MAX_VALUE, -1}[which]);
        r.put("l", new long[] {0, Long.MIN_VALUE, Long.MAX_VALUE, 1_733_212_800_000L}[which]);
        r.put("f", new float[] {-0.0f, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, 1.0e-7f}[which]);
        r.put("d", new double[] {-0.0, Double.NaN, Double.POSITIVE_INFINITY, 123456789.125e300}[which]);
        r.put("by", ByteBuffer.wrap(which == 0 ? new byte[0] : new byte[] {0, 1, 2, (byte) 0xFF}));
        r.put("fx", new GenericData.Fixed(field("fx"), new byte[] {(byte) which, 0, (byte) 0x80, 'a', '"'}));
        r.put("e", new GenericData.EnumSymbol(field("e"), List.of("RED", "BLUE", "GREEN", "RED").get(which)));
        r.put("u", switch (which) {
            case 0 -> null;
            case 1 -> in;
            case 2 -> Double.NaN;
            default -> new GenericData.EnumSymbol(field("e"), "GREEN");
        });
        r.put("opt", which == 3 ? "set" : null);
        GenericRecord nested = new GenericData.Record(field("nested"));
        nested.put("id", "n-" + which);
        nested.put("inner", in2);
        nested.put("tags", which == 0 ? List.of() : List.of("a", "ü", "\u0000"));
        r.put("nested", nested);
        Map<String, String> m = new LinkedHashMap<>();
        if (which > 0) {
            for (int k = 0; k < 40 * which; k++) {
                m.put("key-" + k, "v" + k);
            }
            m.put("Aa", "collides with BB");
            m.put("BB", "collides with Aa");
            m.put("", "empty key");
            m.put("ключ", "unicode key");
        }
        r.put("m", m);
        Map<String, Long> jm = new LinkedHashMap<>();
        for (int k = 0; k < 20 * which; k++) {
            jm.put("j" + k, (long) k * k);
        }
        r.put("jm", jm);
        Map<String, Map<String, Double>> mm = new LinkedHashMap<>();
        Map<String, Double> innerMap = new HashMap<>();
        innerMap.put("nan", Double.NaN);
        innerMap.put("none", null);
        innerMap.put("tiny", Double.MIN_VALUE);
        mm.put("outer", which == 0 ? Map.of() : innerMap);
        r.put("mm", mm);
        List<GenericRecord> arr = new ArrayList<>();
        arr.add(null);
        arr.add(in);
        arr.add(in2);
        r.put("arr", arr);
        Schema link = field("list").getTypes().get(1);
        GenericRecord list = null;
        for (int k = 0; k < which * 3; k++) {
            GenericRecord l = new GenericData.Record(link);
            l.put("v", k);
            l.put("next", list);
            list = l;
        }
        r.put("list", list);
        Conversions.DecimalConversion dc = new Conversions.DecimalConversion();
        BigDecimal amount = new BigDecimal(which == 1 ? "-1234567.89" : "19.95");
        r.put("dec", dc.toBytes(amount, field("dec"), LogicalTypes.decimal(9, 2)));
        r.put("decFixed", dc.toFixed(new BigDecimal("12345678901234.5678"), field("decFixed"), LogicalTypes.decimal(18, 4)));
        r.put("uuid", "6f1c1c1e-3b8a-4c55-9a49-4c6b8d0a0f" + which + "1");
        r.put("ts", 1_764_748_800_000L + which);
        r.put("day", 20_425 + which);
        r.put("empty", new GenericData.Record(field("empty")));
        return r;
    }

    /** A random value of {@code s}: strings of any code points, doubles and floats of any bits. */
    static Object randomValue(Schema s, Random random, int depth) {
        return switch (s.getType()) {
            case NULL -> null;
            case BOOLEAN -> random.nextBoolean();
            case INT -> random.nextInt(4) == 0 ? random.nextInt(100) : random.nextInt();
            case LONG -> random.nextInt(4) == 0 ? (long) random.nextInt(100) : random.nextLong();
            case FLOAT -> random.nextInt(3) == 0 ? random.nextFloat() * 1000 : Float.intBitsToFloat(random.nextInt());
            case DOUBLE -> random.nextInt(3) == 0 ? random.nextDouble() * 1e6 : Double.longBitsToDouble(random.nextLong());
            case STRING -> randomString(random);
            case BYTES -> {
                byte[] b = new byte[random.nextInt(12)];
                random.nextBytes(b);
                yield ByteBuffer.wrap(b);
            }
            case FIXED -> {
                byte[] b = new byte[s.getFixedSize()];
                random.nextBytes(b);
                yield new GenericData.Fixed(s, b);
            }
            case ENUM -> new GenericData.EnumSymbol(s, s.getEnumSymbols().get(random.nextInt(s.getEnumSymbols().size())));
            case UNION -> {
                List<Schema> types = s.getTypes();
                // Deep enough: take the null branch where there is one, so recursive types end.
                int branch = depth > 6 && types.get(0).getType() == Schema.Type.NULL ? 0 : random.nextInt(types.size());
                yield randomValue(types.get(branch), random, depth + 1);
            }
            case RECORD -> {
                GenericRecord r = new GenericData.Record(s);
                for (Schema.Field f : s.getFields()) {
                    r.put(f.pos(), randomValue(f.schema(), random, depth + 1));
                }
                yield r;
            }
            case ARRAY -> {
                List<Object> a = new ArrayList<>();
                for (int i = random.nextInt(depth > 6 ? 1 : 5); i > 0; i--) {
                    a.add(randomValue(s.getElementType(), random, depth + 1));
                }
                yield a;
            }
            case MAP -> {
                Map<String, Object> m = new LinkedHashMap<>();
                for (int i = random.nextInt(depth > 6 ? 1 : 30); i > 0; i--) {
                    m.put(random.nextBoolean() ? "k" + random.nextInt(1000) : randomString(random),
                            randomValue(s.getValueType(), random, depth + 1));
                }
                yield m;
            }
        };
    }

    static String randomString(Random random) {
        StringBuilder sb = new StringBuilder();
        for (int i = random.nextInt(20); i > 0; i--) {
            switch (random.nextInt(6)) {
                case 0 -> sb.append((char) random.nextInt(0x20)); // control characters
                case 1 -> sb.append("\"\\/\u007f\u2028\u2029".charAt(random.nextInt(6)));
                case 2 -> sb.appendCodePoint(0x80 + random.nextInt(0x800 - 0x80)); // two-byte UTF-8
                case 3 -> sb.appendCodePoint(0x10000 + random.nextInt(0x10FFFF - 0x10000)); // surrogate pairs
                case 4 -> sb.appendCodePoint(0x800 + random.nextInt(0xD800 - 0x800)); // three-byte UTF-8
                default -> sb.append((char) (0x20 + random.nextInt(0x5F))); // printable ASCII
            }
        }
        return sb.toString();
    }
}
