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
 * since then), {@code cluster} ({@code lz4} into a ClickHouse cluster of two shards, two more engine processes on the
 * same machine, through the {@code Distributed} tables: docs/SCALING.md; its ClickHouse CPU is both shards').
 * After each variant's inserts, {@code reads} reads of one instance's events by correlation ID
 * ({@code ClickHouseEventReader.eventsOf}, the instance view's events statement), IDs spread over all rows, one after
 * the other: p50, p99 and max.
 * <pre>
 * java -Xmx3g -cp backend/target/test-classes:backend/target/classes:$(cat cp.txt) io.choreoscope.bench.EventInsertBenchmark [rows=1000000] [rounds=2] [kinds=json,avro] [variants=fold,nofold,lz4] [reads=0]
 * </pre>
 */
public final class EventInsertBenchmark {

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        List<String> kinds = List.of((args.length > 2 ? args[2] : "json,avro").split(","));
        List<String> variants = List.of((args.length > 3 ? args[3] : "fold,nofold,lz4").split(","));
        int reads = args.length > 4 ? Integer.parseInt(args[4]) : 0;
        int batch = io.choreoscope.collectors.kafka.TapConfig.DEFAULT_BATCH_MAX_RECORDS;
        Path dir = io.choreoscope.harness.TempDirs.deleteAtExit(Files.createTempDirectory("choreoscope-ingest-bench-"));
        try (EmbeddedClickHouse ch = EmbeddedClickHouse.start(dir.resolve("clickhouse"), 0);
             io.choreoscope.harness.clickhouse.ClickHouseCluster cluster = variants.contains("cluster")
                     ? io.choreoscope.harness.clickhouse.ClickHouseCluster.start(2) : null) {
            Target single = new Target(List.of(ch), null);
            Target sharded = cluster == null ? null : new Target(cluster.nodes(), cluster.httpUrls());
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
                    insert(v.equals("cluster") ? sharded : single, kind.name(), v, "warm_" + kind.name() + "_" + v,
                            batches.subList(0, Math.max(1, batches.size() / 5)), -1, false, 0);
                }
                for (int round = 1; round <= rounds; round++) {
                    List<String> order = new ArrayList<>(variants);
                    if (round % 2 == 0) {
                        java.util.Collections.reverse(order);
                    }
                    for (String v : order) {
                        insert(v.equals("cluster") ? sharded : single, kind.name(), v, "r" + round + "_" + kind.name() + "_" + v,
                                batches, n, true, reads);
                    }
                }
            }
        }
    }

    /** Where a variant writes: one engine, or the nodes of a cluster (with their HTTP URLs). */
    private record Target(List<EmbeddedClickHouse> engines, List<String> clusterNodes) {
        ClickHouseConfig config(String db) {
            ClickHouseConfig config = new ClickHouseConfig(engines.get(0).httpUrl(), db);
            if (clusterNodes != null) {
                config.setClusterName(io.choreoscope.harness.clickhouse.ClickHouseCluster.NAME);
                config.setClusterNodes(clusterNodes);
            }
            return config;
        }

        long ticks() throws java.io.IOException {
            long t = 0;
            for (EmbeddedClickHouse e : engines) {
                t += io.choreoscope.harness.bench.ProcCpu.processTicks(e.pid());
            }
            return t;
        }
    }

    private static void insert(Target target, String kind, String variant, String db, List<List<Observation>> batches,
            long rows, boolean report, int reads) throws Exception {
        ClickHouseConfig config = target.config(db);
        config.setInsertCompression(variant.equals("lz4") || variant.equals("cluster"));
        Map<String, String> settings = switch (variant) {
            case "fold" -> Map.of();
            case "nofold", "lz4", "cluster" -> ClickHouseEventWriter.INSERT_SETTINGS;
            default -> throw new IllegalArgumentException("variant " + variant + ": use fold, nofold, lz4 or cluster");
        };
        try (ClickHouseStore store = new ClickHouseStore(config)) {
            new SchemaMigrator(store).migrate();
            ClickHouseEventWriter writer = new ClickHouseEventWriter(store, settings);
            for (EmbeddedClickHouse e : target.engines()) {
                IngestBenchmark.waitForMerges(e);
            }
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            long ch0 = target.ticks();
            long w0 = mx.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            for (List<Observation> b : batches) {
                writer.accept(b);
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            long w1 = mx.getCurrentThreadCpuTime();
            long ch1 = target.ticks();
            if (report) {
                double perMillion = 1e6 / rows;
                System.out.printf("RESULT %s %-7s %s: %,.0f rows/s | writer thread %.2f | ClickHouse while inserting %.2f"
                                + " core-s per 1M rows%n", kind, variant, db, rows / secs, (w1 - w0) / 1e9 * perMillion,
                        (ch1 - ch0) / 100.0 * perMillion);
            }
            if (report && reads > 0) {
                readInstances(store, batches, kind, variant, db, reads);
            }
            for (EmbeddedClickHouse e : target.engines()) {
                e.query("DROP DATABASE IF EXISTS " + db);
            }
        }
    }

    /** Reads the events of {@code reads} correlation IDs of the inserted rows, one after the other, after a warm-up. */
    private static void readInstances(ClickHouseStore store, List<List<Observation>> batches, String kind, String variant,
            String db, int reads) {
        List<String> ids = new ArrayList<>();
        for (List<Observation> b : batches) {
            for (Observation o : b) {
                if (o.correlationId() != null && !o.correlationId().isEmpty()) {
                    ids.add(o.correlationId());
                }
            }
        }
        java.util.Random random = new java.util.Random(42);
        try (io.choreoscope.storage.clickhouse.SqlRunner sql = new io.choreoscope.storage.clickhouse.SqlRunner(store)) {
            io.choreoscope.storage.clickhouse.ClickHouseEventReader reader = new io.choreoscope.storage.clickhouse.ClickHouseEventReader(sql);
            for (int i = 0; i < Math.min(100, reads); i++) {
                reader.eventsOf(ids.get(random.nextInt(ids.size())));
            }
            long[] nanos = new long[reads];
            long found = 0;
            for (int i = 0; i < reads; i++) {
                long t0 = System.nanoTime();
                found += reader.eventsOf(ids.get(random.nextInt(ids.size()))).size();
                nanos[i] = System.nanoTime() - t0;
            }
            java.util.Arrays.sort(nanos);
            System.out.printf("RESULT %s %-7s %s: events of one ID, %d reads (%d events found): p50 %.1f ms, p99 %.1f ms,"
                            + " max %.1f ms%n", kind, variant, db, reads, found, nanos[reads / 2] / 1e6,
                    nanos[Math.min(reads - 1, (int) Math.ceil(reads * 0.99) - 1)] / 1e6, nanos[reads - 1] / 1e6);
        }
    }
}
