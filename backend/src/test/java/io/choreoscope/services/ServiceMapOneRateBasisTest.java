package io.choreoscope.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.choreoscope.api.ApiClient;
import io.choreoscope.collectors.otlp.OtlpReceiver;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.ingest.TestApplication;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 16, service identity: a known traffic of 2 records/s for one minute, seen as Kafka records (CloudEvents
 * {@code source} URIs and an aliased source-service header), as producer and consumer spans exported over OTLP, and as
 * real consumer groups with committed offsets, comes out of {@code GET /dependencies} as one node per service and the
 * same rate on every evidence kind; a Kafka dead-letter topic known only by its records' headers gives its producing
 * service's edge the dead-letter evidence.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class ServiceMapOneRateBasisTest {
    private static final int RECORDS = 120; // 2 per second for 60 s
    private static final Duration WAIT = Duration.ofSeconds(90);

    /** Collects what the SDK finished, to export it in batches over OTLP/HTTP. */
    private static Tracer tracer(String service, InMemorySpanExporter sink) {
        return SdkTracerProvider.builder()
                .setResource(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), service)))
                .addSpanProcessor(SimpleSpanProcessor.create(sink)).build().get("test");
    }

    @Test
    void oneNodePerServiceAndEveryEvidenceKindGivesTheSameRate(EmbeddedKafka kafka) throws Exception {
        String prefix = KafkaExtension.uniqueName("identity");
        String topic = prefix + "-signups";
        String crmGroup = prefix + "-crm";
        String silentGroup = prefix + "-archiver";
        String failed = prefix + "-crm-failed"; // crm's dead-letter topic, named so that only its headers say so
        kafka.createTopic(topic, 1);
        kafka.createTopic(failed, 1);
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(3));
        InMemorySpanExporter finished = InMemorySpanExporter.create();
        Tracer accounts = tracer("accounts", finished);
        Tracer crm = tracer("crm", finished);

        Map<String, Object> props = new HashMap<>();
        props.put("choreoscope.services.aliases", List.of("accounts-v2=accounts"));
        try (ApplicationContext app = TestApplication.start(prefix, ClickHouseExtension.createDatabase(), props);
             KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
            String endpoint = "http://127.0.0.1:" + app.getBean(OtlpReceiver.class).port() + OtlpReceiver.TRACES_PATH;
            for (int i = 0; i < RECORDS; i++) {
                Instant ts = t0.plusMillis(500L * i);
                io.opentelemetry.api.trace.Span publish = accounts.spanBuilder("publish " + topic)
                        .setSpanKind(SpanKind.PRODUCER).setStartTimestamp(ts)
                        .setAttribute("messaging.system", "kafka").setAttribute("messaging.destination.name", topic)
                        .startSpan();
                String traceparent = "00-" + publish.getSpanContext().getTraceId() + "-"
                        + publish.getSpanContext().getSpanId() + "-01";
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, 0, ts.toEpochMilli(), null,
                        ("{\"user\":\"u" + i + "\"}").getBytes(StandardCharsets.UTF_8));
                header(r, "traceparent", traceparent);
                if (i % 6 == 0) { // a service that names itself differently on some records
                    header(r, "sourceService", "accounts-v2");
                    header(r, "correlationId", "signup-" + i);
                    header(r, "eventType", "UserRegistered");
                } else { // CloudEvents binary mode: source is a URI reference
                    header(r, "ce_specversion", "1.0");
                    header(r, "ce_id", "ev-" + i);
                    header(r, "ce_type", "UserRegistered");
                    header(r, "ce_source", "/accounts");
                    header(r, "correlationId", "signup-" + i);
                }
                producer.send(r);
                publish.end(ts.plusMillis(2));
                crm.spanBuilder("process " + topic).setParent(Context.root().with(publish))
                        .setSpanKind(SpanKind.CONSUMER).setStartTimestamp(ts.plusMillis(30))
                        .setAttribute("messaging.system", "kafka").setAttribute("messaging.destination.name", topic)
                        .setAttribute("messaging.consumer.group.name", crmGroup)
                        .startSpan().end(ts.plusMillis(40));
            }
            for (int i = 0; i < 3; i++) { // crm gives up on three signups, as Spring Kafka's dead-letter recoverer does
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(failed, 0, t0.plusSeconds(10L + i).toEpochMilli(),
                        null, ("{\"user\":\"u" + i + "\"}").getBytes(StandardCharsets.UTF_8));
                header(r, "sourceService", "crm");
                header(r, "correlationId", "signup-" + (6 * i));
                header(r, "eventType", "UserRegistered");
                header(r, "kafka_dlt-original-topic", topic);
                header(r, "kafka_dlt-exception-message", "<b>crm</b> refused it'; DROP TABLE events; --");
                producer.send(r);
            }
            producer.flush();
            export(endpoint, finished.getFinishedSpanItems());
            consumeAndCommit(kafka, topic, crmGroup);
            consumeAndCommit(kafka, topic, silentGroup);

            ApiClient api = new ApiClient(app.getBean(EmbeddedServer.class).getURL() + "/api/v1");
            String path = "/dependencies?from=" + t0 + "&to=" + t0.plusSeconds(60);
            await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                JsonNode map = api.ok(path);
                assertThat(edge(map, "PRODUCES", "accounts", topic).path("evidence").toString()).contains("span");
                assertThat(edge(map, "CONSUMES", "crm", topic).path("count").asLong()).isEqualTo(RECORDS);
                assertThat(edge(map, "PRODUCES", "accounts", topic).path("count").asLong()).isEqualTo(RECORDS);
                assertThat(edge(map, "CONSUMES", silentGroup, topic).isMissingNode()).isFalse();
                assertThat(edge(map, "PRODUCES", "crm", failed).path("count").asLong()).isEqualTo(3);
            });
            JsonNode map = api.ok(path);

            List<String> services = new ArrayList<>();
            map.get("nodes").forEach(n -> {
                if (n.get("kind").asText().equals("SERVICE")) {
                    services.add(n.get("name").asText());
                }
            });
            // One node per service: no "/accounts" beside "accounts", no alias, no consumer group with spans.
            assertThat(services).containsExactlyInAnyOrder("accounts", "crm", silentGroup);

            JsonNode produces = edge(map, "PRODUCES", "accounts", topic);
            JsonNode consumes = edge(map, "CONSUMES", "crm", topic);
            assertThat(set(produces.get("evidence"))).containsExactlyInAnyOrder("observation", "span");
            // a topic of dead letters by its records' headers: the producing service's edge says so
            assertThat(set(edge(map, "PRODUCES", "crm", failed).get("evidence")))
                    .containsExactlyInAnyOrder("observation", "dead-letter");
            assertThat(set(consumes.get("evidence"))).containsExactlyInAnyOrder("span", "consumer-group");
            double produced = produces.get("ratePerSecond").asDouble();
            double consumed = consumes.get("ratePerSecond").asDouble();
            assertThat(produced).isCloseTo(2.0, within(0.2));
            assertThat(consumed).isCloseTo(produced, within(0.1 * produced));
            assertThat(edge(map, "CONSUMES", silentGroup, topic).get("ratePerSecond").asDouble())
                    .isCloseTo(produced, within(0.1 * produced));
            assertThat(set(edge(map, "CONSUMES", silentGroup, topic).get("evidence"))).containsExactly("consumer-group");
            assertThat(set(consumes.get("eventTypes"))).contains("UserRegistered");

            // The stored records carry the resolved name too (the raw ce_source header stays as it came), so every
            // other view agrees with the map.
            JsonNode events = api.ok("/instances/signup-1/events").get("events");
            assertThat(events).hasSize(1);
            assertThat(events.get(0).get("sourceService").asText()).isEqualTo("accounts");
            assertThat(api.ok("/instances/signup-6/events").get("events").get(0).get("sourceService").asText())
                    .isEqualTo("accounts");
        }
    }

    private static void header(ProducerRecord<byte[], byte[]> r, String name, String value) {
        r.headers().add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private static void export(String endpoint, List<SpanData> spans) {
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(endpoint).build();
        for (int from = 0; from < spans.size(); from += 100) {
            CompletableResultCode result = exporter.export(spans.subList(from, Math.min(spans.size(), from + 100)))
                    .join(30, TimeUnit.SECONDS);
            assertThat(result.isSuccess()).as("export succeeded").isTrue();
        }
        exporter.shutdown().join(5, TimeUnit.SECONDS);
    }

    private static void consumeAndCommit(EmbeddedKafka kafka, String topic, String group) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            int seen = 0;
            long deadline = System.currentTimeMillis() + 30_000;
            while (seen < RECORDS && System.currentTimeMillis() < deadline) {
                seen += c.poll(Duration.ofMillis(200)).count();
            }
            assertThat(seen).isEqualTo(RECORDS);
            c.commitSync();
        }
    }

    private static JsonNode edge(JsonNode map, String role, String service, String topic) {
        for (JsonNode e : map.get("edges")) {
            if (e.get("role").asText().equals(role) && e.get("service").asText().equals(service)
                    && e.get("topic").asText().equals(topic)) {
                return e;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private static Set<String> set(JsonNode array) {
        Set<String> out = new java.util.TreeSet<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
