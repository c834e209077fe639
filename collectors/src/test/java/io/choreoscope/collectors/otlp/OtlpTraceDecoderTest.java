package io.choreoscope.collectors.otlp;

import com.google.protobuf.ByteString;
import io.choreoscope.model.Span;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Status;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OtlpTraceDecoderTest {

    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String SPAN = "00f067aa0ba902b7";
    static final String PARENT = "a3ce929d0e0e4736";
    static final long START = 1_718_000_000_123_456_789L;

    final OtlpTraceDecoder decoder = new OtlpTraceDecoder(OtlpConfig.DEFAULT_CORRELATION_ATTRIBUTES, 1 << 20);

    static KeyValue attr(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    static io.opentelemetry.proto.trace.v1.Span.Builder span(String traceHex, String spanHex) {
        return io.opentelemetry.proto.trace.v1.Span.newBuilder()
                .setTraceId(ByteString.copyFrom(HexFormat.of().parseHex(traceHex)))
                .setSpanId(ByteString.copyFrom(HexFormat.of().parseHex(spanHex)))
                .setName("orders publish")
                .setStartTimeUnixNano(START)
                .setEndTimeUnixNano(START + 2_500_000);
    }

    static ExportTraceServiceRequest request(Resource resource, io.opentelemetry.proto.trace.v1.Span... spans) {
        return ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(ResourceSpans.newBuilder().setResource(resource)
                        .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans))))
                .build();
    }

    static Resource service(String name) {
        return Resource.newBuilder().addAttributes(attr("service.name", name)).build();
    }

    @Test
    void protobufSpanKeepsIdsTimesKindStatusAndMessagingColumns() throws Exception {
        var proto = span(TRACE, SPAN).setParentSpanId(ByteString.copyFrom(HexFormat.of().parseHex(PARENT)))
                .setKind(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_PRODUCER)
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("broker down"))
                .addAttributes(attr("messaging.system", "kafka"))
                .addAttributes(attr("messaging.destination.name", "orders"))
                .addAttributes(attr("messaging.operation.type", "publish"))
                .addAttributes(attr("messaging.message.id", "m-1"))
                .addAttributes(attr("messaging.consumer.group.name", "billing"))
                .addAttributes(KeyValue.newBuilder().setKey("retries")
                        .setValue(AnyValue.newBuilder().setIntValue(3)))
                .addAttributes(KeyValue.newBuilder().setKey("tags").setValue(AnyValue.newBuilder()
                        .setArrayValue(ArrayValue.newBuilder()
                                .addValues(AnyValue.newBuilder().setStringValue("a"))
                                .addValues(AnyValue.newBuilder().setBoolValue(true)))))
                .build();

        OtlpTraceDecoder.Result result = decoder.decode(request(service("orders"), proto).toByteArray(),
                OtlpEncoding.PROTOBUF, null);

        assertThat(result.rejectedSpans()).isZero();
        assertThat(result.errorMessage()).isNull();
        Span s = result.spans().get(0);
        assertThat(s.traceId()).isEqualTo(TRACE);
        assertThat(s.spanId()).isEqualTo(SPAN);
        assertThat(s.parentSpanId()).isEqualTo(PARENT);
        assertThat(s.service()).isEqualTo("orders");
        assertThat(s.kind()).isEqualTo("PRODUCER");
        assertThat(s.start()).isEqualTo(Instant.ofEpochSecond(1_718_000_000L, 123_456_789L));
        assertThat(s.durationNanos()).isEqualTo(2_500_000L);
        assertThat(s.statusCode()).isEqualTo("ERROR");
        assertThat(s.statusMessage()).isEqualTo("broker down");
        assertThat(s.messagingSystem()).isEqualTo("kafka");
        assertThat(s.messagingDestination()).isEqualTo("orders");
        assertThat(s.messagingOperation()).isEqualTo("publish");
        assertThat(s.messagingMessageId()).isEqualTo("m-1");
        assertThat(s.consumerGroup()).isEqualTo("billing");
        assertThat(s.attributes()).containsEntry("retries", "3").containsEntry("tags", "[\"a\",true]");
    }

    @Test
    void olderMessagingKeysFillTheSameColumns() throws Exception {
        var proto = span(TRACE, SPAN)
                .addAttributes(attr("messaging.destination", "payments"))
                .addAttributes(attr("messaging.operation", "receive"))
                .addAttributes(attr("messaging.kafka.consumer.group", "shipping"))
                .build();

        Span s = decoder.convert(request(service("x"), proto)).spans().get(0);

        assertThat(s.messagingDestination()).isEqualTo("payments");
        assertThat(s.messagingOperation()).isEqualTo("receive");
        assertThat(s.consumerGroup()).isEqualTo("shipping");
        assertThat(s.parentSpanId()).isNull();
        assertThat(s.kind()).isEqualTo("INTERNAL");
        assertThat(s.statusCode()).isEqualTo("UNSET");
    }

    /** RabbitMQ spans name the exchange; they are stored under the topic the RabbitMQ tap gives it, so they join its events. */
    @Test
    void rabbitMqSpansNameTheTappedExchangeTopic() throws Exception {
        Span publish = decoder.convert(request(service("shipping"), span(TRACE, SPAN)
                .addAttributes(attr("messaging.system", "rabbitmq"))
                .addAttributes(attr("messaging.destination.name", "shipping"))
                .addAttributes(attr("messaging.rabbitmq.destination.routing_key", "order.shipped")).build())).spans().get(0);
        Span inVhost = decoder.convert(request(service("notify"), span(TRACE, SPAN)
                .addAttributes(attr("messaging.system", "rabbitmq"))
                .addAttributes(attr("messaging.rabbitmq.vhost", "shop"))
                .addAttributes(attr("messaging.destination", "shipping")).build())).spans().get(0);
        Span defaultExchange = decoder.convert(request(service("notify"), span(TRACE, SPAN)
                .addAttributes(attr("messaging.system", "rabbitmq"))
                .addAttributes(attr("messaging.destination.name", "<default>")).build())).spans().get(0);
        Span kafka = decoder.convert(request(service("orders"), span(TRACE, SPAN)
                .addAttributes(attr("messaging.system", "kafka"))
                .addAttributes(attr("messaging.destination.name", "shipping")).build())).spans().get(0);

        assertThat(publish.messagingSystem()).isEqualTo("rabbitmq");
        assertThat(publish.messagingDestination()).isEqualTo(io.choreoscope.model.Topics.rabbitMq("/", "shipping"))
                .isEqualTo("rabbitmq:shipping");
        assertThat(publish.attributes()).containsEntry("messaging.destination.name", "shipping");
        assertThat(inVhost.messagingDestination()).isEqualTo("rabbitmq:shop:shipping");
        assertThat(defaultExchange.messagingDestination()).isEqualTo("rabbitmq:amq.default");
        assertThat(kafka.messagingDestination()).isEqualTo("shipping");
    }

    @Test
    void correlationIdComesFromConfiguredAttributesInOrder() {
        var proto = span(TRACE, SPAN).addAttributes(attr("correlation_id", "late"))
                .addAttributes(attr("correlationId", "early")).build();

        assertThat(decoder.convert(request(service("x"), proto)).spans().get(0).correlationId()).isEqualTo("early");
    }

    @Test
    void correlationIdComesFromBaggageCopiedToAttributesOrFromBaggageHeader() {
        var copied = span(TRACE, SPAN).addAttributes(attr("baggage.correlation.id", "order-7")).build();
        var header = span(TRACE, "00f067aa0ba902b8")
                .addAttributes(attr("baggage", "user=u1;ttl=3, correlationId=order%2D8")).build();
        var configured = new OtlpTraceDecoder(List.of("orderId"), 1 << 20);
        var custom = span(TRACE, "00f067aa0ba902b9").addAttributes(attr("orderId", "o-9")).build();

        List<Span> spans = decoder.convert(request(service("x"), copied, header)).spans();
        assertThat(spans).extracting(Span::correlationId).containsExactly("order-7", "order-8");
        assertThat(configured.convert(request(service("x"), custom)).spans().get(0).correlationId()).isEqualTo("o-9");
        assertThat(decoder.convert(request(service("x"), custom)).spans().get(0).correlationId()).isNull();
    }

    @Test
    void missingServiceNameBecomesUnknownService() {
        var proto = span(TRACE, SPAN).build();

        assertThat(decoder.convert(request(Resource.getDefaultInstance(), proto)).spans().get(0).service())
                .isEqualTo(OtlpTraceDecoder.UNKNOWN_SERVICE);
    }

    @Test
    void invalidSpansAreRejectedAloneAndCounted() {
        var good = span(TRACE, SPAN).build();
        var shortTrace = span("4bf92f3577b34da6a3ce929d0e0e47", SPAN).build();
        var noSpanId = span(TRACE, SPAN).clearSpanId().build();
        var zeroTrace = span("00000000000000000000000000000000", SPAN).build();
        var backwards = span(TRACE, SPAN).setEndTimeUnixNano(START - 1).build();

        OtlpTraceDecoder.Result result = decoder.convert(
                request(service("x"), good, shortTrace, noSpanId, zeroTrace, backwards));

        assertThat(result.spans()).hasSize(1);
        assertThat(result.rejectedSpans()).isEqualTo(4);
        assertThat(result.errorMessage()).startsWith("4 invalid spans rejected: ")
                .contains("spans[1]", "trace_id must be 16 bytes", "span_id must be 8 bytes").endsWith("; ...");
    }

    @Test
    void eventsAndLinksAreKeptAsJson() {
        var proto = span(TRACE, SPAN)
                .addEvents(io.opentelemetry.proto.trace.v1.Span.Event.newBuilder().setName("exception")
                        .setTimeUnixNano(START + 1).addAttributes(attr("exception.type", "Boom")))
                .addLinks(io.opentelemetry.proto.trace.v1.Span.Link.newBuilder()
                        .setTraceId(ByteString.copyFrom(HexFormat.of().parseHex(TRACE)))
                        .setSpanId(ByteString.copyFrom(HexFormat.of().parseHex(PARENT))))
                .build();

        Span s = decoder.convert(request(service("x"), proto)).spans().get(0);

        assertThat(s.eventsJson()).isEqualTo("[{\"name\":\"exception\",\"timeUnixNano\":\"" + (START + 1)
                + "\",\"attributes\":{\"exception.type\":\"Boom\"}}]");
        assertThat(s.linksJson()).isEqualTo("[{\"traceId\":\"" + TRACE + "\",\"spanId\":\"" + PARENT
                + "\",\"attributes\":{}}]");
    }

    static final String JSON_BODY = """
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"payments"}}]},
              "scopeSpans":[{"scope":{"name":"manual"},"spans":[
                {"traceId":"%s","spanId":"%s","parentSpanId":"%s","name":"payments process","kind":5,
                 "startTimeUnixNano":"%d","endTimeUnixNano":"%d","futureField":{"x":1},
                 "attributes":[{"key":"messaging.system","value":{"stringValue":"kafka"}},
                               {"key":"correlation.id","value":{"stringValue":"order-1"}}],
                 "status":{"code":"STATUS_CODE_OK"}},
                {"traceId":"not-hex","spanId":"%s","name":"broken","startTimeUnixNano":"%d"}
              ]}]}],
             "somethingNew":true}
            """.formatted(TRACE, SPAN, PARENT, START, START + 1000, SPAN, START);

    @Test
    void otlpJsonWithHexIdsIntegerEnumsAndUnknownFieldsDecodes() throws Exception {
        OtlpTraceDecoder.Result result = decoder.decode(JSON_BODY.getBytes(StandardCharsets.UTF_8),
                OtlpEncoding.JSON, null);

        assertThat(result.rejectedSpans()).isEqualTo(1);
        assertThat(result.errorMessage()).contains("'broken'", "trace_id");
        Span s = result.spans().get(0);
        assertThat(s.traceId()).isEqualTo(TRACE);
        assertThat(s.spanId()).isEqualTo(SPAN);
        assertThat(s.parentSpanId()).isEqualTo(PARENT);
        assertThat(s.kind()).isEqualTo("CONSUMER");
        assertThat(s.statusCode()).isEqualTo("OK");
        assertThat(s.service()).isEqualTo("payments");
        assertThat(s.durationNanos()).isEqualTo(1000);
        assertThat(s.correlationId()).isEqualTo("order-1");
    }

    @Test
    void gzipBodiesAreDecompressed() throws Exception {
        byte[] body = gzip(JSON_BODY.getBytes(StandardCharsets.UTF_8));

        assertThat(decoder.decode(body, OtlpEncoding.JSON, "gzip").spans()).hasSize(1);
    }

    @Test
    void gzipThatExpandsPastTheLimitIs413() throws Exception {
        byte[] bomb = gzip(new byte[2 << 20]);

        assertThatThrownBy(() -> decoder.decode(bomb, OtlpEncoding.PROTOBUF, "gzip"))
                .isInstanceOfSatisfying(OtlpRequestException.class, e -> assertThat(e.httpStatus()).isEqualTo(413));
    }

    @Test
    void malformedBodiesAre400WithAReason() {
        assertThatThrownBy(() -> decoder.decode(new byte[]{(byte) 0xff, 0x01, 0x02}, OtlpEncoding.PROTOBUF, null))
                .isInstanceOfSatisfying(OtlpRequestException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.getMessage()).startsWith("malformed protobuf");
                });
        assertThatThrownBy(() -> decoder.decode("{\"resourceSpans\":[".getBytes(), OtlpEncoding.JSON, null))
                .isInstanceOfSatisfying(OtlpRequestException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.getMessage()).startsWith("malformed JSON");
                });
        assertThatThrownBy(() -> decoder.decode("{\"resourceSpans\":42}".getBytes(), OtlpEncoding.JSON, null))
                .isInstanceOfSatisfying(OtlpRequestException.class, e -> assertThat(e.httpStatus()).isEqualTo(400));
        assertThatThrownBy(() -> decoder.decode("not gzip".getBytes(), OtlpEncoding.JSON, "gzip"))
                .isInstanceOfSatisfying(OtlpRequestException.class, e -> assertThat(e.httpStatus()).isEqualTo(400));
    }

    @Test
    void unsupportedContentEncodingIs415() {
        assertThatThrownBy(() -> decoder.decode(new byte[0], OtlpEncoding.PROTOBUF, "br"))
                .isInstanceOfSatisfying(OtlpRequestException.class, e -> assertThat(e.httpStatus()).isEqualTo(415));
    }

    @Test
    void contentTypesMapToEncodings() {
        assertThat(OtlpEncoding.fromContentType("application/x-protobuf")).isEqualTo(OtlpEncoding.PROTOBUF);
        assertThat(OtlpEncoding.fromContentType("application/json; charset=utf-8")).isEqualTo(OtlpEncoding.JSON);
        assertThat(OtlpEncoding.fromContentType("text/plain")).isNull();
        assertThat(OtlpEncoding.fromContentType(null)).isNull();
    }

    static byte[] gzip(byte[] plain) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(plain);
        }
        return out.toByteArray();
    }
}
