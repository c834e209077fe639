package io.choreoscope.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.choreoscope.harness.clickhouse.EmbeddedClickHouse;
import io.choreoscope.model.EventExcerpt;
import io.choreoscope.model.Observation;
import io.choreoscope.storage.clickhouse.ClickHouseConfig;
import io.choreoscope.storage.clickhouse.ClickHouseEventReader;
import io.choreoscope.storage.clickhouse.ClickHouseStore;
import io.choreoscope.storage.clickhouse.SchemaMigrator;
import io.choreoscope.storage.clickhouse.SqlRunner;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;

/**
 * Issue 5's read benchmark (a harness, not a test): N events (default 10M: 2M correlation IDs x 5 events,
 * ~330-byte JSON payloads, two headers) generated straight into ClickHouse with INSERT ... SELECT FROM
 * numbers(), plus one persisted instance row per ID, as live inference would have left them. Then the
 * application runs in role {@code api} on that database, and for random correlation IDs it measures
 * {@code GET /api/v1/instances/{id}} end to end (HTTP, queries, instance graph, JSON) against the same SQL
 * statements run directly through JDBC (pooled connections), interleaved so both see the same noise.
 * <pre>
 * mvn -B -q -pl backend -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java -Xmx1g -cp backend/target/test-classes:backend/target/classes:$(cat /tmp/cp.txt) io.choreoscope.bench.ApiBenchmark 10000000 1000
 * </pre>
 * Arguments: events (default 10,000,000), measured requests (default 3000; a fifth more, at least 100, are warm-up),
 * optionally a data directory to keep the generated data in and reuse on later runs ({@code -} for a temporary one),
 * optionally {@code spans}: one producer span per event (10M spans), named by the event's traceparent and carrying
 * its Kafka coordinates, so that the span join finds five spans per instance. Sign-in is on (demo users):
 * the harness signs in once as viewer and sends the token with every request.
 */
public final class ApiBenchmark {

    public static void main(String[] args) throws Exception {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
        int requests = args.length > 1 ? Integer.parseInt(args[1]) : 3000;
        long ids = n / 5;
        // Optional third argument: a data directory kept between runs (generated on the first run, reused after).
        Path dir = args.length > 2 && !args[2].equals("-") ? Path.of(args[2]) : io.choreoscope.harness.TempDirs.deleteAtExit(Files.createTempDirectory("choreoscope-api-bench-"));
        boolean reuse = args.length > 2 && Files.isDirectory(dir.resolve("clickhouse"));
        boolean withSpans = args.length > 3 && args[3].equals("spans");
        try (EmbeddedClickHouse ch = EmbeddedClickHouse.start(dir.resolve("clickhouse"), 0)) {
            String db = "bench";
            ClickHouseStore store = new ClickHouseStore(new ClickHouseConfig(ch.httpUrl(), db));
            long m0 = System.nanoTime();
            List<String> applied = new SchemaMigrator(store).migrate();
            System.out.printf("migrations %s applied in %.1f s%n", applied, (System.nanoTime() - m0) / 1e9);
            if (reuse) {
                System.out.println("reusing " + ch.query("SELECT count() FROM bench.events").strip() + " events and "
                        + ch.query("SELECT count() FROM bench.spans").strip() + " spans in " + dir);
            } else {
                generate(ch, db, n, ids, withSpans);
            }
            waitForMerges(ch);
            System.out.println("events parts: " + ch.query("SELECT count() FROM system.parts WHERE database = 'bench' AND table = 'events' AND active").strip()
                    + ", instances parts: " + ch.query("SELECT count() FROM system.parts WHERE database = 'bench' AND table = 'instances_by_day' AND active").strip());

            Map<String, Object> p = BenchSignIn.apiRole(ch.httpUrl(), db);
            try (ApplicationContext app = ApplicationContext.run(EmbeddedServer.class, p).getApplicationContext();
                 SqlRunner sql = new SqlRunner(store)) {
                String base = app.getBean(EmbeddedServer.class).getURL() + "/api/v1/instances/";
                HttpClient http = HttpClient.newHttpClient();
                java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool();
                String token = BenchSignIn.token(http, app.getBean(EmbeddedServer.class).getURL().toString());
                ClickHouseEventReader events = new ClickHouseEventReader(sql);
                io.choreoscope.storage.clickhouse.ClickHouseInstanceReader instances = new io.choreoscope.storage.clickhouse.ClickHouseInstanceReader(sql);
                io.choreoscope.storage.clickhouse.ClickHouseSpanReader spans = new io.choreoscope.storage.clickhouse.ClickHouseSpanReader(sql, pool);
                Random random = new Random(42);
                long[] apiNanos = new long[requests];
                long[] sqlNanos = new long[requests];
                int warmup = Math.max(100, requests / 5);
                long bytes = 0;
                for (int i = -warmup; i < requests; i++) {
                    String id = "order-" + (long) (random.nextDouble() * ids);
                    long a0 = System.nanoTime();
                    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(base + id))
                            .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofByteArray());
                    long a1 = System.nanoTime();
                    if (r.statusCode() != 200) {
                        throw new IllegalStateException("GET " + id + " answered " + r.statusCode() + ": " + new String(r.body()));
                    }
                    // The same statements the endpoint runs, the same way: the asked ID's first page of events (with
                    // payloads cut at the default 64 KiB; it holds all 5, so it also serves the span join) and then its
                    // spans (the lookup beside the trace read, on the pool as the application does), beside the
                    // instance row.
                    String other = "order-" + (long) (random.nextDouble() * ids);
                    long s0 = System.nanoTime();
                    int[] read = directRead(events, instances, spans, pool, other);
                    long s1 = System.nanoTime();
                    int rows = read[0];
                    int spanCount = read[1];
                    if (spanCount != (withSpans ? 5 : 0)) {
                        throw new IllegalStateException(other + " joined " + spanCount + " spans");
                    }
                    if (rows != 5) {
                        throw new IllegalStateException(other + " has " + rows + " events");
                    }
                    if (i >= 0) {
                        apiNanos[i] = a1 - a0;
                        sqlNanos[i] = s1 - s0;
                        bytes += r.body().length;
                    }
                }
                double[] api = percentiles(apiNanos);
                double[] direct = percentiles(sqlNanos);
                System.out.printf("GET /api/v1/instances/{id}, %d random IDs (%d B/answer avg): p50 %.1f ms, p95 %.1f ms, p99 %.1f ms%n",
                        requests, bytes / requests, api[0], api[1], api[2]);
                System.out.printf("same SQL via pooled JDBC:                              p50 %.1f ms, p95 %.1f ms, p99 %.1f ms%n",
                        direct[0], direct[1], direct[2]);
                System.out.printf("ratio API/direct: p50 %.2f, p95 %.2f, p99 %.2f%n", api[0] / direct[0], api[1] / direct[1], api[2] / direct[2]);
                pool.shutdown();
            }
            store.close();
        }
    }

    /**
     * What {@code GET /instances/{id}} reads, run directly through the readers the way the endpoint runs them: the
     * asked ID's first page of events (with payloads cut at the default 64 KiB; it holds all of a small instance's
     * events, so it also serves the span join) and then its spans (the lookup beside the trace read, on the pool as the
     * application does), beside the instance row. Returns {events read, spans joined}, spans -1 when the row is not
     * the ID's.
     */
    static int[] directRead(ClickHouseEventReader events, io.choreoscope.storage.clickhouse.ClickHouseInstanceReader instances,
                            io.choreoscope.storage.clickhouse.ClickHouseSpanReader spans, java.util.concurrent.Executor pool,
                            String id) {
        var eventsAndSpans = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            List<Observation> page = events.eventPage(List.of(id), null, 51, 65_536).stream()
                    .map(EventExcerpt::event).toList();
            return new int[] {page.size(), spans.spansOf(List.of(id), page).size()};
        }, pool);
        var snap = instances.byId(id).orElseThrow();
        int[] read = eventsAndSpans.join();
        return new int[] {read[0], snap.correlationId().equals(id) ? read[1] : -1};
    }

    /** The trace of an instance (one per correlation ID) and the producer span of each event, as SQL over {@code number}. */
    private static final String TRACE = "lower(hex(MD5(concat('order-', toString(intDiv(number, 5))))))";
    private static final String SPAN = "leftPad(lower(hex(cityHash64(number))), 16, '0')";

    private static void generate(EmbeddedClickHouse ch, String db, long n, long ids, boolean withSpans) {
        long t0 = System.nanoTime();
        long chunk = 1_000_000;
        for (long start = 0; start < n; start += chunk) {
            long size = Math.min(chunk, n - start);
            ch.query("INSERT INTO events (topic, partition, offset, ts, ingest_ts, key, header_keys, header_values, payload, "
                    + "payload_size, content_type, correlation_id, event_id, event_type, source_service, causation_id, trace_id, "
                    + "span_id, parse_status, parse_error) "
                    + "SELECT 'orders', number % 8, number, now64(3) - toIntervalMillisecond((" + n + " - number) * 10), "
                    + "now64(3) - toIntervalMillisecond((" + n + " - number) * 10), concat('order-', toString(intDiv(number, 5))), "
                    + "['correlationId', 'eventType'], [concat('order-', toString(intDiv(number, 5))), "
                    + "arrayElement(['OrderPlaced','PaymentCaptured','StockReserved','OrderShipped','OrderDelivered'], number % 5 + 1)], "
                    + "concat('{\"orderId\":\"order-', toString(intDiv(number, 5)), '\",\"customer\":\"cust-', toString(number % 9973), "
                    + "'\",\"amount\":', toString(number % 500), '.95,\"currency\":\"EUR\",\"note\":\"', repeat('x', 220), '\"}'), 330, "
                    + "'application/json', concat('order-', toString(intDiv(number, 5))), toString(generateUUIDv4()), "
                    + "arrayElement(['OrderPlaced','PaymentCaptured','StockReserved','OrderShipped','OrderDelivered'], number % 5 + 1), "
                    + "arrayElement(['orders','payments','stock','shipping','delivery'], number % 5 + 1), '', "
                    + (withSpans ? TRACE + ", " + SPAN : "'', ''") + ", 'OK', '' "
                    + "FROM numbers(" + start + ", " + size + ")", db);
        }
        if (withSpans) {
            long s0 = System.nanoTime();
            // One PRODUCER span per event: the span its traceparent names, with the Kafka coordinates of the record.
            for (long start = 0; start < n; start += chunk) {
                long size = Math.min(chunk, n - start);
                ch.query("INSERT INTO spans (trace_id, span_id, parent_span_id, service, name, kind, start_ts, duration_ns, "
                        + "status_code, status_message, attributes, messaging_system, messaging_destination, messaging_operation, "
                        + "messaging_message_id, consumer_group, correlation_id, events_json, links_json) "
                        + "SELECT " + TRACE + ", " + SPAN + ", '', "
                        + "arrayElement(['orders','payments','stock','shipping','delivery'], number % 5 + 1), 'orders publish', 'PRODUCER', "
                        + "now64(9) - toIntervalMillisecond((" + n + " - number) * 10), 1500000, 'UNSET', '', "
                        + "map('messaging.system', 'kafka', 'messaging.destination.name', 'orders', 'messaging.operation.type', 'publish', "
                        + "'messaging.destination.partition.id', toString(number % 8), 'messaging.kafka.message.offset', toString(number)), "
                        + "'kafka', 'orders', 'publish', '', '', '', '', '' "
                        + "FROM numbers(" + start + ", " + size + ")", db);
            }
            System.out.printf("inserted %,d spans in %.1f s (%s)%n", n, (System.nanoTime() - s0) / 1e9,
                    ch.query("SELECT count() FROM system.tables WHERE database = 'bench' AND name = 'span_key_lookup_mv'").strip().equals("1")
                            ? "span_key_lookup view on" : "no span_key_lookup view");
        }
        ch.query("INSERT INTO instances_by_day SELECT concat('order-', toString(number)), [concat('order-', toString(number))], "
                + "'OrderPlaced', 'COMPLETED', 'reached end event OrderDelivered (learned)', "
                + "now64(3) - toIntervalMillisecond((" + ids + " - number) * 50), now64(3) - toIntervalMillisecond((" + ids + " - number) * 50 - 40), "
                + "5, 0, 'OrderDelivered', 'delivery', '[]', '[]', "
                + "['OrderPlaced','PaymentCaptured','StockReserved','OrderShipped','OrderDelivered'], number % 12, now64(3), now64(3), number, "
                + "[0, 10, 20, 30, 40], [0, 1, 2, 3, 4], 0 FROM numbers(" + ids + ")", db); // step_offsets (V011): its events are
                // 10 ms apart; step_causes (V016): each caused by the one before; is_deleted (V018)
        System.out.printf("generated %,d events%s and %,d instances in %.1f s%n", n, withSpans ? " (one span each)" : "", ids,
                (System.nanoTime() - t0) / 1e9);
    }

    static double[] percentiles(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return new double[] {s[(int) (s.length * 0.50)] / 1e6, s[(int) (s.length * 0.95)] / 1e6,
                s[Math.min(s.length - 1, (int) (s.length * 0.99))] / 1e6};
    }

    private static void waitForMerges(EmbeddedClickHouse ch) throws InterruptedException {
        long until = System.nanoTime() + 180_000_000_000L;
        while (System.nanoTime() < until && !ch.query("SELECT count() FROM system.merges").strip().equals("0")) {
            Thread.sleep(1000); // a harness waiting for background merges, not a test
        }
    }
}
