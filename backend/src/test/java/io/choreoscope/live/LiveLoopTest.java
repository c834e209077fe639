package io.choreoscope.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.choreoscope.MutableClock;
import io.choreoscope.model.EventReader;
import io.choreoscope.model.InstanceQuery;
import io.choreoscope.model.InstanceReader;
import io.choreoscope.model.InstanceRecord;
import io.choreoscope.model.InstanceWriter;
import io.choreoscope.model.Observation;
import io.choreoscope.model.StorageException;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InstanceSnapshot;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The one live-inference loop, turn by turn, over both kinds of source: the real in-process queue of the embedded
 * layout and a fake shaped like the Kafka source (two partitions assigned on open, a poll per delivered batch,
 * behind while batches wait). Every case runs the same loop code over each; a log records, in order, what reached
 * storage and what the source was told. Ticks are driven by a fake monotonic clock, so nothing here waits.
 */
class LiveLoopTest {
    private static final Instant T = Instant.parse("2026-11-23T10:00:00Z");
    private static final Duration EVALUATE_INTERVAL = Duration.ofSeconds(1);

    /** Written by the loop (the test's thread) and, with a write-behind, by its writer thread. */
    private final List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong nanos = new AtomicLong();
    private final MutableClock clock = new MutableClock(T);
    private final RecordingWriter writer = new RecordingWriter();
    private long offset;

    /** A source under test and how to hand it a batch (as the sink or the topic would). */
    interface Feed {
        InferenceSource source();

        void deliver(List<Observation> batch) throws InterruptedException;
    }

    static Stream<String> sources() {
        return Stream.of("in-process queue", "Kafka-shaped partitions");
    }

    private Feed feed(String kind) {
        return kind.equals("in-process queue") ? new QueueFeed(clock) : new PartitionFeed();
    }

    private LiveLoop loop;
    private Feed feed;

    @BeforeEach
    void clearLog() {
        log.clear();
    }

    private void start(String kind) {
        InferenceConfig settings = new InferenceConfig();
        settings.setTopicPartitions(2);
        settings.setEvaluateInterval(EVALUATE_INTERVAL);
        settings.setEndEventTypes(List.of("OrderShipped"));
        settings.setStuckFloor(Duration.ofSeconds(1));
        settings.setDefaultBound(Duration.ofSeconds(1));
        feed = feed(kind);
        loop = new LiveLoop("test-loop", new Recording(feed.source()), settings, writer, new NoInstances(),
                new NoEvents(), clock, nanos::get);
        assertThat(loop.open()).isTrue();
    }

    private Observation event(String id, String type, Instant at) {
        return Observation.builder("orders", 0, offset++, at).correlationId(id).eventType(type).sourceService("svc").build();
    }

    /** The log without the writes of flow models (a tick writes them when due; the stop test looks at them). */
    private List<String> withoutModels() {
        return log.stream().filter(l -> !l.startsWith("models ")).toList();
    }

    /** Makes the next {@link LiveLoop#step()} tick. */
    private void tickDue() {
        nanos.addAndGet(EVALUATE_INTERVAL.toNanos());
    }

    @org.junit.jupiter.api.Test
    void eventTypesPastTheBoundAreCountedAndWarnedOfAtMostEveryTenMinutes() throws Exception {
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> warnings =
                new ch.qos.logback.core.read.ListAppender<>();
        warnings.start();
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(LiveLoop.class);
        logger.addAppender(warnings);
        try {
            InferenceConfig settings = new InferenceConfig();
            settings.setMaxEventTypes(3); // "(unknown)" and two more
            feed = feed("in-process queue");
            loop = new LiveLoop("test-loop", new Recording(feed.source()), settings, writer, new NoInstances(),
                    new NoEvents(), clock, nanos::get);
            assertThat(loop.open()).isTrue();
            feed.deliver(List.of(event("a", "OrderPlaced", T), event("b", "UserRegistered", T),
                    event("c", "OrderAudited-1", T), event("d", "OrderAudited-2", T)));
            assertThat(loop.step()).isTrue();
            assertThat(loop.overTypeLimit()).isEqualTo(2);
            List<String> said = warnings.list.stream().map(e -> e.getFormattedMessage())
                    .filter(m -> m.contains("max-event-types")).toList();
            assertThat(said).hasSize(1);
            assertThat(said.get(0)).contains("choreoscope.inference.max-event-types (3)", "2 observations so far",
                    "'(too many event types)'", "the latest 'OrderAudited-2' on orders");

            // more within ten minutes: counted, not said again; after them: said again, with the new count
            feed.deliver(List.of(event("e", "OrderAudited-3", T)));
            assertThat(loop.step()).isTrue();
            assertThat(loop.overTypeLimit()).isEqualTo(3);
            nanos.addAndGet(Duration.ofMinutes(10).toNanos());
            assertThat(loop.step()).isTrue();
            said = warnings.list.stream().map(e -> e.getFormattedMessage()).filter(m -> m.contains("max-event-types")).toList();
            assertThat(said).hasSize(2);
            assertThat(said.get(1)).contains("3 observations so far", "the latest 'OrderAudited-3' on orders");
            nanos.addAndGet(Duration.ofMinutes(10).toNanos());
            assertThat(loop.step()).isTrue(); // nothing new past the bound: nothing said
            assertThat(warnings.list.stream().filter(e -> e.getFormattedMessage().contains("max-event-types"))).hasSize(2);
        } finally {
            logger.detachAppender(warnings);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sources")
    void appliedBatchesAreStoredOnceNothingMoreWaitsInOneInsert(String kind) throws Exception {
        start(kind);
        feed.deliver(List.of(event("order-1", "OrderPlaced", T)));
        feed.deliver(List.of(event("order-2", "OrderPlaced", T)));

        assertThat(loop.step()).isTrue(); // order-1 applied; order-2 waits
        assertThat(log).isEmpty();
        assertThat(loop.step()).isTrue(); // order-2 applied; caught up
        assertThat(log).containsExactly("write order-1=RUNNING order-2=RUNNING");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sources")
    void theLoopsOwnInsertsAreTimedAsTheWriteStage(String kind) throws Exception {
        io.micrometer.core.instrument.simple.SimpleMeterRegistry meters =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        start(kind);
        loop.stages(new LoopStages(meters));
        feed.deliver(List.of(event("order-1", "OrderPlaced", T)));
        assertThat(loop.step()).isTrue(); // applied and caught up: one insert on this thread

        io.micrometer.core.instrument.Timer write = meters.get(LoopStages.METER).tag("stage", "write").timer();
        assertThat(log).containsExactly("write order-1=RUNNING");
        assertThat(write.count()).isEqualTo(1);

        feed.deliver(List.of(event("order-1", "OrderShipped", T.plusSeconds(1))));
        clock.set(T.plusSeconds(2));
        tickDue();
        assertThat(loop.step()).isTrue(); // the batch's insert, and the tick's when it changes a state
        long inserts = log.stream().filter(l -> l.startsWith("write ")).count();
        assertThat(inserts).isGreaterThanOrEqualTo(2);
        assertThat(write.count()).isEqualTo(inserts); // every insert, the tick's too
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sources")
    void statesMoveOnlyAtTheTickAndAreStoredBeforeTheSourceIsToldTheyArePersisted(String kind) throws Exception {
        start(kind);
        List<Observation> learn = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            learn.add(event("done-" + i, "OrderPlaced", T.plusSeconds(i)));
            learn.add(event("done-" + i, "OrderShipped", T.plusSeconds(i).plusMillis(500)));
        }
        learn.add(event("open", "OrderPlaced", T.plusSeconds(20)));
        feed.deliver(learn);
        clock.set(T.plusSeconds(20).plusMillis(100));
        loop.step();
        assertThat(log).hasSize(1).allMatch(l -> l.contains("open=RUNNING"));
        log.clear();

        // Long past the learned bound of OrderPlaced -> OrderShipped: only the tick's evaluation sees it.
        clock.set(T.plusSeconds(60));
        feed.deliver(List.of()); // an empty batch, so that the turn does not wait for the tick
        loop.step();
        assertThat(log).isEmpty();
        tickDue();
        loop.step();
        assertThat(withoutModels()).containsExactly("write open=STUCK", "persisted");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sources")
    void whatArrivesWhileBehindIsStoredByTheTickThenAcknowledged(String kind) throws Exception {
        start(kind);
        feed.deliver(List.of(event("order-1", "OrderPlaced", T)));
        feed.deliver(List.of(event("order-2", "OrderPlaced", T)));
        tickDue();
        loop.step(); // order-1 applied while order-2 waits; the tick stores it
        assertThat(withoutModels()).containsExactly("write order-1=RUNNING", "persisted");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sources")
    void aFailedWriteIsNeverAcknowledged(String kind) throws Exception {
        start(kind);
        writer.failing = true;
        feed.deliver(List.of(event("order-1", "OrderPlaced", T)));
        loop.step(); // the caught-up write fails and stays pending
        tickDue();
        loop.step(); // the tick's write fails: the source hears of the failure, not of persistence
        assertThat(log).containsExactly("failed: write refused");
    }

    /** The in-process source retries failed steps (a worker stops instead): the retry waits for the next tick. */
    @org.junit.jupiter.api.Test
    void aFailedTickIsTriedAgainAtTheNextTickNotAtOnce() throws Exception {
        start("in-process queue");
        writer.failing = true;
        feed.deliver(List.of(event("order-1", "OrderPlaced", T)));
        loop.step(); // the caught-up write fails and stays pending
        tickDue();
        loop.step(); // the tick's write fails
        assertThat(log).containsExactly("failed: write refused");
        log.clear();

        feed.deliver(List.of()); // an empty batch, so that the turn does not wait
        loop.step();
        assertThat(log).as("no tick is due yet, so nothing is tried").isEmpty();
        tickDue();
        loop.step();
        assertThat(log).containsExactly("failed: write refused");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sources")
    void aCleanStopAppliesWhatWaitsStoresItThenAcknowledgesThenCloses(String kind) throws Exception {
        start(kind);
        feed.deliver(List.of(event("order-1", "OrderPlaced", T)));
        feed.deliver(List.of(event("order-2", "OrderPlaced", T)));
        loop.step();
        loop.stop(false);
        loop.step();
        loop.finish();
        // The batches first, then every engine's final tick and models, then the acknowledgement, then the close.
        assertThat(log.get(0)).isEqualTo("write order-1=RUNNING order-2=RUNNING");
        assertThat(log.subList(1, log.size() - 2)).isNotEmpty().allMatch(l -> l.startsWith("models "));
        assertThat(log.subList(log.size() - 2, log.size())).containsExactly("persisted", "closed");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sources")
    void aCrashStoresAndAcknowledgesNothingMore(String kind) throws Exception {
        start(kind);
        feed.deliver(List.of(event("order-1", "OrderPlaced", T)));
        feed.deliver(List.of(event("order-2", "OrderPlaced", T)));
        loop.step();
        loop.stop(true);
        loop.finish();
        assertThat(log).containsExactly("closed crashed");
    }

    /**
     * The tap may commit a batch handed to the in-process source only once a tick persisted what it touched; a batch
     * still queued, or applied and not yet persisted, at a crash is never committable (the tap reads it again).
     */
    @org.junit.jupiter.api.Test
    void aQueuedBatchBecomesCommittableOnlyOnceATickPersistedIt() throws Exception {
        InferenceConfig settings = new InferenceConfig();
        settings.setEvaluateInterval(EVALUATE_INTERVAL);
        InProcessSource source = new InProcessSource(64, clock);
        loop = new LiveLoop("test-loop", source, settings, writer, new NoInstances(), new NoEvents(), clock, nanos::get);
        assertThat(loop.open()).isTrue();
        java.util.concurrent.CompletableFuture<Void> first = source.offerObservations(List.of(event("order-1", "OrderPlaced", T)));
        java.util.concurrent.CompletableFuture<Void> second = source.offerObservations(List.of(event("order-2", "OrderPlaced", T)));
        loop.step(); // order-1 applied
        loop.step(); // order-2 applied, caught up: written, but no tick yet
        assertThat(log).containsExactly("write order-1=RUNNING order-2=RUNNING");
        assertThat(first).isNotDone();
        assertThat(second).isNotDone();
        tickDue();
        source.offerObservations(List.of()); // a turn that does not wait
        loop.step();
        assertThat(first).isDone();
        assertThat(second).isDone();

        java.util.concurrent.CompletableFuture<Void> applied = source.offerObservations(List.of(event("order-3", "OrderPlaced", T)));
        java.util.concurrent.CompletableFuture<Void> queued = source.offerObservations(List.of(event("order-4", "OrderPlaced", T)));
        loop.step(); // order-3 applied, order-4 still queued
        loop.stop(true);
        loop.finish();
        assertThat(applied).isNotDone();
        assertThat(queued).isNotDone();
    }

    /**
     * The embedded layout's loop, whose writes a writer thread stores ({@link InstanceWriteBehind}): the loop goes on
     * applying while a refused write is retried, and a batch is acknowledged (committable) only once the writes of the
     * tick after it are stored; a batch applied after that tick is not covered by its acknowledgement.
     */
    @org.junit.jupiter.api.Test
    void withTheWriteBehindABatchIsAcknowledgedOnlyOnceTheWritesOfItsTickAreStored() throws Exception {
        InferenceConfig settings = new InferenceConfig();
        settings.setEvaluateInterval(EVALUATE_INTERVAL);
        InProcessSource source = new InProcessSource(64, clock);
        InstanceWriteBehind behind = new InstanceWriteBehind("test-loop", writer, 1_000);
        loop = new LiveLoop("test-loop", new Recording(source), settings, writer, behind, new NoInstances(), new NoEvents(),
                clock, nanos::get);
        behind.start(); // loop.start() starts it with the loop's thread; here the test drives the turns
        try {
            assertThat(loop.open()).isTrue();
            writer.failing = true;
            java.util.concurrent.CompletableFuture<Void> first =
                    source.offerObservations(List.of(event("order-1", "OrderPlaced", T)));
            tickDue();
            assertThat(loop.step()).isTrue(); // order-1 applied and handed over; the tick asks for its acknowledgement
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> writer.refused.get() >= 2);
            java.util.concurrent.CompletableFuture<Void> second =
                    source.offerObservations(List.of(event("order-2", "OrderPlaced", T)));
            assertThat(loop.step()).as("the loop goes on while the write is refused").isTrue(); // order-2 applied
            source.offerObservations(List.of()); // a turn that does not wait
            loop.step();
            assertThat(first).as("its write is refused so far").isNotDone();
            assertThat(log).doesNotContain("persisted");

            writer.failing = false; // ClickHouse is back: the retried write and what waits behind it are stored
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(behind::idle);
            assertThat(log).doesNotContain("persisted"); // acknowledged by the loop's thread at its next turn
            source.offerObservations(List.of());
            loop.step();
            assertThat(first).isDone();
            assertThat(second).as("applied after the tick").isNotDone();
            assertThat(withoutModels()).containsExactly("write order-1=RUNNING", "write order-2=RUNNING", "persisted");

            tickDue();
            source.offerObservations(List.of());
            loop.step(); // the next tick's acknowledgement covers order-2 once its writes are stored
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(behind::idle);
            source.offerObservations(List.of());
            loop.step();
            assertThat(second).isDone();
        } finally {
            behind.abandon();
        }
    }

    /** With the write-behind, a crash stores and acknowledges nothing more, also what the writer still holds. */
    @org.junit.jupiter.api.Test
    void withTheWriteBehindACrashStoresAndAcknowledgesNothingMore() throws Exception {
        InferenceConfig settings = new InferenceConfig();
        settings.setEvaluateInterval(EVALUATE_INTERVAL);
        InProcessSource source = new InProcessSource(64, clock);
        InstanceWriteBehind behind = new InstanceWriteBehind("test-loop", writer, 1_000);
        loop = new LiveLoop("test-loop", new Recording(source), settings, writer, behind, new NoInstances(), new NoEvents(),
                clock, nanos::get);
        behind.start();
        assertThat(loop.open()).isTrue();
        writer.failing = true;
        java.util.concurrent.CompletableFuture<Void> first =
                source.offerObservations(List.of(event("order-1", "OrderPlaced", T)));
        tickDue();
        loop.step();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> writer.refused.get() >= 1);
        loop.stop(true);
        writer.failing = false;
        loop.finish();
        long refused = writer.refused.get();
        org.awaitility.Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(10))
                .until(() -> writer.refused.get() == refused && !log.contains("write order-1=RUNNING"));
        assertThat(first).isNotDone();
        assertThat(log).containsExactly("closed crashed");
    }

    // --- the two sources -------------------------------------------------------------------------------------

    /** The real in-process source; its queue holds the batches. */
    private static final class QueueFeed implements Feed {
        private final InProcessSource source;

        QueueFeed(Clock clock) {
            source = new InProcessSource(64, clock);
        }

        @Override
        public InferenceSource source() {
            return source;
        }

        @Override
        public void deliver(List<Observation> batch) throws InterruptedException {
            source.offer(new InferenceSource.Observations(InferenceSource.ALL_PARTITIONS, batch));
        }
    }

    /**
     * Shaped like {@link KafkaPartitionSource}: owns partitions 0 and 1 from the start, a poll returns one delivered
     * batch split by partition, behind while more batches wait, stops on a failure.
     */
    private static final class PartitionFeed implements Feed, InferenceSource {
        private final Deque<List<Input>> polls = new ArrayDeque<>();

        @Override
        public InferenceSource source() {
            return this;
        }

        @Override
        public void deliver(List<Observation> batch) {
            Map<Integer, List<Observation>> byPartition = new TreeMap<>();
            for (Observation o : batch) {
                byPartition.computeIfAbsent(LiveEngine.partitionOf(o.correlationId(), 2), p -> new ArrayList<>()).add(o);
            }
            List<Input> poll = new ArrayList<>();
            byPartition.forEach((p, b) -> poll.add(new Observations(p, b)));
            polls.add(poll);
        }

        @Override
        public void open(Assignments assignments) {
            assignments.assigned(List.of(0, 1)); // as a rebalance assigns them: rebuilt side by side
        }

        @Override
        public List<Input> poll(Duration maxWait) {
            List<Input> next = polls.poll();
            return next == null ? List.of() : next;
        }

        @Override
        public boolean behind() {
            return !polls.isEmpty();
        }

        @Override
        public void persisted(Collection<Integer> partitions, Instant now) {
            assertThat(partitions).containsExactly(0, 1);
        }

        @Override
        public boolean pending() {
            return false;
        }

        @Override
        public boolean continueAfter(RuntimeException failure) {
            return false;
        }

        @Override
        public void close(boolean crashed) {
        }
    }

    /** Logs what the loop tells a source, then passes it on. */
    private final class Recording implements InferenceSource {
        private final InferenceSource delegate;

        Recording(InferenceSource delegate) {
            this.delegate = delegate;
        }

        @Override
        public void open(Assignments assignments) {
            delegate.open(assignments);
        }

        @Override
        public List<Input> poll(Duration maxWait) throws InterruptedException {
            return delegate.poll(maxWait);
        }

        @Override
        public boolean behind() {
            return delegate.behind();
        }

        @Override
        public void persisted(Collection<Integer> partitions, Instant now) {
            log.add("persisted");
            delegate.persisted(partitions, now);
        }

        @Override
        public Runnable acknowledgement(Collection<Integer> partitions, Instant now) {
            Runnable ack = delegate.acknowledgement(partitions, now);
            return () -> {
                log.add("persisted");
                ack.run();
            };
        }

        @Override
        public boolean pending() {
            return delegate.pending();
        }

        @Override
        public boolean continueAfter(RuntimeException failure) {
            log.add("failed: " + failure.getMessage());
            return delegate.continueAfter(failure);
        }

        @Override
        public void close(boolean crashed) {
            log.add(crashed ? "closed crashed" : "closed");
            delegate.close(crashed);
        }
    }

    // --- storage fakes -----------------------------------------------------------------------------------------

    /** Logs every non-empty write of instance rows ({@code write id=STATE ...}, by ID) and of models. */
    private final class RecordingWriter implements InstanceWriter {
        volatile boolean failing;
        final AtomicLong refused = new AtomicLong();

        @Override
        public void write(List<InstanceRecord> rows) {
            if (rows.isEmpty()) {
                return;
            }
            if (failing) {
                refused.incrementAndGet();
                throw new StorageException("write refused", null);
            }
            log.add("write " + rows.stream().map(InstanceRecord::snapshot)
                    .map(s -> s.correlationId() + "=" + s.state()).sorted().collect(Collectors.joining(" ")));
        }

        @Override
        public void writeFlowModels(String owner, List<FlowModel> models, Instant now) {
            if (failing) {
                throw new StorageException("write refused", null);
            }
            log.add("models " + owner);
        }

        @Override
        public void retractFlowModels(String owner, java.util.Collection<String> flows, Instant now) {
            if (failing) {
                throw new StorageException("write refused", null);
            }
            log.add("retract " + owner + " " + flows);
        }

        @Override
        public void writeDependencyMap(String owner, DependencyMap map, Instant now) {
            if (failing) {
                throw new StorageException("write refused", null);
            }
        }
    }

    /** Nothing stored before: recovery finds nothing. */
    private static final class NoInstances implements InstanceReader {
        @Override
        public Optional<InstanceSnapshot> byId(String id) {
            return Optional.empty();
        }

        @Override
        public List<InstanceSnapshot> find(InstanceQuery q) {
            return List.of();
        }

        @Override
        public List<InstanceSnapshot> stuck(String flow, int limit) {
            return List.of();
        }

        @Override
        public List<Recoverable> recoverable(Collection<Integer> partitions, Instant recentCut, Instant abandonCut, int max) {
            return List.of();
        }
    }

    private static final class NoEvents implements EventReader {
        // only eventsForInference (by default eventsOf(Collection)) is read by recovery, and never with IDs here
        @Override
        public List<Observation> eventsOf(String correlationId) {
            return List.of();
        }

        @Override
        public List<Observation> eventsOf(Collection<String> correlationIds) {
            return List.of();
        }

        @Override
        public List<io.choreoscope.model.EventExcerpt> eventPage(Collection<String> correlationIds,
                                                                io.choreoscope.model.EventPosition after, int limit, int maxPayloadBytes) {
            return List.of();
        }

        @Override
        public long countEventsOf(Collection<String> correlationIds) {
            return 0;
        }

        @Override
        public Optional<Observation> lastEventOf(String correlationId) {
            return Optional.empty();
        }

        @Override
        public Optional<Observation> event(String topic, int partition, long offset) {
            return Optional.empty();
        }

        @Override
        public List<Observation> eventsOfTopic(String topic, int limit) {
            return List.of();
        }

        @Override
        public List<Observation> eventsOfTopicAfter(String topic, int afterPartition, long afterOffset, int limit) {
            return List.of();
        }

        @Override
        public Map<String, Long> countByTopicSince(String topicRegex, Instant since) {
            return Map.of();
        }

        @Override
        public Map<String, Long> deadLettersByTopicSince(String topicRegex, Instant since, Instant headersSince) {
            return Map.of();
        }

        @Override
        public long countReplayed(String topic) {
            return 0;
        }

        @Override
        public long countDistinct(String topic) {
            return 0;
        }

        @Override
        public long countVisible(String topic) {
            return 0;
        }
    }
}
