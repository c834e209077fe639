package io.choreoscope.collectors.otlp;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.choreoscope.harness.otlp.OtlpRequests;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.EntityRef;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The wire reader (protobuf bodies read without the generated message objects) against the generated classes and
 * {@link OtlpTraceDecoder#convert}, the way the receiver read every body before: a differential test over generated,
 * merged, mutated, truncated and hostile requests. For each body, either both refuse it, or the wire reader gives
 * exactly the same spans, rejection count and message, or (for the two encodings it leaves to them, see
 * {@link OtlpWireReader}) it says so and {@link OtlpTraceDecoder#decode} gives the generated classes' result.
 */
class OtlpWireReaderTest {

    final OtlpTraceDecoder decoder = new OtlpTraceDecoder(OtlpConfig.DEFAULT_CORRELATION_ATTRIBUTES, 1 << 22);

    enum Outcome { SAME, LEFT_TO_GENERATED, BOTH_REFUSE }

    /** Compares the two readers on one body; fails the test on any difference. */
    private Outcome compare(byte[] body, String what) throws Exception {
        OtlpTraceDecoder.Result expected;
        try {
            expected = decoder.convert(ExportTraceServiceRequest.parseFrom(body));
        } catch (InvalidProtocolBufferException e) {
            expected = null;
        }
        OtlpTraceDecoder.Result actual;
        boolean refused = false;
        try {
            actual = new OtlpWireReader(decoder, body).read();
        } catch (InvalidProtocolBufferException e) {
            actual = null;
            refused = true;
        }
        if (expected == null) {
            // Refused, or left to the generated classes before the reader came to what is wrong (decode refuses it).
            assertThat(refused || actual == null).as("%s: refused by the generated parser, not read", what).isTrue();
            assertThatThrownBy(() -> decoder.decode(body, OtlpEncoding.PROTOBUF, null)).as(what)
                    .isInstanceOfSatisfying(OtlpRequestException.class, e -> assertThat(e.httpStatus()).isEqualTo(400));
            return Outcome.BOTH_REFUSE;
        }
        assertThat(refused).as("%s: accepted by the generated parser, so by the wire reader", what).isFalse();
        assertThat(decoder.decode(body, OtlpEncoding.PROTOBUF, null)).as(what).isEqualTo(expected);
        if (actual == null) {
            return Outcome.LEFT_TO_GENERATED;
        }
        assertThat(actual).as(what).isEqualTo(expected);
        return Outcome.SAME;
    }

    @Test
    void randomRequestsOfEveryShapeDecodeExactlyAsTheGeneratedClassesDo() throws Exception {
        Random random = new Random(20261203);
        int spans = 0;
        int rejected = 0;
        for (int n = 0; n < 1000; n++) {
            byte[] body = randomRequest(random).toByteArray();
            assertThat(compare(body, "request " + n)).as("request %d", n).isEqualTo(Outcome.SAME);
            OtlpTraceDecoder.Result result = new OtlpWireReader(decoder, body).read();
            spans += result.spans().size();
            rejected += result.rejectedSpans();
        }
        // The requests did exercise both outcomes.
        assertThat(spans).isGreaterThan(3000);
        assertThat(rejected).isGreaterThan(300);
    }

    @Test
    void theBenchmarksRequestDecodesTheSame() throws Exception {
        byte[] body = OtlpRequests.consumerSpans(new Random(1), 100).toByteArray();

        assertThat(compare(body, "benchmark request")).isEqualTo(Outcome.SAME);
        OtlpTraceDecoder.Result result = new OtlpWireReader(decoder, body).read();
        assertThat(result.spans()).hasSize(100);
        assertThat(result.spans().get(0).correlationId()).startsWith("order-");
        assertThat(result.spans().get(0).service()).isEqualTo("billing");
    }

    @Test
    void emptyAndMissingPartsDecodeTheSame() throws Exception {
        List<byte[]> bodies = List.of(
                new byte[0],
                ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.getDefaultInstance()).build()
                        .toByteArray(),
                request(ResourceSpans.newBuilder().setResource(Resource.getDefaultInstance())
                        .addScopeSpans(ScopeSpans.getDefaultInstance())),
                request(ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.newBuilder().addSpans(Span.getDefaultInstance()))),
                request(ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.newBuilder().addSpans(span(new Random(5))
                        .addAttributes(KeyValue.getDefaultInstance())
                        .addAttributes(KeyValue.newBuilder().setKey("no value"))
                        .addAttributes(kv("empty array", AnyValue.newBuilder().setArrayValue(ArrayValue.getDefaultInstance()).build()))
                        .addAttributes(kv("empty list", AnyValue.newBuilder().setKvlistValue(KeyValueList.getDefaultInstance()).build()))
                        .addAttributes(kv("empty bytes", AnyValue.newBuilder().setBytesValue(ByteString.EMPTY).build()))
                        .addAttributes(string("empty string", ""))
                        .addEvents(Span.Event.getDefaultInstance())
                        .addLinks(Span.Link.getDefaultInstance())
                        .setStatus(Status.getDefaultInstance())))),
                request(ResourceSpans.newBuilder().setResource(Resource.newBuilder()
                                .addAttributes(string("service.name", " ")))
                        .addScopeSpans(ScopeSpans.newBuilder().addSpans(span(new Random(6))))));
        for (int i = 0; i < bodies.size(); i++) {
            assertThat(compare(bodies.get(i), "body " + i)).as("body %d", i).isEqualTo(Outcome.SAME);
        }
    }

    @Test
    void fieldsSentTwiceFollowProtobufsMergeRules() throws Exception {
        Random random = new Random(7);
        int same = 0;
        int left = 0;
        for (int n = 0; n < 400; n++) {
            // Two spans' bytes as one span: last scalar wins, attributes/events/links append, status merges.
            byte[] span = concat(randomSpan(random).toByteArray(), randomSpan(random).toByteArray());
            // Two key-values as one: the second value continues the first (every pair of AnyValue kinds).
            byte[] attribute = concat(kv("k", randomValue(random, 2)).toByteArray(),
                    kv(random.nextBoolean() ? "k" : "other", randomValue(random, 2)).toByteArray());
            byte[] spanWithAttribute = concat(span(random).build().toByteArray(), field(9, attribute));
            // Two ResourceSpans as one: a resource may come after spans.
            byte[] resourceSpans = concat(randomResourceSpans(random).toByteArray(),
                    randomResourceSpans(random).toByteArray());
            List<byte[]> bodies = List.of(field(1, field(2, field(2, span))),
                    field(1, field(2, field(2, spanWithAttribute))), field(1, resourceSpans));
            for (byte[] body : bodies) {
                Outcome outcome = compare(body, "merged body " + n);
                if (outcome == Outcome.SAME) {
                    same++;
                } else if (outcome == Outcome.LEFT_TO_GENERATED) {
                    left++;
                }
            }
        }
        assertThat(same).isGreaterThan(800);
        assertThat(left).as("merges the reader leaves to the generated classes were exercised").isGreaterThan(10);
    }

    @Test
    void aResourceAfterItsSpansNamesThemThroughTheGeneratedClasses() throws Exception {
        byte[] resourceSpans = concat(
                field(2, ScopeSpans.newBuilder().addSpans(span(new Random(3))).build().toByteArray()),
                field(1, Resource.newBuilder().addAttributes(string("service.name", "late")).build().toByteArray()));
        byte[] body = field(1, resourceSpans);

        assertThat(compare(body, "late resource")).isEqualTo(Outcome.LEFT_TO_GENERATED);
        assertThat(decoder.decode(body, OtlpEncoding.PROTOBUF, null).spans().get(0).service()).isEqualTo("late");
    }

    @Test
    void anArrayValueAfterAnotherKindOfValueIsLeftToTheGeneratedClasses() throws Exception {
        AnyValue first = AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
                .addValues(AnyValue.newBuilder().setIntValue(1))).build();
        AnyValue second = AnyValue.newBuilder().setStringValue("s").build();
        AnyValue third = AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
                .addValues(AnyValue.newBuilder().setIntValue(2))).build();
        byte[] value = concat(first.toByteArray(), second.toByteArray(), third.toByteArray());
        byte[] attribute = concat(field(1, "k".getBytes(StandardCharsets.UTF_8)), field(2, value));
        byte[] body = field(1, field(2, field(2, concat(span(new Random(8)).build().toByteArray(), field(9, attribute)))));

        assertThat(compare(body, "array, string, array")).isEqualTo(Outcome.LEFT_TO_GENERATED);
        // protobuf-java appends the second array to the first one it kept aside.
        assertThat(decoder.decode(body, OtlpEncoding.PROTOBUF, null).spans().get(0).attributes().get("k")).isEqualTo("[1,2]");
    }

    @Test
    void invalidUtf8InAnyStringFieldIsRefusedAsBefore() throws Exception {
        String mark = "\u0001MARK";
        Span.Builder span = span(new Random(4));
        List<ExportTraceServiceRequest> marked = List.of(
                requestWith(rs -> rs, span.clone().setName(mark)),
                requestWith(rs -> rs, span.clone().setTraceState(mark)),
                requestWith(rs -> rs, span.clone().addAttributes(string(mark, "v"))),
                requestWith(rs -> rs, span.clone().addAttributes(string("k", mark))),
                requestWith(rs -> rs, span.clone().addAttributes(kv("k", AnyValue.newBuilder().setKvlistValue(
                        KeyValueList.newBuilder().addValues(string(mark, "v"))).build()))),
                requestWith(rs -> rs, span.clone().addAttributes(kv("k", AnyValue.newBuilder().setArrayValue(
                        ArrayValue.newBuilder().addValues(AnyValue.newBuilder().setStringValue(mark))).build()))),
                requestWith(rs -> rs, span.clone().setStatus(Status.newBuilder().setMessage(mark))),
                requestWith(rs -> rs, span.clone().addEvents(Span.Event.newBuilder().setName(mark))),
                requestWith(rs -> rs, span.clone().addEvents(Span.Event.newBuilder().addAttributes(string("k", mark)))),
                requestWith(rs -> rs, span.clone().addLinks(Span.Link.newBuilder().setTraceState(mark))),
                requestWith(rs -> rs, span.clone().addLinks(Span.Link.newBuilder().addAttributes(string(mark, "v")))),
                requestWith(rs -> rs.setSchemaUrl(mark), span.clone()),
                requestWith(rs -> rs.setResource(Resource.newBuilder().addAttributes(string("host.name", mark))), span.clone()),
                requestWith(rs -> rs.setResource(Resource.newBuilder().addEntityRefs(EntityRef.newBuilder().setType(mark))),
                        span.clone()),
                requestWith(rs -> rs.setResource(Resource.newBuilder().addEntityRefs(EntityRef.newBuilder()
                        .addIdKeys("a").addIdKeys(mark))), span.clone()),
                requestWith(rs -> rs.setResource(Resource.newBuilder().addEntityRefs(EntityRef.newBuilder()
                        .addDescriptionKeys(mark).setSchemaUrl("u"))), span.clone()),
                ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(
                        ScopeSpans.newBuilder().setSchemaUrl(mark).addSpans(span.clone()))).build(),
                ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(
                        ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder().setVersion(mark))
                                .addSpans(span.clone()))).build(),
                ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(
                        ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder()
                                .addAttributes(string("k", mark))).addSpans(span.clone()))).build());
        byte[] markBytes = mark.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < marked.size(); i++) {
            byte[] body = marked.get(i).toByteArray();
            assertThat(compare(body, "marked " + i)).as("valid UTF-8, case %d", i).isEqualTo(Outcome.SAME);
            byte[] bad = body.clone();
            bad[indexOf(bad, markBytes) + 1] = (byte) 0xff; // 'M' becomes a byte no UTF-8 text contains
            assertThat(compare(bad, "invalid UTF-8 " + i)).as("invalid UTF-8, case %d", i).isEqualTo(Outcome.BOTH_REFUSE);
        }
    }

    @Test
    void nestingIsBoundedAsTheGeneratedParserBoundsIt() throws Exception {
        // An attribute value of nested arrays: request > resource spans > scope spans > span > key-value > value
        // is 5 levels, and each array adds two (ArrayValue, AnyValue). Around protobuf's limit of 100, both must
        // agree on the last depth accepted.
        int accepted = 0;
        for (int arrays = 40; arrays <= 52; arrays++) {
            AnyValue value = AnyValue.newBuilder().setStringValue("deep").build();
            for (int i = 0; i < arrays; i++) {
                value = AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addValues(value)).build();
            }
            Outcome outcome = compare(requestWith(rs -> rs, span(new Random(9)).addAttributes(kv("deep", value)))
                    .toByteArray(), arrays + " nested arrays");
            if (outcome == Outcome.SAME) {
                accepted++;
            }
        }
        assertThat(accepted).as("some depths accepted, some refused").isBetween(1, 12);

        // Unknown groups nested inside a span: kept as unknown fields there, skipped here, counted alike.
        int groupsAccepted = 0;
        for (int groups = 90; groups <= 100; groups++) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            for (int i = 0; i < groups; i++) {
                out.writeTag(50, 3); // start group, field 50
            }
            for (int i = 0; i < groups; i++) {
                out.writeTag(50, 4); // end group
            }
            out.flush();
            byte[] spanBytes = concat(span(new Random(10)).build().toByteArray(), bytes.toByteArray());
            if (compare(field(1, field(2, field(2, spanBytes))), groups + " nested groups") == Outcome.SAME) {
                groupsAccepted++;
            }
        }
        assertThat(groupsAccepted).as("some depths accepted, some refused").isBetween(1, 10);
    }

    @Test
    void truncatedBodiesAreRefusedOrReadAsBefore() throws Exception {
        byte[] body = randomRequest(new Random(11)).toByteArray();
        for (int cut = 0; cut < body.length; cut++) {
            compare(Arrays.copyOf(body, cut), "cut at " + cut);
        }
    }

    @Test
    void mutatedBodiesAreRefusedOrReadAsBefore() throws Exception {
        Random random = new Random(12);
        int counts[] = new int[Outcome.values().length];
        for (int n = 0; n < 300; n++) {
            byte[] body = randomRequest(random).toByteArray();
            if (body.length == 0) {
                continue;
            }
            for (int m = 0; m < 30; m++) {
                byte[] mutated = mutate(random, body);
                counts[compare(mutated, "request " + n + " mutation " + m).ordinal()]++;
            }
        }
        // Both kinds of outcome occurred often enough to mean something.
        assertThat(counts[Outcome.SAME.ordinal()]).isGreaterThan(1000);
        assertThat(counts[Outcome.BOTH_REFUSE.ordinal()]).isGreaterThan(1000);
    }

    // --- building and mutating bodies ---

    private static byte[] mutate(Random random, byte[] body) {
        byte[] b = body.clone();
        int at = random.nextInt(b.length);
        switch (random.nextInt(5)) {
            case 0 -> b[at] = (byte) random.nextInt(256);
            case 1 -> b[at] ^= (byte) (1 << random.nextInt(8));
            case 2 -> { // a byte inserted
                byte[] c = new byte[b.length + 1];
                System.arraycopy(b, 0, c, 0, at);
                c[at] = (byte) random.nextInt(256);
                System.arraycopy(b, at, c, at + 1, b.length - at);
                b = c;
            }
            case 3 -> { // a byte removed
                byte[] c = new byte[b.length - 1];
                System.arraycopy(b, 0, c, 0, at);
                System.arraycopy(b, at + 1, c, at, b.length - at - 1);
                b = c;
            }
            default -> { // a small wire-type change: the low three bits of a byte
                b[at] = (byte) (b[at] & ~7 | random.nextInt(8));
            }
        }
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** {@code content} as length-delimited field {@code field} of an otherwise empty message. */
    private static byte[] field(int field, byte[] content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeByteArray(field, content);
        out.flush();
        return bytes.toByteArray();
    }

    private static byte[] request(ResourceSpans.Builder rs) {
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(rs).build().toByteArray();
    }

    private static ExportTraceServiceRequest requestWith(java.util.function.UnaryOperator<ResourceSpans.Builder> rs,
                                                         Span.Builder span) {
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(rs.apply(ResourceSpans.newBuilder())
                .addScopeSpans(ScopeSpans.newBuilder().addSpans(span))).build();
    }

    private static int indexOf(byte[] bytes, byte[] part) {
        outer:
        for (int i = 0; i + part.length <= bytes.length; i++) {
            for (int j = 0; j < part.length; j++) {
                if (bytes[i + j] != part[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    // --- random requests over the whole trace schema ---

    private static ExportTraceServiceRequest randomRequest(Random random) {
        ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
        for (int r = random.nextInt(3); r >= 0; r--) {
            request.addResourceSpans(randomResourceSpans(random));
        }
        if (random.nextInt(10) == 0) {
            request.setUnknownFields(UnknownFieldSet.newBuilder()
                    .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(7).build()).build());
        }
        return request.build();
    }

    private static ResourceSpans randomResourceSpans(Random random) {
        ResourceSpans.Builder rs = ResourceSpans.newBuilder();
        if (random.nextInt(4) > 0) {
            Resource.Builder resource = Resource.newBuilder();
            if (random.nextBoolean()) {
                resource.addAttributes(string("host.name", "h" + random.nextInt(3)));
            }
            if (random.nextInt(5) > 0) {
                resource.addAttributes(random.nextInt(6) == 0 ? kv("service.name", randomValue(random, 1))
                        : string("service.name", "svc-" + random.nextInt(5)));
            }
            if (random.nextInt(5) == 0) {
                resource.addAttributes(string("service.name", "second"));
            }
            if (random.nextInt(4) == 0) {
                resource.addEntityRefs(EntityRef.newBuilder().setType("service").addIdKeys("service.name")
                        .addDescriptionKeys("service.version").setSchemaUrl("https://opentelemetry.io/schemas/1.26.0"));
            }
            resource.setDroppedAttributesCount(random.nextInt(2));
            rs.setResource(resource);
        }
        if (random.nextBoolean()) {
            rs.setSchemaUrl("https://opentelemetry.io/schemas/1.26.0");
        }
        for (int s = random.nextInt(3); s >= 0; s--) {
            ScopeSpans.Builder ss = ScopeSpans.newBuilder();
            if (random.nextBoolean()) {
                ss.setScope(InstrumentationScope.newBuilder().setName("lib").setVersion("1.0")
                        .addAttributes(kv("a", randomValue(random, 2))).setDroppedAttributesCount(1));
            }
            if (random.nextInt(4) == 0) {
                ss.setSchemaUrl("s");
            }
            for (int i = random.nextInt(12); i > 0; i--) {
                ss.addSpans(randomSpan(random));
            }
            rs.addScopeSpans(ss);
        }
        return rs.build();
    }

    private static Span.Builder span(Random random) {
        byte[] trace = new byte[16];
        byte[] id = new byte[8];
        random.nextBytes(trace);
        random.nextBytes(id);
        long start = 1_700_000_000_000_000_000L + random.nextInt(1_000_000);
        return Span.newBuilder().setTraceId(ByteString.copyFrom(trace)).setSpanId(ByteString.copyFrom(id))
                .setName("op").setStartTimeUnixNano(start).setEndTimeUnixNano(start + 1000);
    }

    private static Span randomSpan(Random random) {
        Span.Builder b = span(random);
        switch (random.nextInt(16)) { // about half the spans are valid as built; the rest break one rule or add a part
            case 0 -> b.setTraceId(ByteString.copyFrom(new byte[random.nextInt(3) == 0 ? 16 : random.nextInt(20)]));
            case 1 -> b.setSpanId(ByteString.copyFrom(new byte[random.nextInt(10)]));
            case 2 -> b.setParentSpanId(ByteString.copyFrom(new byte[1 + random.nextInt(9)]));
            case 3 -> b.setStartTimeUnixNano(0);
            case 4 -> b.setEndTimeUnixNano(b.getStartTimeUnixNano() - 1);
            case 5 -> b.setEndTimeUnixNano(0);
            case 6 -> b.setStartTimeUnixNano(-5).setEndTimeUnixNano(-1); // past 2^63 ns, unsigned
            case 7 -> b.addEvents(Span.Event.newBuilder().setName("exception").setTimeUnixNano(random.nextLong())
                    .addAttributes(string("exception.type", "Boom")).addAttributes(kv("n", randomValue(random, 2)))
                    .setDroppedAttributesCount(1));
            case 8 -> b.addLinks(Span.Link.newBuilder().setTraceId(ByteString.copyFrom(new byte[random.nextInt(17)]))
                    .setSpanId(ByteString.copyFrom(new byte[8])).setTraceState(random.nextBoolean() ? "k=v" : "")
                    .setFlags(random.nextInt(512)).addAttributes(kv("l", randomValue(random, 1))))
                    .addLinks(Span.Link.getDefaultInstance());
            case 9 -> b.setTraceState("vendor=1").setFlags(random.nextInt(512)).setDroppedAttributesCount(3)
                    .setDroppedEventsCount(1).setDroppedLinksCount(2);
            case 10 -> b.setUnknownFields(UnknownFieldSet.newBuilder()
                    .addField(40, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8("new"))
                            .addFixed32(1).addFixed64(2).addVarint(3)
                            .addGroup(UnknownFieldSet.newBuilder().addField(1, UnknownFieldSet.Field.newBuilder()
                                    .addVarint(4).build()).build()).build())
                    .build());
            case 11 -> b.addEvents(Span.Event.newBuilder().setName("e1")).addEvents(Span.Event.newBuilder()
                    .setTimeUnixNano(1).addAttributes(string("x", "y")).addAttributes(string("x", "z")));
            default -> {
            }
        }
        if (random.nextBoolean()) {
            byte[] parent = new byte[8];
            random.nextBytes(parent);
            b.setParentSpanId(ByteString.copyFrom(parent));
        }
        if (random.nextInt(3) > 0) {
            b.setKindValue(random.nextInt(8) - (random.nextInt(20) == 0 ? 9 : 0)); // 6, 7, negatives: other OTLPs
        }
        if (random.nextInt(3) > 0) {
            b.setStatus(Status.newBuilder().setCodeValue(random.nextInt(4))
                    .setMessage(random.nextBoolean() ? "" : "failed: ünïcödé ✓ \uD83D\uDE00"));
        }
        if (random.nextInt(8) == 0) {
            b.setName("");
        }
        String[] keys = {"messaging.system", "messaging.destination.name", "messaging.destination",
                "messaging.operation.type", "messaging.operation", "messaging.message.id",
                "messaging.consumer.group.name", "messaging.kafka.consumer.group", "correlation.id", "correlationId",
                "baggage.correlation_id", "baggage", "messaging.rabbitmq.vhost", "http.status_code", "ok", ""};
        for (int a = random.nextInt(10); a > 0; a--) {
            String key = keys[random.nextInt(keys.length)];
            if (key.equals("baggage")) {
                b.addAttributes(string(key, "correlation_id=c%2D" + random.nextInt(9) + ";p,other=1"));
            } else if (key.equals("messaging.system")) {
                b.addAttributes(string(key, random.nextBoolean() ? "kafka" : "rabbitmq"));
            } else {
                b.addAttributes(kv(key, randomValue(random, 3)));
            }
        }
        return b.build();
    }

    /** Every AnyValue kind, nested up to {@code depth} arrays or key-value lists. */
    private static AnyValue randomValue(Random random, int depth) {
        AnyValue.Builder v = AnyValue.newBuilder();
        switch (random.nextInt(depth > 0 ? 10 : 7)) {
            case 0 -> {
                // not set: the attribute is left out
            }
            case 1 -> v.setBoolValue(random.nextBoolean());
            case 2 -> v.setIntValue(random.nextInt(3) == 0 ? random.nextLong() : random.nextInt(100));
            case 3 -> v.setDoubleValue(switch (random.nextInt(5)) {
                case 0 -> Double.NaN;
                case 1 -> Double.NEGATIVE_INFINITY;
                case 2 -> -0.0;
                default -> random.nextDouble() * 1e6;
            });
            case 4 -> {
                byte[] bytes = new byte[random.nextInt(6)];
                random.nextBytes(bytes);
                v.setBytesValue(ByteString.copyFrom(bytes));
            }
            case 7 -> {
                List<AnyValue> values = new ArrayList<>();
                for (int i = random.nextInt(4); i > 0; i--) {
                    values.add(randomValue(random, depth - 1));
                }
                v.setArrayValue(ArrayValue.newBuilder().addAllValues(values));
            }
            case 8, 9 -> {
                KeyValueList.Builder list = KeyValueList.newBuilder();
                for (int i = random.nextInt(4); i > 0; i--) {
                    list.addValues(kv(random.nextInt(4) == 0 ? "same" : "k" + i, randomValue(random, depth - 1)));
                }
                v.setKvlistValue(list);
            }
            default -> v.setStringValue("v-" + random.nextInt(1000) + (random.nextInt(5) == 0 ? " ✓ \"q\"\n" : ""));
        }
        return v.build();
    }

    private static KeyValue string(String key, String value) {
        return kv(key, AnyValue.newBuilder().setStringValue(value).build());
    }

    private static KeyValue kv(String key, AnyValue value) {
        return KeyValue.newBuilder().setKey(key).setValue(value).build();
    }
}
