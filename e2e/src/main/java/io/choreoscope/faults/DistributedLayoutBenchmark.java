package io.choreoscope.faults;

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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import io.choreoscope.harness.bench.FreshnessPoller;
import io.choreoscope.harness.bench.ProcCpu;
import io.choreoscope.harness.bench.SagaLoad;
import io.choreoscope.harness.clickhouse.EmbeddedClickHouse;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Issue 19 item 4 (a harness with a {@code main}, not a test): the distributed layout with every role in its own JVM,
 * as {@link FaultSuite}'s fault d runs it: a {@code collector,api} process (the Kafka tap, which stores events and
 * publishes observations to {@code choreoscope.observations}, and the REST API) and W inference workers
 * ({@code --roles=inference}, group {@code choreoscope-inference}, 12 partitions), each an {@link AppProcess} from the
 * packaged backend jar, on a real Kafka broker (in this JVM) and a real ClickHouse engine process. Two modes:
 * <ul>
 *   <li>{@code freshness}: once the workers' group is stable, {@link SagaLoad} produces 5-event sagas at
 *       {@code --rate} events/s for {@code --seconds} to the tapped topic {@code bench.orders} (4 partitions); for one
 *       instance in {@code --sample-every}, a {@link FreshnessPoller} (4 threads, every 50 ms) times the produce of
 *       its last event to the API showing all 5 events and state COMPLETED. With {@code --kill}, worker 2 is killed
 *       with SIGKILL {@code --kill-at} seconds in; the harness reads the group (as FaultSuite does) every 200 ms until
 *       the survivor owns every partition (rebalance time), names the partitions that moved, then reads the group's
 *       committed offsets until the survivor has caught up with the backlog the moved partitions had when it took
 *       them over, and splits the samples before / after the kill / on moved partitions / after the catch-up. At the
 *       end every instance acknowledged is judged against the {@link Oracle} through the API's listing (state, event count, not listed, listed twice), and the instance
 *       details (records by coordinates: lost, doubled) of up to {@code --detail-max} instances: those of moved
 *       partitions started around the kill, or a spread of all without a kill.</li>
 *   <li>{@code throughput}: the collector alone taps a backlog of {@code --events} events (whole sagas, produced
 *       before it starts) and publishes them to the observations topic, timed (the collector's own rate, the anchor);
 *       then W workers start and the harness times until the group's committed offsets reach the topic's end (lag 0)
 *       and ClickHouse holds every instance COMPLETED with 5 events.</li>
 * </ul>
 * Every phase prints the CPU (core-seconds from /proc, {@link ProcCpu}) of each process: collector, workers,
 * ClickHouse, and this JVM (the broker, the producer and the pollers). The load average at the start is printed too.
 * <pre>
 * mvn -o -B -q package -pl e2e -am -DskipTests -DskipITs          # packages the backend jar and e2e/target/lib
 * java -Xmx1g -cp e2e/target/classes:'e2e/target/lib/*' io.choreoscope.faults.DistributedLayoutBenchmark \
 *      freshness --workers 2 --rate 5000 --seconds 90 --sample-every 100 --kill --kill-at 30 --session-timeout-ms 10000
 * java -Xmx1g -cp e2e/target/classes:'e2e/target/lib/*' io.choreoscope.faults.DistributedLayoutBenchmark \
 *      throughput --workers 1 --events 1000000
 * </pre>
 * Run from the checkout's root (or pass {@code -Dchoreoscope.root=}); the work directory is deleted at the end unless
 * {@code --keep}. Options: {@code --workers} (1 or 2, default 2), {@code --rate} (5000), {@code --seconds} (60),
 * {@code --sample-every} (100), {@code --kill}, {@code --kill-at} (a third of {@code --seconds}),
 * {@code --session-timeout-ms} (the apps' Kafka consumer session timeout; default the apps' own: 10 s for workers),
 * {@code --detail-max} (1500), {@code --events} (1000000), {@code --timeout} (seconds to wait for the end state, 600),
 * {@code --set property=value} (repeatable: an application property for every process, to measure a setting against
 * its default).
 */
public final class DistributedLayoutBenchmark {
    private static final String TOPIC = "bench.orders";
    private static final String OBSERVATIONS = "choreoscope.observations";
    private static final int OBSERVATION_PARTITIONS = 12;
    private static final String GROUP = "choreoscope-inference";
    private static final String DATABASE = "bench";
    private static final long STARTED = System.nanoTime();

    private record Options(String mode, int workers, int rate, int seconds, int sampleEvery, boolean kill, int killAt,
                           String sessionTimeoutMs, int detailMax, long events, Duration timeout, boolean keep,
                           Map<String, String> settings) {
    }

    private final Options options;
    private final EmbeddedKafka kafka;
    private final EmbeddedClickHouse clickHouse;
    private final Path dir;
    private final Path root;
    private final List<AppProcess> apps = new ArrayList<>();

    private DistributedLayoutBenchmark(Options options, EmbeddedKafka kafka, EmbeddedClickHouse clickHouse, Path dir, Path root) {
        this.options = options;
        this.kafka = kafka;
        this.clickHouse = clickHouse;
        this.dir = dir;
        this.root = root;
    }

    private Map<String, String> properties(boolean worker) {
        Map<String, String> p = new HashMap<>();
        p.put("choreoscope.kafka.bootstrap-servers", kafka.bootstrapServers());
        p.put("choreoscope.clickhouse.url", clickHouse.httpUrl());
        p.put("choreoscope.clickhouse.database", DATABASE);
        p.put("choreoscope.tap.include", TOPIC.replace(".", "\\."));
        p.put("choreoscope.inference.end-event-types", SagaLoad.END_EVENT);
        if (worker) {
            p.put("choreoscope.alerts.enabled", "false"); // as deploy/kubernetes sets it for workers
        }
        if (options.sessionTimeoutMs() != null) {
            p.put("choreoscope.kafka.properties.session.timeout.ms", options.sessionTimeoutMs());
        }
        p.putAll(options.settings()); // --set: to compare a setting against its default
        return p;
    }

    private AppProcess collector() throws InterruptedException {
        AppProcess c = new AppProcess(root, dir.resolve("app-collector"), "collector,api", properties(false));
        apps.add(c);
        c.start();
        c.awaitHealthy(Duration.ofMinutes(3));
        return c;
    }

    private List<AppProcess> startWorkers(int count) {
        List<AppProcess> workers = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            AppProcess w = new AppProcess(root, dir.resolve("app-worker-" + i), "inference", properties(true));
            apps.add(w);
            workers.add(w);
            w.start();
        }
        return workers;
    }

    // ---------------------------------------------------------------------------------------------------- freshness

    private void freshness() throws Exception {
        AppProcess collector = collector();
        List<AppProcess> workers = startWorkers(options.workers());
        for (AppProcess w : workers) {
            w.awaitHealthy(Duration.ofMinutes(3));
        }
        FaultSuite.awaitStableGroup(kafka, GROUP, options.workers(), Duration.ofMinutes(3));
        log("collector and " + options.workers() + " worker(s) healthy, group stable; load average " + loadAverage());
        String authorization = FreshnessPoller.signIn(collector.apiUrl(), "viewer", "viewer");
        Oracle oracle = new Oracle();
        String idPrefix = "dl-" + Long.toString(System.currentTimeMillis() % 100_000_000L, 36) + "-";
        Instant windowStart = Instant.now().minusSeconds(5);
        KillWatch killWatch = new KillWatch();
        this.killWatch = killWatch;
        List<FreshnessPoller.Sample> sampled = new ArrayList<>();
        PublishedWatch published = new PublishedWatch();
        published.start();
        long[] pids = pids(collector, workers);
        ProcCpu.Snapshot before;
        ProcCpu.Snapshot after;
        long sent;
        double secs;
        try (FreshnessPoller poller = new FreshnessPoller(collector.apiUrl(), authorization, SagaLoad.EVENTS, "COMPLETED",
                4, Duration.ofMillis(50), Duration.ofSeconds(120));
             KafkaProducer<byte[], byte[]> producer = OrderTraffic.producer(kafka.bootstrapServers())) {
            SagaLoad load = new SagaLoad(producer, TOPIC, idPrefix, true, true, new SagaLoad.Observer() {
                @Override
                public void started(String correlationId, long n) {
                    oracle.plan(correlationId, Oracle.Outcome.COMPLETED, SagaLoad.EVENTS, false);
                    if (n % options.sampleEvery() == 0) {
                        published.watch(correlationId);
                    }
                }

                @Override
                public void acked(String correlationId, int step, String eventId, String eventType, byte[] payload,
                                  RecordMetadata meta, Exception error) {
                    Oracle.Instance i = oracle.instance(correlationId);
                    if (error != null) {
                        oracle.failed(i);
                    } else {
                        i.acked(new Oracle.Produced(meta.topic(), meta.partition(), meta.offset(), eventId, eventType,
                                payload, System.nanoTime()));
                    }
                }

                @Override
                public void lastSent(String correlationId, long n, long sentAtMillis) {
                    if (n % options.sampleEvery() == 0) {
                        poller.watch(correlationId, sentAtMillis);
                    }
                }
            });
            Thread killer = null;
            if (options.kill()) {
                killer = new Thread(() -> killWatch.run(workers.get(workers.size() - 1)), "bench-killer");
                killer.setDaemon(true);
                killer.start();
            }
            before = ProcCpu.snapshot(pids);
            long start = System.nanoTime();
            sent = load.steady(options.rate(), options.seconds(), true, () -> false);
            secs = (System.nanoTime() - start) / 1e9;
            producer.flush();
            after = ProcCpu.snapshot(pids);
            log(String.format(Locale.ROOT, "produced %,d events in %.1f s = %,.0f events/s (%,d instances); failed sends %d",
                    sent, secs, sent / secs, oracle.instances().size(), oracle.failedSends()));
            if (killer != null) {
                killer.join(TimeUnit.MINUTES.toMillis(5));
            }
            boolean done = poller.awaitNonePending(Duration.ofSeconds(120));
            List<FreshnessPoller.Sample> samples = poller.samples();
            sampled.addAll(samples);
            System.out.printf(Locale.ROOT, "freshness (last event produced -> all %d events and COMPLETED through the API), "
                            + "%d samples: %s; not visible within 120 s: %d%s%n", SagaLoad.EVENTS, samples.size(),
                    FreshnessPoller.percentiles(FreshnessPoller.millis(samples)), poller.missed(),
                    done ? "" : "; still pending: " + poller.pending());
            long[] reads = poller.readMillis();
            System.out.printf(Locale.ROOT, "the pollers (4 threads, each sample read every 50 ms) made %,d API reads "
                            + "(%.1f/s); one read took p50 %d ms, p95 %d ms, max %d ms%n", poller.reads(),
                    poller.readsPerSecond(), reads[reads.length / 2], FreshnessPoller.at(reads, 0.95), reads[reads.length - 1]);
            published.stop();
            published.report(samples);
            if (options.kill()) {
                killWatch.report(samples);
            }
        }
        printCpu("steady phase (" + String.format(Locale.ROOT, "%.1f", secs) + " s)", before, after, collector, workers, secs);
        printStages(workers);
        judge(collector, oracle, windowStart, killWatch);
        rowsWritten(sampled);
    }

    /**
     * When the sampled instances' fifth observation was published to the observations topic (the record's timestamp,
     * set by the collector's producer): splits each sample into the collector's part (tap linger, events insert,
     * publish) and the rest (the topic hop, the worker's poll, apply and instance insert, the API read).
     */
    private final class PublishedWatch implements Runnable {
        private final Map<String, long[]> watched = new java.util.concurrent.ConcurrentHashMap<>();
        private volatile boolean running = true;
        private final Thread thread = new Thread(this, "bench-published-watch");

        void watch(String correlationId) {
            watched.put(correlationId, new long[2]);
        }

        void start() {
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(10_000);
        }

        @Override
        public void run() {
            Map<String, Object> p = new HashMap<>();
            p.put(org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer =
                         new org.apache.kafka.clients.consumer.KafkaConsumer<>(p,
                                 new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                                 new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
                List<TopicPartition> all = new ArrayList<>();
                for (int i = 0; i < OBSERVATION_PARTITIONS; i++) {
                    all.add(new TopicPartition(OBSERVATIONS, i));
                }
                consumer.assign(all);
                consumer.seekToEnd(all);
                while (running) {
                    for (var r : consumer.poll(Duration.ofMillis(200))) {
                        if (r.key() == null) {
                            continue;
                        }
                        long[] seen = watched.get(new String(r.key(), StandardCharsets.UTF_8));
                        if (seen != null && ++seen[0] == SagaLoad.EVENTS) {
                            seen[1] = r.timestamp();
                        }
                    }
                }
            } catch (RuntimeException e) {
                System.out.println("published watch failed: " + e);
            }
        }

        void report(List<FreshnessPoller.Sample> samples) {
            List<Long> collector = new ArrayList<>();
            List<Long> rest = new ArrayList<>();
            for (FreshnessPoller.Sample s : samples) {
                long[] seen = watched.get(s.correlationId());
                if (seen != null && seen[1] > 0) {
                    collector.add(seen[1] - s.producedAtMillis());
                    rest.add(s.visibleAtMillis() - seen[1]);
                }
            }
            System.out.printf(Locale.ROOT, "  of which last event produced -> its observation published by the collector "
                    + "(%d samples): %s%n", collector.size(), FreshnessPoller.percentiles(sorted(collector)));
            System.out.printf(Locale.ROOT, "  and published -> visible through the API (topic hop, worker, instance insert, "
                    + "read): %s%n", FreshnessPoller.percentiles(sorted(rest)));
        }
    }

    /**
     * The same samples timed without the pollers: from the last event's produce to the first instance row ClickHouse
     * holds with all 5 events and COMPLETED ({@code min(updated_at)}, the time the worker built the row, just before its
     * insert; read without FINAL, so earlier unmerged versions count). A sample's API figure minus this is the insert,
     * the wait for the next poll and the read.
     */
    private void rowsWritten(List<FreshnessPoller.Sample> samples) throws Exception {
        if (samples.isEmpty()) {
            return;
        }
        StringBuilder in = new StringBuilder();
        for (FreshnessPoller.Sample s : samples) {
            in.append(in.length() == 0 ? "" : ",").append('\'').append(s.correlationId()).append('\'');
        }
        String sql = "SELECT correlation_id, toUnixTimestamp64Milli(min(updated_at)) FROM " + DATABASE + ".instances_by_day WHERE "
                + "state = 'COMPLETED' AND event_count = " + SagaLoad.EVENTS + " AND correlation_id IN (" + in
                + ") GROUP BY correlation_id FORMAT TabSeparated";
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(clickHouse.httpUrl() + "/"))
                .POST(HttpRequest.BodyPublishers.ofString(sql)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            System.out.println("rows written: ClickHouse answered " + r.statusCode() + ": " + r.body());
            return;
        }
        Map<String, Long> written = new HashMap<>();
        for (String line : r.body().split("\n")) {
            String[] f = line.split("\t");
            if (f.length == 2) {
                written.put(f[0], Long.parseLong(f[1].trim()));
            }
        }
        List<Long> toRow = new ArrayList<>();
        List<Long> rowToApi = new ArrayList<>();
        for (FreshnessPoller.Sample s : samples) {
            Long w = written.get(s.correlationId());
            if (w != null) {
                toRow.add(w - s.producedAtMillis());
                rowToApi.add(s.visibleAtMillis() - w);
            }
        }
        System.out.printf(Locale.ROOT, "the same samples without the pollers: last event produced -> first row with 5 events "
                + "and COMPLETED built by a worker (%d samples): %s%n", toRow.size(), FreshnessPoller.percentiles(sorted(toRow)));
        System.out.printf(Locale.ROOT, "  and that row built -> the pollers saw it through the API: %s%n",
                FreshnessPoller.percentiles(sorted(rowToApi)));
        if (killWatch != null && killWatch.happened()) {
            List<Long> before = new ArrayList<>();
            List<Long> after = new ArrayList<>();
            List<Long> moved = new ArrayList<>();
            for (FreshnessPoller.Sample s : samples) {
                Long w = written.get(s.correlationId());
                if (w == null) {
                    continue;
                }
                if (s.producedAtMillis() < killWatch.killMillis) {
                    before.add(w - s.producedAtMillis());
                } else {
                    after.add(w - s.producedAtMillis());
                    if (killWatch.moved.contains(partition(s.correlationId()))) {
                        moved.add(w - s.producedAtMillis());
                    }
                }
            }
            System.out.printf(Locale.ROOT, "  row built, produced before the kill: %s; after the kill: %s; after the kill on "
                    + "moved partitions: %s%n", FreshnessPoller.percentiles(sorted(before)),
                    FreshnessPoller.percentiles(sorted(after)), FreshnessPoller.percentiles(sorted(moved)));
        }
    }

    private static long[] sorted(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    /** The kill of one worker and what the group did after it. */
    private final class KillWatch {
        private volatile long killNanos;
        private volatile long killMillis;
        private volatile long ownedNanos;
        private volatile long ownedMillis;
        private volatile Set<Integer> moved = Set.of();
        private volatile long caughtUpNanos;
        private volatile long caughtUpMillis;
        private volatile String error;
        /** The killed worker's CPU ticks right before the kill (its process is gone at the phase's end). */
        private volatile long victimPid = -1;
        private volatile long victimTicksAtKill;

        void run(AppProcess victim) {
            try {
                Thread.sleep(options.killAt() * 1000L);
                Map<String, Set<Integer>> owned;
                try (Admin admin = kafka.admin()) {
                    owned = assignment(admin);
                    victimPid = victim.pid();
                    victimTicksAtKill = ProcCpu.processTicks(victimPid);
                    killMillis = System.currentTimeMillis();
                    killNanos = System.nanoTime();
                    victim.kill();
                    log("killed worker pid (SIGKILL) " + (System.nanoTime() - killNanos) / 1_000_000 + " ms after the command; "
                            + "assignment before: " + owned);
                    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
                    while (System.nanoTime() < deadline) {
                        ConsumerGroupDescription d = describe(admin);
                        if (d.state() == ConsumerGroupState.STABLE && d.members().size() == 1
                                && d.members().iterator().next().assignment().topicPartitions().size() == OBSERVATION_PARTITIONS) {
                            ownedNanos = System.nanoTime();
                            ownedMillis = System.currentTimeMillis();
                            String survivor = d.members().iterator().next().consumerId();
                            Set<Integer> m = new TreeSet<>();
                            for (int p = 0; p < OBSERVATION_PARTITIONS; p++) {
                                m.add(p);
                            }
                            m.removeAll(owned.getOrDefault(survivor, Set.of()));
                            moved = m;
                            log(String.format(Locale.ROOT, "survivor owns all %d partitions %.1f s after the kill; moved: %s",
                                    OBSERVATION_PARTITIONS, (ownedNanos - killNanos) / 1e9, m));
                            awaitCaughtUp(admin, m, deadline);
                            return;
                        }
                        Thread.sleep(200);
                    }
                    error = "the survivor did not own every partition within 3 minutes of the kill";
                }
            } catch (Exception e) {
                error = e.toString();
            }
        }

        boolean happened() {
            return killNanos != 0;
        }

        /**
         * Waits until the survivor has committed, on every moved partition, the end offset that partition had when
         * the survivor took it over: the backlog the kill left is applied and written (workers commit after their
         * write). Samples produced after that are the layout's steady state with one worker.
         */
        private void awaitCaughtUp(Admin admin, Set<Integer> movedPartitions, long deadline) throws Exception {
            Map<TopicPartition, OffsetSpec> q = new HashMap<>();
            for (int p : movedPartitions) {
                q.put(new TopicPartition(OBSERVATIONS, p), OffsetSpec.latest());
            }
            Map<TopicPartition, Long> ends = new HashMap<>();
            admin.listOffsets(q).all().get(20, TimeUnit.SECONDS).forEach((tp, r) -> ends.put(tp, r.offset()));
            while (System.nanoTime() < deadline) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(GROUP)
                        .partitionsToOffsetAndMetadata().get(20, TimeUnit.SECONDS);
                boolean all = ends.entrySet().stream().allMatch(e -> {
                    OffsetAndMetadata o = committed.get(e.getKey());
                    return o != null && o.offset() >= e.getValue();
                });
                if (all) {
                    caughtUpNanos = System.nanoTime();
                    caughtUpMillis = System.currentTimeMillis();
                    log(String.format(Locale.ROOT, "survivor caught up on the moved partitions %.1f s after the kill "
                            + "(%.1f s after owning them)", (caughtUpNanos - killNanos) / 1e9, (caughtUpNanos - ownedNanos) / 1e9));
                    return;
                }
                Thread.sleep(200);
            }
            error = "the survivor did not catch up on the moved partitions within 3 minutes of the kill";
        }

        void report(List<FreshnessPoller.Sample> samples) {
            if (error != null) {
                System.out.println("kill: " + error);
            }
            if (!happened()) {
                return;
            }
            List<FreshnessPoller.Sample> beforeKill = samples.stream().filter(s -> s.producedAtMillis() < killMillis).toList();
            List<FreshnessPoller.Sample> afterKill = samples.stream().filter(s -> s.producedAtMillis() >= killMillis).toList();
            List<FreshnessPoller.Sample> movedAfter = afterKill.stream().filter(s -> moved.contains(partition(s.correlationId()))).toList();
            List<FreshnessPoller.Sample> keptAfter = afterKill.stream().filter(s -> !moved.contains(partition(s.correlationId()))).toList();
            List<FreshnessPoller.Sample> afterOwned = ownedMillis == 0 ? List.of()
                    : samples.stream().filter(s -> s.producedAtMillis() >= ownedMillis).toList();
            System.out.printf(Locale.ROOT, "kill -9 of worker 2 at %d s; survivor owns all partitions after %s; moved partitions %s%n",
                    options.killAt(), ownedNanos == 0 ? "(never)" : String.format(Locale.ROOT, "%.1f s", (ownedNanos - killNanos) / 1e9), moved);
            movedAfter.stream().mapToLong(FreshnessPoller.Sample::visibleAtMillis).min().ifPresent(first ->
                    System.out.printf(Locale.ROOT, "first sample of a moved partition produced after the kill visible %.1f s after the kill%n",
                            (first - killMillis) / 1e3));
            print("  samples produced before the kill", beforeKill);
            print("  produced after the kill, all", afterKill);
            print("  produced after the kill, moved partitions", movedAfter);
            print("  produced after the kill, partitions the survivor kept", keptAfter);
            print("  produced after the survivor owned every partition", afterOwned);
            if (caughtUpNanos != 0) {
                List<FreshnessPoller.Sample> afterCaughtUp = samples.stream()
                        .filter(s -> s.producedAtMillis() >= caughtUpMillis).toList();
                System.out.printf(Locale.ROOT, "survivor caught up on the moved partitions %.1f s after the kill (%.1f s after "
                        + "owning them)%n", (caughtUpNanos - killNanos) / 1e9, (caughtUpNanos - ownedNanos) / 1e9);
                print("  produced after the survivor caught up (one worker, steady)", afterCaughtUp);
            }
        }

        private void print(String what, List<FreshnessPoller.Sample> s) {
            System.out.printf(Locale.ROOT, "%s: %d samples, %s%n", what, s.size(), FreshnessPoller.percentiles(FreshnessPoller.millis(s)));
        }
    }

    /** The observations partition of a correlation ID: the publisher keys records by it (Kafka's default partitioner). */
    static int partition(String correlationId) {
        return Utils.toPositive(Utils.murmur2(correlationId.getBytes(StandardCharsets.UTF_8))) % OBSERVATION_PARTITIONS;
    }

    private static ConsumerGroupDescription describe(Admin admin) throws Exception {
        return admin.describeConsumerGroups(List.of(GROUP)).all().get(20, TimeUnit.SECONDS).get(GROUP);
    }

    /** Member ID -> owned observation partitions. */
    private static Map<String, Set<Integer>> assignment(Admin admin) throws Exception {
        Map<String, Set<Integer>> out = new LinkedHashMap<>();
        for (MemberDescription m : describe(admin).members()) {
            out.put(m.consumerId(), m.assignment().topicPartitions().stream().map(TopicPartition::partition)
                    .collect(Collectors.toCollection(TreeSet::new)));
        }
        return out;
    }

    /** Waits for the end state in ClickHouse, then counts against the oracle through the API. */
    private void judge(AppProcess collector, Oracle oracle, Instant windowStart, KillWatch kill) throws Exception {
        long expected = oracle.instances().stream().filter(Oracle.Instance::complete).count();
        long waitStart = System.nanoTime();
        long stored = awaitCompleted(expected);
        log(String.format(Locale.ROOT, "ClickHouse holds %,d of %,d instances COMPLETED with 5 events, %.1f s after the traffic ended",
                stored, expected, (System.nanoTime() - waitStart) / 1e9));
        ApiReader reader = new ApiReader(collector.apiUrl(), "viewer");
        long listStart = System.nanoTime();
        ApiReader.Listing listing = reader.instances(SagaLoad.FLOW, windowStart);
        FaultSuite.Judged judged = FaultSuite.judge(listing, oracle.instances());
        long listed = oracle.instances().stream().filter(i -> listing.instances().containsKey(i.correlationId())).count();
        log(String.format(Locale.ROOT, "listed %,d instances through the API in %.1f s", listing.instances().size(),
                (System.nanoTime() - listStart) / 1e9));
        List<Oracle.Instance> detailed = detailSample(oracle, kill);
        long detailStart = System.nanoTime();
        FaultSuite.RecordCounts records = FaultSuite.countRecords(reader, detailed);
        long detailRecords = detailed.stream().mapToLong(i -> i.records().size()).sum();
        log(String.format(Locale.ROOT, "read %,d instance details in %.1f s", detailed.size(), (System.nanoTime() - detailStart) / 1e9));
        System.out.println("oracle, every instance through the listing (GET /instances?flow=" + SagaLoad.FLOW + "):");
        System.out.printf(Locale.ROOT, "| instances produced | listed | not listed | listed twice | wrong state or event count |%n"
                        + "|---|---|---|---|---|%n| %,d | %,d | %,d | %d | %d |%n", oracle.instances().size(), listed,
                oracle.instances().size() - listed, listing.repeated(), judged.wrong());
        if (!judged.wrongByState().isEmpty()) {
            System.out.println("  wrong: " + judged.wrongByState() + ", e.g. " + judged.examples());
        }
        System.out.printf(Locale.ROOT, "oracle, records through GET /instances/{id} of %,d instances (%s):%n"
                        + "| records produced | visible | lost | doubled | unacknowledged shown | instances known |%n"
                        + "|---|---|---|---|---|---|%n| %,d | %,d | %d | %d | %d | %,d of %,d |%n", detailed.size(),
                kill.happened() ? "moved partitions, started from 15 s before the kill to 5 s after the survivor owned them"
                        : "a spread of all", detailRecords, records.visible(), records.lost(), records.duplicates(),
                records.extra(), records.known(), detailed.size());
        boolean clean = oracle.failedSends() == 0 && listed == oracle.instances().size() && listing.repeated() == 0
                && judged.wrong() == 0 && records.lost() == 0 && records.duplicates() == 0 && records.extra() == 0
                && records.known() == detailed.size();
        System.out.println(clean ? "oracle: clean (nothing lost, doubled or wrong)" : "oracle: NOT clean");
    }

    private List<Oracle.Instance> detailSample(Oracle oracle, KillWatch kill) {
        List<Oracle.Instance> all = new ArrayList<>(oracle.instances());
        all.sort((a, b) -> a.correlationId().compareTo(b.correlationId()));
        List<Oracle.Instance> pool = all;
        if (kill.happened()) {
            long from = kill.killNanos - TimeUnit.SECONDS.toNanos(15);
            long to = (kill.ownedNanos == 0 ? kill.killNanos + TimeUnit.SECONDS.toNanos(60) : kill.ownedNanos)
                    + TimeUnit.SECONDS.toNanos(5);
            pool = all.stream().filter(i -> kill.moved.contains(partition(i.correlationId()))).filter(i -> {
                List<Oracle.Produced> r = i.records();
                return !r.isEmpty() && r.get(r.size() - 1).ackedAtNanos() >= from && r.get(0).ackedAtNanos() <= to;
            }).toList();
        }
        if (pool.size() <= options.detailMax()) {
            return pool;
        }
        List<Oracle.Instance> out = new ArrayList<>();
        double step = pool.size() / (double) options.detailMax();
        for (int k = 0; k < options.detailMax(); k++) {
            out.add(pool.get((int) (k * step)));
        }
        return out;
    }

    // --------------------------------------------------------------------------------------------------- throughput

    private void throughput() throws Exception {
        long instances = options.events() / SagaLoad.EVENTS;
        long events = instances * SagaLoad.EVENTS;
        // The backlog first, with no choreoscope process running.
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 128L * 1024 * 1024);
        AtomicLong failed = new AtomicLong();
        long produceStart = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            SagaLoad load = new SagaLoad(producer, TOPIC, "tp-", true, true, new SagaLoad.Observer() {
                @Override
                public void acked(String correlationId, int step, String eventId, String eventType, byte[] payload,
                                  RecordMetadata meta, Exception error) {
                    if (error != null) {
                        failed.incrementAndGet();
                    }
                }
            });
            load.backlog(0, instances);
        }
        log(String.format(Locale.ROOT, "backlog: %,d events (%,d sagas) produced to %s in %.1f s; failed %d", events,
                instances, TOPIC, (System.nanoTime() - produceStart) / 1e9, failed.get()));
        try (Admin admin = kafka.admin()) {
            // The collector alone: tap -> ClickHouse -> observations topic.
            log("load average before the collector starts: " + loadAverage());
            long collectorStart = System.nanoTime();
            AppProcess collector = new AppProcess(root, dir.resolve("app-collector"), "collector,api", properties(false));
            apps.add(collector);
            collector.start();
            ProcCpu.Snapshot before = ProcCpu.snapshot(collector.pid(), clickHouse.pid());
            long first = 0;
            long published = 0;
            long deadline = System.nanoTime() + options.timeout().toNanos();
            while (published < events && System.nanoTime() < deadline) {
                Thread.sleep(250);
                published = endOffsets(admin);
                if (first == 0 && published > 0) {
                    first = System.nanoTime();
                }
            }
            long collectorEnd = System.nanoTime();
            ProcCpu.Snapshot after = ProcCpu.snapshot(collector.pid(), clickHouse.pid());
            double fromStart = (collectorEnd - collectorStart) / 1e9;
            double fromFirst = first == 0 ? Double.NaN : (collectorEnd - first) / 1e9;
            System.out.printf(Locale.ROOT, "collector: %,d of %,d events published to %s %.1f s after its start command, "
                            + "%.1f s after the first was published: %,.0f events/s (from the first)%n", published, events,
                    OBSERVATIONS, fromStart, fromFirst, published / fromFirst);
            System.out.printf(Locale.ROOT, "  CPU meanwhile (from the start command): collector %.1f core-s, ClickHouse %.1f core-s, "
                            + "this JVM (broker) %.1f core-s%n", ProcCpu.processSeconds(before, after, collector.pid()),
                    ProcCpu.processSeconds(before, after, clickHouse.pid()), (after.self() - before.self()) / ProcCpu.TICKS_PER_SECOND);
            collector.awaitHealthy(Duration.ofMinutes(1));
            // Then the workers.
            log("load average before the workers start: " + loadAverage());
            long workersStart = System.nanoTime();
            List<AppProcess> workers = startWorkers(options.workers());
            long[] pids = pids(collector, workers);
            ProcCpu.Snapshot wBefore = ProcCpu.snapshot(pids);
            long assigned = 0;
            long firstCommit = 0;
            long lagZero = 0;
            long done = 0;
            long committed = 0;
            long completed = 0;
            long lastCount = 0;
            deadline = System.nanoTime() + options.timeout().toNanos();
            while (done == 0 && System.nanoTime() < deadline) {
                Thread.sleep(250);
                if (assigned == 0) {
                    ConsumerGroupDescription d = describe(admin);
                    if (d.members().stream().anyMatch(m -> !m.assignment().topicPartitions().isEmpty())) {
                        assigned = System.nanoTime();
                    }
                }
                committed = committed(admin);
                if (firstCommit == 0 && committed > 0) {
                    firstCommit = System.nanoTime();
                }
                if (lagZero == 0 && committed >= events) {
                    lagZero = System.nanoTime();
                }
                if (lagZero != 0 && System.nanoTime() - lastCount > 1_000_000_000L) {
                    lastCount = System.nanoTime();
                    completed = countCompleted();
                    if (completed >= instances) {
                        done = System.nanoTime();
                    }
                }
            }
            long end = done == 0 ? System.nanoTime() : done;
            ProcCpu.Snapshot wAfter = ProcCpu.snapshot(pids);
            double total = (end - workersStart) / 1e9;
            double fromAssigned = assigned == 0 ? Double.NaN : (end - assigned) / 1e9;
            System.out.printf(Locale.ROOT, "%d worker(s): %s; committed %,d of %,d; ClickHouse %,d of %,d instances COMPLETED "
                            + "with 5 events%n", options.workers(), done == 0 ? "NOT done within the timeout" : "done",
                    committed, events, completed, instances);
            System.out.printf(Locale.ROOT, "  from the start command: %.1f s (%,.0f events/s); from the first partition "
                            + "assigned: %.1f s (%,.0f events/s); JVM start to assignment %.1f s; first commit %.1f s, lag 0 "
                            + "%.1f s after the start command%n", total, events / total, fromAssigned, events / fromAssigned,
                    assigned == 0 ? Double.NaN : (assigned - workersStart) / 1e9,
                    firstCommit == 0 ? Double.NaN : (firstCommit - workersStart) / 1e9,
                    lagZero == 0 ? Double.NaN : (lagZero - workersStart) / 1e9);
            printCpu("workers' phase (" + String.format(Locale.ROOT, "%.1f", total) + " s)", wBefore, wAfter, collector,
                    workers, total);
        }
    }

    private long endOffsets(Admin admin) throws Exception {
        if (!admin.listTopics().names().get(20, TimeUnit.SECONDS).contains(OBSERVATIONS)) {
            return 0; // the collector creates it at start
        }
        Map<TopicPartition, OffsetSpec> q = new HashMap<>();
        for (int i = 0; i < OBSERVATION_PARTITIONS; i++) {
            q.put(new TopicPartition(OBSERVATIONS, i), OffsetSpec.latest());
        }
        try {
            return admin.listOffsets(q).all().get(20, TimeUnit.SECONDS).values().stream()
                    .mapToLong(r -> r.offset()).sum();
        } catch (java.util.concurrent.ExecutionException e) {
            return 0; // the topic does not exist yet (the collector creates it at start)
        }
    }

    private long committed(Admin admin) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata()
                .get(20, TimeUnit.SECONDS);
        return offsets.values().stream().filter(o -> o != null).mapToLong(OffsetAndMetadata::offset).sum();
    }

    // ------------------------------------------------------------------------------------------------------ common

    /** Instances stored COMPLETED with all 5 events (ClickHouse directly: the API's listing is too slow to poll). */
    private long countCompleted() throws Exception {
        String sql = "SELECT count() FROM " + DATABASE + ".instances_by_day FINAL WHERE state = 'COMPLETED' AND event_count = "
                + SagaLoad.EVENTS;
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(clickHouse.httpUrl()
                + "/?query=" + URLEncoder.encode(sql, StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("ClickHouse answered " + r.statusCode() + ": " + r.body());
        }
        return Long.parseLong(r.body().trim());
    }

    private long awaitCompleted(long expected) throws Exception {
        long deadline = System.nanoTime() + options.timeout().toNanos();
        long n = 0;
        while (System.nanoTime() < deadline) {
            n = countCompleted();
            if (n >= expected) {
                return n;
            }
            Thread.sleep(1000);
        }
        return n;
    }

    /** The PIDs whose CPU is measured (remembered: a killed worker's process is gone when the phase ends). */
    private long[] pids(AppProcess collector, List<AppProcess> workers) {
        List<Long> p = new ArrayList<>();
        for (AppProcess a : apps) {
            pidCache.put(a, a.pid());
            p.add(a.pid());
        }
        p.add(clickHouse.pid());
        return p.stream().mapToLong(Long::longValue).toArray();
    }

    private final Map<AppProcess, Long> pidCache = new HashMap<>();
    private KillWatch killWatch;

    private void printCpu(String phase, ProcCpu.Snapshot before, ProcCpu.Snapshot after, AppProcess collector,
                          List<AppProcess> workers, double seconds) {
        Map<String, Double> used = new LinkedHashMap<>();
        used.put("collector,api", ProcCpu.processSeconds(before, after, pidCache.getOrDefault(collector, -1L)));
        int i = 1;
        for (AppProcess w : workers) {
            long pid = pidCache.getOrDefault(w, -1L);
            if (killWatch != null && pid == killWatch.victimPid) {
                used.put("worker " + i++ + " (until its kill)", (killWatch.victimTicksAtKill
                        - before.processes().getOrDefault(pid, 0L)) / ProcCpu.TICKS_PER_SECOND);
            } else {
                used.put("worker " + i++, ProcCpu.processSeconds(before, after, pid));
            }
        }
        used.put("ClickHouse", ProcCpu.processSeconds(before, after, clickHouse.pid()));
        used.put("harness JVM (broker, producer, pollers)", (after.self() - before.self()) / ProcCpu.TICKS_PER_SECOND);
        StringBuilder sb = new StringBuilder("CPU in the " + phase + ", core-seconds (cores on average):");
        double sum = 0;
        for (Map.Entry<String, Double> e : used.entrySet()) {
            sb.append(String.format(Locale.ROOT, " %s %.1f (%.2f);", e.getKey(), e.getValue(), e.getValue() / seconds));
            sum += e.getValue();
        }
        sb.append(String.format(Locale.ROOT, " all %.1f (%.2f of 2 cores)", sum, sum / seconds));
        System.out.println(sb);
    }

    /** The inference loop's stages as each live worker's /prometheus gives them, at the end of the steady phase. */
    private static void printStages(List<AppProcess> workers) {
        int i = 1;
        for (AppProcess w : workers) {
            int n = i++;
            if (!w.alive()) {
                continue;
            }
            try {
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(w.apiUrl() + "/prometheus")).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                System.out.println("  worker " + n + "'s loop stages " + LoopStageLines.summary(r.body()));
            } catch (Exception e) {
                System.out.println("  worker " + n + "'s loop stages: not read (" + e + ")");
            }
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "(unknown)";
        }
    }

    private static void log(String message) {
        System.out.printf(Locale.ROOT, "distbench: %s [%6.1f s] %s%n", java.time.LocalTime.now(java.time.ZoneOffset.UTC)
                .withNano(0), (System.nanoTime() - STARTED) / 1e9, message);
    }

    private void close() throws Exception {
        for (AppProcess a : apps) {
            a.stop();
        }
        kafka.close();
        clickHouse.close();
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || !Set.of("freshness", "throughput").contains(args[0])) {
            System.err.println("usage: DistributedLayoutBenchmark freshness|throughput [--workers 2] [--rate 5000] [--seconds 60] "
                    + "[--sample-every 100] [--kill] [--kill-at S] [--session-timeout-ms MS] [--detail-max 1500] "
                    + "[--events 1000000] [--timeout 600] [--keep] [--set property=value ...]");
            System.exit(2);
        }
        int workers = 2;
        int rate = 5000;
        int seconds = 60;
        int sampleEvery = 100;
        boolean kill = false;
        int killAt = -1;
        String session = null;
        int detailMax = 1500;
        long events = 1_000_000;
        int timeout = 600;
        boolean keep = false;
        Map<String, String> settings = new java.util.LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--workers" -> workers = Integer.parseInt(args[++i]);
                case "--rate" -> rate = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--sample-every" -> sampleEvery = Integer.parseInt(args[++i]);
                case "--kill" -> kill = true;
                case "--kill-at" -> killAt = Integer.parseInt(args[++i]);
                case "--session-timeout-ms" -> session = args[++i];
                case "--detail-max" -> detailMax = Integer.parseInt(args[++i]);
                case "--events" -> events = Long.parseLong(args[++i]);
                case "--timeout" -> timeout = Integer.parseInt(args[++i]);
                case "--keep" -> keep = true;
                case "--set" -> {
                    String kv = args[++i];
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--set takes property=value, not " + kv);
                    }
                    settings.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (workers < 1 || workers > 2 || (kill && workers != 2)) {
            throw new IllegalArgumentException("--workers is 1 or 2; --kill needs 2");
        }
        Options options = new Options(args[0], workers, rate, seconds, Math.max(1, sampleEvery), kill,
                killAt < 0 ? seconds / 3 : killAt, session, detailMax, events, Duration.ofSeconds(timeout), keep,
                Map.copyOf(settings));
        Path root = Path.of(System.getProperty("choreoscope.root", ".")).toAbsolutePath().normalize();
        Path dir = Files.createTempDirectory("choreoscope-distbench-");
        log("load average at start: " + loadAverage() + "; " + options + "; work dir " + dir);
        EmbeddedClickHouse clickHouse = EmbeddedClickHouse.start(dir.resolve("clickhouse"), 0);
        EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0);
        kafka.createTopic(TOPIC, 4);
        DistributedLayoutBenchmark bench = new DistributedLayoutBenchmark(options, kafka, clickHouse, dir, root);
        int exit = 0;
        try {
            if (options.mode().equals("freshness")) {
                bench.freshness();
            } else {
                bench.throughput();
            }
        } catch (Exception e) {
            exit = 1;
            System.err.println("distbench failed: " + e);
            e.printStackTrace();
            for (AppProcess a : bench.apps) {
                System.err.println("--- " + a.roles() + " (" + a.log() + ") ---\n" + a.tail(30));
            }
        } finally {
            bench.close();
            if (!keep) {
                deleteTree(dir);
            }
        }
        log("done; load average " + loadAverage());
        System.exit(exit);
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
    }
}
