package io.choreoscope.collectors.extract;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.choreoscope.harness.kafka.BenchPayloads;
import io.choreoscope.model.Header;

/**
 * Per-record cost of the tap's normalisation on one core (a harness, not a test): the ingest benchmark's 300-byte
 * payloads with a {@code correlationId} and an {@code eventType} header, three ways:
 * <ul>
 *   <li>{@code jackson}: validating a payload with Jackson's streaming parser and keeping the rules' top-level fields,
 *       as the tap did until 2026-11-23 (reproduced here as the reference);</li>
 *   <li>{@code scanner}: the same with {@link JsonScanner}, as the tap does now;</li>
 *   <li>{@code normalize}: the whole {@link RecordNormalizer#normalize} (scan, rules, observation).</li>
 * </ul>
 * <pre>
 * mvn -B -q -pl collectors -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/ccp.txt -Dmdep.includeScope=test
 * java -cp collectors/target/test-classes:collectors/target/classes:model/target/classes:$(cat /tmp/ccp.txt) io.choreoscope.collectors.extract.NormalizeBenchmark
 * </pre>
 * Ten rounds of 2M records per way; the last five are reported (the first ones include JIT compilation).
 */
public final class NormalizeBenchmark {
    private static final int PER_ROUND = 2_000_000;

    public static void main(String[] args) throws Exception {
        byte[][] payloads = new byte[1000][];
        for (int i = 0; i < payloads.length; i++) {
            payloads[i] = BenchPayloads.order(i);
        }
        ExtractionRules rules = ExtractionRules.defaults();
        JsonScanner.Members members = rules.topLevelNames();
        Set<String> names = members.names();
        RecordNormalizer normalizer = new RecordNormalizer(rules);
        Instant now = Instant.now();
        RawRecord[] records = new RawRecord[payloads.length];
        for (int i = 0; i < records.length; i++) {
            records[i] = new RawRecord("bench-events", i % 4, i, now, null,
                    List.of(Header.of("correlationId", "order-" + (i / 5)), Header.of("eventType", "OrderPlaced")), payloads[i]);
        }
        long sink = 0;
        for (int round = 1; round <= 10; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < PER_ROUND; i++) {
                sink += jacksonScan(payloads[i % payloads.length], names).size();
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < PER_ROUND; i++) {
                sink += JsonScanner.scan(payloads[i % payloads.length], members).size();
            }
            long t2 = System.nanoTime();
            for (int i = 0; i < PER_ROUND; i++) {
                sink += normalizer.normalize(records[i % records.length], now).offset();
            }
            long t3 = System.nanoTime();
            if (round > 5) {
                System.out.printf("round %d: jackson %.0f ns/record, scanner %.0f ns/record, normalize %.0f ns/record%n",
                        round, (t1 - t0) / (double) PER_ROUND, (t2 - t1) / (double) PER_ROUND, (t3 - t2) / (double) PER_ROUND);
            }
        }
        System.out.println("(checksum " + sink + ")");
    }

    /** The streaming pass the tap used before {@link JsonScanner}: validate everything, keep named top-level scalars. */
    private static Map<String, String> jacksonScan(byte[] v, Set<String> keep) throws java.io.IOException {
        try (JsonParser p = RecordView.JSON.getFactory().createParser(v)) {
            JsonToken t = p.nextToken();
            Map<String, String> fields = null;
            if (t == JsonToken.START_OBJECT) {
                fields = new java.util.HashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken value = p.nextToken();
                    if (!keep.contains(name)) {
                        if (!value.isScalarValue()) {
                            p.skipChildren();
                        }
                    } else if (value.isScalarValue() && value != JsonToken.VALUE_NULL) {
                        fields.put(name, p.getText());
                    } else {
                        fields.remove(name);
                        p.skipChildren();
                    }
                }
            } else {
                p.skipChildren();
            }
            if (p.nextToken() != null) {
                throw new IllegalStateException("trailing content");
            }
            return fields;
        }
    }
}
