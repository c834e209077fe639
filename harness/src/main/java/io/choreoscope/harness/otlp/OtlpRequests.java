package io.choreoscope.harness.otlp;

import java.util.Random;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;

/**
 * OTLP trace export requests as the benchmarks send them: Kafka consumer spans of service {@code billing} with eight
 * attributes (messaging system, destination, operation, message ID, consumer group, offset, partition, correlation
 * ID) and fresh random trace, span and parent IDs, so that no span folds into another.
 */
public final class OtlpRequests {
    private OtlpRequests() {
    }

    /** One request of {@code spans} spans. */
    public static ExportTraceServiceRequest consumerSpans(Random random, int spans) {
        ScopeSpans.Builder scope = ScopeSpans.newBuilder();
        long start = System.currentTimeMillis() * 1_000_000L;
        for (int i = 0; i < spans; i++) {
            byte[] trace = new byte[16];
            byte[] span = new byte[8];
            byte[] parent = new byte[8];
            random.nextBytes(trace);
            random.nextBytes(span);
            random.nextBytes(parent);
            scope.addSpans(Span.newBuilder()
                    .setTraceId(ByteString.copyFrom(trace))
                    .setSpanId(ByteString.copyFrom(span))
                    .setParentSpanId(ByteString.copyFrom(parent))
                    .setName("orders process")
                    .setKind(Span.SpanKind.SPAN_KIND_CONSUMER)
                    .setStartTimeUnixNano(start + i * 1000L)
                    .setEndTimeUnixNano(start + i * 1000L + 250_000L)
                    .addAttributes(attr("messaging.system", "kafka"))
                    .addAttributes(attr("messaging.destination.name", "orders"))
                    .addAttributes(attr("messaging.operation.type", "process"))
                    .addAttributes(attr("messaging.message.id", "msg-" + random.nextInt(1_000_000)))
                    .addAttributes(attr("messaging.consumer.group.name", "billing"))
                    .addAttributes(attr("messaging.kafka.message.offset", Integer.toString(i)))
                    .addAttributes(attr("messaging.destination.partition.id", "3"))
                    .addAttributes(attr("correlation.id", "order-" + random.nextInt(100_000))));
        }
        return ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(ResourceSpans.newBuilder()
                        .setResource(Resource.newBuilder().addAttributes(attr("service.name", "billing")))
                        .addScopeSpans(scope))
                .build();
    }

    private static KeyValue attr(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }
}
