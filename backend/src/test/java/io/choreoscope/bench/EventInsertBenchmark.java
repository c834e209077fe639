package io.choreoscope.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.choreoscope.collectors.extract.RecordNormalizer;
import io.choreoscope.harness.clickhouse.EmbeddedClickHouse;
import io.choreoscope.model.Observation;
import io.choreoscope.storage.clickhouse.ClickHouseConfig;
import io.choreoscope.storage.clickhouse.ClickHouseEventWriter;
import io.choreoscope.storage.clickhouse.ClickHouseStore;
import io.choreoscope.storage.clickhouse.SchemaMigrator;

/**
 * What one row of {@code events} costs to insert, by insert variant (a harness, not a test): the rows of
 * {@link IngestBenchmark}'s payload kinds, normalised beforehand, written by the real {@link ClickHouseEventWriter} in
 * batches of the tap's size into a fresh database per round, variants alternated. For each: rows/s, the writer's CPU in
 * this JVM, and the ClickHouse process's CPU while inserting (its merges mostly start after the last insert: not counted).
 * Variants: {@code fold} (plain body, ClickHouse's default
 * {@code optimize_on_insert=1}: the writer before 2026-12-03), {@code nofold} (plain body, the writer's
 * {@link ClickHouseEventWriter#INSERT_SETTINGS}), {@code lz4} (nofold with the client compressing the body: the default
 * since then).
 * <pre>
 * java -Xmx3g -cp backend/target/test-classes:backend/target/classes:$(cat cp.txt) io.choreoscope.bench.EventInsertBenchmark [rows=1000000] [rounds=2] [kinds=json,avro] [variants=fold,nofold,lz4]
 * </pre>
 */
public final class EventInsertBenchmark {

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        List<String> kinds = List.of((args.length > 2 ? args[2] : "json,avro").split(","));
        List<String> variants = List.of((args.length > 3 ? args[3] : "fold,nofold,lz4").split(","));
        int batch = io.choreoscope.collectors.kafka.TapConfig.DEFAULT_BATCH_MAX_RECORDS;
        Path dir = io.choreoscope.harness.TempDirs.deleteAtExit(Files.createTempDirectory("choreoscope-ingest-bench-"));
        try (EmbeddedClickHouse ch = EmbeddedClickHouse.start(dir.resolve("clickhouse"), 0)) {
            for (String kindName : kinds) {
                IngestBenchmark.Kind kind = switch (kindName.strip()) {
                    case "json" -> new IngestBenchmark.JsonOrders();
                    case "avro" -> new IngestBenchmark.AvroOrders(dir.resolve("schemas"));
                    default -> throw new IllegalArgumentException("payload kind " + kindName + ": use json or avro");
                };
                RecordNormalizer normalizer = kind.normalizer();
                List<List<Observation>> batches = new ArrayList<>();
                Instant now = Instant.now();
                for (int start = 0; start < n; start += batch) {
                    List<Observation> b = new ArrayList<>(batch);
                    for (int i = start; i < Math.min(n, start + batch); i++) {
                        b.add(normalizer.normalize(kind.raw("bench-events", i % 4, i, now), now));
                    }
                    batches.add(b);
                }
                // Warm-up: every variant once on a fifth of the rows, not reported.
                for (String v : variants) {
                    insert(ch, kind.name(), v, "warm_" + kind.name() + "_" + v, batches.subList(0, Math.max(1, batches.size() / 5)), -1, false);
                }
                for (int round = 1; round <= rounds; round++) {
                    List<String> order = new ArrayList<>(variants);
                    if (round % 2 == 0) {
                        java.util.Collections.reverse(order);
                    }
                    for (String v : order) {
                        insert(ch, kind.name(), v, "r" + round + "_" + kind.name() + "_" + v, batches, n, true);
                    }
                }
            }
        }
    }

    private static void insert(EmbeddedClickHouse ch, String kind, String variant, String db, List<List<Observation>> batches,
            long rows, boolean report) throws Exception {
        ClickHouseConfig config = new ClickHouseConfig(ch.httpUrl(), db);
        config.setInsertCompression(variant.equals("lz4"));
        Map<String, String> settings = switch (variant) {
            case "fold" -> Map.of();
            case "nofold", "lz4" -> ClickHouseEventWriter.INSERT_SETTINGS;
            default -> throw new IllegalArgumentException("variant " + variant + ": use fold, nofold or lz4");
        };
        try (ClickHouseStore store = new ClickHouseStore(config)) {
            new SchemaMigrator(store).migrate();
            ClickHouseEventWriter writer = new ClickHouseEventWriter(store, settings);
            IngestBenchmark.waitForMerges(ch);
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            long chPid = ch.pid();
            long ch0 = io.choreoscope.harness.bench.ProcCpu.processTicks(chPid);
            long w0 = mx.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            for (List<Observation> b : batches) {
                writer.accept(b);
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            long w1 = mx.getCurrentThreadCpuTime();
            long ch1 = io.choreoscope.harness.bench.ProcCpu.processTicks(chPid);
            if (report) {
                double perMillion = 1e6 / rows;
                System.out.printf("RESULT %s %-6s %s: %,.0f rows/s | writer thread %.2f | ClickHouse while inserting %.2f"
                                + " core-s per 1M rows%n", kind, variant, db, rows / secs, (w1 - w0) / 1e9 * perMillion,
                        (ch1 - ch0) / 100.0 * perMillion);
            }
            ch.query("DROP DATABASE IF EXISTS " + db);
        }
    }
}
