package io.choreoscope.collectors.schema;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import io.choreoscope.collectors.extract.ExtractionRules;
import io.choreoscope.collectors.extract.Field;
import io.choreoscope.collectors.extract.RawRecord;
import io.choreoscope.collectors.extract.RecordNormalizer;
import io.choreoscope.harness.kafka.BenchPayloads;
import io.choreoscope.model.Header;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;

/**
 * Per-record cost of the tap's normalisation on one core (a harness, not a test), JSON against Avro in the same run:
 * the ingest benchmark's ~300-byte JSON orders, and the same orders as Avro single-object records (about 300 bytes,
 * schema from a schema file, correlation ID by {@code json:/orderId} from the decoded view, event type from the
 * schema). Ten rounds of 500k records per way; the last five are reported.
 * <pre>
 * java -cp collectors/target/test-classes:collectors/target/classes:model/target/classes:harness/target/classes:$(cat /tmp/ccp.txt) io.choreoscope.collectors.schema.AvroNormalizeBenchmark
 * </pre>
 */
public final class AvroNormalizeBenchmark {
    private static final int PER_ROUND = 500_000;
    static final String ORDER = BenchPayloads.ORDER_AVSC;

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("bench-schemas");
        Files.writeString(dir.resolve("order.avsc"), ORDER);
        Schema schema = new Schema.Parser().parse(ORDER);
        BinaryMessageEncoder<GenericRecord> encoder = new BinaryMessageEncoder<>(GenericData.get(), schema);
        Instant now = Instant.now();
        RawRecord[] json = new RawRecord[1000];
        RawRecord[] avro = new RawRecord[1000];
        long avroBytes = 0;
        long jsonBytes = 0;
        for (int i = 0; i < json.length; i++) {
            byte[] p = BenchPayloads.order(i);
            json[i] = new RawRecord("bench", i % 4, i, now, null, List.of(), p);
            GenericRecord r = new GenericData.Record(schema);
            com.fasterxml.jackson.databind.JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(p);
            r.put("orderId", n.get("orderId").asText());
            r.put("customerId", n.get("customerId").asText());
            r.put("amount", n.get("amount").asDouble());
            r.put("currency", "EUR");
            Schema item = schema.getField("items").schema().getElementType();
            GenericRecord a = new GenericData.Record(item);
            a.put("sku", "SKU-1");
            a.put("qty", 2);
            r.put("items", List.of(a, a));
            GenericRecord s = new GenericData.Record(schema.getField("shipping").schema());
            s.put("country", "DE");
            s.put("city", "Berlin");
            s.put("express", false);
            r.put("shipping", s);
            r.put("placedAt", "2026-11-22T10:00:00Z");
            // Avro is denser than JSON: the note is padded so that the Avro record is about 300 bytes too.
            r.put("note", n.get("note").asText() + "y".repeat(154));
            byte[] v = encoder.encode(r).array();
            avro[i] = new RawRecord("bench", i % 4, i, now, null, List.of(), v);
            avroBytes += v.length;
            jsonBytes += p.length;
        }
        ExtractionRules rules = ExtractionRules.defaults().withRulesFirst(Field.CORRELATION_ID, List.of("json:/orderId"));
        RecordNormalizer plain = new RecordNormalizer(rules);
        RecordNormalizer decoding = new RecordNormalizer(rules,
                new PayloadDecoder(List.of(new DirectorySchemaSource(List.of(dir))), 1 << 20, 64, 100_000));
        if (decoding.normalize(avro[0], now).correlationId() == null || plain.normalize(json[0], now).correlationId() == null) {
            throw new IllegalStateException("benchmark records do not correlate");
        }
        System.out.printf("payloads: JSON %d bytes, Avro %d bytes on average%n", jsonBytes / json.length, avroBytes / avro.length);
        long sink = 0;
        for (int round = 1; round <= 10; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < PER_ROUND; i++) {
                sink += plain.normalize(json[i % json.length], now).offset();
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < PER_ROUND; i++) {
                sink += decoding.normalize(avro[i % avro.length], now).offset();
            }
            long t2 = System.nanoTime();
            if (round > 5) {
                System.out.printf("round %d: JSON %.0f ns/record, Avro %.0f ns/record%n", round,
                        (t1 - t0) / (double) PER_ROUND, (t2 - t1) / (double) PER_ROUND);
            }
        }
        System.out.println("(checksum " + sink + ")");
    }
}
