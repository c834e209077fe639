package io.choreoscope.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import io.choreoscope.api.ApiClient;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.harness.registry.SchemaRegistryStandIn;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ParseStatus;
import io.choreoscope.storage.clickhouse.ClickHouseConfig;
import io.choreoscope.storage.clickhouse.ClickHouseEventReader;
import io.choreoscope.storage.clickhouse.ClickHouseStore;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 18 end to end: Avro, Protobuf and JSON Schema records in the Confluent wire format on real Kafka, their
 * schemas in the registry stand-in (no real registry can run here), tapped by the application into real ClickHouse:
 * correlation from a payload field, event types from the schema, two versions of one schema in one flow, value
 * search and the payload viewer's API over the decoded JSON, the raw bytes still downloadable, unknown IDs and
 * corrupt bodies kept and flagged, and a registry outage whose flagged records are decoded once it is back.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class SchemaPayloadsIntoClickHouseTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String ORDER_V1 = """
            {"type":"record","name":"OrderPlaced","namespace":"com.acme.orders","fields":[
              {"name":"orderId","type":"string"},{"name":"amount","type":"double"}]}""";
    static final String ORDER_V2 = """
            {"type":"record","name":"OrderPlaced","namespace":"com.acme.orders","fields":[
              {"name":"orderId","type":"string"},{"name":"amount","type":"double"},
              {"name":"channel","type":"string","default":"web"}]}""";
    static final String ORDER_V3 = """
            {"type":"record","name":"OrderPlaced","namespace":"com.acme.orders","fields":[
              {"name":"orderId","type":"string"},{"name":"amount","type":"double"},
              {"name":"channel","type":"string","default":"web"},{"name":"coupon","type":"string","default":""}]}""";
    static final String SHIPPING_PROTO = """
            syntax = "proto3";
            package acme.shipping;
            message ParcelShipped { string order_id = 1; string carrier = 2; }
            """;
    static final String PAYMENT_SCHEMA = """
            {"title":"PaymentCaptured","type":"object","properties":{"orderId":{"type":"string"}}}""";

    @Test
    void schemaPayloadsAreDecodedCorrelatedSearchableAndRecoveredAfterARegistryOutage(EmbeddedKafka kafka) throws Exception {
        String prefix = KafkaExtension.uniqueName("schemas");
        String orders = prefix + "-orders";
        String shipping = prefix + "-shipping";
        String payments = prefix + "-payments";
        kafka.createTopic(orders, 1);
        kafka.createTopic(shipping, 1);
        kafka.createTopic(payments, 1);
        String db = ClickHouseExtension.createDatabase();
        try (SchemaRegistryStandIn registry = new SchemaRegistryStandIn()) {
            int v1 = registry.register(orders + "-value", "AVRO", ORDER_V1);
            int v2 = registry.register(orders + "-value", "AVRO", ORDER_V2);
            int ship = registry.register(shipping + "-value", "PROTOBUF", SHIPPING_PROTO);
            int pay = registry.register(payments + "-value", "JSON", PAYMENT_SCHEMA);
            Map<String, Object> p = new HashMap<>();
            p.put("choreoscope.schemas.registries.main.url", registry.url());
            p.put("choreoscope.schemas.registries.main.retry-after-ms", 300);
            p.put("choreoscope.schemas.redecode-interval", "1s");
            p.put("choreoscope.extraction.correlation-id", List.of("header:correlationId", "json:/orderId", "json:/order_id"));
            p.put("choreoscope.otlp.enabled", false);
            p.put("choreoscope.alerts.enabled", false);
            try (ApplicationContext app = TestApplication.start(prefix, db, p);
                 KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
                ApiClient api = new ApiClient(app.getBean(EmbeddedServer.class).getURL() + "/api/v1");
                Schema s1 = new Schema.Parser().parse(ORDER_V1);
                Schema s2 = new Schema.Parser().parse(ORDER_V2);
                GenericRecord o1 = new GenericData.Record(s1);
                o1.put("orderId", "e2e-1");
                o1.put("amount", 10.0);
                GenericRecord o2 = new GenericData.Record(s2);
                o2.put("orderId", "e2e-1");
                o2.put("amount", 20.0);
                o2.put("channel", "<script>alert(1)</script>zebra-lamp");
                byte[] placedV1 = confluent(v1, avro(s1, o1));
                RecordMetadata mv1 = send(producer, orders, placedV1);
                RecordMetadata mv2 = send(producer, orders, confluent(v2, avro(s2, o2)));
                RecordMetadata mShip = send(producer, shipping, confluent(ship, new byte[] {0}, parcel("e2e-1", "DHL")));
                RecordMetadata mPay = send(producer, payments, confluent(pay,
                        "{\"orderId\":\"e2e-1\",\"amount\":20}".getBytes(StandardCharsets.UTF_8)));
                RecordMetadata unknown = send(producer, orders, confluent(4242, avro(s1, o1)));
                byte[] good = avro(s1, o1);
                RecordMetadata corrupt = send(producer, orders, confluent(v1, java.util.Arrays.copyOf(good, good.length - 4)));

                ClickHouseEventReader reader = new ClickHouseEventReader(new ClickHouseStore(
                        new ClickHouseConfig(ClickHouseExtension.engine().httpUrl(), db)));
                await().atMost(WAIT).untilAsserted(() -> assertThat(reader.eventsOf("e2e-1")).hasSize(4));
                Map<String, Observation> byTopic = new HashMap<>();
                for (Observation o : reader.eventsOf("e2e-1")) {
                    byTopic.merge(o.topic() + "/" + o.offset(), o, (a, b) -> a);
                }
                Observation first = reader.event(orders, mv1.partition(), mv1.offset()).orElseThrow();
                Observation second = reader.event(orders, mv2.partition(), mv2.offset()).orElseThrow();
                assertThat(first.eventType()).isEqualTo("com.acme.orders.OrderPlaced");
                assertThat(first.schema().version()).isEqualTo(1);
                assertThat(second.schema().version()).isEqualTo(2);
                assertThat(second.schema().subject()).isEqualTo(orders + "-value");
                assertThat(reader.event(shipping, 0, mShip.offset()).orElseThrow().eventType()).isEqualTo("acme.shipping.ParcelShipped");
                assertThat(reader.event(payments, 0, mPay.offset()).orElseThrow().eventType()).isEqualTo("PaymentCaptured");
                assertThat(byTopic).hasSize(4);

                Observation notFound = reader.event(orders, 0, unknown.offset()).orElseThrow();
                assertThat(notFound.parseStatus()).isEqualTo(ParseStatus.SCHEMA_NOT_FOUND);
                assertThat(notFound.parseError()).contains("4242");
                Observation broken = reader.event(orders, 0, corrupt.offset()).orElseThrow();
                assertThat(broken.parseStatus()).isEqualTo(ParseStatus.DECODE_ERROR);
                assertThat(broken.payload()).hasSize(good.length - 4 + 5);

                // The payload viewer's API: decoded JSON and the schema beside the (binary) payload.
                await().atMost(WAIT).until(() -> api.get("/instances/e2e-1").status() == 200);
                JsonNode events = api.ok("/instances/e2e-1").get("events");
                JsonNode v2Event = null;
                for (JsonNode e : events) {
                    if (e.get("offset").asLong() == mv2.offset() && e.get("topic").asText().equals(orders)) {
                        v2Event = e;
                    }
                }
                assertThat(v2Event).as(events.toString()).isNotNull();
                assertThat(v2Event.get("payloadSize").asLong()).as("the payload is still the raw record").isEqualTo(mv2.serializedValueSize());
                assertThat(JSON.readTree(v2Event.get("decodedPayload").asText()).get("channel").asText())
                        .isEqualTo("<script>alert(1)</script>zebra-lamp");
                assertThat(v2Event.get("schema").get("subject").asText()).isEqualTo(orders + "-value");
                assertThat(v2Event.get("schema").get("version").asInt()).isEqualTo(2);
                assertThat(v2Event.get("schema").get("format").asText()).isEqualTo("avro");

                // Value search reads the decoded JSON.
                JsonNode hits = api.ok("/search?mode=value&q=zebra-lamp");
                assertThat(hits).hasSize(1);
                assertThat(hits.get(0).get("correlationId").asText()).isEqualTo("e2e-1");

                // Schemas in the flow: the order step was written with v1 then v2 of its subject (changed), the
                // Protobuf and JSON Schema steps with one schema each.
                await().atMost(WAIT).untilAsserted(() -> {
                    JsonNode view = api.ok("/flows/com.acme.orders.OrderPlaced/schemas?from=-1h");
                    JsonNode steps = view.get("steps");
                    assertThat(steps).as(view.toString()).hasSize(3);
                    JsonNode placed = steps.get(0);
                    assertThat(placed.get("step").asText()).isEqualTo("com.acme.orders.OrderPlaced");
                    assertThat(placed.get("changed").asBoolean()).isTrue();
                    assertThat(placed.get("versions")).hasSize(2);
                    assertThat(placed.get("versions").get(0).get("version").asInt()).isEqualTo(1);
                    assertThat(placed.get("versions").get(0).get("id").asText()).isEqualTo(Integer.toString(v1));
                    assertThat(placed.get("versions").get(1).get("version").asInt()).isEqualTo(2);
                    assertThat(placed.get("versions").get(1).get("subject").asText()).isEqualTo(orders + "-value");
                    assertThat(placed.get("changedAt").asText()).isEqualTo(placed.get("versions").get(1).get("firstSeen").asText());
                    Map<String, String> formats = new HashMap<>();
                    steps.forEach(st -> formats.put(st.get("step").asText(), st.get("changed").asBoolean() + " "
                            + st.get("versions").get(0).get("format").asText() + " " + st.get("versions").size()));
                    assertThat(formats).containsEntry("acme.shipping.ParcelShipped", "false protobuf 1")
                            .containsEntry("PaymentCaptured", "false json 1");
                });

                // The raw bytes are what was sent (replay and download use them).
                assertThat(api.raw("/events/" + orders + "/0/" + mv1.offset() + "/payload").body()).isEqualTo(placedV1);

                // Registry outage: a schema not yet cached cannot be had; the record is kept flagged, then decoded.
                registry.setDown(true);
                int v3 = registry.register(orders + "-value", "AVRO", ORDER_V3);
                Schema s3 = new Schema.Parser().parse(ORDER_V3);
                GenericRecord o3 = new GenericData.Record(s3);
                o3.put("orderId", "e2e-2");
                o3.put("amount", 5.0);
                o3.put("channel", "app");
                o3.put("coupon", "X");
                RecordMetadata during = send(producer, orders, confluent(v3, avro(s3, o3)));
                RecordMetadata cached = send(producer, orders, confluent(v1, avro(s1, o1)));
                await().atMost(WAIT).untilAsserted(() -> {
                    assertThat(reader.event(orders, 0, during.offset())).get()
                            .extracting(Observation::parseStatus).isEqualTo(ParseStatus.SCHEMA_UNAVAILABLE);
                    assertThat(reader.event(orders, 0, cached.offset())).get()
                            .extracting(Observation::parseStatus).as("a cached schema decodes while the registry is down")
                            .isEqualTo(ParseStatus.OK);
                });
                assertThat(reader.eventsOf("e2e-2")).isEmpty();
                registry.setDown(false);
                await().atMost(WAIT).untilAsserted(() -> {
                    List<Observation> recovered = reader.eventsOf("e2e-2");
                    assertThat(recovered).hasSize(1);
                    assertThat(recovered.get(0).schema().version()).isEqualTo(3);
                    // Written again, then the flagged copy removed: one row per record, none left flagged.
                    assertThat(reader.eventsOfTopic(orders, 100)).extracting(o -> o.offset() + ":" + o.parseStatus())
                            .containsExactly("0:OK", "1:OK", "2:SCHEMA_NOT_FOUND", "3:DECODE_ERROR", during.offset() + ":OK",
                                    cached.offset() + ":OK");
                });
            }
        }
    }

    private static RecordMetadata send(KafkaProducer<byte[], byte[]> p, String topic, byte[] value) throws Exception {
        return p.send(new ProducerRecord<>(topic, 0, null, value)).get();
    }

    static byte[] confluent(int id, byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
        for (byte[] part : parts) {
            out.writeBytes(part);
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

    /** A ParcelShipped message encoded by protobuf-java from a descriptor built by hand (independent of wire-schema). */
    static byte[] parcel(String orderId, String carrier) throws Exception {
        DescriptorProtos.FileDescriptorProto file = DescriptorProtos.FileDescriptorProto.newBuilder()
                .setName("shipping.proto").setPackage("acme.shipping").setSyntax("proto3")
                .addMessageType(DescriptorProtos.DescriptorProto.newBuilder().setName("ParcelShipped")
                        .addField(DescriptorProtos.FieldDescriptorProto.newBuilder().setName("order_id").setNumber(1)
                                .setType(DescriptorProtos.FieldDescriptorProto.Type.TYPE_STRING))
                        .addField(DescriptorProtos.FieldDescriptorProto.newBuilder().setName("carrier").setNumber(2)
                                .setType(DescriptorProtos.FieldDescriptorProto.Type.TYPE_STRING)))
                .build();
        Descriptors.Descriptor d = Descriptors.FileDescriptor.buildFrom(file, new Descriptors.FileDescriptor[0])
                .findMessageTypeByName("ParcelShipped");
        return DynamicMessage.newBuilder(d).setField(d.findFieldByName("order_id"), orderId)
                .setField(d.findFieldByName("carrier"), carrier).build().toByteArray();
    }
}
