package io.choreoscope.storage.clickhouse;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import io.choreoscope.harness.clickhouse.EmbeddedClickHouse;
import io.choreoscope.model.FlowWindowReader;
import io.choreoscope.model.InstanceRecord;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.model.flow.StepSequence;
import io.choreoscope.model.flow.Variant;

/**
 * Issue 15's windowed-model benchmark (a harness, not a test): N events (default 1M: N/5 instances of an order saga
 * with noise) generated straight into ClickHouse with INSERT ... SELECT FROM numbers(), and one instance row each,
 * written by {@link ClickHouseInstanceWriter} (RowBinary, 10,000 rows per insert) with the steps the engine keeps for
 * those events (types and times, migration V011), all started in one window. Then, for that window, it times
 * {@link ClickHouseFlowWindowReader#model} and {@link ClickHouseFlowWindowReader#variants} (what
 * {@code GET /flows/{flow}?from&to} and {@code /variants} run), the same two of the reader before V011
 * ({@link FlowWindowReaderBeforeV011}, every instance's events grouped from {@code events}) unless {@code new} is
 * given, and, in the same run as the anchor, STACK.md's measured query (per correlation ID, sorted pairs counted; no
 * instance join, no deduplication), and {@link ClickHouseFlowWindowReader#causalModel} ({@code ?edges=causes}; the
 * generated events carry no causation IDs, so its pairs must be the directly-follows ones, which it prints). One
 * warm-up, then R runs each (default 5), interleaved; digests of both readers' answers.
 * <pre>
 * mvn -o -B -q -pl storage-clickhouse -am test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-cp.txt -Dmdep.includeScope=test
 * java -Xmx512m -cp storage-clickhouse/target/test-classes:storage-clickhouse/target/classes:$(cat storage-clickhouse/target/bench-cp.txt) \
 *   io.choreoscope.storage.clickhouse.FlowWindowBenchmark N [R [new]]
 * </pre>
 * Noise: one instance in 20 has payment and stock swapped (a skewed clock), one in 50 a duplicate shipment, one in 10
 * is refunded instead of shipped; events 0-40 ms apart; every 7th record stored twice (a redelivered batch).
 *
 * <p>Write cost of the step times: the same instance rows are also written, chunk by chunk, to a second database as
 * a writer before V011 wrote them (no {@code step_offsets}, nor V016's {@code step_causes}), alternately first; it prints ms per 10,000 rows of both,
 * the RowBinary bytes sent and the stored (compressed) bytes of both tables after merges.
 */
public final class FlowWindowBenchmark {
    private static final int CHUNK = 10_000;

    public static void main(String[] args) throws Exception {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000L;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        boolean withOld = !(args.length > 2 && args[2].equals("new"));
        long ids = n / 5;
        Path dir = Files.createTempDirectory("choreoscope-flow-bench-");
        Instant t0 = Instant.parse("2026-12-01T00:00:00Z");
        try (EmbeddedClickHouse ch = EmbeddedClickHouse.start(dir.resolve("clickhouse"), 0)) {
            String db = "bench";
            ClickHouseStore store = new ClickHouseStore(new ClickHouseConfig(ch.httpUrl(), db));
            new SchemaMigrator(store).migrate();
            ClickHouseStore before = new ClickHouseStore(new ClickHouseConfig(ch.httpUrl(), "bench_before_v011"));
            new SchemaMigrator(before).migrate();
            long g0 = System.nanoTime();
            // instance i = intDiv(number, 5), step k = number % 5; the step's type depends on the instance's noise
            String type = "multiIf(k = 0, 'OrderPlaced', "
                    + "k = 1, if(i % 20 = 0, 'StockReserved', 'PaymentCaptured'), "
                    + "k = 2, if(i % 20 = 0, 'PaymentCaptured', if(i % 10 = 3, 'StockUnavailable', 'StockReserved')), "
                    + "k = 3, if(i % 10 = 3, 'PaymentRefunded', 'OrderShipped'), "
                    + "if(i % 10 = 3, 'OrderCancelled', if(i % 50 = 1, 'OrderShipped', 'OrderDelivered')))";
            long chunk = 1_000_000;
            for (long start = 0; start < n; start += chunk) {
                long size = Math.min(chunk, n - start);
                String insert = "INSERT INTO events (topic, partition, offset, ts, ingest_ts, key, header_keys, header_values, "
                        + "payload, payload_size, content_type, correlation_id, event_id, event_type, source_service, "
                        + "causation_id, trace_id, span_id, parse_status, parse_error) SELECT 'orders', number % 8, number, "
                        + "toDateTime64(" + t0.getEpochSecond() + ", 3, 'UTC') + toIntervalMillisecond(" + TS_MS + "), "
                        + "now64(3), concat('order-', toString(i)), ['correlationId'], [concat('order-', toString(i))], "
                        + "'{\"orderId\":1}', 13, 'application/json', concat('order-', toString(i)), '', " + type
                        + ", 'svc', '', '', '', 'OK', '' FROM (SELECT number, intDiv(number, 5) AS i, number % 5 AS k "
                        + "FROM numbers(" + start + ", " + size + ") WHERE ";
                ch.query(insert + "1)", db);
                ch.query(insert + "number % 7 = 0)", db); // stored twice, as after a redelivered batch
            }
            System.out.printf("generated %,d events (+%,d stored twice) in %.1f s%n", n, n / 7 + 1, (System.nanoTime() - g0) / 1e9);
            writeInstances(store, before, t0, ids);
            long until = System.nanoTime() + 180_000_000_000L;
            while (System.nanoTime() < until && !ch.query("SELECT count() FROM system.merges").strip().equals("0")) {
                Thread.sleep(1000); // a harness waiting for background merges, not a test
            }
            System.out.println("events rows: " + ch.query("SELECT count() FROM bench.events").strip() + ", parts: "
                    + ch.query("SELECT count() FROM system.parts WHERE database = 'bench' AND table = 'events' AND active").strip()
                    + "; instances rows: " + ch.query("SELECT count() FROM bench.instances_by_day").strip() + ", parts: "
                    + ch.query("SELECT count() FROM system.parts WHERE database = 'bench' AND table = 'instances_by_day' AND active").strip());
            for (String d : List.of(db, "bench_before_v011")) {
                System.out.println("instances stored, " + d + ": " + ch.query("SELECT formatReadableSize(sum(data_compressed_bytes)), "
                        + "sum(data_compressed_bytes), formatReadableSize(sum(data_uncompressed_bytes)) FROM system.columns "
                        + "WHERE database = '" + d + "' AND table = 'instances_by_day'").strip().replace('\t', ' ')
                        + "; step_offsets: " + ch.query("SELECT data_compressed_bytes, data_uncompressed_bytes FROM system.columns "
                        + "WHERE database = '" + d + "' AND table = 'instances_by_day' AND name = 'step_offsets'").strip().replace('\t', ' '));
            }
            Instant from = t0;
            Instant to = t0.plusMillis(ids * 50 + 1);
            try (SqlRunner sql = new SqlRunner(store)) {
                FlowWindowReader reader = new ClickHouseFlowWindowReader(sql);
                FlowWindowReader old = new FlowWindowReaderBeforeV011(sql);
                String anchor = "SELECT p.1, p.2, count() FROM (SELECT arraySort(x -> (x.2, x.3), groupArray((event_type, ts, offset))) AS t "
                        + "FROM " + db + ".events GROUP BY correlation_id) ARRAY JOIN arrayZip(arrayPopBack(t), arrayPopFront(t)) AS p "
                        + "GROUP BY p.1, p.2";
                double[] model = new double[runs];
                double[] variants = new double[runs];
                double[] oldModel = new double[runs];
                double[] oldVariants = new double[runs];
                double[] base = new double[runs];
                double[] causal = new double[runs];
                FlowModel cm = null;
                FlowModel m = null;
                FlowModel om = null;
                List<Variant> v = null;
                List<Variant> ov = null;
                for (int r = -1; r < runs; r++) {
                    // the old reader first in odd runs, the new one first in even runs
                    boolean oldFirst = withOld && (r & 1) == 1;
                    long a;
                    long b;
                    long c;
                    long oa = 0;
                    long ob = 0;
                    long oc = 0;
                    if (oldFirst) {
                        oa = System.nanoTime();
                        om = old.model("OrderPlaced", from, to);
                        ob = System.nanoTime();
                        ov = old.variants("OrderPlaced", from, to, 500);
                        oc = System.nanoTime();
                    }
                    a = System.nanoTime();
                    m = reader.model("OrderPlaced", from, to);
                    b = System.nanoTime();
                    v = reader.variants("OrderPlaced", from, to, 500);
                    c = System.nanoTime();
                    // the model by cause of the same instances (no causation IDs: each step caused by the one before)
                    cm = reader.causalModel("OrderPlaced", from, to);
                    long cEnd = System.nanoTime();
                    if (withOld && !oldFirst) {
                        oa = System.nanoTime();
                        om = old.model("OrderPlaced", from, to);
                        ob = System.nanoTime();
                        ov = old.variants("OrderPlaced", from, to, 500);
                        oc = System.nanoTime();
                    }
                    long x = System.nanoTime();
                    sql.query(anchor, rs -> null);
                    long y = System.nanoTime();
                    if (r >= 0) {
                        model[r] = (b - a) / 1e6;
                        variants[r] = (c - b) / 1e6;
                        oldModel[r] = (ob - oa) / 1e6;
                        oldVariants[r] = (oc - ob) / 1e6;
                        base[r] = (y - x) / 1e6;
                        causal[r] = (cEnd - c) / 1e6;
                    }
                }
                System.out.printf("model: %,d instances, %d steps, %d transitions; variants: %d%n", m.instances(),
                        m.nodes().size(), m.transitions().size(), v.size());
                System.out.println("windowed model ms:  " + Arrays.toString(model) + " median " + median(model));
                System.out.println("variants ms:        " + Arrays.toString(variants) + " median " + median(variants));
                System.out.println("model by cause ms:  " + Arrays.toString(causal) + " median " + median(causal));
                java.util.Map<String, Long> inOrder = new java.util.TreeMap<>();
                java.util.Map<String, Long> byCause = new java.util.TreeMap<>();
                m.transitions().forEach(t -> inOrder.put(t.from() + " -> " + t.to(), t.count()));
                cm.transitions().forEach(t -> byCause.put(t.from() + " -> " + t.to(), t.count()));
                System.out.println("model by cause has the directly-follows pairs (causes in order): " + inOrder.equals(byCause));
                if (withOld) {
                    System.out.println("model, before V011 ms:    " + Arrays.toString(oldModel) + " median " + median(oldModel));
                    System.out.println("variants, before V011 ms: " + Arrays.toString(oldVariants) + " median " + median(oldVariants));
                }
                System.out.println("anchor (STACK) ms:  " + Arrays.toString(base) + " median " + median(base));
                System.out.printf("digests: model %016x, variants %016x%n", digest(m), digest(v));
                finalOrArgMax(sql, db, from, to, runs);
                if (withOld) {
                    System.out.printf("before V011: model %016x, variants %016x; equal: %b, %b%n", digest(om), digest(ov),
                            m.equals(om), v.equals(ov));
                }
            }
            before.close();
            store.close();
        }
    }

    /**
     * Reading the window's latest instance rows, {@code FINAL} (what the reader does) against {@code argMax(..., version)}
     * per correlation ID (filtered on the window before the GROUP BY, which is the cheaper and not quite equal form),
     * each wrapped in a count so that only the read is timed; alternately first.
     */
    private static void finalOrArgMax(SqlRunner sql, String db, Instant from, Instant to, int runs) {
        String window = "flow = ? AND started_at >= " + SqlRunner.TS + " AND started_at < " + SqlRunner.TS;
        String fin = "SELECT count(), sum(length(types)), sum(arraySum(offs)) FROM (SELECT correlation_id, state, event_types AS types,"
                + " step_offsets AS offs FROM " + db + ".instances_by_day FINAL WHERE " + window + " AND "
                + ClickHouseFlowWindowReader.STEPS_STORED + ")";
        String arg = "SELECT count(), sum(length(types)), sum(arraySum(offs)) FROM (SELECT correlation_id, argMax(state, version) AS st,"
                + " argMax(event_types, version) AS types, argMax(step_offsets, version) AS offs,"
                + " argMax(dropped_events, version) AS dropped FROM " + db + ".instances_by_day WHERE " + window
                + " GROUP BY correlation_id HAVING dropped = 0 AND notEmpty(offs) AND length(offs) = length(types))";
        double[] f = new double[runs];
        double[] g = new double[runs];
        String[] answers = new String[2];
        for (int r = -1; r < runs; r++) {
            for (int pass = 0; pass < 2; pass++) {
                boolean isFinal = (pass == 0) == ((r & 1) == 0);
                long a = System.nanoTime();
                answers[isFinal ? 0 : 1] = String.join(",", sql.query(isFinal ? fin : arg,
                        rs -> rs.getString(1) + "/" + rs.getString(2) + "/" + rs.getString(3), "OrderPlaced", from, to));
                if (r >= 0) {
                    (isFinal ? f : g)[r] = (System.nanoTime() - a) / 1e6;
                }
            }
        }
        System.out.println("window rows FINAL ms:  " + Arrays.toString(f) + " median " + median(f) + " (" + answers[0] + ")");
        System.out.println("window rows argMax ms: " + Arrays.toString(g) + " median " + median(g) + " (" + answers[1] + ")");
    }

    /** Milliseconds after t0 of record {@code number} (instance i, step k): as the events are generated. */
    private static final String TS_MS = "i * 50 + k * 40 + (number % 7)";

    private static long tsMs(long i, int k) {
        long number = i * 5 + k;
        return i * 50 + k * 40 + (number % 7);
    }

    private static String type(long i, int k) {
        return switch (k) {
            case 0 -> "OrderPlaced";
            case 1 -> i % 20 == 0 ? "StockReserved" : "PaymentCaptured";
            case 2 -> i % 20 == 0 ? "PaymentCaptured" : i % 10 == 3 ? "StockUnavailable" : "StockReserved";
            case 3 -> i % 10 == 3 ? "PaymentRefunded" : "OrderShipped";
            default -> i % 10 == 3 ? "OrderCancelled" : i % 50 == 1 ? "OrderShipped" : "OrderDelivered";
        };
    }

    /**
     * The row the engine keeps for instance {@code i}: its five distinct events (the copy stored twice is one record)
     * in time order, started at the first.
     */
    private static InstanceRecord row(Instant t0, long i) {
        List<String> types = new ArrayList<>(5);
        long[] times = new long[5];
        for (int k = 0; k < 5; k++) {
            types.add(type(i, k));
            times[k] = t0.toEpochMilli() + tsMs(i, k);
        }
        String id = "order-" + i;
        InstanceState state = i % 10 == 3 ? InstanceState.COMPENSATED : InstanceState.COMPLETED;
        Instant started = Instant.ofEpochMilli(times[0]);
        Instant last = Instant.ofEpochMilli(times[4]);
        InstanceSnapshot s = new InstanceSnapshot(id, Set.of(id), "OrderPlaced", state, "", started, last, 5, 0,
                types.get(4), "svc", List.of(), List.of());
        return new InstanceRecord(s, StepSequence.of(types, times), 0, last, last);
    }

    /**
     * Writes every instance's row with its steps to {@code store} and, as before V011, to {@code before}, 10,000 rows
     * per insert, alternately first; prints the time per 10,000 rows and the bytes sent of both.
     */
    private static void writeInstances(ClickHouseStore store, ClickHouseStore before, Instant t0, long ids) throws Exception {
        ClickHouseInstanceWriter with = new ClickHouseInstanceWriter(store, null);
        ClickHouseInstanceWriter without = new ClickHouseInstanceWriter(before, null);
        long withNs = 0;
        long withoutNs = 0;
        long withBytes = 0;
        long withoutBytes = 0;
        int chunks = 0;
        for (long start = 0; start < ids; start += CHUNK) {
            List<InstanceRecord> rows = new ArrayList<>(CHUNK);
            for (long i = start; i < Math.min(ids, start + CHUNK); i++) {
                rows.add(row(t0, i));
            }
            boolean withFirst = (chunks & 1) == 0;
            for (int pass = 0; pass < 2; pass++) {
                boolean steps = (pass == 0) == withFirst;
                long a = System.nanoTime();
                (steps ? with : without).write(rows, steps);
                long d = System.nanoTime() - a;
                if (steps) {
                    withNs += d;
                    withBytes += rowBinaryBytes(rows, true);
                } else {
                    withoutNs += d;
                    withoutBytes += rowBinaryBytes(rows, false);
                }
            }
            chunks++;
        }
        System.out.printf("instance rows: %,d in %d inserts of up to %,d; ms per 10,000 rows: %.1f with step times, "
                        + "%.1f without; RowBinary bytes per row: %.1f with, %.1f without%n", ids, chunks, CHUNK,
                withNs / 1e6 / ids * 10_000, withoutNs / 1e6 / ids * 10_000, (double) withBytes / ids,
                (double) withoutBytes / ids);
    }

    private static long rowBinaryBytes(List<InstanceRecord> rows, boolean steps) throws Exception {
        long[] count = new long[1];
        RowBinaryOutput w = new RowBinaryOutput(new OutputStream() {
            @Override
            public void write(int b) {
                count[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                count[0] += len;
            }
        });
        for (InstanceRecord r : rows) {
            ClickHouseInstanceWriter.write(w, r, steps);
        }
        w.flush();
        return count[0];
    }

    private static long digest(Object o) {
        return o == null ? 0 : java.nio.ByteBuffer.wrap(sha(o.toString())).getLong();
    }

    private static byte[] sha(String s) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
