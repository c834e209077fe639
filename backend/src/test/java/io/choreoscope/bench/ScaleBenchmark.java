package io.choreoscope.bench;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.choreoscope.harness.clickhouse.EmbeddedClickHouse;
import io.choreoscope.storage.clickhouse.ClickHouseConfig;
import io.choreoscope.storage.clickhouse.ClickHouseEventReader;
import io.choreoscope.storage.clickhouse.ClickHouseInstanceReader;
import io.choreoscope.storage.clickhouse.ClickHouseSpanReader;
import io.choreoscope.storage.clickhouse.ClickHouseStore;
import io.choreoscope.storage.clickhouse.SchemaMigrator;
import io.choreoscope.storage.clickhouse.SqlRunner;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;

/**
 * Issue 19 item 2's read benchmark at scale (a harness, not a test): N events (100M for the issue) of N/5 correlation
 * IDs, spread evenly over the last D days (default 7) as five-step order instances, one producer span per instance
 * (N/5 spans), and one instance row per ID with a realistic mix of states (90% completed, 5% stuck, 3% running,
 * 2% failed), all generated straight into ClickHouse with {@code INSERT ... SELECT FROM numbers()}. Then the application
 * runs in role {@code api} on that database (sign-in on, as shipped) and the harness times, over HTTP:
 * <ul>
 *   <li>{@code GET /instances/{id}} for random IDs (events, spans, graph);</li>
 *   <li>{@code GET /search?mode=id} for a stored ID and for an ID no instance has;</li>
 *   <li>{@code GET /stuck?limit=100}: the oldest stuck instances, each diagnosed;</li>
 *   <li>{@code GET /flows} KPIs for the last hour and the last day;</li>
 *   <li>{@code GET /instances} filtered by flow and state, and by flow, state and the last day;</li>
 *   <li>{@code GET /search?mode=value} over the last 24 h and the last 7 days, for a value one record holds (an event
 *       ID, chosen at random per request) and for a value no record holds (the whole window is read);</li>
 *   <li>{@code GET /flows/{flow}?from&to} and {@code /variants}: the windowed flow model for the last hour;</li>
 *   <li>the dependency map's reads of storage for the last hour (directly: this API has no broker to read lag from);</li>
 *   <li>a dead-letter alert's count without topics (read directly, as the alert engine does), which reads the
 *       headers of the last day: the data hold {@value #DEAD_LETTERS} dead letters known only by their headers;</li>
 * </ul>
 * each beside its anchor in the same run, run directly and alternately with the requests: a plain read of the same
 * window's rows ({@code count(), uniqExact(correlation_id)}), or for value search a plain substring scan of the window's
 * payloads, which says what reading the window alone costs on this machine.
 * It also reports the stored bytes per event (compressed and not) and, last, what a shorter retention (TTL) takes:
 * the time to apply a TTL of {@code ttlDays} to the stored events and the bytes it frees.
 * <pre>
 * mvn -B -q -pl backend -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java -Xmx2g -cp backend/target/test-classes:backend/target/classes:$(cat /tmp/cp.txt) io.choreoscope.bench.ScaleBenchmark 100000000 DIR
 * </pre>
 * Arguments: events (default 100,000,000), a data directory kept between runs (generated on the first run, reused
 * after; {@code -} for a temporary one), requests per read kind (default 50; the instance reads take 20 times as
 * many; 0: generate only), days the events span (default 7), the TTL to try at the end in days (default 0: not tried; it rewrites the
 * stored events, so it runs last and only on a copy you can lose). Option {@code --cache=cold|warm|as-is} (reused data
 * only): the page cache dropped, filled with the data, or left as it is (default), before the engine starts. Option
 * {@code --prewarm}: the marks and primary keys of the tables an instance read touches loaded before the reads.
 * Option {@code --only=PREFIX[|PREFIX...]}: only the reads whose label starts with one of them (e.g. {@code --only=dead-letter}).
 * Option {@code --ids=sequential|scattered} (generation only; a reused directory keeps the one it was generated with):
 * correlation IDs {@code order-<n>} (default), or {@code order-} and 16 hex digits of n times an odd constant, so that
 * IDs sort in no relation to time, as random IDs (UUIDs) of real services do. The tables are sorted by correlation ID,
 * so this decides how much a time window's skip indexes can leave unread.
 */
public final class ScaleBenchmark {
    private static final String DB = "bench";
    private static final String FLOW = "OrderPlaced";
    /** The topic of the generated dead letters, named so that only their headers say what they are. */
    private static final String DEAD_LETTER_TOPIC = "orders-failed";
    /** Dead letters generated, one a minute, the newest at the end of the data. */
    private static final int DEAD_LETTERS = 1_000;

    public static void main(String[] allArgs) throws Exception {
        String cache = "as-is";
        boolean prewarm = false;
        String only = "";
        String idScheme = null;
        List<String> positional = new java.util.ArrayList<>();
        for (String a : allArgs) {
            if (a.startsWith("--cache=")) {
                cache = a.substring("--cache=".length());
            } else if (a.equals("--prewarm")) {
                prewarm = true;
            } else if (a.startsWith("--ids=")) {
                idScheme = a.substring("--ids=".length());
            } else if (a.startsWith("--only=")) {
                only = a.substring("--only=".length());
            } else {
                positional.add(a);
            }
        }
        if (!List.of("as-is", "cold", "warm").contains(cache)) {
            throw new IllegalArgumentException("--cache is as-is, cold or warm, not " + cache);
        }
        String[] args = positional.toArray(String[]::new);
        long n = args.length > 0 ? Long.parseLong(args[0]) : 100_000_000L;
        Path dir = args.length > 1 && !args[1].equals("-") ? Path.of(args[1]) : io.choreoscope.harness.TempDirs.deleteAtExit(Files.createTempDirectory("choreoscope-scale-bench-"));
        int requests = args.length > 2 ? Integer.parseInt(args[2]) : 50;
        int days = args.length > 3 ? Integer.parseInt(args[3]) : 7;
        int ttlDays = args.length > 4 ? Integer.parseInt(args[4]) : 0;
        long ids = n / 5;
        boolean reuse = Files.isDirectory(dir.resolve("clickhouse"));
        Path idFile = dir.resolve("ids");
        String stored = reuse ? (Files.exists(idFile) ? Files.readString(idFile).strip() : "sequential") : null;
        if (idScheme != null && stored != null && !idScheme.equals(stored)) {
            throw new IllegalArgumentException(dir + " holds " + stored + " IDs, not " + idScheme);
        }
        IDS = Ids.valueOf((stored != null ? stored : idScheme != null ? idScheme : "sequential").toUpperCase(java.util.Locale.ROOT));
        if (!reuse) {
            Files.createDirectories(dir);
            Files.writeString(idFile, IDS.name().toLowerCase(java.util.Locale.ROOT) + "\n");
        }
        System.out.printf("ScaleBenchmark %,d events, %,d %s IDs over %d days, data in %s (%s); load %s%n", n, ids,
                IDS.name().toLowerCase(java.util.Locale.ROOT), days, dir,
                reuse ? "reused" : "generated now", loadAverage());
        if (reuse) {
            pageCache(cache, dir.resolve("clickhouse"));
        }
        try (EmbeddedClickHouse ch = EmbeddedClickHouse.start(dir.resolve("clickhouse"), 0)) {
            ClickHouseStore store = new ClickHouseStore(new ClickHouseConfig(ch.httpUrl(), DB));
            List<String> applied = new SchemaMigrator(store).migrate();
            System.out.println("migrations applied: " + applied);
            if (!reuse) {
                generate(ch, n, ids, days);
            } else if (!ch.query("SELECT count() FROM bench.instances_by_day WHERE empty(step_offsets)").strip().equals("0")) {
                // Data generated before V011 (which adds the column empty): give the rows the offsets the generator writes now.
                long t0 = System.nanoTime();
                ch.query("ALTER TABLE bench.instances_by_day UPDATE step_offsets = " + stepOffsets(n, days) + " WHERE empty(step_offsets)");
                while (!ch.query("SELECT count() FROM system.mutations WHERE database = 'bench' AND NOT is_done").strip().equals("0")) {
                    Thread.sleep(2000); // a harness waiting for ClickHouse's mutation, not a test
                }
                System.out.printf("step offsets filled in the reused instance rows in %.0f s%n", (System.nanoTime() - t0) / 1e9);
            }
            waitForMerges(ch, Duration.ofMinutes(20));
            System.out.println("stored: " + ch.query("SELECT count() FROM bench.events").strip() + " events, "
                    + ch.query("SELECT count() FROM bench.spans").strip() + " spans, "
                    + ch.query("SELECT count() FROM bench.instances_by_day").strip() + " instance rows");
            storage(ch, n);
            if (prewarm) {
                prewarm(ch);
            }
            if (requests == 0) {
                store.close();
                return; // generate (and settle) only: the reads run on a later start with the same directory
            }

            Map<String, Object> p = BenchSignIn.apiRole(ch.httpUrl(), DB);
            try (ApplicationContext app = ApplicationContext.run(EmbeddedServer.class, p).getApplicationContext()) {
                String base = app.getBean(EmbeddedServer.class).getURL() + "/api/v1";
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                String token = BenchSignIn.token(http, app.getBean(EmbeddedServer.class).getURL().toString());
                Reads reads = new Reads(http, base, token, ch, only);
                Random random = new Random(42);
                Instant now = Instant.ofEpochMilli(Long.parseLong(ch.query("SELECT toUnixTimestamp64Milli(max(ts)) FROM bench.events").strip()));
                Instant hour = now.minus(Duration.ofHours(1));
                Instant day = now.minus(Duration.ofDays(1));
                Instant week = now.minus(Duration.ofDays(7));

                // The instance read's anchor: the same reads run directly through the readers (ApiBenchmark.directRead),
                // for another random ID (the one just asked would be answered from caches the request warmed).
                SqlRunner sql = new SqlRunner(store);
                java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool();
                ClickHouseEventReader eventReader = new ClickHouseEventReader(sql);
                ClickHouseInstanceReader instanceReader = new ClickHouseInstanceReader(sql);
                ClickHouseSpanReader spanReader = new ClickHouseSpanReader(sql, pool);
                Random other = new Random(43);
                reads.time("GET /instances/{id}", requests * 20, i -> "/instances/" + IDS.id((long) (random.nextDouble() * ids)),
                        new Anchor("the same reads directly (readers, pooled JDBC)", i -> {
                            String id = IDS.id((long) (other.nextDouble() * ids));
                            if (ApiBenchmark.directRead(eventReader, instanceReader, spanReader, pool, id)[0] != 5) {
                                throw new IllegalStateException(id + " did not read 5 events");
                            }
                        }));
                // Search by ID (the search box's default): a stored ID, and one no instance has (a linked ID of another
                // system, a typo), which reads the linked IDs; each ID asked once, so no cache answers it.
                reads.time("GET /search id, a stored ID", requests * 4,
                        i -> "/search?mode=id&limit=20&q=" + enc(IDS.id((long) (random.nextDouble() * ids))), (Anchor) null);
                reads.time("GET /search id, an ID no instance has", requests * 4,
                        i -> "/search?mode=id&limit=20&q=" + enc("pay-" + (long) (random.nextDouble() * ids)), (Anchor) null);
                reads.time("GET /flows, last hour", requests, i -> "/flows?from=" + hour + "&to=" + now, anchor(hour, now));
                reads.time("GET /flows, last day", requests, i -> "/flows?from=" + day + "&to=" + now, anchor(day, now));
                // A listing's window defaults to the last hour of the clock: the kept data end when they were generated, so
                // the window is the data's last day (without it the first 100M run answered empty pages).
                reads.time("GET /instances?flow&state=STUCK&from&to (last day)", requests,
                        i -> "/instances?flow=" + FLOW + "&state=STUCK&limit=50&from=" + day + "&to=" + now, anchor(day, now));
                reads.time("GET /instances?flow&state=COMPLETED&from&to (last day)", requests,
                        i -> "/instances?flow=" + FLOW + "&state=COMPLETED&limit=50&from=" + day + "&to=" + now, anchor(day, now));
                // The stuck list (oldest last event first, each diagnosed): 5% of the generated instances are stuck.
                reads.time("GET /stuck?limit=100", requests, i -> "/stuck?limit=100", (Anchor) null);
                // Value search reads every payload of its window: fewer requests, and the anchor a substring scan of them.
                int day1 = Math.max(3, requests / 2);
                int day7 = Math.max(3, requests / 4);
                reads.time("GET /search value, one record's event ID, last 24 h", day1,
                        i -> "/search?mode=value&limit=20&q=" + eventIdIn(ch, random, day, now) + "&from=" + day + "&to=" + now,
                        scan(day, now));
                reads.time("GET /search value, no record's value, last 24 h", day1,
                        i -> "/search?mode=value&limit=20&q=" + enc("absent-" + i) + "&from=" + day + "&to=" + now, scan(day, now));
                reads.time("GET /search value, one record's event ID, last 7 days", day7,
                        i -> "/search?mode=value&limit=20&q=" + eventIdIn(ch, random, week, now) + "&from=" + week + "&to=" + now,
                        scan(week, now));
                reads.time("GET /search value, no record's value, last 7 days", day7,
                        i -> "/search?mode=value&limit=20&q=" + enc("absent-" + i) + "&from=" + week + "&to=" + now, scan(week, now));
                reads.time("GET /flows/{flow}?from&to (windowed model, last hour)", requests,
                        i -> "/flows/" + FLOW + "?from=" + hour + "&to=" + now, anchor(hour, now));
                reads.time("GET /flows/{flow}/variants?from&to (last hour)", requests,
                        i -> "/flows/" + FLOW + "/variants?from=" + hour + "&to=" + now, anchor(hour, now));
                // The dependency map's stored reads, directly (the API role here has no Kafka or RabbitMQ to read lag
                // from, which GET /dependencies would wait for): every read ServiceMap makes of storage, RabbitMQ's included.
                io.choreoscope.storage.clickhouse.ClickHouseDependencyReader deps =
                        new io.choreoscope.storage.clickhouse.ClickHouseDependencyReader(sql);
                reads.direct("dependency map's stored reads (last hour)", requests, () -> {
                    if (deps.dependencies(hour, now).edges().isEmpty()) {
                        throw new IllegalStateException("no PRODUCES edge in the last hour");
                    }
                    deps.spanDependencies(hour, now);
                    deps.consumerGroupServices(hour, now);
                    deps.routedQueues(hour, now);
                    deps.deadLettered(hour, now);
                    deps.deadLetterTopicsByHeaders(hour, now);
                }, anchor(hour, now));
                // A dead-letter alert without topics, evaluated for a 15-minute window: the topics matched by name, and
                // those of dead letters by their headers (EventReader.deadLettersByTopicSince, as the alert source calls
                // it). Its answer is checked against the generated dead letters.
                Instant since = now.minus(Duration.ofMinutes(15));
                long expected = Long.parseLong(ch.query("SELECT count() FROM bench.events WHERE topic = '" + DEAD_LETTER_TOPIC
                        + "' AND ts >= fromUnixTimestamp64Milli(" + since.toEpochMilli() + ")").strip());
                // The first evaluation after a start reads the headers of the day before the window; every later one, the
                // alert source remembering the day's topics, only its window (StoredKpiSource).
                java.util.function.Function<Instant, ThrowingRunnable> deadLetterRead = headersSince -> () -> {
                    Map<String, Long> counts = eventReader.deadLettersByTopicSince(io.choreoscope.model.Topics.DEAD_LETTER_REGEX,
                            since, headersSince);
                    if (counts.getOrDefault(DEAD_LETTER_TOPIC, -1L) != expected) {
                        throw new IllegalStateException("the dead-letter count read " + counts + ", " + expected + " stored");
                    }
                };
                Instant dayBefore = since.minus(Duration.ofDays(1));
                reads.direct("dead-letter alert without topics (15 min window), first evaluation", requests,
                        deadLetterRead.apply(dayBefore), headerKeysRead(dayBefore));
                reads.direct("dead-letter alert without topics, later evaluations (window only)", requests,
                        deadLetterRead.apply(since), headerKeysRead(since));
                System.out.println("  (" + expected + " dead letters of " + DEAD_LETTER_TOPIC + " in the window, counted right "
                        + "by every read)");
                pool.shutdown();
                sql.close();
            }
            if (ttlDays > 0) {
                ttl(ch, ttlDays);
            }
            store.close();
        }
    }

    /** Times R requests (a fifth more, at least 2, first as warm-up), alternating with the anchor when there is one. */
    private record Reads(HttpClient http, String base, String token, EmbeddedClickHouse ch, String only) {
        /** Whether {@code --only} names a prefix of the label (all reads without it). */
        boolean selected(String label) {
            return java.util.Arrays.stream(only.split("\\|", -1)).anyMatch(label::startsWith);
        }

        private static final Pattern STATE = Pattern.compile("\"state\":\"([A-Z]+)\"");

        void time(String label, int requests, IntFunction<String> path, String anchorSql) throws Exception {
            time(label, requests, path, anchorSql == null ? null
                    : new Anchor("plain scan of the window", i -> ch.query(anchorSql)));
        }

        void time(String label, int requests, IntFunction<String> path, Anchor anchorRead) throws Exception {
            if (!selected(label)) {
                return;
            }
            int warmup = Math.max(2, requests / 5);
            long[] api = new long[requests];
            long[] anchor = new long[requests];
            Map<Integer, Integer> statuses = new TreeMap<>();
            // Per state of the instance answered (the first "state" field), for reads of one instance.
            Map<String, List<Long>> byState = new TreeMap<>();
            long bytes = 0;
            int minItems = Integer.MAX_VALUE;
            int maxItems = 0;
            String example = null;
            for (int i = -warmup; i < requests; i++) {
                String p = path.apply(i);
                long a0 = System.nanoTime();
                HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(base + p)).timeout(Duration.ofSeconds(60))
                        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofByteArray());
                long a1 = System.nanoTime();
                if (r.statusCode() != 200 && r.statusCode() != 422) {
                    throw new IllegalStateException("GET " + p + " answered " + r.statusCode() + ": " + new String(r.body(), StandardCharsets.UTF_8));
                }
                if (anchorRead != null) {
                    long s0 = System.nanoTime();
                    anchorRead.read().accept(i);
                    anchor[Math.max(0, i)] = i >= 0 ? System.nanoTime() - s0 : anchor[0];
                }
                if (i >= 0) {
                    api[i] = a1 - a0;
                    statuses.merge(r.statusCode(), 1, Integer::sum);
                    bytes += r.body().length;
                    // Items answered (instances, hits): each carries one correlationId field.
                    String body = new String(r.body(), StandardCharsets.UTF_8);
                    int items = body.split("\"correlationId\"", -1).length - 1;
                    Matcher state = STATE.matcher(body);
                    if (label.startsWith("GET /instances/{id}") && state.find()) {
                        byState.computeIfAbsent(state.group(1), k -> new ArrayList<>()).add(a1 - a0);
                    }
                    minItems = Math.min(minItems, items);
                    maxItems = Math.max(maxItems, items);
                    if (r.statusCode() == 422 && example == null) {
                        example = new String(r.body(), StandardCharsets.UTF_8);
                    }
                }
            }
            double[] a = ApiBenchmark.percentiles(api);
            System.out.printf("%-62s p50 %8.1f ms  p95 %8.1f ms  p99 %8.1f ms  answers %s  avg %,d B  items %d-%d%n", label, a[0],
                    a[1], a[2], statuses, bytes / requests, minItems, maxItems);
            byState.forEach((state, times) -> {
                double[] t = ApiBenchmark.percentiles(times.stream().mapToLong(Long::longValue).toArray());
                System.out.printf("%-62s p50 %8.1f ms  p95 %8.1f ms  p99 %8.1f ms%n", "  of which " + state + " (" + times.size()
                        + ")", t[0], t[1], t[2]);
            });
            if (anchorRead != null) {
                double[] s = ApiBenchmark.percentiles(anchor);
                System.out.printf("%-62s p50 %8.1f ms  p95 %8.1f ms  p99 %8.1f ms%n", "  anchor: " + anchorRead.label(), s[0], s[1], s[2]);
            }
            if (example != null) {
                System.out.println("  422 answer: " + example);
            }
        }

        /**
         * Times a read the application makes itself (not over HTTP: an alert's evaluation), alternating with a plain
         * SQL anchor, with the same warm-up as {@link #time}.
         */
        void direct(String label, int requests, ThrowingRunnable read, String anchorSql) throws Exception {
            if (!selected(label)) {
                return;
            }
            int warmup = Math.max(2, requests / 5);
            long[] own = new long[requests];
            long[] anchor = new long[requests];
            for (int i = -warmup; i < requests; i++) {
                long a0 = System.nanoTime();
                read.run();
                long a1 = System.nanoTime();
                ch.query(anchorSql);
                long a2 = System.nanoTime();
                if (i >= 0) {
                    own[i] = a1 - a0;
                    anchor[i] = a2 - a1;
                }
            }
            double[] a = ApiBenchmark.percentiles(own);
            double[] s = ApiBenchmark.percentiles(anchor);
            System.out.printf("%-62s p50 %8.1f ms  p95 %8.1f ms  p99 %8.1f ms%n", label, a[0], a[1], a[2]);
            System.out.printf("%-62s p50 %8.1f ms  p95 %8.1f ms  p99 %8.1f ms%n", "  anchor: " + anchorSql.replaceAll(
                    "fromUnixTimestamp64Milli\\(\\d+\\)|parseDateTime64BestEffort\\('[^']*', 3\\)", "?"), s[0], s[1], s[2]);
        }
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** A read run beside each request (alternately), with what it is. */
    private record Anchor(String label, ThrowingIntConsumer read) {
    }

    private interface ThrowingIntConsumer {
        void accept(int i) throws Exception;
    }

    /** A plain read of the window's rows: what reading them at all costs here. */
    private static String anchor(Instant from, Instant to) {
        return "SELECT count(), uniqExact(correlation_id) FROM bench.events WHERE ts >= parseDateTime64BestEffort('" + from
                + "', 3) AND ts < parseDateTime64BestEffort('" + to + "', 3) FORMAT Null";
    }

    /** What finding Kafka dead letters by their headers must at least read: the header keys of the rows since {@code from}. */
    private static String headerKeysRead(Instant from) {
        return "SELECT countIf(hasAny(header_keys, ['" + String.join("', '", io.choreoscope.model.DeadLetters.ORIGINAL_TOPIC_HEADERS)
                + "'])) FROM bench.events WHERE ts >= fromUnixTimestamp64Milli(" + from.toEpochMilli() + ") FORMAT Null";
    }

    /** A plain case-insensitive substring scan of the window's payloads, run directly: what value search must at least read. */
    private static String scan(Instant from, Instant to) {
        return "SELECT count() FROM bench.events WHERE ts >= parseDateTime64BestEffort('" + from + "', 3) AND ts < "
                + "parseDateTime64BestEffort('" + to + "', 3) AND positionCaseInsensitive(payload, 'absent-anchor') > 0 FORMAT Null";
    }

    /**
     * The event ID of a random stored event inside [from, to), chosen by the event's own time. (Chosen first by its
     * instance's start, it missed the window: the generator writes instance rows minutes after the events, with a
     * later {@code now64()}, so an instance starting just inside the window had its events just before it, and every
     * search of the first 100M run answered no hits, rightly.)
     */
    private static String eventIdIn(EmbeddedClickHouse ch, Random random, Instant from, Instant to) {
        String[] row = ch.query("SELECT event_id, ts FROM bench.events WHERE ts >= parseDateTime64BestEffort('" + from
                + "', 3) AND ts < parseDateTime64BestEffort('" + to + "', 3) LIMIT 1 OFFSET " + random.nextInt(100_000)
                + " FORMAT TSV").strip().split("\t");
        if (!SEARCHED.getAndSet(true)) {
            System.out.println("  e.g. event " + row[0] + " at " + row[1] + " UTC, window " + from + " .. " + to);
        }
        return enc(row[0]);
    }

    /** How the generated correlation IDs are named (see {@code --ids}). */
    private enum Ids {
        SEQUENTIAL, SCATTERED;

        /** Multiplying by an odd constant is a bijection of 64-bit numbers: distinct IDs, in no order of n. */
        private static final long SCATTER = 0x9E3779B97F4A7C15L;

        String id(long n) {
            return this == SEQUENTIAL ? "order-" + n : "order-" + String.format("%016x", n * SCATTER);
        }

        /** The same ID in ClickHouse SQL, of an expression of n. */
        String sql(String n) {
            return this == SEQUENTIAL ? "concat('order-', toString(" + n + "))"
                    : "concat('order-', leftPad(lower(hex(toUInt64(" + n + ") * " + Long.toUnsignedString(SCATTER) + ")), 16, '0'))";
        }
    }

    private static Ids IDS = Ids.SEQUENTIAL;

    private static final java.util.concurrent.atomic.AtomicBoolean SEARCHED = new java.util.concurrent.atomic.AtomicBoolean();

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static void generate(EmbeddedClickHouse ch, long n, long ids, int days) {
        long t0 = System.nanoTime();
        // Event k's time: now minus (n - k) steps, a step being days / n; the 5 events of an ID are consecutive.
        long stepMicros = days * 86_400_000_000L / n;
        String ts = "now64(6) - toIntervalMicrosecond((" + n + " - number) * " + stepMicros + ")";
        String id = IDS.sql("intDiv(number, 5)");
        String types = "['OrderPlaced','PaymentCaptured','StockReserved','OrderShipped','OrderDelivered']";
        String services = "['orders','payments','stock','shipping','delivery']";
        String trace = "lower(hex(MD5(" + id + ")))";
        long chunk = 2_000_000;
        for (long start = 0; start < n; start += chunk) {
            long size = Math.min(chunk, n - start);
            ch.query("INSERT INTO events (topic, partition, offset, ts, ingest_ts, key, header_keys, header_values, payload, "
                    + "payload_size, content_type, correlation_id, event_id, event_type, source_service, causation_id, trace_id, "
                    + "span_id, parse_status, parse_error) "
                    + "SELECT 'orders', number % 8, number, " + ts + ", " + ts + ", " + id + ", "
                    + "['correlationId', 'eventType'], [" + id + ", arrayElement(" + types + ", number % 5 + 1)], "
                    + "concat('{\"orderId\":\"', " + id + ", '\",\"customer\":\"cust-', toString(number % 9973), "
                    + "'\",\"amount\":', toString(number % 500), '.95,\"currency\":\"EUR\",\"note\":\"', repeat('x', 220), '\"}'), 330, "
                    + "'application/json', " + id + ", toString(generateUUIDv4()), arrayElement(" + types + ", number % 5 + 1), "
                    + "arrayElement(" + services + ", number % 5 + 1), '', " + trace + ", "
                    + "if(number % 5 = 0, leftPad(lower(hex(cityHash64(number))), 16, '0'), ''), 'OK', '' "
                    + "FROM numbers(" + start + ", " + size + ")", DB);
            if ((start / chunk) % 10 == 9) {
                System.out.printf("  %,d events in %.0f s%n", start + size, (System.nanoTime() - t0) / 1e9);
            }
        }
        long s0 = System.nanoTime();
        // One PRODUCER span per instance: the first event's, named by its trace and carrying its Kafka coordinates.
        for (long start = 0; start < ids; start += chunk) {
            long size = Math.min(chunk, ids - start);
            String e = "(number * 5)";
            ch.query("INSERT INTO spans (trace_id, span_id, parent_span_id, service, name, kind, start_ts, duration_ns, "
                    + "status_code, status_message, attributes, messaging_system, messaging_destination, messaging_operation, "
                    + "messaging_message_id, consumer_group, correlation_id, events_json, links_json) "
                    + "SELECT lower(hex(MD5(" + IDS.sql("number") + "))), leftPad(lower(hex(cityHash64(" + e + "))), 16, '0'), '', "
                    + "'orders', 'orders publish', 'PRODUCER', now64(9) - toIntervalMicrosecond((" + n + " - " + e + ") * " + stepMicros + "), "
                    + "1500000, 'UNSET', '', map('messaging.system', 'kafka', 'messaging.destination.name', 'orders', "
                    + "'messaging.operation.type', 'publish', 'messaging.destination.partition.id', toString(" + e + " % 8), "
                    + "'messaging.kafka.message.offset', toString(" + e + ")), 'kafka', 'orders', 'publish', '', '', '', '', '' "
                    + "FROM numbers(" + start + ", " + size + ")", DB);
        }
        System.out.printf("  %,d spans in %.0f s%n", ids, (System.nanoTime() - s0) / 1e9);
        long i0 = System.nanoTime();
        String started = "now64(3) - toIntervalMicrosecond((" + n + " - number * 5) * " + stepMicros + ")";
        String state = "multiIf(number % 100 < 90, 'COMPLETED', number % 100 < 95, 'STUCK', number % 100 < 98, 'RUNNING', 'FAILED')";
        for (long start = 0; start < ids; start += chunk) {
            long size = Math.min(chunk, ids - start);
            ch.query("INSERT INTO instances_by_day (correlation_id, linked_ids, flow, state, reason, started_at, last_event_at, event_count, "
                    + "dropped_events, last_event_type, last_service, expected_next, deviations, event_types, partition, state_since, "
                    + "updated_at, version, step_offsets) "
                    + "SELECT " + IDS.sql("number") + ", [" + IDS.sql("number") + "], '" + FLOW + "', " + state + ", "
                    + "multiIf(number % 100 < 90, 'reached end event OrderDelivered (learned)', number % 100 < 95, "
                    + "'no event for 5m, expected OrderDelivered', ''), " + started + ", " + started
                    + " + toIntervalMicrosecond(4 * " + stepMicros + "), 5, 0, 'OrderDelivered', 'delivery', '[]', '[]', " + types
                    + ", number % 12, " + started + ", now64(3), number, "
                    // step_offsets (V011): each step's ms after started_at, as the inference writer stores them
                    + stepOffsets(n, days) + " "
                    + "FROM numbers(" + start + ", " + size + ")", DB);
        }
        // Parts cut from one bulk insert each span every day, where a live store's parts hold the rows of the days their
        // writes named: merged, as migration V018 leaves a copied table (each window would otherwise fold across all).
        ch.query("OPTIMIZE TABLE instances_by_day FINAL", DB);
        System.out.printf("  %,d instance rows in %.0f s (merged)%n", ids, (System.nanoTime() - i0) / 1e9);
        // Dead letters found only by their headers (a Kafka tool's original-topic header, on a topic not named as a
        // dead-letter topic), one a minute over the last DEAD_LETTERS minutes: what a dead-letter alert without topics
        // must find by reading the headers of the last day.
        ch.query("INSERT INTO events (topic, partition, offset, ts, ingest_ts, key, header_keys, header_values, payload, "
                + "payload_size, content_type, correlation_id, event_id, event_type, source_service, causation_id, trace_id, "
                + "span_id, parse_status, parse_error) "
                + "SELECT '" + DEAD_LETTER_TOPIC + "', 0, number, now64(6) - toIntervalMinute(number), now64(6) - toIntervalMinute(number), "
                + "concat('order-', toString(number * 997)), ['x-original-topic', 'correlationId'], "
                + "['orders', concat('order-', toString(number * 997))], '{\"error\":\"payment declined\"}', 30, "
                + "'application/json', concat('order-', toString(number * 997)), toString(generateUUIDv4()), 'PaymentCaptured', "
                + "'payments', '', '', '', 'OK', '' FROM numbers(" + DEAD_LETTERS + ")", DB);
        System.out.printf("generated %,d events, %,d spans and %,d instances in %.0f s%n", n, ids, ids, (System.nanoTime() - t0) / 1e9);
    }

    /** Each of an instance's five steps' ms after its start (V011's {@code step_offsets}): its events are one step apart. */
    private static String stepOffsets(long n, int days) {
        return "arrayMap(k -> toUInt32(intDiv(k * " + (days * 86_400_000_000L / n) + ", 1000)), range(5))";
    }

    /** Bytes on disk per table and per event, from the active parts. */
    private static void storage(EmbeddedClickHouse ch, long n) {
        String rows = ch.query("SELECT table, sum(rows), sum(data_compressed_bytes), sum(data_uncompressed_bytes), sum(bytes_on_disk), "
                + "count() FROM system.parts WHERE database = 'bench' AND active GROUP BY table ORDER BY sum(bytes_on_disk) DESC FORMAT TSV");
        long total = 0;
        for (String line : rows.strip().split("\n")) {
            String[] f = line.split("\t");
            long disk = Long.parseLong(f[4]);
            total += disk;
            System.out.printf("  %-24s %,14d rows  %,16d B compressed  %,16d B raw  %,16d B on disk  %s parts%n", f[0],
                    Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), disk, f[5]);
        }
        System.out.printf("on disk: %,d B in all = %.1f B per event (events table alone: %s B per event)%n", total, (double) total / n,
                ch.query("SELECT round(sum(bytes_on_disk) / " + n + ", 1) FROM system.parts WHERE database = 'bench' AND active "
                        + "AND table = 'events'").strip());
    }

    /** A shorter retention on the stored events: how long it takes to apply and what it frees. Rewrites the data. */
    private static void ttl(EmbeddedClickHouse ch, int days) throws InterruptedException {
        String parts = "SELECT sum(bytes_on_disk), sum(rows) FROM system.parts WHERE database = 'bench' AND active AND table = 'events'";
        String before = ch.query(parts).strip();
        long t0 = System.nanoTime();
        // Applied as a mutation (materialize_ttl_after_modify is on by default); waited for here, not in the statement.
        ch.query("ALTER TABLE bench.events MODIFY TTL toDateTime(ts) + INTERVAL " + days + " DAY");
        while (!ch.query("SELECT count() FROM system.mutations WHERE database = 'bench' AND table = 'events' AND NOT is_done")
                .strip().equals("0")) {
            Thread.sleep(2000); // a harness waiting for ClickHouse's mutation, not a test
        }
        double took = (System.nanoTime() - t0) / 1e9;
        String after = ch.query(parts).strip();
        System.out.printf("TTL %d days applied in %.0f s: events (bytes on disk, rows) before %s, after %s%n", days, took, before, after);
    }

    /**
     * The operating system's page cache before the reads, which decides much of a point read's tail at this size: the
     * data (about 11 GB at 100M events) fits in this machine's RAM, so whether it is there depends on what ran before.
     * {@code cold} drops the page cache (as after a reboot; needs root), {@code warm} reads every file of the data
     * directory once (as on a server that has served these tables for a while and whose RAM holds them), {@code as-is}
     * leaves it as the runs before left it (the runs until 2026-12-05).
     */
    private static void pageCache(String mode, Path data) throws Exception {
        long t0 = System.nanoTime();
        if (mode.equals("cold")) {
            new ProcessBuilder("sync").inheritIO().start().waitFor();
            try {
                Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "1");
            } catch (java.io.IOException e) {
                throw new IllegalStateException("--cache=cold drops the page cache through /proc/sys/vm/drop_caches, "
                        + "which needs root: " + e.getMessage(), e);
            }
            System.out.printf("page cache: dropped (%.1f s)%n", (System.nanoTime() - t0) / 1e9);
        } else if (mode.equals("warm")) {
            long[] bytes = {0};
            byte[] buf = new byte[1 << 20];
            try (var files = Files.walk(data)) {
                for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                    try (var in = Files.newInputStream(f)) {
                        for (int r; (r = in.read(buf)) > 0; ) {
                            bytes[0] += r;
                        }
                    }
                }
            }
            System.out.printf("page cache: every file of the data read once, %,d B in %.1f s%n", bytes[0],
                    (System.nanoTime() - t0) / 1e9);
        } else {
            System.out.println("page cache: as the runs before left it");
        }
    }

    /**
     * {@code --prewarm}: loads the marks and primary keys of the tables an instance read touches into ClickHouse's
     * caches before the reads, as a server does at its start when the tables say so ({@code prewarm_mark_cache},
     * {@code primary_key_lazy_load = 0}); without it both are read from disk at a part's first use.
     */
    private static void prewarm(EmbeddedClickHouse ch) {
        long t0 = System.nanoTime();
        for (String t : List.of("events", "instances_by_day", "spans", "span_key_lookup")) {
            ch.query("SYSTEM PREWARM MARK CACHE bench." + t);
        }
        // A primary-key read of a value no row has loads every part's primary index (lazily loaded by default).
        ch.query("SELECT count() FROM bench.events WHERE correlation_id = '-'");
        ch.query("SELECT count() FROM bench.instances_by_day WHERE correlation_id = '-'");
        ch.query("SELECT count() FROM bench.spans WHERE trace_id = '-'");
        ch.query("SELECT count() FROM bench.span_key_lookup WHERE kind = 'correlation' AND key = '-'");
        System.out.printf("prewarmed marks and primary keys in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (Exception e) {
            return "?";
        }
    }

    private static void waitForMerges(EmbeddedClickHouse ch, Duration max) throws InterruptedException {
        long t0 = System.nanoTime();
        long until = t0 + max.toNanos();
        while (System.nanoTime() < until && !ch.query("SELECT count() FROM system.merges").strip().equals("0")) {
            Thread.sleep(2000); // a harness waiting for background merges, not a test
        }
        System.out.printf("merges settled after %.0f s (%s merges running)%n", (System.nanoTime() - t0) / 1e9,
                ch.query("SELECT count() FROM system.merges").strip());
    }
}
