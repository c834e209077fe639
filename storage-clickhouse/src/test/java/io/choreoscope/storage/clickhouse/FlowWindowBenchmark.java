package io.choreoscope.storage.clickhouse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import io.choreoscope.harness.clickhouse.EmbeddedClickHouse;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.Variant;

/**
 * Issue 15's windowed-model benchmark (a harness, not a test): N events (default 1M: N/5 instances of an order saga
 * with noise) generated straight into ClickHouse with INSERT ... SELECT FROM numbers(), one instance row each, started
 * 50 ms apart. Then, for the window holding the first W events' instances (default all N), it times
 * {@link ClickHouseFlowWindowReader#model} and {@link ClickHouseFlowWindowReader#variants} (what
 * {@code GET /flows/{flow}?from&to} and {@code /variants} run), the same two as computed before migration V009
 * ({@link FlowWindowReaderBeforeV009}, unless the 4th argument is {@code new}), and, as the anchor, STACK.md's measured
 * query (per correlation ID, sorted pairs counted over the whole {@code events} table; no instance join, no
 * deduplication). One warm-up, then R runs (default 5), the order of new and old swapped every run. It prints a digest
 * of each answer (model: instances, nodes, transitions with counts and percentiles, starts, ends; variants: the list)
 * so that both versions are shown to answer the same.
 *
 * <p>Ingest cost of the view that keeps {@code event_sequences}: every generated chunk is inserted into {@code events}
 * (view attached) and into {@code events_plain}, a table of the same definition without it, alternately first; the
 * insert times of both are printed.
 * <pre>
 * mvn -B -q -pl storage-clickhouse -am test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-cp.txt -Dmdep.includeScope=test
 * java -Xmx512m -cp storage-clickhouse/target/test-classes:storage-clickhouse/target/classes:$(cat storage-clickhouse/target/bench-cp.txt) \
 *   io.choreoscope.storage.clickhouse.FlowWindowBenchmark N [W [R [new]]]
 * </pre>
 * Noise: one instance in 20 has payment and stock swapped (a skewed clock), one in 50 a duplicate shipment, one in 10
 * is refunded instead of shipped; events 0-40 ms apart; every 7th record stored twice (a redelivered batch).
 */
public final class FlowWindowBenchmark {

    public static void main(String[] args) throws Exception {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000L;
        long w = args.length > 1 ? Long.parseLong(args[1]) : n;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        boolean old = args.length <= 3 || !args[3].equals("new");
        long ids = n / 5;
        Path dir = Files.createTempDirectory("choreoscope-flow-bench-");
        Instant t0 = Instant.parse("2026-12-01T00:00:00Z");
        try (EmbeddedClickHouse ch = EmbeddedClickHouse.start(dir.resolve("clickhouse"), 0)) {
            String db = "bench";
            ClickHouseStore store = new ClickHouseStore(new ClickHouseConfig(ch.httpUrl(), db));
            new SchemaMigrator(store).migrate();
            ch.query("CREATE TABLE events_plain AS events", db);
            // instance i = intDiv(number, 5), step k = number % 5; the step's type depends on the instance's noise
            String type = "multiIf(k = 0, 'OrderPlaced', "
                    + "k = 1, if(i % 20 = 0, 'StockReserved', 'PaymentCaptured'), "
                    + "k = 2, if(i % 20 = 0, 'PaymentCaptured', if(i % 10 = 3, 'StockUnavailable', 'StockReserved')), "
                    + "k = 3, if(i % 10 = 3, 'PaymentRefunded', 'OrderShipped'), "
                    + "if(i % 10 = 3, 'OrderCancelled', if(i % 50 = 1, 'OrderShipped', 'OrderDelivered')))";
            long chunk = 1_000_000;
            long withView = 0;
            long plain = 0;
            int c = 0;
            for (long start = 0; start < n; start += chunk, c++) {
                long size = Math.min(chunk, n - start);
                for (int order = 0; order < 2; order++) {
                    boolean viewNow = (order == 0) == (c % 2 == 0);
                    String insert = "INSERT INTO " + (viewNow ? "events" : "events_plain") + " (topic, partition, offset, ts, "
                            + "ingest_ts, key, header_keys, header_values, "
                            + "payload, payload_size, content_type, correlation_id, event_id, event_type, source_service, "
                            + "causation_id, trace_id, span_id, parse_status, parse_error) SELECT 'orders', number % 8, number, "
                            + "toDateTime64(" + t0.getEpochSecond() + ", 3, 'UTC') + toIntervalMillisecond(i * 50 + k * 40 + (number % 7)), "
                            + "now64(3), concat('order-', toString(i)), ['correlationId'], [concat('order-', toString(i))], "
                            + "'{\"orderId\":1}', 13, 'application/json', concat('order-', toString(i)), '', " + type
                            + ", 'svc', '', '', '', 'OK', '' FROM (SELECT number, intDiv(number, 5) AS i, number % 5 AS k "
                            + "FROM numbers(" + start + ", " + size + ") WHERE ";
                    long a = System.nanoTime();
                    ch.query(insert + "1)", db);
                    ch.query(insert + "number % 7 = 0)", db); // stored twice, as after a redelivered batch
                    long took = System.nanoTime() - a;
                    if (viewNow) {
                        withView += took;
                    } else {
                        plain += took;
                    }
                }
            }
            ch.query("DROP TABLE events_plain", db);
            ch.query("INSERT INTO instances SELECT concat('order-', toString(number)), [concat('order-', toString(number))], "
                    + "'OrderPlaced', if(number % 10 = 3, 'COMPENSATED', 'COMPLETED'), '', "
                    + "toDateTime64(" + t0.getEpochSecond() + ", 3, 'UTC') + toIntervalMillisecond(number * 50), "
                    + "toDateTime64(" + t0.getEpochSecond() + ", 3, 'UTC') + toIntervalMillisecond(number * 50 + 160), "
                    + "5, 0, '', '', '[]', '[]', [], 0, now64(3), now64(3), 1 FROM numbers(" + ids + ")", db);
            System.out.printf("generated %,d events (+%,d stored twice) of %,d instances; insert into events with the "
                    + "event_sequences view %.1f s, into the same table without it %.1f s (+%.0f%%)%n", n, n / 7 + 1, ids,
                    withView / 1e9, plain / 1e9, 100.0 * (withView - plain) / plain);
            long until = System.nanoTime() + 300_000_000_000L;
            while (System.nanoTime() < until && !ch.query("SELECT count() FROM system.merges").strip().equals("0")) {
                Thread.sleep(1000); // a harness waiting for background merges, not a test
            }
            System.out.println("events rows: " + ch.query("SELECT count() FROM bench.events").strip() + ", parts: "
                    + parts(ch, "events") + "; event_sequences rows: "
                    + ch.query("SELECT count() FROM bench.event_sequences").strip() + ", parts: " + parts(ch, "event_sequences"));
            Instant from = t0;
            Instant to = t0.plusMillis(w / 5 * 50);
            try (SqlRunner sql = new SqlRunner(store)) {
                ClickHouseFlowWindowReader reader = new ClickHouseFlowWindowReader(sql);
                FlowWindowReaderBeforeV009 before = new FlowWindowReaderBeforeV009(sql);
                String anchor = "SELECT p.1, p.2, count() FROM (SELECT arraySort(x -> (x.2, x.3), groupArray((event_type, ts, offset))) AS t "
                        + "FROM " + db + ".events GROUP BY correlation_id) ARRAY JOIN arrayZip(arrayPopBack(t), arrayPopFront(t)) AS p "
                        + "GROUP BY p.1, p.2";
                double[] model = new double[runs];
                double[] variants = new double[runs];
                double[] modelOld = new double[runs];
                double[] variantsOld = new double[runs];
                double[] base = new double[runs];
                FlowModel m = null;
                List<Variant> v = null;
                FlowModel mOld = null;
                List<Variant> vOld = null;
                for (int r = -1; r < runs; r++) {
                    for (int turn = 0; turn < 2; turn++) {
                        boolean newNow = (turn == 0) == (r % 2 == 0);
                        if (!newNow && !old) {
                            continue;
                        }
                        long a = System.nanoTime();
                        FlowModel mm = newNow ? reader.model("OrderPlaced", from, to) : before.model("OrderPlaced", from, to);
                        long b = System.nanoTime();
                        List<Variant> vv = newNow ? reader.variants("OrderPlaced", from, to, 500)
                                : before.variants("OrderPlaced", from, to, 500);
                        long d = System.nanoTime();
                        if (newNow) {
                            m = mm;
                            v = vv;
                        } else {
                            mOld = mm;
                            vOld = vv;
                        }
                        if (r >= 0) {
                            (newNow ? model : modelOld)[r] = (b - a) / 1e6;
                            (newNow ? variants : variantsOld)[r] = (d - b) / 1e6;
                        }
                    }
                    long a = System.nanoTime();
                    sql.query(anchor, rs -> null);
                    if (r >= 0) {
                        base[r] = (System.nanoTime() - a) / 1e6;
                    }
                }
                System.out.printf("window [%s, %s): model of %,d instances, %,d events (each once), %d steps, %d transitions;"
                        + " variants: %d%n", from, to, m.instances(), m.nodes().stream().mapToLong(FlowModel.Node::count).sum(),
                        m.nodes().size(), m.transitions().size(), v.size());
                System.out.println("model digest " + digest(m) + ", variants digest " + digest(v));
                if (old) {
                    System.out.println("before V009: model digest " + digest(mOld) + ", variants digest " + digest(vOld)
                            + (digest(m).equals(digest(mOld)) && digest(v).equals(digest(vOld)) ? " (same answers)" : " (DIFFERENT)"));
                }
                System.out.println("windowed model ms:              " + Arrays.toString(model) + " median " + median(model));
                System.out.println("variants ms:                    " + Arrays.toString(variants) + " median " + median(variants));
                if (old) {
                    System.out.println("windowed model before V009 ms:  " + Arrays.toString(modelOld) + " median " + median(modelOld));
                    System.out.println("variants before V009 ms:        " + Arrays.toString(variantsOld) + " median " + median(variantsOld));
                }
                System.out.println("anchor (STACK) ms:              " + Arrays.toString(base) + " median " + median(base));
            }
            store.close();
        }
    }

    private static String parts(EmbeddedClickHouse ch, String table) {
        return ch.query("SELECT count() FROM system.parts WHERE database = 'bench' AND table = '" + table + "' AND active").strip();
    }

    private static String digest(FlowModel m) {
        return digest(m.instances() + "|" + m.nodes() + "|" + m.transitions() + "|" + m.startCounts() + "|" + m.endCounts());
    }

    private static String digest(List<Variant> v) {
        return digest(v.toString());
    }

    private static String digest(String s) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 8);
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
