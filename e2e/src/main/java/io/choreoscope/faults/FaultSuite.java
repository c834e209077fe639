package io.choreoscope.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.choreoscope.harness.clickhouse.EmbeddedClickHouse;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.ConsumerGroupState;

/**
 * The fault suite: choreoscope as a real process (or processes) on a real Kafka broker and ClickHouse engine,
 * a steady load of {@link OrderTraffic}, one fault at a time, and the results read back over the REST API and
 * counted against the {@link Oracle}. Not a timed assertion: it measures and prints.
 * <pre>
 * ./choreoscope faults [--faults e,b,c,a,d] [--records 20000] [--rate 200] [--clickhouse-down 60]
 *                      [--hostile 50] [--kill-burst 30000] [--recovery-timeout 300] [--work-dir DIR]
 *                      [--session-timeout-ms MS]
 * </pre>
 * Each fault gets its own traffic (correlation IDs {@code fx-<run>-<letter>-...}) of about {@code --records} records
 * at {@code --rate} records/s; the fault starts a third of the way in; the traffic goes on until the records are sent
 * and the fault has ended. Faults a, b, c and e run against one process in role {@code all}; fault d against a
 * collector ({@code collector,api}) and two inference workers, with their own topics and ClickHouse database.
 */
public final class FaultSuite implements AutoCloseable {
    /**
     * Settings of one run.
     *
     * @param records          records per fault (about; whole instances)
     * @param rate             records per second of the steady load
     * @param clickHouseDown   how long ClickHouse stays stopped in fault b
     * @param hostileRecords   records of the hostile burst in fault e
     * @param recoveryTimeout  how long to wait, after a fault's end, for the API to show the oracle's figures
     * @param workDir          where Kafka, ClickHouse and the app keep their data and logs
     * @param root             the checkout (for the packaged backend)
     * @param killBurstRecords records sent as fast as possible right before the kill -9 of fault a (the app is killed
     *                         the moment the broker acknowledged the last of them, so that batches are still queued)
     * @param extraProperties  more configuration for every app process (e.g. a shorter Kafka session timeout)
     */
    public record Options(long records, double rate, Duration clickHouseDown, int hostileRecords, long killBurstRecords,
                          Duration recoveryTimeout, Path workDir, Path root, Map<String, String> extraProperties) {
    }

    private static final String USAGE = """
            usage: ./choreoscope faults [--faults e,b,c,a,d] [--records 20000] [--rate 200] [--clickhouse-down 60]
                                        [--hostile 50] [--kill-burst 30000] [--recovery-timeout 300] [--work-dir DIR]
                                        [--session-timeout-ms MS]
              --faults             which faults, in this order: a kill -9 the app, b stop ClickHouse, c restart Kafka,
                                   d kill -9 one of two inference workers, e hostile records
              --records            records of steady load per fault (whole instances, about 3 records each)
              --rate               records per second of the steady load
              --clickhouse-down    seconds ClickHouse stays stopped (b)
              --hostile            hostile records in the burst (e)
              --kill-burst         records sent at full speed right before the kill (a)
              --recovery-timeout   seconds to wait after a fault's end for the oracle's figures
              --work-dir           where Kafka, ClickHouse and the app keep data and logs (default: a new temp dir)
              --session-timeout-ms Kafka consumer session timeout of the app (default Kafka's 45 s)
            Exit code 0 when every fault ended with the oracle's figures, 1 otherwise.""";
    /** How often the API is read while waiting for recovery (each read lists every instance of the fault). */
    static final Duration RECOVERY_POLL = Duration.ofMillis(500);
    private static final String EMBEDDED_PREFIX = "fault.";
    private static final String REMOTE_PREFIX = "fault.remote.";

    private final Options options;
    private final String runId = Long.toString(System.currentTimeMillis() % 100_000_000L, 36);
    private final EmbeddedKafka kafka;
    private final EmbeddedClickHouse clickHouse;
    private final List<AppProcess> embedded = new ArrayList<>();
    private final List<AppProcess> remote = new ArrayList<>();

    private FaultSuite(Options options, EmbeddedKafka kafka, EmbeddedClickHouse clickHouse) {
        this.options = options;
        this.kafka = kafka;
        this.clickHouse = clickHouse;
    }

    /** Starts Kafka and ClickHouse under {@code options.workDir()}; the app processes start when a fault needs them. */
    public static FaultSuite start(Options options) throws IOException {
        Files.createDirectories(options.workDir());
        EmbeddedClickHouse clickHouse = EmbeddedClickHouse.start(options.workDir().resolve("clickhouse"), 0);
        EmbeddedKafka kafka;
        try {
            kafka = EmbeddedKafka.start(options.workDir().resolve("kafka"), 0);
        } catch (RuntimeException e) {
            clickHouse.close();
            throw e;
        }
        for (String prefix : List.of(EMBEDDED_PREFIX, REMOTE_PREFIX)) {
            kafka.createTopic(prefix + "orders", 3);
            kafka.createTopic(prefix + "payments", 3);
            kafka.createTopic(prefix + "hostile", 1);
        }
        return new FaultSuite(options, kafka, clickHouse);
    }

    private Map<String, String> baseProperties() {
        Map<String, String> p = new HashMap<>();
        p.put("choreoscope.kafka.bootstrap-servers", kafka.bootstrapServers());
        p.put("choreoscope.clickhouse.url", clickHouse.httpUrl());
        p.put("choreoscope.inference.end-event-types", String.join(",", OrderTraffic.END_EVENTS));
        // The stuck bound before a step has 20 latency samples (default 5 min): with one engine per partition (fault d)
        // a small run never reaches 20 samples per engine, and its stuck instances would stay RUNNING for 5 minutes.
        p.put("choreoscope.inference.default-bound", "10s");
        p.putAll(options.extraProperties());
        return p;
    }

    /** The layout a fault runs on, started if needed (the other one stopped, so they never share the two cores). */
    private AppProcess layoutFor(Fault fault) throws Exception {
        boolean wantRemote = fault == Fault.KILL_WORKER;
        List<AppProcess> stop = wantRemote ? embedded : remote;
        for (AppProcess p : stop) {
            p.stop();
        }
        if (!stop.isEmpty()) {
            log("stopped " + stop.size() + " app process(es) of the other layout");
        }
        stop.clear();
        if (!wantRemote) {
            if (embedded.isEmpty()) {
                Map<String, String> p = baseProperties();
                p.put("choreoscope.tap.include", "fault\\.(orders|payments|hostile)");
                AppProcess app = new AppProcess(options.root(), options.workDir().resolve("app-all"), "all", p);
                embedded.add(app);
                app.start();
                app.awaitHealthy(Duration.ofMinutes(3));
                log("app (all) healthy");
            }
            return embedded.get(0);
        }
        if (remote.isEmpty()) {
            Map<String, String> p = baseProperties();
            p.put("choreoscope.tap.include", "fault\\.remote\\..*");
            p.put("choreoscope.tap.group-id", "choreoscope-tap-remote");
            p.put("choreoscope.clickhouse.database", "choreoscope_remote");
            remote.add(new AppProcess(options.root(), options.workDir().resolve("app-collector"), "collector,api", p));
            remote.add(new AppProcess(options.root(), options.workDir().resolve("app-worker-1"), "inference", p));
            remote.add(new AppProcess(options.root(), options.workDir().resolve("app-worker-2"), "inference", p));
            // The collector first: it creates the schema and the observations topic.
            remote.get(0).start();
            remote.get(0).awaitHealthy(Duration.ofMinutes(3));
            remote.get(1).start();
            remote.get(2).start();
            remote.get(1).awaitHealthy(Duration.ofMinutes(3));
            remote.get(2).awaitHealthy(Duration.ofMinutes(3));
            awaitStableGroup("choreoscope-inference", 2, Duration.ofMinutes(3));
            log("collector and two inference workers healthy, their group stable");
        }
        return remote.get(0);
    }

    /**
     * Waits until the inference workers' consumer group is stable with {@code members} members that all hold
     * partitions, so that the traffic starts after the start-up rebalance and only the fault moves partitions.
     */
    private void awaitStableGroup(String group, int members, Duration timeout) throws Exception {
        awaitStableGroup(kafka, group, members, timeout);
    }

    static void awaitStableGroup(EmbeddedKafka kafka, String group, int members, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = kafka.admin()) {
            while (System.nanoTime() < deadline) {
                ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get(20, TimeUnit.SECONDS).get(group);
                if (d.state() == ConsumerGroupState.STABLE && d.members().size() == members
                        && d.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty())) {
                    return;
                }
                Thread.sleep(500);
            }
        }
        throw new IllegalStateException("consumer group " + group + " not stable with " + members + " members within " + timeout);
    }

    /** Runs one fault under load and counts what the API shows against the oracle. */
    public FaultResult run(Fault fault) throws Exception {
        AppProcess api = layoutFor(fault);
        ApiReader reader = new ApiReader(api.apiUrl(), "viewer");
        String prefix = fault == Fault.KILL_WORKER ? REMOTE_PREFIX : EMBEDDED_PREFIX;
        String idPrefix = "fx-" + runId + "-" + fault.letter() + "-";
        Oracle oracle = new Oracle();
        List<String> notes = new ArrayList<>();
        Instant windowStart = Instant.now().minusSeconds(5);
        double trafficSeconds = options.records() / options.rate();
        long faultStart;
        long faultEnd;
        try (OrderTraffic traffic = new OrderTraffic(kafka.bootstrapServers(), prefix, oracle)) {
            long trafficStart = System.nanoTime();
            traffic.start(idPrefix, options.rate());
            Thread.sleep(Math.round(trafficSeconds * 1000 / 3));
            if (fault == Fault.KILL_APP) {
                traffic.burst(options.killBurstRecords());
                notes.add(options.killBurstRecords() + " records sent at full speed, killed right after their acknowledgement");
            }
            faultStart = System.nanoTime();
            log("(" + fault.letter() + ") " + fault.description() + " ...");
            faultEnd = inject(fault, prefix, idPrefix, oracle, notes);
            log("(" + fault.letter() + ") fault over after " + seconds(faultEnd - faultStart) + " s");
            long until = Math.max(trafficStart + Math.round(trafficSeconds * 1e9), faultEnd + 2_000_000_000L);
            while (System.nanoTime() < until) {
                Thread.sleep(100);
            }
            traffic.stop();
        }
        log("(" + fault.letter() + ") traffic stopped: " + oracle.producedRecords() + " records acknowledged; waiting for the API");
        // Recovery: the instances acknowledged by the fault's end, all shown right.
        List<Oracle.Instance> byFaultEnd = oracle.instances().stream().filter(i -> i.ackedBefore(faultEnd)).toList();
        long deadline = faultEnd + options.recoveryTimeout().toNanos();
        Double recovery = null;
        boolean allShown = false;
        while (System.nanoTime() < deadline) {
            if (recovery == null && shownRight(reader, byFaultEnd, windowStart)) {
                recovery = seconds(System.nanoTime() - faultEnd);
                log("(" + fault.letter() + ") recovered " + recovery + " s after the fault's end");
            }
            if (recovery != null && shownRight(reader, oracle.instances(), windowStart)) {
                allShown = true;
                break;
            }
            Thread.sleep(RECOVERY_POLL.toMillis());
        }
        if (!allShown) {
            notes.add("not every instance shown right within " + options.recoveryTimeout().toSeconds() + " s of the fault's end");
        }
        long countStart = System.nanoTime();
        FaultResult result = count(fault, reader, oracle, windowStart, seconds(faultEnd - faultStart), recovery, notes);
        log("(" + fault.letter() + ") counted " + oracle.instances().size() + " instances in " + seconds(System.nanoTime() - countStart) + " s");
        log(FaultResult.header() + "\n" + result.row() + (notes.isEmpty() ? "" : "\n  notes: " + notes));
        return result;
    }

    /** Injects the fault; returns when it ended ({@link System#nanoTime()}). */
    private long inject(Fault fault, String topicPrefix, String idPrefix, Oracle oracle, List<String> notes)
            throws Exception {
        switch (fault) {
            case KILL_APP -> {
                AppProcess app = embedded.get(0);
                app.kill();
                app.start();
                long end = System.nanoTime();
                notes.add("restarted at once after the kill; recovery counts from the restart command, start-up included");
                app.awaitHealthy(Duration.ofMinutes(3));
                log("(a) app healthy again");
                return end;
            }
            case CLICKHOUSE_DOWN -> {
                clickHouse.stop();
                Thread.sleep(options.clickHouseDown().toMillis());
                clickHouse.restart();
            }
            case KAFKA_RESTART -> kafka.restart();
            case KILL_WORKER -> {
                remote.get(2).kill();
                notes.add("worker killed for good; the other worker takes its partitions when the group notices");
            }
            case HOSTILE_BURST -> {
                try (KafkaProducer<byte[], byte[]> producer = OrderTraffic.producer(kafka.bootstrapServers())) {
                    HostileBurst.send(producer, topicPrefix + "hostile", idPrefix + "h", options.hostileRecords(), oracle);
                }
            }
            default -> throw new IllegalArgumentException(fault.name());
        }
        return System.nanoTime();
    }

    /** True when the API shows every given instance as the oracle says (listing for judged ones, detail for hostile). */
    private boolean shownRight(ApiReader reader, Collection<Oracle.Instance> instances, Instant windowStart) {
        try {
            Map<String, ApiReader.Listed> listed = reader.instances(OrderTraffic.FLOW, windowStart).instances();
            for (Oracle.Instance i : instances) {
                if (i.hostile()) {
                    List<ApiReader.Shown> shown = reader.records(i.correlationId());
                    if (shown == null || shown.size() != i.records().size()) {
                        return false;
                    }
                    continue;
                }
                ApiReader.Listed l = listed.get(i.correlationId());
                if (l == null || !l.state().equals(i.expectedState()) || l.eventCount() != i.records().size()) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false; // e.g. 503 while ClickHouse is still coming back
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private FaultResult count(Fault fault, ApiReader reader, Oracle oracle, Instant windowStart, double faultSeconds,
                              Double recovery, List<String> notes) throws Exception {
        Collection<Oracle.Instance> instances = oracle.instances();
        RecordCounts records = countRecords(reader, instances);
        ApiReader.Listing listing = reader.instances(OrderTraffic.FLOW, windowStart);
        Judged judged = judge(listing, instances);
        if (!judged.wrongByState().isEmpty()) {
            notes.add("wrong: " + judged.wrongByState() + ", e.g. " + judged.examples());
        }
        if (listing.repeated() > 0) {
            notes.add(listing.repeated() + " instances listed more than once");
        }
        return new FaultResult(fault, instances.size(), oracle.producedRecords(), oracle.failedSends(), records.visible(),
                records.lost(), records.duplicates() + listing.repeated(), records.extra(), records.known(), judged.wrong(),
                records.payloadMismatches(), faultSeconds, recovery, List.copyOf(notes));
    }

    /**
     * What the instance details show of {@code instances}' acknowledged records.
     *
     * @param visible           acknowledged records shown (by topic, partition, offset)
     * @param lost              acknowledged records not shown (all of an instance the API does not know)
     * @param duplicates        rows shown twice (same coordinates, or the same event ID at other coordinates)
     * @param extra             rows shown that were never acknowledged
     * @param known             instances the API knows (detail 200)
     * @param payloadMismatches hostile records whose raw payload reads back differently
     */
    record RecordCounts(long visible, long lost, long duplicates, long extra, long known, long payloadMismatches) {
    }

    /** Reads every given instance's detail (4 threads) and counts its records against the oracle's. */
    static RecordCounts countRecords(ApiReader reader, Collection<Oracle.Instance> instances) throws Exception {
        AtomicLong visible = new AtomicLong();
        AtomicLong lost = new AtomicLong();
        AtomicLong duplicates = new AtomicLong();
        AtomicLong extra = new AtomicLong();
        AtomicLong known = new AtomicLong();
        AtomicLong payloadMismatches = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Oracle.Instance i : instances) {
                futures.add(pool.submit(() -> {
                    List<ApiReader.Shown> shown = reader.records(i.correlationId());
                    List<Oracle.Produced> produced = i.records();
                    if (shown == null) {
                        lost.addAndGet(produced.size());
                        return null;
                    }
                    known.incrementAndGet();
                    Set<String> expected = new HashSet<>();
                    for (Oracle.Produced p : produced) {
                        expected.add(p.topic() + "/" + p.partition() + "/" + p.offset());
                    }
                    Set<String> seenCoordinates = new HashSet<>();
                    Set<String> seenEventIds = new HashSet<>();
                    for (ApiReader.Shown s : shown) {
                        String c = s.topic() + "/" + s.partition() + "/" + s.offset();
                        boolean newCoordinate = seenCoordinates.add(c);
                        boolean newEventId = s.eventId() == null || seenEventIds.add(s.eventId());
                        if (!newCoordinate || !newEventId) {
                            duplicates.incrementAndGet();
                        } else if (expected.contains(c)) {
                            visible.incrementAndGet();
                        } else {
                            extra.incrementAndGet();
                        }
                    }
                    for (String c : expected) {
                        if (!seenCoordinates.contains(c)) {
                            lost.incrementAndGet();
                        }
                    }
                    if (i.hostile()) {
                        for (Oracle.Produced p : produced) {
                            byte[] back = reader.payload(p.topic(), p.partition(), p.offset());
                            if (back == null || !Arrays.equals(back, p.payload())) {
                                payloadMismatches.incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return new RecordCounts(visible.get(), lost.get(), duplicates.get(), extra.get(), known.get(),
                payloadMismatches.get());
    }

    /**
     * The judged (not hostile, complete) instances that a listing shows with another state or event count than the
     * oracle's, or does not show: how many, grouped by what was shown, and up to three examples.
     */
    record Judged(long wrong, Map<String, Long> wrongByState, List<String> examples) {
    }

    static Judged judge(ApiReader.Listing listing, Collection<Oracle.Instance> instances) {
        long wrong = 0;
        Map<String, Long> wrongByState = new HashMap<>();
        List<String> examples = new ArrayList<>();
        for (Oracle.Instance i : instances) {
            if (i.hostile() || !i.complete()) {
                continue;
            }
            ApiReader.Listed l = listing.instances().get(i.correlationId());
            if (l == null || !l.state().equals(i.expectedState()) || l.eventCount() != i.records().size()) {
                wrong++;
                String shown = l == null ? "not listed" : l.state() + "/" + l.eventCount() + " events";
                wrongByState.merge(i.expectedState() + " shown as " + shown, 1L, Long::sum);
                if (examples.size() < 3) {
                    examples.add(i.correlationId());
                }
            }
        }
        return new Judged(wrong, wrongByState, examples);
    }

    /** The app processes' logs, for a report when something failed. */
    public String logTails(int lines) {
        StringBuilder sb = new StringBuilder();
        for (AppProcess p : concat(embedded, remote)) {
            sb.append("--- ").append(p.roles()).append(" (").append(p.log()).append(") ---\n").append(p.tail(lines)).append('\n');
        }
        return sb.toString();
    }

    private static List<AppProcess> concat(List<AppProcess> a, List<AppProcess> b) {
        List<AppProcess> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    @Override
    public void close() throws Exception {
        for (AppProcess p : concat(embedded, remote)) {
            p.stop();
        }
        kafka.close();
        clickHouse.close();
    }

    private static double seconds(long nanos) {
        return Math.round(nanos / 1e8) / 10.0;
    }

    private static final long STARTED = System.nanoTime();

    /** Prints a line with the seconds since this class was loaded, so that a run's output shows where its time went. */
    private static void log(String message) {
        System.out.printf(Locale.ROOT, "faults: [%6.1f s] %s%n", (System.nanoTime() - STARTED) / 1e9, message);
    }

    public static void main(String[] args) throws Exception {
        long records = 20_000;
        double rate = 200;
        Duration down = Duration.ofSeconds(60);
        int hostile = 50;
        long killBurst = 30_000;
        Duration timeout = Duration.ofMinutes(5);
        Path workDir = null;
        Map<String, String> extra = new HashMap<>();
        Set<Fault> faults = new LinkedHashSet<>(List.of(Fault.HOSTILE_BURST, Fault.CLICKHOUSE_DOWN, Fault.KAFKA_RESTART,
                Fault.KILL_APP, Fault.KILL_WORKER));
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--records" -> records = Long.parseLong(args[++i]);
                    case "--rate" -> rate = Double.parseDouble(args[++i]);
                    case "--clickhouse-down" -> down = Duration.ofSeconds(Long.parseLong(args[++i]));
                    case "--hostile" -> hostile = Integer.parseInt(args[++i]);
                    case "--kill-burst" -> killBurst = Long.parseLong(args[++i]);
                    case "--recovery-timeout" -> timeout = Duration.ofSeconds(Long.parseLong(args[++i]));
                    case "--work-dir" -> workDir = Path.of(args[++i]);
                    case "--session-timeout-ms" -> extra.put("choreoscope.kafka.properties.session.timeout.ms", args[++i]);
                    case "-h", "--help" -> {
                        System.out.println(USAGE);
                        return;
                    }
                    case "--faults" -> {
                        faults = new LinkedHashSet<>();
                        for (String f : args[++i].split(",")) {
                            faults.add(Fault.parse(f));
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (records < 30 || !(rate > 0) || hostile < 1) {
                throw new IllegalArgumentException("--records must be at least 30, --rate and --hostile above 0");
            }
        } catch (RuntimeException e) {
            System.err.println("faults: " + e.getMessage() + "\n" + USAGE);
            System.exit(2);
            return;
        }
        Path root = Path.of(System.getProperty("choreoscope.root", ".")).toAbsolutePath().normalize();
        Path dir = workDir != null ? workDir : Files.createTempDirectory("choreoscope-faults-");
        log("work dir " + dir + "; " + records + " records per fault at " + rate + " records/s; faults " + faults);
        List<FaultResult> results = new ArrayList<>();
        try (FaultSuite suite = start(new Options(records, rate, down, hostile, killBurst, timeout, dir, root, extra))) {
            for (Fault f : faults) {
                try {
                    results.add(suite.run(f));
                } catch (Exception e) {
                    System.err.println("faults: (" + f.letter() + ") could not run: " + e + "\n" + suite.logTails(30));
                }
            }
        }
        System.out.println();
        System.out.println(FaultResult.header());
        for (FaultResult r : results) {
            System.out.println(r.row());
        }
        for (FaultResult r : results) {
            if (!r.notes().isEmpty()) {
                System.out.println("(" + r.fault().letter() + ") " + String.join("; ", r.notes()));
            }
        }
        boolean clean = results.size() == faults.size() && results.stream().allMatch(FaultResult::clean);
        System.out.println(String.format(Locale.ROOT, "%s; data and logs in %s", clean ? "all clean" : "NOT all clean", dir));
        System.exit(clean ? 0 : 1);
    }
}
