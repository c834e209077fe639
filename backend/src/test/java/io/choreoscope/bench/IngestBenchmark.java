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
import io.choreoscope.collectors.extract.Field;
import io.choreoscope.collectors.extract.RawRecord;
import io.choreoscope.collectors.extract.RecordNormalizer;
import io.choreoscope.collectors.kafka.KafkaTap;
import io.choreoscope.collectors.kafka.TapSettings;
import io.choreoscope.collectors.schema.DirectorySchemaSource;
import io.choreoscope.collectors.schema.PayloadDecoder;
import io.choreoscope.collectors.schema.SchemaConfig;
import io.choreoscope.harness.bench.ProcCpu;
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
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Issue 2's ingest benchmark (a harness, not a test): N events of about 300 bytes are produced into a real embedded
 * broker; then the real tap ingests them into a real ClickHouse and the clock runs until all N are queryable. In the
 * same run, the same rows are loaded by a plain bulk insert (the writer alone, batches of 100k, no Kafka, no
 * normalisation): the ceiling on this machine. A warm-up round (a fifth of N on another topic and database, same code)
 * runs first, and background merges are waited for before each timed phase.
 * <p>
 * Payload kinds, each on its own topic and database of the same broker and ClickHouse, timed one after the other in
 * the order given:
 * <ul>
 *   <li>{@code json}: the JSON order of {@link BenchPayloads#order} with a {@code correlationId} and an
 *       {@code eventType} header (the default rules read both);</li>
 *   <li>{@code avro}: the same order as an Avro single-object record ({@code C3 01}, fingerprint, body; schema
 *       {@link BenchPayloads#ORDER_AVSC} from a schema file, note padded to about 300 bytes), no headers: the tap
 *       decodes it, stores its JSON view beside the raw bytes, takes the correlation ID by {@code json:/orderId} from
 *       the decoded record and the event type from the schema. The order IDs follow the JSON kind's correlation IDs
 *       (five events per ID).</li>
 * </ul>
 * The ceiling is measured for each kind's rows (an Avro row carries its decoded JSON too).
 * <pre>
 * mvn -B -q -pl backend -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java -Xmx6g -cp backend/target/test-classes:backend/target/classes:$(cat /tmp/cp.txt) io.choreoscope.bench.IngestBenchmark 3000000 4
 * java -Xmx8g -cp ... io.choreoscope.bench.IngestBenchmark 3000000 4 0 json,avro
 * </pre>
 * Arguments: events (default 3,000,000: long enough to be sustained ingest rather than start-up; the ceiling holds
 * all N normalised rows of one kind in memory, hence -Xmx6g, -Xmx8g with Avro), partitions (default 4), tap batch
 * size (default, or 0: the tap's default), payload kinds in order (default {@code json}). A kind named twice or more
 * (e.g. {@code avro,json,json,avro}) is timed once per mention, each on its own topic and database; its figure, its
 * ratio to its ceiling and the Avro / JSON ratio are then of the mean of its phases (each phase is printed too).
 * Option {@code --warmup=N}: events of the untimed warm-up round per kind (default a fifth of N).
 * Option {@code --ceiling-rows=tap[,synthetic...]}: which rows the ceilings insert, once per name in the order given
 * when the kinds name no ceiling: {@code tap} (the default since 2026-12-05), the very rows the tap makes of the first
 * phase's topic, read again by the real tap into memory, untimed (the records' own timestamps, partitions and offsets),
 * or {@code synthetic} (the only way before), rows made from the payloads with one timestamp, partition
 * {@code i % partitions} and offset {@code i}. Option {@code --ceiling-batch=N}: rows per ceiling insert (default 100,000).
 * <p>
 * A kind list may place ceilings between the tap phases: {@code json,ceiling,json,ceiling} alternates them, each
 * {@code ceiling} (or {@code ceiling:tap}, {@code ceiling:synthetic}) being the ceiling of the kind timed just before it.
 * A kind's ratio is then its tap phases' mean against its ceilings' mean (each is printed too).
 */
public final class IngestBenchmark {

    public static void main(String[] allArgs) throws Exception {
        Integer warmupOption = null;
        List<String> ceilingRows = List.of("tap");
        int ceilingBatch = 100_000;
        List<String> positional = new ArrayList<>();
        for (String a : allArgs) {
            if (a.startsWith("--warmup=")) {
                warmupOption = Integer.parseInt(a.substring("--warmup=".length()));
            } else if (a.startsWith("--ceiling-rows=")) {
                ceilingRows = List.of(a.substring("--ceiling-rows=".length()).split(","));
                ceilingRows.forEach(Ceiling::checkRows);
            } else if (a.startsWith("--ceiling-batch=")) {
                ceilingBatch = Integer.parseInt(a.substring("--ceiling-batch=".length()));
            } else {
                positional.add(a);
            }
        }
        String[] args = positional.toArray(String[]::new);
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 3_000_000;
        int partitions = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int tapBatch = args.length > 2 && Integer.parseInt(args[2]) > 0 ? Integer.parseInt(args[2])
                : io.choreoscope.collectors.kafka.TapConfig.DEFAULT_BATCH_MAX_RECORDS;
        List<String> kinds = List.of((args.length > 3 ? args[3] : "json").split(","));
        Path dir = io.choreoscope.harness.TempDirs.deleteAtExit(Files.createTempDirectory("choreoscope-ingest-bench-"));
        try (EmbeddedClickHouse ch = EmbeddedClickHouse.start(dir.resolve("clickhouse"), 0);
             EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            // A kind may be named more than once (e.g. avro,json,json,avro): each mention is a timed phase of its own,
            // on its own topic and database, and the kind's figure is the mean of its phases, so that the order of the
            // phases (the first one was slower in some runs) weighs on both kinds alike. "ceiling" (or "ceiling:tap",
            // "ceiling:synthetic") between them measures the ceiling of the kind timed just before it, in place, so that
            // tap and ceiling can alternate (json,ceiling,json,ceiling); without one, the ceilings follow all tap phases.
            java.util.Map<String, Kind> distinct = new java.util.LinkedHashMap<>();
            List<Object> steps = new ArrayList<>(); // a Kind (a timed tap phase) or a Ceiling
            Kind previous = null;
            for (String k : kinds) {
                String name = k.strip();
                if (name.equals("ceiling") || name.startsWith("ceiling:")) {
                    if (previous == null) {
                        throw new IllegalArgumentException(name + ": a ceiling follows a kind's phase");
                    }
                    steps.add(new Ceiling(previous, name.equals("ceiling") ? ceilingRows.get(0) : name.substring("ceiling:".length())));
                    continue;
                }
                if (!distinct.containsKey(name)) {
                    distinct.put(name, switch (name) {
                        case "json" -> new JsonOrders();
                        case "avro" -> new AvroOrders(dir.resolve("schemas"));
                        default -> throw new IllegalArgumentException("payload kind " + k + ": use json, avro or ceiling");
                    });
                }
                previous = distinct.get(name);
                steps.add(previous);
            }
            List<Kind> runs = new ArrayList<>(distinct.values());
            if (steps.stream().noneMatch(Ceiling.class::isInstance)) {
                for (String rowsOf : ceilingRows) {
                    for (Kind k : runs) {
                        steps.add(new Ceiling(k, rowsOf));
                    }
                }
            }
            for (Kind k : runs) {
                System.out.printf("%s payload size: %d bytes on average%n", k.name(), k.averageSize());
            }

            // Warm-up: the same path on a smaller topic and database, so that the timed run measures the JIT-compiled
            // steady state (as a long-running tap is), not the first seconds of a cold JVM. Not counted.
            int warm = warmupOption != null ? Math.max(1, warmupOption) : Math.max(1, n / 5);
            System.out.printf("warm-up: %,d events per kind%n", warm);
            for (Kind k : runs) {
                produce(kafka, k.topic("bench-warmup"), partitions, warm, k);
                tap(kafka, ch, k.topic("bench-warmup"), k.db("warmup"), warm, tapBatch, k.normalizer(), null);
                waitForMerges(ch);
            }

            java.util.Map<String, List<Double>> rates = new java.util.LinkedHashMap<>();
            java.util.Map<String, List<Double>> ceilings = new java.util.LinkedHashMap<>();
            java.util.Map<String, List<Observation>> captured = new java.util.HashMap<>(); // one capture per kind
            int ceilingRound = 0;
            for (Object step : steps) {
                if (step instanceof Ceiling c) {
                    Kind k = c.kind();
                    String db = k.db(ceilingRound++ == 0 ? "ceiling" : "ceiling" + ceilingRound);
                    double rate = ceiling(kafka, ch, k, c.rowsOf(), db, n, partitions, ceilingBatch, captured);
                    ceilings.computeIfAbsent(k.name(), x -> new ArrayList<>()).add(rate);
                    System.out.printf("%s: ratio: %.0f%% of this ceiling (tap so far: %s)%n", k.name(),
                            100 * mean(rates.get(k.name())) / rate, describe(rates.get(k.name())));
                    continue;
                }
                Kind k = (Kind) step;
                int mention = rates.getOrDefault(k.name(), List.of()).size(); // 0 for a kind's first phase
                String topic = k.topic(mention == 0 ? "bench-events" : "bench-events-" + (mention + 1));
                String database = k.db(mention == 0 ? "bench" : "bench" + (mention + 1));
                double produceSecs = produce(kafka, topic, partitions, n, k);
                System.out.printf("%s: produced %,d events in %.2f s (%,.0f events/s)%n", k.name(), n, produceSecs, n / produceSecs);
                waitForMerges(ch);
                Instant from = Instant.now();
                CpuPhase cpu = CpuPhase.start(ch.pid());
                double ingestSecs = tap(kafka, ch, topic, database, n, tapBatch, k.normalizer(), cpu);
                // Wall-clock bounds of the timed phase, to cut a profile (JFR) of the whole run to it.
                System.out.printf("%s: timed phase from %s to %s%n", k.name(), from, Instant.now());
                ClickHouseStore store = new ClickHouseStore(new ClickHouseConfig(ch.httpUrl(), database));
                long visible = count(store, "SELECT count() FROM " + database + ".events FINAL");
                long correlated = count(store, "SELECT count() FROM " + database + ".events WHERE correlation_id != ''");
                store.close();
                double ingestRate = n / ingestSecs;
                rates.computeIfAbsent(k.name(), x -> new ArrayList<>()).add(ingestRate);
                System.out.printf("%s: tap batch size: %,d records%n", k.name(), tapBatch);
                System.out.printf("%s: tap ingest: %,d events queryable in %.2f s = %,.0f events/s (distinct visible: %,d, correlated: %,d)%n",
                        k.name(), n, ingestSecs, ingestRate, visible, correlated);
                cpu.report(k.name() + " tap", n, ingestSecs);
                waitForMerges(ch);
            }
            for (Kind k : runs) {
                System.out.printf("%s: tap %s against ceiling %s: %.0f%% of the ceiling (means)%n", k.name(),
                        describe(rates.get(k.name())), describe(ceilings.get(k.name())).replace("events/s", "rows/s"),
                        100 * mean(rates.get(k.name())) / mean(ceilings.get(k.name())));
            }
            if (rates.containsKey("json") && rates.containsKey("avro")) { // the tap phases of both kinds
                System.out.printf("avro / json tap ingest: %.0f%% (avro %s, json %s)%n",
                        100 * mean(rates.get("avro")) / mean(rates.get("json")), describe(rates.get("avro")), describe(rates.get("json")));
            }
        }
    }

    private static double mean(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** One phase's rate, or the mean of several with each phase's rate. */
    private static String describe(List<Double> xs) {
        if (xs.size() == 1) {
            return String.format("%,.0f events/s", xs.get(0));
        }
        return String.format("mean %,.0f events/s of %s", mean(xs),
                String.join(" / ", xs.stream().map(x -> String.format("%,.0f", x)).toList()));
    }

    /** One kind of payload: how it is produced, what the tap sees, how the tap normalises it. */
    interface Kind {
        String name();

        /** The record the producer sends as event {@code i}. */
        ProducerRecord<byte[], byte[]> record(String topic, int i);

        /** Event {@code i} as the tap reads it (for the ceiling's rows). */
        RawRecord raw(String topic, int partition, int i, Instant now);

        RecordNormalizer normalizer();

        int averageSize();

        default String topic(String base) {
            return name().equals("json") ? base : base + "-" + name();
        }

        default String db(String base) {
            return name().equals("json") ? base : base + "_" + name();
        }
    }

    /** The JSON orders with a correlationId and an eventType header, as since issue 2. */
    static final class JsonOrders implements Kind {
        private final byte[][] payloads = new byte[1000][];

        JsonOrders() {
            for (int i = 0; i < payloads.length; i++) {
                payloads[i] = BenchPayloads.order(i);
            }
        }

        @Override
        public String name() {
            return "json";
        }

        @Override
        public ProducerRecord<byte[], byte[]> record(String topic, int i) {
            ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, null, payloads[i % payloads.length]);
            r.headers().add("correlationId", ("order-" + (i / 5)).getBytes(StandardCharsets.UTF_8));
            r.headers().add("eventType", "OrderPlaced".getBytes(StandardCharsets.UTF_8));
            return r;
        }

        @Override
        public RawRecord raw(String topic, int partition, int i, Instant now) {
            return new RawRecord(topic, partition, i, now, null,
                    List.of(Header.of("correlationId", "order-" + (i / 5)), Header.of("eventType", "OrderPlaced")),
                    payloads[i % payloads.length]);
        }

        @Override
        public RecordNormalizer normalizer() {
            return new RecordNormalizer(ExtractionRules.defaults());
        }

        @Override
        public int averageSize() {
            return payloads[0].length;
        }
    }

    /**
     * The same orders as Avro single-object records, no headers; the schema is a file in a schema directory, as a
     * team without a registry configures it.
     */
    static final class AvroOrders implements Kind {
        private final Schema schema = new Schema.Parser().parse(BenchPayloads.ORDER_AVSC);
        private final BinaryMessageEncoder<GenericRecord> encoder = new BinaryMessageEncoder<>(GenericData.get(), schema);
        private final GenericRecord[] templates = new GenericRecord[1000];
        private final Path schemaDir;

        AvroOrders(Path schemaDir) throws Exception {
            this.schemaDir = schemaDir;
            Files.createDirectories(schemaDir);
            Files.writeString(schemaDir.resolve("order.avsc"), BenchPayloads.ORDER_AVSC);
            Schema item = schema.getField("items").schema().getElementType();
            Schema shipping = schema.getField("shipping").schema();
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            for (int i = 0; i < templates.length; i++) {
                com.fasterxml.jackson.databind.JsonNode order = json.readTree(BenchPayloads.order(i));
                GenericRecord r = new GenericData.Record(schema);
                r.put("orderId", "order-0");
                r.put("customerId", order.get("customerId").asText());
                r.put("amount", order.get("amount").asDouble());
                r.put("currency", order.get("currency").asText());
                List<GenericRecord> items = new ArrayList<>();
                for (com.fasterxml.jackson.databind.JsonNode it : order.get("items")) {
                    GenericRecord a = new GenericData.Record(item);
                    a.put("sku", it.get("sku").asText());
                    a.put("qty", it.get("qty").asInt());
                    items.add(a);
                }
                r.put("items", items);
                GenericRecord s = new GenericData.Record(shipping);
                s.put("country", order.get("shipping").get("country").asText());
                s.put("city", order.get("shipping").get("city").asText());
                s.put("express", order.get("shipping").get("express").asBoolean());
                r.put("shipping", s);
                r.put("placedAt", order.get("placedAt").asText());
                // Avro is denser than JSON: pad the note so that an order with a six-digit ID is 300 bytes.
                r.put("note", "");
                r.put("orderId", "order-123456");
                int bare = encode(r).length;
                r.put("note", "x".repeat(BenchPayloads.SIZE - bare - 1)); // the note's length prefix grows by one byte
                templates[i] = r;
            }
        }

        private byte[] encode(GenericRecord r) {
            try {
                java.nio.ByteBuffer b = encoder.encode(r);
                byte[] out = new byte[b.remaining()];
                b.get(out);
                return out;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private synchronized byte[] payload(int i) {
            GenericRecord r = templates[i % templates.length];
            r.put("orderId", "order-" + (i / 5));
            return encode(r);
        }

        @Override
        public String name() {
            return "avro";
        }

        @Override
        public ProducerRecord<byte[], byte[]> record(String topic, int i) {
            return new ProducerRecord<>(topic, null, payload(i));
        }

        @Override
        public RawRecord raw(String topic, int partition, int i, Instant now) {
            return new RawRecord(topic, partition, i, now, null, List.of(), payload(i));
        }

        @Override
        public RecordNormalizer normalizer() {
            SchemaConfig defaults = new SchemaConfig();
            return new RecordNormalizer(
                    ExtractionRules.defaults().withRulesFirst(Field.CORRELATION_ID, List.of("json:/orderId")),
                    new PayloadDecoder(List.of(new DirectorySchemaSource(List.of(schemaDir))), defaults.getMaxPayloadBytes(),
                            defaults.getMaxDepth(), defaults.getMaxValues()));
        }

        @Override
        public int averageSize() {
            long sum = 0;
            for (int i = 0; i < 1000; i++) {
                sum += payload(i * 997).length;
            }
            return (int) (sum / 1000);
        }
    }

    /** Produces n events of a kind and returns the seconds it took. */
    private static double produce(EmbeddedKafka kafka, String topic, int partitions, int n, Kind kind) throws Exception {
        kafka.createTopic(topic, partitions);
        long p0 = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(java.util.Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 10,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.ACKS_CONFIG, "1",
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                producer.send(kind.record(topic, i));
            }
            producer.flush();
        }
        return (System.nanoTime() - p0) / 1e9;
    }

    /** A ceiling step: the plain bulk insert of a kind's rows, the tap's ({@code tap}) or made up ({@code synthetic}). */
    private record Ceiling(Kind kind, String rowsOf) {
        Ceiling {
            checkRows(rowsOf);
        }

        static void checkRows(String rowsOf) {
            if (!rowsOf.equals("tap") && !rowsOf.equals("synthetic")) {
                throw new IllegalArgumentException("ceiling rows: tap or synthetic, not " + rowsOf);
            }
        }
    }

    /**
     * The ceiling: the rows of {@code kind} (normalised beforehand, outside the clock) by plain bulk insert into
     * {@code db}, {@code batch} rows an insert, one insert at a time; returns rows/s.
     */
    private static double ceiling(EmbeddedKafka kafka, EmbeddedClickHouse ch, Kind k, String rowsOf, String db, int n,
            int partitions, int batch, java.util.Map<String, List<Observation>> captured) throws Exception {
        ClickHouseStore ceilingStore = new ClickHouseStore(new ClickHouseConfig(ch.httpUrl(), db));
        new SchemaMigrator(ceilingStore).migrate();
        ClickHouseEventWriter ceilingWriter = new ClickHouseEventWriter(ceilingStore);
        RecordNormalizer normalizer = k.normalizer();
        String topic = k.topic("bench-events");
        List<List<Observation>> batches = new ArrayList<>();
        if (rowsOf.equals("tap")) {
            List<Observation> rows = captured.get(k.name());
            if (rows == null) {
                rows = capture(kafka, topic, n, normalizer);
                captured.put(k.name(), rows);
            }
            for (int start = 0; start < n; start += batch) {
                batches.add(new ArrayList<>(rows.subList(start, Math.min(n, start + batch))));
            }
            System.out.printf("%s: ceiling rows: the %,d the tap makes of %s (Kafka timestamps, partitions, offsets)%n",
                    k.name(), rows.size(), topic);
        } else {
            Instant now = Instant.now();
            for (int start = 0; start < n; start += batch) {
                List<Observation> b = new ArrayList<>(batch);
                for (int i = start; i < Math.min(n, start + batch); i++) {
                    b.add(normalizer.normalize(k.raw(topic, i % partitions, i, now), now));
                }
                batches.add(b);
            }
            System.out.printf("%s: ceiling rows: synthetic (one timestamp, partition i %% %d, offset i)%n", k.name(), partitions);
        }
        waitForMerges(ch);
        CpuPhase cpu = CpuPhase.start(ch.pid());
        long c0 = System.nanoTime();
        for (List<Observation> b : batches) {
            ceilingWriter.accept(b);
        }
        double ceilingSecs = (System.nanoTime() - c0) / 1e9;
        cpu.stop();
        double ceilingRate = n / ceilingSecs;
        System.out.printf("%s: ceiling (plain bulk insert, %,d-row batches, %s rows): %,d rows in %.2f s = %,.0f rows/s%n",
                k.name(), batch, rowsOf, n, ceilingSecs, ceilingRate);
        cpu.report(k.name() + " ceiling (" + rowsOf + " rows)", n, ceilingSecs);
        ceilingStore.close();
        waitForMerges(ch);
        return ceilingRate;
    }

    /**
     * The rows the tap makes of {@code topic}'s first n records, read by the real tap again (its own consumer group,
     * untimed) into memory instead of ClickHouse: the ceiling's rows with the record timestamps, partitions and offsets
     * that the timed phase stored.
     */
    private static List<Observation> capture(EmbeddedKafka kafka, String topic, int n, RecordNormalizer normalizer) throws Exception {
        List<Observation> rows = java.util.Collections.synchronizedList(new ArrayList<>(n));
        TapSettings settings = TapSettings.defaults(kafka.bootstrapServers(), "capture-" + topic + "-" + System.nanoTime()).withInclude(topic);
        try (KafkaTap tap = new KafkaTap(settings, normalizer, rows::addAll, new SimpleMeterRegistry(), Clock.systemUTC())) {
            tap.start();
            long until = System.nanoTime() + 300_000_000_000L;
            while (rows.size() < n && System.nanoTime() < until) {
                Thread.sleep(25); // a harness waiting for the capture to finish, not a test
            }
        }
        if (rows.size() < n) {
            throw new IllegalStateException("capture of " + topic + " read " + rows.size() + " of " + n + " records");
        }
        return new ArrayList<>(rows.subList(0, n)); // in the order the tap delivered them
    }

    /** Runs the real tap on {@code topic} into database {@code db} until all n events are queryable; returns the seconds. */
    private static double tap(EmbeddedKafka kafka, EmbeddedClickHouse ch, String topic, String db, int n, int tapBatch,
            RecordNormalizer normalizer, CpuPhase cpu) throws Exception {
        ClickHouseStore store = new ClickHouseStore(new ClickHouseConfig(ch.httpUrl(), db));
        new SchemaMigrator(store).migrate();
        ClickHouseEventWriter writer = new ClickHouseEventWriter(store);
        TapSettings settings = TapSettings.defaults(kafka.bootstrapServers(), "tap-" + db).withInclude(topic)
                .withBatch(tapBatch, Duration.ofMillis(io.choreoscope.collectors.kafka.TapConfig.DEFAULT_BATCH_LINGER_MS));
        long t0 = System.nanoTime();
        long t1;
        // One connection for the whole poll: a new JDBC connection every 25 ms cost the harness's main thread about a
        // tenth of a core (2.4-2.5 core-seconds per timed phase of ~30 s on 2 cores, 2026-12-03), taken from the tap.
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (Connection poll = store.connect(); Statement count = poll.createStatement();
             KafkaTap tap = new KafkaTap(settings, normalizer, writer, meters, Clock.systemUTC())) {
            tap.start();
            long visible;
            do {
                Thread.sleep(25); // a harness polling for its end condition, not a test
                try (ResultSet rs = count.executeQuery("SELECT count() FROM " + db + ".events")) {
                    rs.next();
                    visible = rs.getLong(1);
                }
            } while (visible < n);
            t1 = System.nanoTime(); // all N queryable: the clock stops here, not after the tap has shut down
            if (cpu != null) {
                cpu.stop(); // before the tap's threads end, so that their CPU is still theirs
            }
        }
        double secs = (t1 - t0) / 1e9;
        // The tap's inserts: how many, how full, and how long each took from its first record to ClickHouse's answer.
        for (var m : meters.getMeters()) {
            if (m instanceof io.micrometer.core.instrument.DistributionSummary d && m.getId().getName().endsWith(".batch.size")) {
                System.out.printf("  tap inserts: %d, rows per insert mean %,.0f, max %,.0f%n", d.count(), d.mean(), d.max());
            } else if (m instanceof io.micrometer.core.instrument.Timer t && m.getId().getName().endsWith(".batch.latency")) {
                System.out.printf("  tap batch latency: mean %.0f ms, max %.0f ms%n", t.mean(java.util.concurrent.TimeUnit.MILLISECONDS),
                        t.max(java.util.concurrent.TimeUnit.MILLISECONDS));
            }
        }
        store.close();
        return secs;
    }

    /**
     * CPU of one timed phase, from /proc ({@link ProcCpu}): this JVM's threads by kernel name (the tap's threads, JIT,
     * GC, the embedded broker, the harness's own polling), the tap's threads split by their Java names (poll thread,
     * normalisers, writer; ThreadMXBean), and the ClickHouse process's threads by name (HTTP handlers doing the
     * inserts, background merges). Printed in core-seconds per million events.
     */
    static final class CpuPhase {
        private final long chPid;
        private final ProcCpu.Snapshot jvm0;
        private final ProcCpu.Threads ch0;
        private final java.util.Map<Long, Long> java0;
        private ProcCpu.Snapshot jvm1;
        private ProcCpu.Threads ch1;
        private java.util.Map<Long, Long> java1;
        private final java.util.Map<Long, String> javaNames = new java.util.HashMap<>();

        private CpuPhase(long chPid) throws java.io.IOException {
            this.chPid = chPid;
            this.java0 = javaThreads();
            this.ch0 = ProcCpu.threads(chPid);
            this.jvm0 = ProcCpu.snapshot(chPid);
        }

        static CpuPhase start(long chPid) throws java.io.IOException {
            return new CpuPhase(chPid);
        }

        void stop() throws java.io.IOException {
            jvm1 = ProcCpu.snapshot(chPid);
            ch1 = ProcCpu.threads(chPid);
            java1 = javaThreads();
        }

        private java.util.Map<Long, Long> javaThreads() {
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            java.util.Map<Long, Long> out = new java.util.HashMap<>();
            for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
                if (t != null && t.getThreadName().startsWith("choreoscope-tap")) {
                    long ns = mx.getThreadCpuTime(t.getThreadId());
                    if (ns >= 0) {
                        out.put(t.getThreadId(), ns);
                        javaNames.put(t.getThreadId(), t.getThreadName());
                    }
                }
            }
            return out;
        }

        void report(String phase, long events, double seconds) {
            double perMillion = 1e6 / events;
            int cores = Runtime.getRuntime().availableProcessors();
            java.util.Map<String, Double> jvm = ProcCpu.delta(jvm0, jvm1, IngestBenchmark::jvmGroup);
            java.util.Map<String, Double> ch = ProcCpu.delta(ch0, ch1, IngestBenchmark::clickHouseGroup);
            double chTotal = ProcCpu.processSeconds(jvm0, jvm1, chPid);
            java.util.Map<String, Double> tap = new java.util.TreeMap<>();
            for (java.util.Map.Entry<Long, Long> e : java1.entrySet()) {
                String name = javaNames.get(e.getKey());
                String role = name.contains("-normalizer-") ? "normalizers" : name.contains("-writer-") ? "writer"
                        : "poll thread";
                tap.merge(role, (e.getValue() - java0.getOrDefault(e.getKey(), 0L)) / 1e9, Double::sum);
            }
            System.out.printf("%s CPU (%.2f s wall x %d cores = %.2f core-s available; JVM %.2f, ClickHouse %.2f core-s = %.0f%%),"
                    + " core-s per 1M events:%n", phase, seconds, cores, seconds * cores, jvm.get("JVM total"), chTotal,
                    100 * (jvm.get("JVM total") + chTotal) / (seconds * cores));
            StringBuilder line = new StringBuilder("  JVM:");
            jvm.forEach((g, v) -> {
                if (v >= 0.005) {
                    line.append(String.format(" %s %.2f |", g, v * perMillion));
                }
            });
            System.out.println(line);
            StringBuilder taps = new StringBuilder("  tap threads (Java names):");
            tap.forEach((g, v) -> taps.append(String.format(" %s %.2f |", g, v * perMillion)));
            System.out.println(taps);
            StringBuilder chLine = new StringBuilder(String.format("  ClickHouse (process %.2f):", chTotal * perMillion));
            ch.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue(), a.getValue())).forEach(e -> {
                if (e.getValue() >= 0.005) {
                    chLine.append(String.format(" %s %.2f |", e.getKey(), e.getValue() * perMillion));
                }
            });
            System.out.println(chLine);
        }
    }

    /** Groups this JVM's threads by their kernel names (the first 15 characters of the Java name). */
    static String jvmGroup(String name) {
        if (name.startsWith("choreoscope-tap")) {
            return "tap threads";
        } else if (name.startsWith("GC Thread") || name.startsWith("G1 ") || name.equals("VM Thread")) {
            return "GC";
        } else if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
            return "JIT";
        } else if (name.equals("main") || name.equals("java")) {
            return "harness main thread (count polls; the ceiling's writer)"; // the kernel names the main thread "java"
        } else if (name.startsWith("data-plane") || name.startsWith("kafka") || name.startsWith("ReplicaFetcher")
                || name.contains("request-han") || name.startsWith("broker") || name.startsWith("raft")) {
            return "broker and Kafka client";
        }
        return "other";
    }

    /** Groups the ClickHouse process's threads by name: HTTP handlers run the inserts; merges run in the background pools. */
    static String clickHouseGroup(String name) {
        if (name.startsWith("HTTPHandler")) {
            return "insert (HTTP handlers)";
        } else if (name.startsWith("MergeMutate") || name.startsWith("MergeTree") || name.startsWith("BgSch")
                || name.startsWith("BgMBSch") || name.startsWith("BgDistSch") || name.startsWith("Merge")) {
            return "merges and background";
        }
        return name.replaceAll("[0-9]+", "#");
    }

    static void waitForMerges(EmbeddedClickHouse ch) throws InterruptedException {
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
