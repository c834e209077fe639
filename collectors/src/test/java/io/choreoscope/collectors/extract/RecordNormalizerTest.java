package io.choreoscope.collectors.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.choreoscope.model.Header;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ParseStatus;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.core.message.Encoding;
import io.cloudevents.jackson.JsonFormat;
import io.cloudevents.kafka.CloudEventSerializer;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class RecordNormalizerTest {
    private static final Instant T = Instant.parse("2026-11-22T10:00:00Z");
    private final RecordNormalizer normalizer = new RecordNormalizer(ExtractionRules.defaults());

    private static RawRecord record(String key, String value, Header... headers) {
        return new RawRecord("orders", 0, 7, T, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                List.of(headers), value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    private Observation normalize(RawRecord r) {
        return normalizer.normalize(r, T.plusSeconds(1));
    }

    @Test
    void correlationHeaderAndEventTypeHeaderAreExtracted() {
        Observation o = normalize(record("k", "{\"amount\":3}",
                Header.of("correlationId", "order-1"), Header.of("eventType", "OrderPlaced"),
                Header.of("sourceService", "orders-svc")));
        assertThat(o.correlationId()).isEqualTo("order-1");
        assertThat(o.eventType()).isEqualTo("OrderPlaced");
        assertThat(o.sourceService()).isEqualTo("orders-svc");
        assertThat(o.parseStatus()).isEqualTo(ParseStatus.OK);
        assertThat(o.contentType()).isEqualTo("application/json");
        assertThat(o.coordinates()).isEqualTo("orders/0/7");
    }

    @Test
    void headerNamesMatchCaseInsensitively() {
        assertThat(normalize(record(null, "{}", Header.of("x-correlation-id", "c-9"))).correlationId()).isEqualTo("c-9");
        assertThat(normalize(record(null, "{}", Header.of("correlation-id", "c-8"))).correlationId()).isEqualTo("c-8");
        assertThat(normalize(record(null, "{}", Header.of("CORRELATIONID", "c-7"))).correlationId()).isEqualTo("c-7");
        assertThat(normalize(record(null, "{}", Header.of("ContentType", "text/csv"))).contentType()).isEqualTo("text/csv");
        RecordView view = new RecordView(record(null, "{}", Header.of("Trace-Id", "a"), Header.of("TRACE-ID", "b")));
        assertThat(view.headerText("trace-ID")).isEqualTo("a"); // the first of that name
        assertThat(view.headerText("traceId")).isNull();
    }

    @Test
    void payloadFieldsAreUsedWhenNoHeaderMatches() {
        Observation o = normalize(record(null,
                "{\"correlationId\":\"pay-42\",\"type\":\"PaymentCaptured\",\"eventId\":\"e1\",\"causationId\":\"e0\",\"source\":\"payments\"}"));
        assertThat(o.correlationId()).isEqualTo("pay-42");
        assertThat(o.eventType()).isEqualTo("PaymentCaptured");
        assertThat(o.eventId()).isEqualTo("e1");
        assertThat(o.causationId()).isEqualTo("e0");
        assertThat(o.sourceService()).isEqualTo("payments");
    }

    @Test
    void headerWinsOverPayloadBecauseRulesAreOrdered() {
        Observation o = normalize(record(null, "{\"correlationId\":\"from-payload\"}",
                Header.of("correlationId", "from-header")));
        assertThat(o.correlationId()).isEqualTo("from-header");
    }

    @Test
    void cloudEventInBinaryModeIsReadThroughTheSdk() {
        CloudEvent ce = CloudEventBuilder.v1().withId("ce-1").withType("ContentUploaded")
                .withSource(URI.create("/content-svc")).withExtension("correlationid", "content-77")
                .withDataContentType("application/json").withData("{\"title\":\"x\"}".getBytes(StandardCharsets.UTF_8))
                .build();
        RecordHeaders kh = new RecordHeaders();
        byte[] value;
        try (CloudEventSerializer ser = new CloudEventSerializer()) {
            ser.configure(java.util.Map.of(CloudEventSerializer.ENCODING_CONFIG, Encoding.BINARY), false);
            value = ser.serialize("content", kh, ce);
        }
        List<Header> headers = new ArrayList<>();
        kh.forEach(h -> headers.add(new Header(h.key(), h.value())));
        Observation o = normalize(new RawRecord("content", 0, 1, T, null, headers, value));
        assertThat(o.correlationId()).isEqualTo("content-77");
        assertThat(o.eventId()).isEqualTo("ce-1");
        assertThat(o.eventType()).isEqualTo("ContentUploaded");
        assertThat(o.sourceService()).isEqualTo("/content-svc");
        assertThat(o.parseStatus()).isEqualTo(ParseStatus.OK);
    }

    @Test
    void cloudEventInStructuredModeIsReadThroughTheSdk() {
        CloudEvent ce = CloudEventBuilder.v1().withId("ce-2").withType("UserRegistered")
                .withSource(URI.create("/signup")).withExtension("correlationid", "user-5")
                .withDataContentType("application/json").withData("{\"email\":\"a@b\"}".getBytes(StandardCharsets.UTF_8))
                .build();
        byte[] value = new JsonFormat().serialize(ce);
        Observation o = normalize(new RawRecord("users", 0, 1, T, null,
                List.of(Header.of("content-type", "application/cloudevents+json")), value));
        assertThat(o.correlationId()).isEqualTo("user-5");
        assertThat(o.eventType()).isEqualTo("UserRegistered");
        assertThat(o.eventId()).isEqualTo("ce-2");
        // Without the content-type header the envelope is still recognised by its attributes.
        Observation bare = normalize(new RawRecord("users", 0, 2, T, null, List.of(), value));
        assertThat(bare.correlationId()).isEqualTo("user-5");
        assertThat(bare.eventType()).isEqualTo("UserRegistered");
    }

    @Test
    void brokenCloudEventIsFlaggedAndKept() {
        Observation o = normalize(record(null, "{not json", Header.of("content-type", "application/cloudevents+json")));
        assertThat(o.parseStatus()).isEqualTo(ParseStatus.MALFORMED_CLOUDEVENT);
        assertThat(o.parseError()).contains("CloudEvent");
        assertThat(new String(o.payload(), StandardCharsets.UTF_8)).isEqualTo("{not json");
    }

    @Test
    void traceIdIsTheLastResortForCorrelation() {
        String tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        Observation o = normalize(record(null, "{}", Header.of("traceparent", tp)));
        assertThat(o.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(o.spanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(o.correlationId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    }

    @Test
    void invalidTraceparentIsIgnored() {
        Observation o = normalize(record(null, "{}", Header.of("traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01")));
        assertThat(o.traceId()).isNull();
        assertThat(o.correlated()).isFalse();
        assertThat(TraceContext.parse("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")).isNull();
        assertThat(TraceContext.parse("garbage")).isNull();
    }

    @Test
    void recordMatchingNoRuleIsKeptUncorrelated() {
        Observation o = normalize(record("k", "{\"foo\":1}"));
        assertThat(o.correlated()).isFalse();
        assertThat(o.parseStatus()).isEqualTo(ParseStatus.OK);
    }

    @Test
    void userRulesReadKeyRegexAndTopicRegex() {
        ExtractionRules rules = ExtractionRules.defaults()
                .withRules(Field.CORRELATION_ID, List.of("key-regex:^order-(\\d+)$", "key"))
                .withRules(Field.EVENT_TYPE, List.of("topic-regex:^(.*)-events$"));
        RecordNormalizer n = new RecordNormalizer(rules);
        Observation o = n.normalize(new RawRecord("shipping-events", 0, 0, T, "order-123".getBytes(StandardCharsets.UTF_8),
                List.of(), "{}".getBytes(StandardCharsets.UTF_8)), T);
        assertThat(o.correlationId()).isEqualTo("123");
        assertThat(o.eventType()).isEqualTo("shipping");
        Observation plainKey = n.normalize(new RawRecord("x", 0, 0, T, "abc".getBytes(StandardCharsets.UTF_8),
                List.of(), null), T);
        assertThat(plainKey.correlationId()).isEqualTo("abc");
    }

    @Test
    void jsonPointerRuleReachesNestedFieldsAndNumbers() {
        ExtractionRules rules = ExtractionRules.defaults()
                .withRulesFirst(Field.CORRELATION_ID, List.of("json:/order/id"));
        Observation o = new RecordNormalizer(rules).normalize(record(null, "{\"order\":{\"id\":991}}"), T);
        assertThat(o.correlationId()).isEqualTo("991");
    }

    @Test
    void badRuleSpecsAreRejectedWithTheSpecInTheMessage() {
        assertThatThrownBy(() -> Source.parse("xpath://a")).hasMessageContaining("xpath://a");
        assertThatThrownBy(() -> Source.parse("key-regex:(unclosed")).hasMessageContaining("key-regex:(unclosed");
        assertThatThrownBy(() -> Source.parse("json:no-slash")).hasMessageContaining("json:no-slash");
        assertThatThrownBy(() -> Source.parse("header:")).hasMessageContaining("needs an argument");
    }

    @Test
    void badPayloadsAreFlaggedNotDropped() {
        assertThat(normalize(record(null, "plain text, not json")).parseStatus()).isEqualTo(ParseStatus.NOT_JSON);
        assertThat(normalize(record(null, "{\"truncated\": ")).parseStatus()).isEqualTo(ParseStatus.NOT_JSON);
        assertThat(normalize(record(null, "")).parseStatus()).isEqualTo(ParseStatus.EMPTY);
        assertThat(normalize(record(null, null)).parseStatus()).isEqualTo(ParseStatus.NULL_VALUE);
        byte[] binary = {(byte) 0xC3, (byte) 0x28, 0, (byte) 0xFF, 1, 2};
        Observation b = normalize(new RawRecord("t", 0, 0, T, null, List.of(Header.of("correlationId", "c")), binary));
        assertThat(b.parseStatus()).isEqualTo(ParseStatus.BINARY);
        assertThat(b.payload()).isEqualTo(binary);
        assertThat(b.correlationId()).isEqualTo("c");
        assertThat(b.contentType()).isEqualTo("application/octet-stream");
    }

    @Test
    void hugePayloadIsParsedAndErrorsStayShort() {
        String big = "{\"correlationId\":\"big-1\",\"blob\":\"" + "x".repeat(1_000_000) + "\"}";
        Observation o = normalize(record(null, big));
        assertThat(o.correlationId()).isEqualTo("big-1");
        assertThat(o.payload()).hasSize(big.length());
        Observation broken = normalize(record(null, big.substring(0, 900_000)));
        assertThat(broken.parseStatus()).isEqualTo(ParseStatus.NOT_JSON);
        assertThat(broken.parseError().length()).isLessThan(400);
    }

    @Test
    void hostileStringsAreKeptVerbatim() {
        String hostile = "<script>alert(1)</script>'; DROP TABLE events; --\u0000\u202e";
        Observation o = normalize(record(null, "{}", Header.of("correlationId", hostile)));
        assertThat(o.correlationId()).isEqualTo(hostile);
    }

    @Test
    void topLevelFieldsAreReadLikeTheTreeWouldReadThem() {
        ExtractionRules rules = ExtractionRules.defaults()
                .withRules(Field.CORRELATION_ID, List.of("json:/id", "json:/0"))
                .withRules(Field.EVENT_TYPE, List.of("json:/type"));
        RecordNormalizer n = new RecordNormalizer(rules);
        // A repeated key keeps its last value; numbers keep their text; nested values are not scalars.
        Observation dup = n.normalize(record(null, "{\"id\":\"first\",\"x\":{\"id\":\"nested\"},\"id\":42}"), T);
        assertThat(dup.correlationId()).isEqualTo("42");
        Observation nested = n.normalize(record(null, "{\"type\":{\"name\":\"X\"},\"id\":null}"), T);
        assertThat(nested.eventType()).isNull();
        assertThat(nested.correlationId()).isNull();
        // A pointer into a top-level array still works (through the tree).
        Observation array = n.normalize(record(null, "[\"arr-1\",2]"), T);
        assertThat(array.correlationId()).isEqualTo("arr-1");
        assertThat(array.parseStatus()).isEqualTo(ParseStatus.OK);
    }

    @Test
    void malformedNestedJsonIsStillCaught() {
        Observation o = normalize(record(null, "{\"correlationId\":\"c-1\",\"items\":[1,2,}"));
        assertThat(o.parseStatus()).isEqualTo(ParseStatus.NOT_JSON);
        assertThat(o.correlationId()).isNull();
        assertThat(normalize(record(null, "{\"a\":1} trailing")).parseStatus()).isEqualTo(ParseStatus.NOT_JSON);
    }
}
