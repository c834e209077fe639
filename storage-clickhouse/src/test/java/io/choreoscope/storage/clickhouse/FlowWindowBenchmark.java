package io.choreoscope.storage.clickhouse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;

import io.choreoscope.harness.clickhouse.EmbeddedClickHouse;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.Variant;

/**
 * Issue 15's windowed-model benchmark (a harness, not a test): N events (default 1M: N/5 instances of an order saga
 * with noise) generated straight into ClickHouse with INSERT ... SELECT FROM numbers(), one instance row each, all
 * started in one window. Then, for that window, it times {@link ClickHouseFlowWindowReader#model} and
 * {@link ClickHouseFlowWindowReader#variants} (what {@code GET /flows/{flow}?from&to} and {@code /variants} run), and,
 * in the same run as the anchor, STACK.md's measured query (per correlation ID, sorted pairs counted; no instance
 * join, no deduplication). One warm-up, then five runs each, interleaved.
 * <pre>
 * mvn -B -q -pl storage-clickhouse -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java -Xmx512m -cp storage-clickhouse/target/test-classes:storage-clickhouse/target/classes:$(cat /tmp/cp.txt) \
 *   io.choreoscope.storage.clickhouse.FlowWindowBenchmark 1000000
 * </pre>
 * Noise: one instance in 20 has payment and stock swapped (a skewed clock), one in 50 a duplicate shipment, one in 10
 * is refunded instead of shipped; events 0-40 ms apart; every 7th record stored twice (a redelivered batch).
 */
public final class FlowWindowBenchmark {

    public static void main(String[] args) throws Exception {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000L;
        long ids = n / 5;
        Path dir = Files.createTempDirectory("choreoscope-flow-bench-");
        Instant t0 = Instant.parse("2026-12-01T00:00:00Z");
        try (EmbeddedClickHouse ch = EmbeddedClickHouse.start(dir.resolve("clickhouse"), 0)) {
            String db = "bench";
            ClickHouseStore store = new ClickHouseStore(new ClickHouseConfig(ch.httpUrl(), db));
            new SchemaMigrator(store).migrate();
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
                        + "toDateTime64(" + t0.getEpochSecond() + ", 3, 'UTC') + toIntervalMillisecond(i * 50 + k * 40 + (number % 7)), "
                        + "now64(3), concat('order-', toString(i)), ['correlationId'], [concat('order-', toString(i))], "
                        + "'{\"orderId\":1}', 13, 'application/json', concat('order-', toString(i)), '', " + type
                        + ", 'svc', '', '', '', 'OK', '' FROM (SELECT number, intDiv(number, 5) AS i, number % 5 AS k "
                        + "FROM numbers(" + start + ", " + size + ") WHERE ";
                ch.query(insert + "1)", db);
                ch.query(insert + "number % 7 = 0)", db); // stored twice, as after a redelivered batch
            }
            ch.query("INSERT INTO instances SELECT concat('order-', toString(number)), [concat('order-', toString(number))], "
                    + "'OrderPlaced', if(number % 10 = 3, 'COMPENSATED', 'COMPLETED'), '', "
                    + "toDateTime64(" + t0.getEpochSecond() + ", 3, 'UTC') + toIntervalMillisecond(number * 50), "
                    + "toDateTime64(" + t0.getEpochSecond() + ", 3, 'UTC') + toIntervalMillisecond(number * 50 + 160), "
                    + "5, 0, '', '', '[]', '[]', [], 0, now64(3), now64(3), 1 FROM numbers(" + ids + ")", db);
            System.out.printf("generated %,d events (+%,d stored twice) of %,d instances in %.1f s%n", n, n / 7 + 1, ids,
                    (System.nanoTime() - g0) / 1e9);
            long until = System.nanoTime() + 180_000_000_000L;
            while (System.nanoTime() < until && !ch.query("SELECT count() FROM system.merges").strip().equals("0")) {
                Thread.sleep(1000); // a harness waiting for background merges, not a test
            }
            System.out.println("events rows: " + ch.query("SELECT count() FROM bench.events").strip() + ", parts: "
                    + ch.query("SELECT count() FROM system.parts WHERE database = 'bench' AND table = 'events' AND active").strip());
            Instant from = t0;
            Instant to = t0.plusMillis(ids * 50 + 1);
            try (SqlRunner sql = new SqlRunner(store)) {
                ClickHouseFlowWindowReader reader = new ClickHouseFlowWindowReader(sql);
                String anchor = "SELECT p.1, p.2, count() FROM (SELECT arraySort(x -> (x.2, x.3), groupArray((event_type, ts, offset))) AS t "
                        + "FROM " + db + ".events GROUP BY correlation_id) ARRAY JOIN arrayZip(arrayPopBack(t), arrayPopFront(t)) AS p "
                        + "GROUP BY p.1, p.2";
                int runs = 5;
                double[] model = new double[runs];
                double[] variants = new double[runs];
                double[] base = new double[runs];
                FlowModel m = null;
                java.util.List<Variant> v = null;
                for (int r = -1; r < runs; r++) {
                    long a = System.nanoTime();
                    m = reader.model("OrderPlaced", from, to);
                    long b = System.nanoTime();
                    v = reader.variants("OrderPlaced", from, to, 500);
                    long c = System.nanoTime();
                    sql.query(anchor, rs -> null);
                    long d = System.nanoTime();
                    if (r >= 0) {
                        model[r] = (b - a) / 1e6;
                        variants[r] = (c - b) / 1e6;
                        base[r] = (d - c) / 1e6;
                    }
                }
                System.out.printf("model: %,d instances, %d steps, %d transitions; variants: %d%n", m.instances(),
                        m.nodes().size(), m.transitions().size(), v.size());
                System.out.println("windowed model ms:  " + Arrays.toString(model) + " median " + median(model));
                System.out.println("variants ms:        " + Arrays.toString(variants) + " median " + median(variants));
                System.out.println("anchor (STACK) ms:  " + Arrays.toString(base) + " median " + median(base));
            }
            store.close();
        }
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
