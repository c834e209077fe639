package io.choreoscope.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.choreoscope.collectors.extract.ExtractionRules;
import io.choreoscope.collectors.extract.RawRecord;
import io.choreoscope.collectors.extract.RecordNormalizer;
import io.choreoscope.collectors.kafka.KafkaTap;
import io.choreoscope.collectors.kafka.TapSettings;
import io.choreoscope.harness.clickhouse.EmbeddedClickHouse;
import io.choreoscope.harness.kafka.BenchPayloads;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.model.Header;
import io.choreoscope.model.Observation;
import io.choreoscope.storage.clickhouse.ClickHouseConfig;
import io.choreoscope.storage.clickhouse.ClickHouseEventWriter;
import io.choreoscope.storage.clickhouse.ClickHouseStore;
import io.choreoscope.storage.clickhouse.SchemaMigrator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Issue 2's ingest benchmark (a harness, not a test): N JSON events of about 300 bytes with a
 * correlation header are produced into a real embedded broker; then the real tap ingests them into a
 * real ClickHouse and the clock runs until all N are queryable. In the same run, the same rows are
 * loaded by a plain bulk insert (the writer alone, batches of 100k, no Kafka, no normalisation):
 * the ceiling on this machine. A warm-up round (a fifth of N on another topic and database, same code) runs
 * first, and background merges are waited for before each timed phase.
 * <pre>
 * mvn -B -q -pl backend -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java -Xmx4g -cp backend/target/test-classes:backend/target/classes:$(cat /tmp/cp.txt) io.choreoscope.bench.IngestBenchmark 3000000 4
 * </pre>
 * Arguments: events (default 3,000,000: long enough to be sustained ingest rather than start-up; the ceiling holds
 * all N normalised rows in memory, hence -Xmx4g), partitions (default 4), tap batch size (default: the tap's default).
 */
public final class IngestBenchmark {

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 3_000_000;
        int partitions = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int tapBatch = args.length > 2 ? Integer.parseInt(args[2]) : io.choreoscope.collectors.kafka.TapConfig.DEFAULT_BATCH_MAX_RECORDS;
        Path dir = Files.createTempDirectory("choreoscope-ingest-bench-");
        try (EmbeddedClickHouse ch = EmbeddedClickHouse.start(dir.resolve("clickhouse"), 0);
             EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            String topic = "bench-events";
            kafka.createTopic(topic, partitions);
            byte[][] payloads = new byte[1000][];
            for (int i = 0; i < payloads.length; i++) {
                payloads[i] = BenchPayloads.order(i);
            }
            System.out.printf("payload size: %d bytes%n", payloads[0].length);

            // Warm-up: the same path on a smaller topic and database, so that the timed run measures the JIT-compiled
            // steady state (as a long-running tap is), not the first seconds of a cold JVM. Not counted.
            int warm = Math.max(1, n / 5);
            produce(kafka, "bench-warmup", partitions, warm, payloads);
            tap(kafka, ch, "bench-warmup", "warmup", warm, tapBatch);
            waitForMerges(ch);

            double produceSecs = produce(kafka, topic, partitions, n, payloads);
            System.out.printf("produced %,d events in %.2f s (%,.0f events/s)%n", n, produceSecs, n / produceSecs);
            waitForMerges(ch);
            double ingestSecs = tap(kafka, ch, topic, "bench", n, tapBatch);
            ClickHouseStore store = new ClickHouseStore(new ClickHouseConfig(ch.httpUrl(), "bench"));
            long distinct = count(store, "SELECT count() FROM bench.events FINAL");
            double ingestRate = n / ingestSecs;
            System.out.printf("tap batch size: %,d records%n", tapBatch);
            System.out.printf("tap ingest: %,d events queryable in %.2f s = %,.0f events/s (distinct visible: %,d)%n",
                    n, ingestSecs, ingestRate, distinct);
            waitForMerges(ch);

            // Ceiling: the same rows (normalised beforehand, outside the clock) by plain bulk insert.
            ClickHouseStore ceilingStore = new ClickHouseStore(new ClickHouseConfig(ch.httpUrl(), "ceiling"));
            new SchemaMigrator(ceilingStore).migrate();
            ClickHouseEventWriter ceilingWriter = new ClickHouseEventWriter(ceilingStore);
            RecordNormalizer normalizer = new RecordNormalizer(ExtractionRules.defaults());
            int batch = 100_000;
            List<List<Observation>> batches = new ArrayList<>();
            Instant now = Instant.now();
            for (int start = 0; start < n; start += batch) {
                List<Observation> b = new ArrayList<>(batch);
                for (int i = start; i < Math.min(n, start + batch); i++) {
                    b.add(normalizer.normalize(new RawRecord(topic, i % partitions, i, now, null,
                            List.of(Header.of("correlationId", "order-" + (i / 5)), Header.of("eventType", "OrderPlaced")),
                            payloads[i % payloads.length]), now));
                }
                batches.add(b);
            }
            long c0 = System.nanoTime();
            for (List<Observation> b : batches) {
                ceilingWriter.accept(b);
            }
            double ceilingSecs = (System.nanoTime() - c0) / 1e9;
            double ceilingRate = n / ceilingSecs;
            System.out.printf("ceiling (plain bulk insert, %,d-row batches): %,d rows in %.2f s = %,.0f rows/s%n",
                    batch, n, ceilingSecs, ceilingRate);
            System.out.printf("ratio: %.0f%% of the ceiling%n", 100 * ingestRate / ceilingRate);
            store.close();
            ceilingStore.close();
        }
    }

    /** Produces n events (a correlationId and an eventType header each) and returns the seconds it took. */
    private static double produce(EmbeddedKafka kafka, String topic, int partitions, int n, byte[][] payloads) throws Exception {
        if (!topic.equals("bench-events")) {
            kafka.createTopic(topic, partitions);
        }
        long p0 = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(java.util.Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 10,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.ACKS_CONFIG, "1",
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, null, payloads[i % payloads.length]);
                r.headers().add("correlationId", ("order-" + (i / 5)).getBytes(StandardCharsets.UTF_8));
                r.headers().add("eventType", "OrderPlaced".getBytes(StandardCharsets.UTF_8));
                producer.send(r);
            }
            producer.flush();
        }
        return (System.nanoTime() - p0) / 1e9;
    }

    /** Runs the real tap on {@code topic} into database {@code db} until all n events are queryable; returns the seconds. */
    private static double tap(EmbeddedKafka kafka, EmbeddedClickHouse ch, String topic, String db, int n, int tapBatch)
            throws Exception {
        ClickHouseStore store = new ClickHouseStore(new ClickHouseConfig(ch.httpUrl(), db));
        new SchemaMigrator(store).migrate();
        ClickHouseEventWriter writer = new ClickHouseEventWriter(store);
        TapSettings settings = TapSettings.defaults(kafka.bootstrapServers(), "tap-" + db).withInclude(topic)
                .withBatch(tapBatch, Duration.ofMillis(io.choreoscope.collectors.kafka.TapConfig.DEFAULT_BATCH_LINGER_MS));
        long t0 = System.nanoTime();
        long t1;
        try (KafkaTap tap = new KafkaTap(settings, new RecordNormalizer(ExtractionRules.defaults()), writer,
                new SimpleMeterRegistry(), Clock.systemUTC())) {
            tap.start();
            long count;
            do {
                Thread.sleep(25); // a harness polling for its end condition, not a test
                count = count(store, "SELECT count() FROM " + db + ".events");
            } while (count < n);
            t1 = System.nanoTime(); // all N queryable: the clock stops here, not after the tap has shut down
        }
        double secs = (t1 - t0) / 1e9;
        store.close();
        return secs;
    }

    private static void waitForMerges(EmbeddedClickHouse ch) throws InterruptedException {
        long until = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < until && !ch.query("SELECT count() FROM system.merges").strip().equals("0")) {
            Thread.sleep(500); // a harness waiting for background merges, not a test
        }
    }

    private static long count(ClickHouseStore store, String sql) throws Exception {
        try (Connection c = store.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
