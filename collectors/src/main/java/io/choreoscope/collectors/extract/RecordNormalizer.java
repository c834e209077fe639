package io.choreoscope.collectors.extract;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import io.choreoscope.collectors.schema.DecodedPayload;
import io.choreoscope.collectors.schema.PayloadDecoder;

import io.choreoscope.model.Observation;
import io.choreoscope.model.ParseStatus;

/**
 * Turns a raw Kafka record into an {@link Observation}: decodes a schema-framed payload (see {@link PayloadDecoder}),
 * classifies the payload and applies the
 * extraction rules. Never throws for a record's content: whatever goes wrong is written into the
 * observation's parse status and error, and the raw record is kept whole.
 */
public final class RecordNormalizer {
    private final ExtractionRules rules;
    private final PayloadDecoder decoder;

    public RecordNormalizer(ExtractionRules rules) {
        this(rules, PayloadDecoder.NONE);
    }

    /** A normalizer that first decodes schema-framed payloads (Avro, Protobuf, JSON Schema) with {@code decoder}. */
    public RecordNormalizer(ExtractionRules rules, PayloadDecoder decoder) {
        this.rules = rules;
        this.decoder = decoder;
    }

    public Observation normalize(RawRecord r, Instant ingestTime) {
        Observation.Builder b = Observation.builder(r.topic(), r.partition(), r.offset(), r.timestamp())
                .ingestTime(ingestTime)
                .key(r.key())
                .headers(r.headers())
                .payload(r.value());
        try {
            DecodedPayload decoded = decoder.decode(r, rules.topLevelNames().names());
            if (decoded != null) {
                b.schema(decoded.schema());
                if (decoded.json() != null) {
                    b.decodedPayload(new String(decoded.json(), StandardCharsets.UTF_8));
                }
            }
            RecordView view = new RecordView(r, rules.topLevelNames(), decoded);
            TraceContext trace = view.traceContext();
            b.correlationId(rules.extract(Field.CORRELATION_ID, view))
                    .eventId(rules.extract(Field.EVENT_ID, view))
                    .eventType(rules.extract(Field.EVENT_TYPE, view))
                    .sourceService(rules.extract(Field.SOURCE_SERVICE, view))
                    .causationId(rules.extract(Field.CAUSATION_ID, view))
                    .traceId(trace == null ? null : trace.traceId())
                    .spanId(trace == null ? null : trace.spanId())
                    .contentType(view.contentType())
                    .parseStatus(view.status())
                    .parseError(view.status() == ParseStatus.OK ? null : view.error());
        } catch (RuntimeException e) {
            // A rule or library fault must not lose the record: keep it raw and say why.
            b.parseStatus(ParseStatus.RULE_ERROR).parseError("extraction failed: " + e);
        }
        return b.build();
    }
}
