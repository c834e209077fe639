package io.choreoscope.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.choreoscope.collectors.otlp.OtlpReceiver;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.model.EventReader;
import io.choreoscope.model.Observation;
import io.choreoscope.model.Span;
import io.choreoscope.model.SpanReader;
import io.choreoscope.model.SpanReader.EventSpans;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Services' spans exported with the real OpenTelemetry SDK (OTLP/HTTP protobuf and JSON) to the
 * running application, their Kafka records tapped from a real broker, and both found in a real
 * ClickHouse, joined: by trace context, by messaging attributes and by correlation attribute.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class OtlpIntoClickHouseTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String HOSTILE = "x'); DROP TABLE spans; -- <script>alert(1)</script>\n\t\"a,b=c\" \u0000 Zürich";

    /** Collects what the SDK finished, so a test can export chosen spans over chosen encodings. */
    private static SdkTracerProvider provider(String service, InMemorySpanExporter sink) {
        return SdkTracerProvider.builder()
                .setResource(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), service)))
                .addSpanProcessor(SimpleSpanProcessor.create(sink))
                .build();
    }

    private static RecordMetadata send(KafkaProducer<byte[], byte[]> p, String topic, String json, String... headers)
            throws Exception {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, json.getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            r.headers().add(headers[i], headers[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        return p.send(r).get();
    }

    private static void exportProtobuf(String endpoint, List<SpanData> spans) {
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(endpoint).build();
        CompletableResultCode result = exporter.export(spans).join(30, TimeUnit.SECONDS);
        exporter.shutdown().join(5, TimeUnit.SECONDS);
        assertThat(result.isSuccess()).as("protobuf export succeeded").isTrue();
    }

    private static void exportJson(String endpoint, List<SpanData> spans) throws Exception {
        // As in OtlpReceiverTest: the SDK's own OTLP/JSON marshaler encodes, the JDK client posts.
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        TraceRequestMarshaler.create(spans).writeJsonTo(json);
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(endpoint))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    private static String traceparent(io.opentelemetry.api.trace.Span span) {
        return "00-" + span.getSpanContext().getTraceId() + "-" + span.getSpanContext().getSpanId() + "-01";
    }

    @Test
    void sdkExportedSpansAreStoredOnceAndJoinedToTheirKafkaEvents(EmbeddedKafka kafka) throws Exception {
        String prefix = KafkaExtension.uniqueName("traced");
        String orders = prefix + "-orders";
        String payments = prefix + "-payments";
        kafka.createTopic(orders, 2);
        kafka.createTopic(payments, 2);
        String db = ClickHouseExtension.createDatabase();
        String cid = "order-" + prefix;

        InMemorySpanExporter finished = InMemorySpanExporter.create();
        SdkTracerProvider ordersSvc = provider("orders", finished);
        SdkTracerProvider paymentsSvc = provider("payments", finished);
        SdkTracerProvider auditSvc = provider("audit", finished);
        Tracer ordersTracer = ordersSvc.get("test");
        Tracer paymentsTracer = paymentsSvc.get("test");
        Tracer auditTracer = auditSvc.get("test");

        try (ApplicationContext app = TestApplication.start(prefix, db, Map.of());
             KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
            String endpoint = "http://127.0.0.1:" + app.getBean(OtlpReceiver.class).port() + OtlpReceiver.TRACES_PATH;

            // 1. Trace context: the record's traceparent names the producer span.
            io.opentelemetry.api.trace.Span publish = ordersTracer.spanBuilder("orders publish")
                    .setSpanKind(SpanKind.PRODUCER)
                    .setAttribute("messaging.system", "kafka")
                    .setAttribute("messaging.destination.name", orders)
                    .setAttribute("messaging.operation.type", "publish")
                    .startSpan();
            RecordMetadata placed = send(producer, orders,
                    "{\"correlationId\":\"" + cid + "\",\"eventType\":\"OrderPlaced\",\"eventId\":\"ev-1-" + prefix + "\"}",
                    "traceparent", traceparent(publish));
            publish.end();
            io.opentelemetry.api.trace.Span process = paymentsTracer.spanBuilder("orders process")
                    .setParent(Context.root().with(publish))
                    .setSpanKind(SpanKind.CONSUMER)
                    .setAttribute("messaging.system", "kafka")
                    .setAttribute("messaging.destination.name", orders)
                    .setAttribute("messaging.operation.type", "process")
                    .setAttribute("messaging.consumer.group.name", "billing")
                    .setAttribute("note", HOSTILE)
                    .startSpan();
            paymentsTracer.spanBuilder("charge card").setParent(Context.root().with(process)).startSpan().end();
            process.end();
            // A batch consumer in its own trace, linking to the producer span.
            auditTracer.spanBuilder("orders batch").setSpanKind(SpanKind.CONSUMER)
                    .setNoParent().addLink(publish.getSpanContext()).startSpan().end();

            // 2. Messaging attributes: records without traceparent, named by message ID or by partition/offset.
            String paymentEventId = "ev-2-" + prefix;
            RecordMetadata captured = send(producer, payments,
                    "{\"correlationId\":\"" + cid + "\",\"eventType\":\"PaymentCaptured\",\"eventId\":\"" + paymentEventId + "\"}");
            RecordMetadata audited = send(producer, payments,
                    "{\"correlationId\":\"" + cid + "\",\"eventType\":\"PaymentAudited\"}");
            auditTracer.spanBuilder("payments receive").setSpanKind(SpanKind.CONSUMER).setNoParent()
                    .setAttribute("messaging.system", "kafka")
                    .setAttribute("messaging.destination.name", payments)
                    .setAttribute("messaging.message.id", paymentEventId)
                    .startSpan().end();
            auditTracer.spanBuilder("payments process").setSpanKind(SpanKind.CONSUMER).setNoParent()
                    .setAttribute("messaging.system", "kafka")
                    .setAttribute("messaging.destination.name", payments)
                    .setAttribute("messaging.destination.partition.id", String.valueOf(audited.partition()))
                    .setAttribute("messaging.kafka.message.offset", audited.offset())
                    .startSpan().end();

            // 3. Correlation attribute and baggage, in traces of their own.
            auditTracer.spanBuilder("fraud check").setNoParent().setAttribute("correlation.id", cid).startSpan().end();
            auditTracer.spanBuilder("ledger post").setNoParent()
                    .setAttribute("baggage", "tenant=t1,correlationId=" + cid).startSpan().end();
            // Unrelated: nothing joins it.
            auditTracer.spanBuilder("unrelated").setNoParent().setAttribute("correlation.id", "other").startSpan().end();

            List<SpanData> all = finished.getFinishedSpanItems();
            assertThat(all).hasSize(9);
            exportProtobuf(endpoint, all.subList(0, 5));
            exportJson(endpoint, all.subList(5, all.size()));
            exportProtobuf(endpoint, all); // an exporter retry: every span re-sent

            EventReader events = app.getBean(EventReader.class);
            SpanReader spans = app.getBean(SpanReader.class);
            String publishTrace = publish.getSpanContext().getTraceId();
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(events.eventsOf(cid)).hasSize(3);
                assertThat(spans.spansOf(cid)).hasSize(8);
            });

            // Each span shows once, though every one was sent twice.
            assertThat(spans.trace(publishTrace)).extracting(Span::name)
                    .containsExactlyInAnyOrder("orders publish", "orders process", "charge card");
            for (SpanData d : all) {
                assertThat(spans.trace(d.getTraceId()).stream().filter(s -> s.spanId().equals(d.getSpanId())))
                        .as(d.getName()).hasSize(1);
            }

            // By trace context: producer span from traceparent; its child and the linking batch consumer.
            Observation orderPlaced = events.event(orders, placed.partition(), placed.offset()).orElseThrow();
            assertThat(orderPlaced.spanId()).isEqualTo(publish.getSpanContext().getSpanId());
            EventSpans joined = spans.spansJoinedTo(orderPlaced);
            assertThat(joined.producer()).extracting(Span::name, Span::service, Span::kind, Span::messagingDestination)
                    .containsExactly("orders publish", "orders", "PRODUCER", orders);
            assertThat(joined.consumers()).extracting(Span::name).containsExactlyInAnyOrder("orders process", "orders batch");
            Span consumer = joined.consumers().stream().filter(s -> s.name().equals("orders process")).findFirst().orElseThrow();
            assertThat(consumer.consumerGroup()).isEqualTo("billing");
            assertThat(consumer.service()).isEqualTo("payments");
            assertThat(consumer.attributes()).containsEntry("note", HOSTILE);

            // By messaging attributes: message ID = event ID; partition/offset = the record's.
            Observation paymentCaptured = events.event(payments, captured.partition(), captured.offset()).orElseThrow();
            assertThat(spans.spansJoinedTo(paymentCaptured).consumers()).extracting(Span::name)
                    .containsExactly("payments receive");
            Observation paymentAudited = events.event(payments, audited.partition(), audited.offset()).orElseThrow();
            EventSpans byOffset = spans.spansJoinedTo(paymentAudited);
            assertThat(byOffset.producer()).isNull();
            assertThat(byOffset.consumers()).extracting(Span::name).containsExactly("payments process");

            // By correlation: everything above, plus the spans carrying the correlation ID; not the unrelated one.
            assertThat(spans.spansOf(cid)).extracting(Span::name).containsExactlyInAnyOrder(
                    "orders publish", "orders process", "charge card", "orders batch", "payments receive",
                    "payments process", "fraud check", "ledger post");
        } finally {
            ordersSvc.close();
            paymentsSvc.close();
            auditSvc.close();
        }
    }
}
