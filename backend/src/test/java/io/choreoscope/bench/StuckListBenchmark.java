package io.choreoscope.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.choreoscope.api.FlowSuspectsController;
import io.choreoscope.harness.clickhouse.EmbeddedClickHouse;
import io.choreoscope.inference.StuckCauses;
import io.choreoscope.inference.Suspects;
import io.choreoscope.model.SuspectReader;
import io.choreoscope.model.api.Suspect;
import io.choreoscope.model.Header;
import io.choreoscope.model.InstanceRecord;
import io.choreoscope.model.Observation;
import io.choreoscope.model.Span;
import io.choreoscope.model.flow.ExpectedStep;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.model.flow.StepSequence;
import io.choreoscope.model.service.ServiceIdentity;
import io.choreoscope.services.StuckDiagnosis;
import io.choreoscope.storage.clickhouse.ClickHouseConfig;
import io.choreoscope.storage.clickhouse.ClickHouseDependencyReader;
import io.choreoscope.storage.clickhouse.ClickHouseEventReader;
import io.choreoscope.storage.clickhouse.ClickHouseEventWriter;
import io.choreoscope.storage.clickhouse.ClickHouseInstanceReader;
import io.choreoscope.storage.clickhouse.ClickHouseInstanceWriter;
import io.choreoscope.storage.clickhouse.ClickHouseSpanReader;
import io.choreoscope.storage.clickhouse.ClickHouseSpanWriter;
import io.choreoscope.storage.clickhouse.ClickHouseStore;
import io.choreoscope.storage.clickhouse.ClickHouseSuspectReader;
import io.choreoscope.storage.clickhouse.SchemaMigrator;
import io.choreoscope.storage.clickhouse.SqlRunner;

/**
 * Issue 16's stuck-list benchmark (a harness, not a test): what {@code GET /stuck?limit=L} runs, the stuck instances
 * read and diagnosed ({@link StuckDiagnosis#diagnoseAll}: waiting-on services and a cause each), against a real
 * ClickHouse holding S stuck order sagas (default 500) among C completed ones (default 20,000), all with their
 * records and OpenTelemetry spans. Of the stuck ones, a third were consumed by shipping that produced nothing
 * (CONSUMED_NO_OUTPUT), a third have a dead-letter copy (DEAD_LETTERED by inventory), a third have no consumer span
 * (NO_CONSUMER_ACTIVITY: shipping consumed that topic earlier). Each run uses a new {@link StuckDiagnosis}, so the
 * producers map is read every run (a cold cache, the worst case). One warm-up, then five runs per limit; it prints
 * the causes by kind and a digest of every instance's waiting-on services and cause (clock times in the details
 * blanked), so two builds can be shown to answer the same.
 * <pre>
 * mvn -B -q -pl backend -am test-compile dependency:build-classpath -Dmdep.outputFile=target/test-cp.txt -Dmdep.includeScope=test
 * java -Xmx1g -cp backend/target/test-classes:backend/target/classes:$(cat backend/target/test-cp.txt) io.choreoscope.bench.StuckListBenchmark 500 20000
 * </pre>
 */
public final class StuckListBenchmark {
    private static final String[] TYPES = {"OrderPlaced", "PaymentCaptured", "StockReserved", "OrderShipped"};
    private static final String[] TOPICS = {"orders", "payments", "inventory", "shipping"};
    private static final String[] SERVICES = {"orders", "payments", "inventory", "shipping"};

    public static void main(String[] args) throws Exception {
        int stuck = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int completed = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        Path dir = io.choreoscope.harness.TempDirs.deleteAtExit(Files.createTempDirectory("choreoscope-stuck-bench-"));
        Instant t0 = Instant.now().minusSeconds(1800);
        try (EmbeddedClickHouse ch = EmbeddedClickHouse.start(dir.resolve("clickhouse"), 0)) {
            ClickHouseStore store = new ClickHouseStore(new ClickHouseConfig(ch.httpUrl(), "bench"));
            new SchemaMigrator(store).migrate();
            try (SqlRunner sql = new SqlRunner(store)) {
                long g0 = System.nanoTime();
                generate(store, sql, stuck, completed, t0);
                System.out.printf("generated %,d stuck and %,d completed instances in %.1f s%n", stuck, completed,
                        (System.nanoTime() - g0) / 1e9);
                ClickHouseInstanceReader instances = new ClickHouseInstanceReader(sql);
                for (int limit : new int[] {100, 500}) {
                    double[] ms = new double[6];
                    String digest = null;
                    Map<String, Integer> kinds = new TreeMap<>();
                    for (int run = 0; run < ms.length; run++) {
                        StuckDiagnosis diagnosis = new StuckDiagnosis(new ClickHouseDependencyReader(sql),
                                new ClickHouseEventReader(sql), new ClickHouseSpanReader(sql), ServiceIdentity.defaults());
                        long s0 = System.nanoTime();
                        List<InstanceSnapshot> list = diagnosis.diagnoseAll(instances.stuck(null, limit));
                        ms[run] = (System.nanoTime() - s0) / 1e6;
                        kinds.clear();
                        MessageDigest md = MessageDigest.getInstance("SHA-256");
                        for (InstanceSnapshot s : list) {
                            kinds.merge(s.cause() == null ? "none" : s.cause().kind() + " " + s.cause().service(), 1, Integer::sum);
                            // clock times in the details differ between runs (the data is generated relative to now)
                            md.update((s.correlationId() + '|' + s.waitingOn() + '|' + s.cause()).replaceAll(
                                    "\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?", "hh:mm:ss").getBytes(StandardCharsets.UTF_8));
                        }
                        digest = HexFormat.of().formatHex(md.digest()).substring(0, 16);
                    }
                    double[] measured = Arrays.copyOfRange(ms, 1, ms.length);
                    double[] sorted = measured.clone();
                    Arrays.sort(sorted);
                    System.out.printf("limit %d: %d diagnosed, runs (ms, after 1 warm-up of %.0f): %s, median %.0f; causes %s; digest %s%n",
                            limit, kinds.values().stream().mapToInt(Integer::intValue).sum(), ms[0],
                            Arrays.toString(Arrays.stream(measured).map(Math::rint).toArray()), sorted[sorted.length / 2],
                            kinds, digest);
                }
                // GET /flows/{flow}/suspects over the same data: the one storage read and the ranking
                ClickHouseSuspectReader suspects = new ClickHouseSuspectReader(sql);
                double[] ms = new double[6];
                List<Suspect> ranked = List.of();
                for (int run = 0; run < ms.length; run++) {
                    long s0 = System.nanoTime();
                    SuspectReader.Counts counts = suspects.valueCounts("OrderPlaced", t0.minusSeconds(60), Instant.now(),
                            FlowSuspectsController.MAX_INSTANCES, Suspects.MIN_INSTANCES, FlowSuspectsController.MAX_VALUES,
                            StuckCauses.deadLetterTopicRegex());
                    ranked = Suspects.rank(counts);
                    ms[run] = (System.nanoTime() - s0) / 1e6;
                }
                System.out.printf("suspects (%d stuck vs %d completed read): runs (ms, after 1 warm-up of %.0f): %s; first: %s%n",
                        stuck, Math.min(completed, FlowSuspectsController.MAX_INSTANCES), ms[0],
                        Arrays.toString(Arrays.stream(Arrays.copyOfRange(ms, 1, ms.length)).map(Math::rint).toArray()),
                        ranked.isEmpty() ? "none" : ranked.get(0).step() + " " + ranked.get(0).sentence());
            }
        } finally {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void generate(ClickHouseStore store, SqlRunner sql, int stuck, int completed, Instant t0) throws Exception {
        ClickHouseEventWriter events = new ClickHouseEventWriter(store);
        ClickHouseSpanWriter spans = new ClickHouseSpanWriter(store);
        ClickHouseInstanceWriter instances = new ClickHouseInstanceWriter(store, sql);
        List<Observation> records = new ArrayList<>();
        List<Span> spanRows = new ArrayList<>();
        List<InstanceRecord> rows = new ArrayList<>();
        long offset = 0;
        int total = stuck + completed;
        for (int i = 0; i < total; i++) {
            boolean isStuck = i < stuck;
            String id = "order-" + i;
            String trace = String.format("%032x", i + 1);
            Instant start = t0.plusMillis(i * 50L);
            int steps = isStuck ? 3 : 4;
            for (int k = 0; k < steps; k++) {
                String spanId = String.format("%08x%08x", i + 1, k + 1);
                Instant at = start.plusMillis(k * 40L);
                records.add(Observation.builder(TOPICS[k], i % 4, offset++, at).correlationId(id).eventId(id + "-" + k)
                        .eventType(TYPES[k]).sourceService(SERVICES[k]).traceId(trace).spanId(spanId)
                        .payload(("{\"orderId\":\"" + id + "\",\"sku\":\"" + (isStuck && i % 2 == 0 ? "kettle-5" : "sku-" + i % 7)
                                + "\",\"customer\":{\"id\":\"c-" + i % 997 + "\",\"tier\":\"" + (i % 3 == 0 ? "gold" : "basic")
                                + "\"}}").getBytes(StandardCharsets.UTF_8)).build());
                spanRows.add(span(trace, spanId, null, SERVICES[k], "PRODUCER", TOPICS[k], at, "UNSET"));
                boolean consumed = k < steps - 1 || isStuck && i % 3 == 0;
                if (consumed && k < 3) {
                    spanRows.add(span(trace, String.format("%08x%08x", i + 1, k + 101), spanId, SERVICES[k + 1],
                            "CONSUMER", TOPICS[k], at.plusMillis(5), "UNSET"));
                }
            }
            if (isStuck && i % 3 == 1) {
                records.add(Observation.builder("inventory.DLT", 0, offset++, start.plusMillis(200)).correlationId(id)
                        .eventType("StockReserved").headers(List.of(
                                new Header("x-original-topic", "inventory".getBytes(StandardCharsets.UTF_8)),
                                new Header("x-exception-message", "no stock for sku".getBytes(StandardCharsets.UTF_8))))
                        .build());
            }
            Instant last = start.plusMillis((steps - 1) * 40L);
            InstanceSnapshot snapshot = new InstanceSnapshot(id, Set.of(id), "OrderPlaced",
                    isStuck ? InstanceState.STUCK : InstanceState.COMPLETED,
                    isStuck ? "idle 5000 ms; expected OrderShipped" : "reached end", start, last, steps, 0,
                    TYPES[steps - 1], SERVICES[steps - 1],
                    isStuck ? List.of(new ExpectedStep("OrderShipped", 0.95, 5000, true)) : List.of(), List.of());
            rows.add(new InstanceRecord(snapshot, StepSequence.at(last, Arrays.asList(TYPES).subList(0, steps)), i % 4, last, last));
            if (records.size() >= 20_000) {
                flush(events, spans, instances, records, spanRows, rows);
            }
        }
        flush(events, spans, instances, records, spanRows, rows);
    }

    private static void flush(ClickHouseEventWriter events, ClickHouseSpanWriter spans, ClickHouseInstanceWriter instances,
                              List<Observation> records, List<Span> spanRows, List<InstanceRecord> rows) throws Exception {
        events.accept(records);
        spans.accept(spanRows);
        instances.write(rows);
        records.clear();
        spanRows.clear();
        rows.clear();
    }

    private static Span span(String trace, String id, String parent, String service, String kind, String topic,
                             Instant start, String status) {
        return new Span(trace, id, parent, service, topic + " " + kind.toLowerCase(), kind, start, 2_000_000, status,
                Map.of(), "kafka", topic, kind.equals("PRODUCER") ? "publish" : "process", null, null, null, null, null, null);
    }
}
