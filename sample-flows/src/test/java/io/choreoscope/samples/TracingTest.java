package io.choreoscope.samples;

import static io.choreoscope.samples.flows.OrderSaga.ORDER_SHIPPED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.samples.EventLog.Seen;
import io.choreoscope.samples.OtlpCapture.Received;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Spans of the sample services, exported by the real OpenTelemetry SDK over OTLP/HTTP to a receiver in this JVM. */
@ExtendWith(KafkaExtension.class)
class TracingTest {

    static SampleFlowsRunner tracedOrders(EmbeddedKafka kafka, String prefix, String endpoint) {
        return SampleFlowsRunner.start(SampleFlowsSettings.defaults().withoutFaults().toBuilder()
                .bootstrapServers(kafka.bootstrapServers())
                .topicPrefix(prefix)
                .partitions(1).rate(0).declineRate(0).shortageRate(0)
                .tracing(true).otlpEndpoint(endpoint)
                .only(Flow.ORDERS).build());
    }

    @Test
    void oneOrderIsOneTraceWhoseConsumerSpansAreChildrenOfTheProducerSpansOfTheUpstreamService(EmbeddedKafka kafka)
            throws Exception {
        String prefix = KafkaExtension.uniqueName("traced") + ".";
        try (OtlpCapture otlp = new OtlpCapture();
             SampleFlowsRunner runner = tracedOrders(kafka, prefix, otlp.endpoint());
             EventLog log = new EventLog(kafka, runner.topics().of(Flow.ORDERS))) {
            String id = runner.startInstance(Flow.ORDERS);

            // 4 PRODUCER spans (one per event) and 3 CONSUMER spans (payments, inventory, shipping)
            await().atMost(Duration.ofSeconds(20)).until(() -> otlp.spans().stream()
                    .filter(s -> id.equals(s.attributes().get("correlation.id"))).count() == 7);
            List<Received> spans = otlp.spans().stream().filter(s -> id.equals(s.attributes().get("correlation.id"))).toList();
            Map<String, Received> byId = spans.stream().collect(Collectors.toMap(Received::spanId, s -> s));

            assertThat(spans).extracting(Received::traceId).containsOnly(spans.get(0).traceId());
            Received placed = only(spans, "orders", SpanKind.SPAN_KIND_PRODUCER);
            assertThat(placed.parentSpanId()).isEmpty();

            String upstream = "orders";
            Received upstreamPublish = placed;
            for (String service : List.of("payments", "inventory", "shipping")) {
                Received process = only(spans, service, SpanKind.SPAN_KIND_CONSUMER);
                Received publish = only(spans, service, SpanKind.SPAN_KIND_PRODUCER);
                assertThat(process.parentSpanId()).as(service + " process parent").isEqualTo(upstreamPublish.spanId());
                assertThat(byId.get(process.parentSpanId()).service()).isEqualTo(upstream);
                assertThat(publish.parentSpanId()).as(service + " publish parent").isEqualTo(process.spanId());

                assertThat(process.name()).isEqualTo("process " + upstreamPublish.attributes().get("messaging.destination.name"));
                assertThat(process.attributes())
                        .containsEntry("messaging.system", "kafka")
                        .containsEntry("messaging.operation.type", "process")
                        .containsEntry("messaging.destination.name", upstreamPublish.attributes().get("messaging.destination.name"))
                        .containsEntry("messaging.consumer.group.name", prefix + service)
                        .containsEntry("messaging.kafka.message.offset", upstreamPublish.attributes().get("messaging.kafka.message.offset"))
                        .containsEntry("correlation.id", id);
                upstream = service;
                upstreamPublish = publish;
            }
            assertThat(spans).filteredOn(s -> s.kind() == SpanKind.SPAN_KIND_PRODUCER).allSatisfy(p -> assertThat(p.attributes())
                    .containsEntry("messaging.system", "kafka")
                    .containsEntry("messaging.operation.type", "publish")
                    .containsKeys("messaging.destination.name", "messaging.kafka.message.offset", "messaging.message.id"));

            // what went over Kafka: each record's traceparent names the PRODUCER span that published it
            await().atMost(Duration.ofSeconds(10)).until(() -> log.all().stream()
                    .anyMatch(s -> ORDER_SHIPPED.equals(s.header("eventType"))));
            for (Seen record : log.all().stream().filter(s -> id.equals(s.header("correlationId"))).toList()) {
                Received publisher = spans.stream().filter(s -> s.kind() == SpanKind.SPAN_KIND_PRODUCER
                        && record.header("eventId").equals(s.attributes().get("messaging.message.id")))
                        .findFirst().orElseThrow();
                assertThat(record.header("traceparent"))
                        .isEqualTo("00-" + publisher.traceId() + "-" + publisher.spanId() + "-01");
            }
        }
    }

    @Test
    void theErrorFaultEndsTheConsumerSpanWithErrorAndAnExceptionAndPublishesNothing(EmbeddedKafka kafka) throws Exception {
        String prefix = KafkaExtension.uniqueName("erring") + ".";
        try (OtlpCapture otlp = new OtlpCapture();
             SampleFlowsRunner runner = SampleFlowsRunner.start(SampleFlowsSettings.defaults().withoutFaults().toBuilder()
                     .bootstrapServers(kafka.bootstrapServers()).topicPrefix(prefix)
                     .partitions(1).rate(0).declineRate(0).shortageRate(0)
                     .tracing(true).otlpEndpoint(otlp.endpoint())
                     .errorService("inventory").errorRate(1)
                     .only(Flow.ORDERS).build())) {
            String id = runner.startInstance(Flow.ORDERS);

            await().atMost(Duration.ofSeconds(20)).until(() -> otlp.spans().stream().anyMatch(s -> "inventory".equals(s.service())
                    && s.kind() == SpanKind.SPAN_KIND_CONSUMER && id.equals(s.attributes().get("correlation.id"))));
            Received process = only(otlp.spans().stream().filter(s -> id.equals(s.attributes().get("correlation.id"))).toList(),
                    "inventory", SpanKind.SPAN_KIND_CONSUMER);
            assertThat(process.status()).isEqualTo(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
            assertThat(process.statusMessage()).isEqualTo(io.choreoscope.samples.service.SampleService.ERROR_STATUS);
            assertThat(process.attributes()).containsEntry("sample.fault", "error");
            assertThat(process.events()).singleElement().satisfies(e -> {
                assertThat(e.name()).isEqualTo("exception");
                assertThat(e.attributes()).containsEntry("exception.type", "io.choreoscope.samples.service.SimulatedFailure")
                        .containsKey("exception.stacktrace");
                assertThat((String) e.attributes().get("exception.message"))
                        .startsWith("inventory could not handle PaymentCaptured ").contains(id, "not dead-lettered");
            });
            assertThat(runner.service("inventory").orElseThrow().erroredCount()).isEqualTo(1);

            // it gave up: published nothing (no StockReserved), dead-lettered nothing; the span ends after both would
            assertThat(runner.service("inventory").orElseThrow().publishedCount()).isZero();
            assertThat(runner.service("inventory").orElseThrow().deadLetteredCount()).isZero();
            assertThat(otlp.spans()).noneMatch(s -> "inventory".equals(s.service()) && s.kind() == SpanKind.SPAN_KIND_PRODUCER);
        }
    }

    @Test
    void unreachableCollectorDoesNotStopTheServices(EmbeddedKafka kafka) throws Exception {
        String deadEndpoint = "http://127.0.0.1:" + freePort() + "/v1/traces";
        SampleFlowsRunner runner = tracedOrders(kafka, KafkaExtension.uniqueName("untraced") + ".", deadEndpoint);
        try (EventLog log = new EventLog(kafka, runner.topics().of(Flow.ORDERS))) {
            String id = runner.startInstance(Flow.ORDERS);

            await().atMost(Duration.ofSeconds(20)).until(() -> log.all().stream()
                    .anyMatch(s -> id.equals(s.header("correlationId")) && ORDER_SHIPPED.equals(s.header("eventType"))));
            assertThat(log.all()).allSatisfy(s -> assertThat(s.header("traceparent")).startsWith("00-"));
        } finally {
            long start = System.nanoTime();
            runner.close();
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .as("close with a dead collector is bounded by the telemetry shutdown timeout")
                    .isLessThan(Duration.ofMillis(SampleFlowsRunner.TELEMETRY_SHUTDOWN_MS + 10_000));
        }
    }

    private static Received only(List<Received> spans, String service, SpanKind kind) {
        List<Received> matching = spans.stream().filter(s -> service.equals(s.service()) && s.kind() == kind).toList();
        assertThat(matching).as(service + " " + kind).hasSize(1);
        return matching.get(0);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }
}
