package io.choreoscope.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.choreoscope.collectors.extract.ExtractionRules;
import io.choreoscope.collectors.extract.RecordNormalizer;
import io.choreoscope.collectors.kafka.KafkaTap;
import io.choreoscope.collectors.kafka.TapSettings;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ObservationSink;
import io.choreoscope.model.ParseStatus;
import io.choreoscope.storage.clickhouse.ClickHouseConfig;
import io.choreoscope.storage.clickhouse.ClickHouseEventReader;
import io.choreoscope.storage.clickhouse.ClickHouseEventWriter;
import io.choreoscope.storage.clickhouse.ClickHouseStore;
import io.choreoscope.storage.clickhouse.SchemaMigrator;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.core.message.Encoding;
import io.cloudevents.jackson.JsonFormat;
import io.cloudevents.kafka.CloudEventSerializer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;

/** The Kafka tap writing into ClickHouse, both real, as the application wires them. */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
// Stops the shared ClickHouse: never while a concurrent class uses it.
@ResourceLock(ClickHouseExtension.SHARED_ENGINE_LOCK)
class TapIntoClickHouseTest {
    private static final Duration WAIT = Duration.ofSeconds(90);

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static RecordMetadata send(KafkaProducer<byte[], byte[]> p, ProducerRecord<byte[], byte[]> r) throws Exception {
        return p.send(r).get();
    }

    private static ProducerRecord<byte[], byte[]> rec(String topic, String key, byte[] value, String... headers) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, key == null ? null : utf8(key), value);
        for (int i = 0; i + 1 < headers.length; i += 2) {
            r.headers().add(headers[i], utf8(headers[i + 1]));
        }
        return r;
    }

    private static ClickHouseEventReader reader(String database) {
        return new ClickHouseEventReader(new ClickHouseStore(new ClickHouseConfig(ClickHouseExtension.engine().httpUrl(), database)));
    }

    @Test
    void everyTopicIncludingOneCreatedLaterIsTappedOnceWithItsFields(EmbeddedKafka kafka) throws Exception {
        String prefix = KafkaExtension.uniqueName("tapped");
        String orders = prefix + "-orders";
        String content = prefix + "-content";
        String late = prefix + "-late";
        kafka.createTopic(orders, 3);
        kafka.createTopic(content, 1);
        String db = ClickHouseExtension.createDatabase();
        Map<String, RecordMetadata> sent = new HashMap<>();
        String hostile = "<img src=x onerror=alert(1)>'; DROP TABLE events;--";
        byte[] big = utf8("{\"correlationId\":\"big-1\",\"eventType\":\"Huge\",\"blob\":\"" + "y".repeat(900_000) + "\"}");
        try (ApplicationContext app = TestApplication.start(prefix, db, Map.of());
             KafkaProducer<byte[], byte[]> p = kafka.producer()) {
            // application.yml spells the batch byte limit as a size
            assertThat(app.getBean(io.choreoscope.collectors.kafka.TapConfig.class).getBatchMaxBytes()).isEqualTo(32L * 1024 * 1024);
            sent.put("header", send(p, rec(orders, "o-1", utf8("{\"amount\":1}"), "correlationId", "order-1", "eventType", "OrderPlaced", "sourceService", "orders")));
            sent.put("xheader", send(p, rec(orders, "o-2", utf8("{}"), "X-Correlation-ID", "order-2", "eventType", "PaymentCaptured")));
            sent.put("payload", send(p, rec(orders, null, utf8("{\"correlationId\":\"order-3\",\"type\":\"StockReserved\",\"eventId\":\"ev-3\",\"causationId\":\"ev-2\"}"))));
            sent.put("traceparent", send(p, rec(orders, null, utf8("{}"), "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")));
            sent.put("uncorrelated", send(p, rec(orders, "k", utf8("{\"nothing\":true}"))));
            sent.put("text", send(p, rec(orders, null, utf8("hello, not json"), "correlationId", "order-4")));
            sent.put("empty", send(p, rec(orders, null, new byte[0], "correlationId", "order-5")));
            sent.put("null", send(p, rec(orders, "tomb", null)));
            sent.put("binary", send(p, rec(orders, null, new byte[] {(byte) 0xFF, (byte) 0xFE, 0, 1}, "correlationId", "order-6")));
            sent.put("hostile", send(p, rec(orders, null, utf8("{\"x\":\"" + hostile.replace("\"", "") + "\"}"), "correlationId", hostile)));
            sent.put("big", send(p, rec(orders, null, big)));

            CloudEvent ceBinary = CloudEventBuilder.v1().withId("ce-b").withType("ContentUploaded")
                    .withSource(URI.create("/uploader")).withExtension("correlationid", "content-1")
                    .withDataContentType("application/json").withData(utf8("{\"title\":\"t\"}")).build();
            RecordHeaders ceHeaders = new RecordHeaders();
            byte[] ceValue;
            try (CloudEventSerializer ser = new CloudEventSerializer()) {
                ser.configure(Map.of(CloudEventSerializer.ENCODING_CONFIG, Encoding.BINARY), false);
                ceValue = ser.serialize(content, ceHeaders, ceBinary);
            }
            ProducerRecord<byte[], byte[]> ceRecord = new ProducerRecord<>(content, (Integer) null, (byte[]) null, ceValue, ceHeaders);
            sent.put("ce-binary", send(p, ceRecord));
            CloudEvent ceStructured = CloudEventBuilder.v1().withId("ce-s").withType("ModerationApproved")
                    .withSource(URI.create("/moderation")).withExtension("correlationid", "content-1")
                    .withDataContentType("application/json").withData(utf8("{\"ok\":true}")).build();
            sent.put("ce-structured", send(p, rec(content, null, new JsonFormat().serialize(ceStructured),
                    "content-type", "application/cloudevents+json")));
            sent.put("ce-broken", send(p, rec(content, null, utf8("{oops"), "content-type", "application/cloudevents+json")));

            // A topic created after the tap started is picked up within seconds.
            kafka.createTopic(late, 1);
            sent.put("late", send(p, rec(late, null, utf8("{\"correlationId\":\"order-1\",\"eventType\":\"OrderShipped\"}"))));

            ClickHouseEventReader reader = reader(db);
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(reader.countVisible(orders)).isEqualTo(11);
                assertThat(reader.countVisible(content)).isEqualTo(3);
                assertThat(reader.countVisible(late)).isEqualTo(1);
            });
            assertThat(reader.countDistinct(orders)).isEqualTo(11);

            Map<String, Observation> got = new HashMap<>();
            for (Map.Entry<String, RecordMetadata> e : sent.entrySet()) {
                RecordMetadata m = e.getValue();
                got.put(e.getKey(), reader.event(m.topic(), m.partition(), m.offset()).orElseThrow(
                        () -> new AssertionError("missing " + e.getKey())));
            }
            assertThat(got.get("header")).extracting(Observation::correlationId, Observation::eventType, Observation::sourceService, Observation::parseStatus)
                    .containsExactly("order-1", "OrderPlaced", "orders", ParseStatus.OK);
            assertThat(new String(got.get("header").key(), StandardCharsets.UTF_8)).isEqualTo("o-1");
            assertThat(got.get("xheader")).extracting(Observation::correlationId, Observation::eventType)
                    .containsExactly("order-2", "PaymentCaptured");
            assertThat(got.get("payload")).extracting(Observation::correlationId, Observation::eventType, Observation::eventId, Observation::causationId)
                    .containsExactly("order-3", "StockReserved", "ev-3", "ev-2");
            assertThat(got.get("traceparent")).extracting(Observation::correlationId, Observation::traceId, Observation::spanId)
                    .containsExactly("0af7651916cd43dd8448eb211c80319c", "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331");
            assertThat(got.get("uncorrelated").correlated()).isFalse();
            assertThat(got.get("text")).extracting(Observation::correlationId, Observation::parseStatus)
                    .containsExactly("order-4", ParseStatus.NOT_JSON);
            assertThat(got.get("empty").parseStatus()).isEqualTo(ParseStatus.EMPTY);
            assertThat(got.get("null").parseStatus()).isEqualTo(ParseStatus.NULL_VALUE);
            assertThat(got.get("null").payload()).isNull();
            assertThat(got.get("binary").parseStatus()).isEqualTo(ParseStatus.BINARY);
            assertThat(got.get("binary").payload()).containsExactly((byte) 0xFF, (byte) 0xFE, 0, 1);
            assertThat(got.get("hostile").correlationId()).isEqualTo(hostile);
            assertThat(got.get("big")).extracting(Observation::correlationId, Observation::eventType)
                    .containsExactly("big-1", "Huge");
            assertThat(got.get("big").payload()).isEqualTo(big);
            assertThat(got.get("ce-binary")).extracting(Observation::correlationId, Observation::eventType, Observation::eventId, Observation::sourceService)
                    .containsExactly("content-1", "ContentUploaded", "ce-b", "uploader"); // the CloudEvents source URI, named as its service (ServiceIdentity, issue 16)
            assertThat(got.get("ce-structured")).extracting(Observation::correlationId, Observation::eventType, Observation::eventId)
                    .containsExactly("content-1", "ModerationApproved", "ce-s");
            assertThat(got.get("ce-broken").parseStatus()).isEqualTo(ParseStatus.MALFORMED_CLOUDEVENT);
            assertThat(got.get("late")).extracting(Observation::correlationId, Observation::eventType)
                    .containsExactly("order-1", "OrderShipped");
            assertThat(reader.eventsOf("order-1")).extracting(Observation::eventType)
                    .containsExactly("OrderPlaced", "OrderShipped");

            // The tap's metrics, under the names the README gives.
            String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(app.getBean(io.micronaut.runtime.server.EmbeddedServer.class).getURL() + "/prometheus")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("choreoscope_tap_batch_size_count", "choreoscope_tap_batch_bytes_count",
                    "choreoscope_tap_records_flagged_total{", "choreoscope_tap_records_uncorrelated_total");
        }
    }

    @Test
    void tapKilledAfterWritingAndBeforeCommittingLosesNothingAndShowsNoDuplicates(EmbeddedKafka kafka) throws Exception {
        String topic = KafkaExtension.uniqueName("crash");
        kafka.createTopic(topic, 2);
        String db = ClickHouseExtension.createDatabase();
        ClickHouseStore store = new ClickHouseStore(new ClickHouseConfig(ClickHouseExtension.engine().httpUrl(), db));
        new SchemaMigrator(store).migrate();
        ClickHouseEventWriter writer = new ClickHouseEventWriter(store);
        int n = 5_000;
        try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
            for (int i = 0; i < n; i++) {
                p.send(rec(topic, "k" + i, utf8("{\"i\":" + i + "}"), "correlationId", "c-" + (i % 100)));
            }
            p.flush();
        }
        TapSettings settings = TapSettings.defaults(kafka.bootstrapServers(), KafkaExtension.uniqueName("crash-group"))
                .withInclude(topic).withBatch(1_000, Duration.ofMillis(100));
        AtomicInteger rowsWritten = new AtomicInteger();
        AtomicInteger batches = new AtomicInteger();
        AtomicReference<KafkaTap> first = new AtomicReference<>();
        AtomicInteger abortedBatchSize = new AtomicInteger();
        ObservationSink crashing = batch -> {
            writer.accept(batch);
            rowsWritten.addAndGet(batch.size());
            if (batches.incrementAndGet() == 2) {
                abortedBatchSize.set(batch.size());
                first.get().abort(); // the write landed; the offsets will never be committed
            }
        };
        KafkaTap tap1 = new KafkaTap(settings, new RecordNormalizer(ExtractionRules.defaults()), crashing,
                new SimpleMeterRegistry(), Clock.systemUTC());
        first.set(tap1);
        tap1.start();
        await().atMost(WAIT).until(() -> tap1.status().state().equals("STOPPED"));
        int writtenBeforeCrash = rowsWritten.get();
        assertThat(writtenBeforeCrash).isGreaterThan(0).isLessThan(n);

        ObservationSink counting = batch -> {
            writer.accept(batch);
            rowsWritten.addAndGet(batch.size());
        };
        ClickHouseEventReader reader = new ClickHouseEventReader(store);
        try (KafkaTap tap2 = new KafkaTap(settings, new RecordNormalizer(ExtractionRules.defaults()), counting,
                new SimpleMeterRegistry(), Clock.systemUTC())) {
            tap2.start();
            await().atMost(WAIT).untilAsserted(() -> assertThat(reader.countVisible(topic)).isEqualTo(n));
        }
        // The second tap read the written-but-uncommitted batch again (the first batch was committed)...
        assertThat(abortedBatchSize.get()).isPositive();
        assertThat(rowsWritten.get()).isEqualTo(n + abortedBatchSize.get());
        // ...and yet every record shows exactly once.
        assertThat(reader.countDistinct(topic)).isEqualTo(n);
        assertThat(reader.countVisible(topic)).isEqualTo(n);
        assertThat(reader.eventsOf("c-42")).hasSize(n / 100);
        // Polls of 1,000 records are normalised in parts on several threads: each row is still its own record.
        assertThat(reader.eventsOf("c-42")).allSatisfy(o -> {
            String i = new String(o.key(), java.nio.charset.StandardCharsets.UTF_8).substring(1);
            assertThat(Integer.parseInt(i) % 100).isEqualTo(42);
            assertThat(new String(o.payload(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("{\"i\":" + i + "}");
        });
        store.close();
    }

    @Test
    void clickHouseOutagePausesTheTapAndEverythingArrivesAfterItReturns(EmbeddedKafka kafka) throws Exception {
        String prefix = KafkaExtension.uniqueName("outage");
        String topic = prefix + "-events";
        kafka.createTopic(topic, 2);
        String db = ClickHouseExtension.createDatabase();
        HttpClient http = HttpClient.newHttpClient();
        try (ApplicationContext app = TestApplication.start(prefix, db, Map.of());
             KafkaProducer<byte[], byte[]> p = kafka.producer()) {
            URI health = URI.create(app.getBean(EmbeddedServer.class).getURL() + "/health");
            ClickHouseEventReader reader = reader(db);
            for (int i = 0; i < 1_000; i++) {
                p.send(rec(topic, null, utf8("{\"i\":" + i + "}"), "correlationId", "before-" + i));
            }
            p.flush();
            await().atMost(WAIT).untilAsserted(() -> assertThat(reader.countVisible(topic)).isEqualTo(1_000));

            ClickHouseExtension.engine().stop();
            try {
                for (int i = 0; i < 2_000; i++) {
                    p.send(rec(topic, null, utf8("{\"i\":" + i + "}"), "correlationId", "during-" + i));
                }
                p.flush();
                // The outage is visible in health: the tap is paused and retrying, ClickHouse is down.
                await().atMost(WAIT).untilAsserted(() -> {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).isEqualTo(503);
                    assertThat(r.body()).contains("RETRYING").contains("kafkaTap").contains("clickhouse");
                });
                var tap = app.getBean(io.choreoscope.collectors.kafka.KafkaTapService.class);
                await().atMost(WAIT).until(() -> tap.status().consecutiveFailures() >= 3);
                assertThat(tap.status().pendingRecords()).isPositive();
            } finally {
                ClickHouseExtension.engine().restart();
            }
            await().atMost(WAIT).untilAsserted(() -> assertThat(reader.countVisible(topic)).isEqualTo(3_000));
            assertThat(reader.countDistinct(topic)).isEqualTo(3_000);
            await().atMost(WAIT).untilAsserted(() -> {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
            });
        }
    }
}
