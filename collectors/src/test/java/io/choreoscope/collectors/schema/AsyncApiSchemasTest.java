package io.choreoscope.collectors.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.choreoscope.collectors.extract.ExtractionRules;
import io.choreoscope.collectors.extract.Field;
import io.choreoscope.collectors.extract.RawRecord;
import io.choreoscope.collectors.extract.RecordNormalizer;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ParseStatus;
import io.choreoscope.model.SchemaRef;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AsyncAPI documents (2.x and 3.0, YAML and JSON; test resources modelled on the specification's examples) as a schema
 * source: real Avro single-object records, encoded by Apache Avro with a writer schema written out here (not taken
 * from the document), decoded by the schema that only the document holds; JSON Schema payloads usable like
 * {@code .schema.json} files; refused documents and messages with their reasons.
 */
class AsyncApiSchemasTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> DOCUMENTS = List.of("user-signup-2.6.yaml", "streetlights-3.0.yaml", "orders-2.0.json", "cycle-2.6.yaml");

    /** The writer's schema, as the producing service has it (the same schema the 2.6 document's YAML describes). */
    static final String USER_SIGNED_UP = """
            {"type":"record","name":"UserSignedUp","namespace":"com.example.accounts","fields":[
              {"name":"userId","type":"string"},
              {"name":"displayName","type":["null","string"],"default":null},
              {"name":"email","type":"string"},
              {"name":"plan","type":{"type":"enum","name":"Plan","symbols":["FREE","PRO"]}}]}""";
    static final String LIGHT_MEASURED = """
            {"type":"record","name":"LightMeasured","namespace":"com.example.streetlights","fields":[
              {"name":"streetlightId","type":"string"},{"name":"lumens","type":"int"},
              {"name":"sentAt","type":{"type":"long","logicalType":"timestamp-millis"}}]}""";
    static final String ORDER_PLACED = """
            {"type":"record","name":"OrderPlaced","namespace":"com.example.orders","fields":[
              {"name":"orderId","type":"string"},{"name":"amount","type":"double"}]}""";

    static Path documents(Path dir) throws Exception {
        Path sub = Files.createDirectories(dir.resolve("asyncapi"));
        for (String name : DOCUMENTS) {
            try (InputStream in = AsyncApiSchemasTest.class.getResourceAsStream("/asyncapi/" + name)) {
                Files.copy(in, sub.resolve(name));
            }
        }
        return dir;
    }

    static RecordNormalizer normalizer(SchemaSource source) {
        ExtractionRules rules = ExtractionRules.defaults()
                .withRulesFirst(Field.CORRELATION_ID, List.of("json:/userId", "json:/orderId", "json:/streetlightId"));
        return new RecordNormalizer(rules, new PayloadDecoder(List.of(source), 1 << 20, 64, 100_000));
    }

    static RawRecord record(String topic, byte[] value) {
        return new RawRecord(topic, 0, 3, Instant.parse("2026-12-03T07:00:00Z"), null, List.of(), value);
    }

    static byte[] singleObject(String schemaText, java.util.function.Consumer<GenericRecord> fill) throws Exception {
        Schema schema = new Schema.Parser().parse(schemaText);
        GenericRecord r = new GenericData.Record(schema);
        fill.accept(r);
        return new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(r).array();
    }

    @Test
    void avroRecordIsDecodedByASchemaThatOnlyAnAsyncApi26DocumentHolds(@TempDir Path dir) throws Exception {
        DirectorySchemaSource files = new DirectorySchemaSource(List.of(documents(dir)));
        byte[] value = singleObject(USER_SIGNED_UP, r -> {
            r.put("userId", "u-42");
            r.put("displayName", "Ada");
            r.put("email", "ada@example.com");
            r.put("plan", new GenericData.EnumSymbol(r.getSchema().getField("plan").schema(), "PRO"));
        });

        Observation o = normalizer(files).normalize(record("user.signedup", value), Instant.now());

        assertThat(o.parseStatus()).as(o.parseError()).isEqualTo(ParseStatus.OK);
        assertThat(o.eventType()).isEqualTo("com.example.accounts.UserSignedUp"); // the Avro record's full name
        assertThat(o.correlationId()).isEqualTo("u-42");
        assertThat(o.schema().subject()).isEqualTo("asyncapi/user-signup-2.6.yaml#UserSignedUp"); // file#message
        assertThat(o.schema().format()).isEqualTo(SchemaRef.AVRO);
        assertThat(o.schema().id()).isEqualTo("fp:" + java.util.HexFormat.of().toHexDigits(
                org.apache.avro.SchemaNormalization.parsingFingerprint64(new Schema.Parser().parse(USER_SIGNED_UP))));
        JsonNode json = JSON.readTree(o.decodedPayload());
        assertThat(json.get("displayName").asText()).isEqualTo("Ada");
        assertThat(json.get("plan").asText()).isEqualTo("PRO");
        assertThat(o.payload()).isEqualTo(value);
    }

    @Test
    void asyncApi30MultiFormatAvroPayloadAndAsyncApi20JsonDocumentDecode(@TempDir Path dir) throws Exception {
        DirectorySchemaSource files = new DirectorySchemaSource(List.of(documents(dir)));
        RecordNormalizer n = normalizer(files);

        Observation light = n.normalize(record("lights", singleObject(LIGHT_MEASURED, r -> {
            r.put("streetlightId", "sl-7");
            r.put("lumens", 830);
            r.put("sentAt", 1_764_745_200_000L);
        })), Instant.now());
        assertThat(light.parseStatus()).as(light.parseError()).isEqualTo(ParseStatus.OK);
        assertThat(light.eventType()).isEqualTo("com.example.streetlights.LightMeasured");
        assertThat(light.correlationId()).isEqualTo("sl-7");
        assertThat(light.schema().subject()).isEqualTo("asyncapi/streetlights-3.0.yaml#LightMeasuredAvro");
        assertThat(JSON.readTree(light.decodedPayload()).get("lumens").asInt()).isEqualTo(830);

        Observation order = n.normalize(record("orders", singleObject(ORDER_PLACED, r -> {
            r.put("orderId", "o-1");
            r.put("amount", 9.5);
        })), Instant.now());
        assertThat(order.parseStatus()).as(order.parseError()).isEqualTo(ParseStatus.OK);
        assertThat(order.eventType()).isEqualTo("com.example.orders.OrderPlaced");
        assertThat(order.schema().subject()).isEqualTo("asyncapi/orders-2.0.json#OrderPlaced"); // 2.0's messageId
        assertThat(order.correlationId()).isEqualTo("o-1");
    }

    @Test
    void jsonSchemaPayloadsAreReadWithTheirInternalRefsInlinedAndNamedByTheMessage(@TempDir Path dir) throws Exception {
        DirectorySchemaSource files = new DirectorySchemaSource(List.of(documents(dir)));

        ResolvedSchema light = files.byName("lightMeasured");
        assertThat(light).isNotNull();
        assertThat(light.format()).isEqualTo(SchemaRef.JSON);
        assertThat(light.subject()).isEqualTo("asyncapi/streetlights-3.0.yaml#lightMeasured");
        // Read once although the channel and the components both list it; its $refs resolved inside the document.
        ResolvedSchema email = files.byName("UserEmailChanged");
        assertThat(email.subject()).isEqualTo("asyncapi/user-signup-2.6.yaml#UserEmailChanged");
        assertThat(files.byName("Fine").subject()).isEqualTo("asyncapi/cycle-2.6.yaml#Fine");

        AsyncApiDocument doc = AsyncApiDocument.parse(Files.readString(dir.resolve("asyncapi/streetlights-3.0.yaml")), false);
        assertThat(doc.asyncapiVersion()).isEqualTo("3.0.0");
        assertThat(doc.payloads()).extracting(AsyncApiDocument.Payload::messageName)
                .containsExactly("lightMeasured", "LightMeasuredAvro");
        JsonNode lightSchema = JSON.readTree(doc.payloads().get(0).schemaText());
        assertThat(lightSchema.at("/properties/sentAt/format").asText()).isEqualTo("date-time"); // was a $ref
        assertThat(lightSchema.get("title").asText()).isEqualTo("lightMeasured");
        assertThat(lightSchema.toString()).doesNotContain("$ref");
    }

    @Test
    void externalRefsAndRefCyclesAreRefusedWithTheirReasonAndTheRestOfTheDocumentIsRead(@TempDir Path dir) throws Exception {
        DirectorySchemaSource files = new DirectorySchemaSource(List.of(documents(dir)));

        assertThat(files.asyncApiDocuments()).isEqualTo(4);
        assertThat(files.problems()).hasSize(2);
        assertThat(files.problems()).anySatisfy(p -> assertThat(p)
                .contains("user-signup-2.6.yaml", "UserDeleted", "external $ref 'schemas/user-deleted.avsc' not followed"));
        assertThat(files.problems()).anySatisfy(p -> assertThat(p)
                .contains("cycle-2.6.yaml", "Tree", "$ref cycle #/components/schemas/Node -> #/components/schemas/Children -> #/components/schemas/Node"));
        // Avro single-object record whose schema the refused message would have held: not found, kept, flagged.
        String deleted = """
                {"type":"record","name":"UserDeleted","namespace":"com.example.accounts","fields":[{"name":"userId","type":"string"}]}""";
        Observation o = normalizer(files).normalize(record("user.deleted", singleObject(deleted, r -> r.put("userId", "u-1"))), Instant.now());
        assertThat(o.parseStatus()).isEqualTo(ParseStatus.SCHEMA_NOT_FOUND);
        assertThat(o.payload()).isNotNull();
    }

    @Test
    void hostileDocumentsAreRefusedWithAReasonAndNeverLoop(@TempDir Path dir) throws Exception {
        // Over the size bound.
        StringBuilder big = new StringBuilder("asyncapi: 2.6.0\ninfo: {title: big, version: '1'}\nx-padding: |\n");
        while (big.length() <= DirectorySchemaSource.MAX_FILE_BYTES) {
            big.append("  ").append("x".repeat(200)).append('\n');
        }
        Files.writeString(dir.resolve("big.yaml"), big);
        // Aliases that expand exponentially ("billion laughs").
        StringBuilder laughs = new StringBuilder("asyncapi: 2.6.0\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int i = 1; i < 10; i++) {
            laughs.append("a").append(i).append(": &a").append(i).append(" [");
            for (int j = 0; j < 9; j++) {
                laughs.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
            }
            laughs.append("]\n");
        }
        Files.writeString(dir.resolve("laughs.yaml"), laughs);
        // An alias inside itself: a recursive structure.
        Files.writeString(dir.resolve("recursive.yml"), "asyncapi: 2.6.0\nself: &s\n  again: *s\n");
        // An unsupported version, and a message whose refs point to themselves.
        Files.writeString(dir.resolve("old.yaml"), "asyncapi: 1.2.0\ninfo: {title: old, version: '1'}\n");
        Files.writeString(dir.resolve("selfref.yaml"), """
                asyncapi: 3.0.0
                components:
                  messages:
                    Loop:
                      $ref: '#/components/messages/Loop'
                """);
        // Not AsyncAPI at all: passed over without a word.
        Files.writeString(dir.resolve("docker-compose.yml"), "services:\n  kafka:\n    image: apache/kafka\n");
        Files.writeString(dir.resolve("package.json"), "{\"name\":\"x\"}");

        long started = System.nanoTime();
        DirectorySchemaSource files = new DirectorySchemaSource(List.of(dir));
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).isLessThan(java.time.Duration.ofSeconds(10));

        assertThat(files.size()).isZero();
        assertThat(files.problems()).hasSize(5);
        assertThat(files.problems()).anySatisfy(p -> assertThat(p).contains("big.yaml", "over " + DirectorySchemaSource.MAX_FILE_BYTES + " bytes"));
        assertThat(files.problems()).anySatisfy(p -> assertThat(p).contains("laughs.yaml", "AsyncAPI document refused"));
        assertThat(files.problems()).anySatisfy(p -> assertThat(p).contains("recursive.yml", "AsyncAPI document refused"));
        assertThat(files.problems()).anySatisfy(p -> assertThat(p).contains("old.yaml", "AsyncAPI version '1.2.0' is not read"));
        assertThat(files.problems()).anySatisfy(p -> assertThat(p).contains("selfref.yaml", "Loop", "$ref cycle"));
    }

    @Test
    void formatsOtherThanAvroJsonSchemaAndProtobufAreNamedAsNotRead() {
        AsyncApiDocument doc = AsyncApiDocument.parse("""
                asyncapi: 2.6.0
                components:
                  messages:
                    Raml:
                      schemaFormat: application/raml+yaml;version=1.0
                      payload: { type: string }
                    Proto:
                      schemaFormat: application/vnd.google.protobuf;version=3
                      payload: |
                        syntax = "proto3";
                        package acme;
                        message Ping { string id = 1; }
                """, false);
        assertThat(doc.problems()).singleElement().asString().contains("Raml", "schemaFormat application/raml+yaml;version=1.0 is not read");
        assertThat(doc.payloads()).singleElement().satisfies(p -> {
            assertThat(p.format()).isEqualTo(SchemaRef.PROTOBUF);
            assertThat(new ResolvedSchema(p.format(), p.schemaText(), "x", 0, java.util.Map.of())
                    .protoMessage(new int[0]).getType().toString()).isEqualTo("acme.Ping");
        });
    }
}
