package io.choreoscope.collectors.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import io.choreoscope.collectors.extract.ExtractionRules;
import io.choreoscope.collectors.extract.Field;
import io.choreoscope.collectors.extract.RawRecord;
import io.choreoscope.collectors.extract.RecordNormalizer;
import io.choreoscope.harness.registry.SchemaRegistryStandIn;
import io.choreoscope.model.Header;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ParseStatus;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Schema-framed payloads through the normalizer, as a tap sees them: real Avro encodings (Apache Avro), real Protobuf
 * encodings (protobuf-java, independent of the wire-schema decoder under test), JSON Schema, against the registry
 * stand-in (no real registry can run here) and schema files.
 */
class SchemaPayloadsTest {
    static final String ORDER_V1 = """
            {"type":"record","name":"OrderPlaced","namespace":"com.acme.orders","fields":[
              {"name":"orderId","type":"string"},
              {"name":"amount","type":"double"},
              {"name":"note","type":["null","string"],"default":null},
              {"name":"lines","type":{"type":"array","items":"string"}}]}""";
    static final String SHIPPING_PROTO = """
            syntax = "proto3";
            package acme.shipping;
            message Ignored { string x = 1; }
            message Shipment {
              message Packed { string order_id = 1; int64 weight_grams = 2; repeated string items = 3; Kind kind = 4; }
              string id = 1;
            }
            enum Kind { KIND_UNSPECIFIED = 0; PARCEL = 1; }
            """;
    static final String PAYMENT_JSON_SCHEMA = """
            {"$schema":"http://json-schema.org/draft-07/schema#","title":"PaymentCaptured","type":"object",
             "properties":{"paymentId":{"type":"string"},"orderId":{"type":"string"}}}""";
    static final ObjectMapper JSON = new ObjectMapper();

    static SchemaRegistryStandIn registry;
    static int orderId;
    static int shippingId;
    static int paymentId;
    static final MutableClock CLOCK = new MutableClock();

    @BeforeAll
    static void registry() throws Exception {
        registry = new SchemaRegistryStandIn();
        orderId = registry.register("orders-value", "AVRO", ORDER_V1);
        shippingId = registry.register("shipping-value", "PROTOBUF", SHIPPING_PROTO);
        paymentId = registry.register("payments-value", "JSON", PAYMENT_JSON_SCHEMA);
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    static RegistrySchemaSource client(String url, String user, String password) {
        return new RegistrySchemaSource(new RegistrySchemaSource.Settings("main", url, Pattern.compile(".*"),
                RegistrySchemaSource.SubjectStrategy.TOPIC, user, password, null, Duration.ofMillis(500), 100,
                Duration.ofSeconds(5), null), CLOCK);
    }

    static RecordNormalizer normalizer(SchemaSource... sources) {
        ExtractionRules rules = ExtractionRules.defaults()
                .withRulesFirst(Field.CORRELATION_ID, List.of("json:/orderId", "json:/order_id"));
        return new RecordNormalizer(rules, new PayloadDecoder(List.of(sources), 1 << 20, 64, 100_000));
    }

    static RawRecord record(String topic, byte[] value, Header... headers) {
        return new RawRecord(topic, 0, 7, Instant.parse("2026-12-02T10:00:00Z"), null, List.of(headers), value);
    }

    static byte[] confluent(int id, byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] avro(Schema schema, GenericRecord r) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(r, enc);
        enc.flush();
        return out.toByteArray();
    }

    static GenericRecord order(Schema schema, String id) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("orderId", id);
        r.put("amount", 12.5);
        r.put("note", "<b>gift</b>");
        r.put("lines", List.of("book", "pen"));
        return r;
    }

    @Test
    void avroInConfluentFramingIsDecodedCorrelatedAndTypedByItsRecordName() throws Exception {
        Schema schema = new Schema.Parser().parse(ORDER_V1);
        byte[] value = confluent(orderId, avro(schema, order(schema, "o-1")));
        Observation o = normalizer(client(registry.url(), null, null)).normalize(record("orders", value), Instant.now());

        assertThat(o.parseStatus()).isEqualTo(ParseStatus.OK);
        assertThat(o.correlationId()).isEqualTo("o-1");
        assertThat(o.eventType()).isEqualTo("com.acme.orders.OrderPlaced");
        assertThat(o.payload()).isEqualTo(value); // the original bytes are kept for replay and download
        JsonNode json = JSON.readTree(o.decodedPayload());
        assertThat(json.get("note").asText()).isEqualTo("<b>gift</b>"); // union unwrapped, not {"string": ...}
        assertThat(json.get("lines").get(1).asText()).isEqualTo("pen");
        assertThat(json.get("amount").asDouble()).isEqualTo(12.5);
        assertThat(o.schema().subject()).isEqualTo("orders-value");
        assertThat(o.schema().version()).isEqualTo(1);
        assertThat(o.schema().id()).isEqualTo(Integer.toString(orderId));
        assertThat(o.contentType()).isEqualTo("application/vnd.apache.avro+binary");
    }

    @Test
    void protobufMessageIndexesPickTheNestedMessage() throws Exception {
        Descriptors.Descriptor packed = shippingDescriptor().findMessageTypeByName("Shipment").findNestedTypeByName("Packed");
        DynamicMessage m = DynamicMessage.newBuilder(packed)
                .setField(packed.findFieldByName("order_id"), "o-2")
                .setField(packed.findFieldByName("weight_grams"), 1500L)
                .addRepeatedField(packed.findFieldByName("items"), "lamp")
                .setField(packed.findFieldByName("kind"), packed.findFieldByName("kind").getEnumType().findValueByName("PARCEL"))
                .build();
        // Message indexes [1, 0]: the second top-level message, its first nested message (count 2, zig-zag varints).
        byte[] value = confluent(shippingId, new byte[] {4, 2, 0}, m.toByteArray());
        Observation o = normalizer(client(registry.url(), null, null)).normalize(record("shipping", value), Instant.now());

        assertThat(o.parseStatus()).as(o.parseError()).isEqualTo(ParseStatus.OK);
        assertThat(o.eventType()).isEqualTo("acme.shipping.Shipment.Packed");
        assertThat(o.correlationId()).isEqualTo("o-2");
        JsonNode json = JSON.readTree(o.decodedPayload());
        assertThat(json.get("weight_grams").asLong()).isEqualTo(1500L);
        assertThat(json.get("items").get(0).asText()).isEqualTo("lamp");
        assertThat(json.get("kind").asText()).isEqualTo("PARCEL");
        assertThat(o.schema().format()).isEqualTo("protobuf");
        assertThat(o.schema().subject()).isEqualTo("shipping-value");
    }

    @Test
    void protobufWithTheSingleZeroIndexIsTheFirstMessage() throws Exception {
        Descriptors.Descriptor ignored = shippingDescriptor().findMessageTypeByName("Ignored");
        DynamicMessage m = DynamicMessage.newBuilder(ignored).setField(ignored.findFieldByName("x"), "first").build();
        Observation o = normalizer(client(registry.url(), null, null))
                .normalize(record("shipping", confluent(shippingId, new byte[] {0}, m.toByteArray())), Instant.now());
        assertThat(o.eventType()).isEqualTo("acme.shipping.Ignored");
        assertThat(JSON.readTree(o.decodedPayload()).get("x").asText()).isEqualTo("first");
    }

    @Test
    void jsonSchemaPayloadIsReadAndTypedByItsTitle() throws Exception {
        byte[] body = "{\"paymentId\":\"p-1\",\"orderId\":\"o-3\"}".getBytes(StandardCharsets.UTF_8);
        Observation o = normalizer(client(registry.url(), null, null)).normalize(record("payments", confluent(paymentId, body)), Instant.now());
        assertThat(o.parseStatus()).isEqualTo(ParseStatus.OK);
        assertThat(o.correlationId()).isEqualTo("o-3");
        assertThat(o.eventType()).isEqualTo("PaymentCaptured");
        assertThat(o.schema().subject()).isEqualTo("payments-value");
    }

    @Test
    void apicurioGlobalIdHeaderNamesTheSchemaOfABareBody() throws Exception {
        Schema schema = new Schema.Parser().parse(ORDER_V1);
        Observation o = normalizer(client(registry.url(), null, null)).normalize(record("orders",
                avro(schema, order(schema, "o-4")),
                new Header("apicurio.value.globalId", ByteBuffer.allocate(8).putLong(orderId).array())), Instant.now());
        assertThat(o.parseStatus()).as(o.parseError()).isEqualTo(ParseStatus.OK);
        assertThat(o.correlationId()).isEqualTo("o-4");
        assertThat(o.schema().id()).isEqualTo("global:" + orderId);
    }

    @Test
    void avroSingleObjectEncodingIsFoundByFingerprintInSchemaFiles(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("order-placed.avsc"), ORDER_V1);
        Files.writeString(dir.resolve("broken.avsc"), "{not avro");
        DirectorySchemaSource files = new DirectorySchemaSource(List.of(dir));
        assertThat(files.problems()).singleElement().asString().contains("broken.avsc");
        Schema schema = new Schema.Parser().parse(ORDER_V1);
        byte[] value = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(order(schema, "o-5")).array();

        Observation o = normalizer(files).normalize(record("orders", value), Instant.now());
        assertThat(o.parseStatus()).as(o.parseError()).isEqualTo(ParseStatus.OK);
        assertThat(o.correlationId()).isEqualTo("o-5");
        assertThat(o.eventType()).isEqualTo("com.acme.orders.OrderPlaced");
        assertThat(o.schema().subject()).isEqualTo("order-placed.avsc");
        assertThat(o.schema().id()).startsWith("fp:");
    }

    @Test
    void unknownIdIsKeptFlaggedAndNotAskedAgainAtOnce() {
        RecordNormalizer n = normalizer(client(registry.url(), null, null));
        byte[] value = confluent(9999, new byte[] {1, 2, 3});
        Observation o = n.normalize(record("orders", value), Instant.now());
        assertThat(o.parseStatus()).isEqualTo(ParseStatus.SCHEMA_NOT_FOUND);
        assertThat(o.parseError()).contains("9999");
        assertThat(o.payload()).isEqualTo(value);
        int asked = registry.requests();
        n.normalize(record("orders", value), Instant.now());
        assertThat(registry.requests()).isEqualTo(asked);
    }

    @Test
    void registryOutageFlagsUnavailableWithoutWaitingPerRecordAndRecovers() throws Exception {
        Schema schema = new Schema.Parser().parse(ORDER_V1);
        byte[] value = confluent(orderId, avro(schema, order(schema, "o-6")));
        RecordNormalizer n = normalizer(client(registry.url(), null, null));
        registry.setDown(true);
        try {
            Observation down = n.normalize(record("orders", value), Instant.now());
            assertThat(down.parseStatus()).isEqualTo(ParseStatus.SCHEMA_UNAVAILABLE);
            assertThat(down.parseError()).contains("503");
            assertThat(down.correlationId()).isNull();
            int asked = registry.requests();
            assertThat(n.normalize(record("orders", value), Instant.now()).parseStatus()).isEqualTo(ParseStatus.SCHEMA_UNAVAILABLE);
            assertThat(registry.requests()).as("no request while the failure is remembered").isEqualTo(asked);
        } finally {
            registry.setDown(false);
        }
        CLOCK.advance(Duration.ofSeconds(6));
        Observation back = n.normalize(record("orders", value), Instant.now());
        assertThat(back.parseStatus()).isEqualTo(ParseStatus.OK);
        assertThat(back.correlationId()).isEqualTo("o-6");
    }

    @Test
    void unreachableRegistryIsUnavailable() {
        Observation o = normalizer(client("http://127.0.0.1:1", null, null))
                .normalize(record("orders", confluent(orderId, new byte[] {2, 'a'})), Instant.now());
        assertThat(o.parseStatus()).isEqualTo(ParseStatus.SCHEMA_UNAVAILABLE);
    }

    @Test
    void corruptTruncatedOverlongAndHostileBodiesAreDecodeErrors() throws Exception {
        Schema schema = new Schema.Parser().parse(ORDER_V1);
        byte[] good = avro(schema, order(schema, "o-7"));
        RecordNormalizer n = normalizer(client(registry.url(), null, null));
        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 3);
        byte[] trailing = java.util.Arrays.copyOf(good, good.length + 2);
        // orderId claims a 1 GB string (zig-zag varint of 2^30): must fail fast, never allocate it.
        byte[] hostileString = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08};
        // lines: a block of 2^30 null-size items is impossible (items are strings), so claim a huge array of strings.
        for (byte[] body : List.of(truncated, trailing, hostileString)) {
            Observation o = n.normalize(record("orders", confluent(orderId, body)), Instant.now());
            assertThat(o.parseStatus()).as(o.parseError()).isEqualTo(ParseStatus.DECODE_ERROR);
            assertThat(o.schema().subject()).isEqualTo("orders-value");
            assertThat(o.decodedPayload()).isNull();
        }
    }

    @Test
    void basicAuthIsSentAndAWrongPasswordIsUnavailable() throws Exception {
        try (SchemaRegistryStandIn secured = new SchemaRegistryStandIn()) {
            secured.requireBasic("reader", "s3cret");
            int id = secured.register("orders-value", "AVRO", ORDER_V1);
            Schema schema = new Schema.Parser().parse(ORDER_V1);
            byte[] value = confluent(id, avro(schema, order(schema, "o-8")));
            assertThat(normalizer(client(secured.url(), "reader", "s3cret")).normalize(record("orders", value), Instant.now())
                    .correlationId()).isEqualTo("o-8");
            Observation refused = normalizer(client(secured.url(), "reader", "wrong")).normalize(record("orders", value), Instant.now());
            assertThat(refused.parseStatus()).isEqualTo(ParseStatus.SCHEMA_UNAVAILABLE);
            assertThat(refused.parseError()).contains("401");
        }
    }

    @Test
    void recordNameStrategyPicksTheSubjectNamedAfterTheRecord() throws Exception {
        try (SchemaRegistryStandIn r = new SchemaRegistryStandIn()) {
            r.register("other-value", "AVRO", ORDER_V1);
            int id = r.register("com.acme.orders.OrderPlaced", "AVRO", ORDER_V1);
            RegistrySchemaSource byRecord = new RegistrySchemaSource(new RegistrySchemaSource.Settings("r", r.url(),
                    Pattern.compile(".*"), RegistrySchemaSource.SubjectStrategy.RECORD, null, null, null,
                    Duration.ofMillis(500), 10, Duration.ofSeconds(5), null), CLOCK);
            Schema schema = new Schema.Parser().parse(ORDER_V1);
            Observation o = normalizer(byRecord).normalize(record("orders", confluent(id, avro(schema, order(schema, "o-9")))), Instant.now());
            assertThat(o.schema().subject()).isEqualTo("com.acme.orders.OrderPlaced");
        }
    }

    @Test
    void plainJsonAndBinaryOnTopicsNoRegistryServesAreClassifiedAsBefore() {
        RegistrySchemaSource onlyOrders = new RegistrySchemaSource(new RegistrySchemaSource.Settings("orders-only",
                registry.url(), Pattern.compile("orders"), RegistrySchemaSource.SubjectStrategy.TOPIC, null, null, null,
                Duration.ofMillis(500), 10, Duration.ofSeconds(5), null), CLOCK);
        RecordNormalizer n = normalizer(onlyOrders);
        Observation json = n.normalize(record("orders", "{\"orderId\":\"o-10\",\"eventType\":\"X\"}".getBytes(StandardCharsets.UTF_8)), Instant.now());
        assertThat(json.parseStatus()).isEqualTo(ParseStatus.OK);
        assertThat(json.eventType()).isEqualTo("X");
        assertThat(json.schema()).isNull();
        assertThat(json.decodedPayload()).isNull();
        Observation binary = n.normalize(record("elsewhere", new byte[] {0, 0, 0, 0, 1, (byte) 0xFF}), Instant.now());
        assertThat(binary.parseStatus()).isEqualTo(ParseStatus.BINARY);
    }

    static Descriptors.FileDescriptor shippingDescriptor() throws Exception {
        DescriptorProtos.FileDescriptorProto file = DescriptorProtos.FileDescriptorProto.newBuilder()
                .setName("shipping.proto").setPackage("acme.shipping").setSyntax("proto3")
                .addMessageType(DescriptorProtos.DescriptorProto.newBuilder().setName("Ignored")
                        .addField(field("x", 1, DescriptorProtos.FieldDescriptorProto.Type.TYPE_STRING, false, null)))
                .addMessageType(DescriptorProtos.DescriptorProto.newBuilder().setName("Shipment")
                        .addField(field("id", 1, DescriptorProtos.FieldDescriptorProto.Type.TYPE_STRING, false, null))
                        .addNestedType(DescriptorProtos.DescriptorProto.newBuilder().setName("Packed")
                                .addField(field("order_id", 1, DescriptorProtos.FieldDescriptorProto.Type.TYPE_STRING, false, null))
                                .addField(field("weight_grams", 2, DescriptorProtos.FieldDescriptorProto.Type.TYPE_INT64, false, null))
                                .addField(field("items", 3, DescriptorProtos.FieldDescriptorProto.Type.TYPE_STRING, true, null))
                                .addField(field("kind", 4, DescriptorProtos.FieldDescriptorProto.Type.TYPE_ENUM, false, ".acme.shipping.Kind"))))
                .addEnumType(DescriptorProtos.EnumDescriptorProto.newBuilder().setName("Kind")
                        .addValue(DescriptorProtos.EnumValueDescriptorProto.newBuilder().setName("KIND_UNSPECIFIED").setNumber(0))
                        .addValue(DescriptorProtos.EnumValueDescriptorProto.newBuilder().setName("PARCEL").setNumber(1)))
                .build();
        return Descriptors.FileDescriptor.buildFrom(file, new Descriptors.FileDescriptor[0]);
    }

    private static DescriptorProtos.FieldDescriptorProto field(String name, int number,
            DescriptorProtos.FieldDescriptorProto.Type type, boolean repeated, String typeName) {
        DescriptorProtos.FieldDescriptorProto.Builder b = DescriptorProtos.FieldDescriptorProto.newBuilder()
                .setName(name).setNumber(number).setType(type)
                .setLabel(repeated ? DescriptorProtos.FieldDescriptorProto.Label.LABEL_REPEATED
                        : DescriptorProtos.FieldDescriptorProto.Label.LABEL_OPTIONAL);
        if (typeName != null) {
            b.setTypeName(typeName);
        }
        return b.build();
    }

    /** A clock tests move forward to pass the registry client's retry-after. */
    static final class MutableClock extends Clock {
        private volatile Instant now = Instant.parse("2026-12-02T10:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
