package io.choreoscope.collectors.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.choreoscope.model.Observation;
import io.choreoscope.model.ObservationSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The batch/commit pipeline both taps share, with a scripted sink and tap (our own interfaces): batches are cut by
 * count and bytes, committed strictly in batch order and only once the sink says so, refused batches retried with
 * backoff until taken, and nothing is committed once the tap is aborted. The taps' own tests cover it on real brokers.
 */
class BatchPipelineTest {
    private static final Instant T = Instant.parse("2026-12-02T10:00:00Z");

    /** A sink whose n-th accepted batch becomes committable when the test completes its stage. */
    private static final class ScriptedSink implements ObservationSink {
        final List<List<Observation>> accepted = new ArrayList<>();
        final List<CompletableFuture<Void>> stages = new ArrayList<>();
        final AtomicInteger refuseNext = new AtomicInteger();

        @Override
        public void accept(List<Observation> batch) {
            throw new UnsupportedOperationException("the pipeline uses acceptForCommit");
        }

        @Override
        public synchronized CompletionStage<Void> acceptForCommit(List<Observation> batch) {
            if (refuseNext.getAndDecrement() > 0) {
                throw new IllegalStateException("store down");
            }
            accepted.add(batch);
            CompletableFuture<Void> stage = new CompletableFuture<>();
            stages.add(stage);
            return stage;
        }
    }

    /** A tap that records what the pipeline asks of it. */
    private static final class RecordingTap implements BatchPipeline.Tap<String, Long> {
        final List<Map<String, Long>> commits = new ArrayList<>();
        final List<Long> idles = new ArrayList<>();
        int refused;
        int stored;

        @Override
        public void refused() {
            refused++;
        }

        @Override
        public void idle(long millis) {
            idles.add(millis);
        }

        @Override
        public void stored() {
            stored++;
        }

        @Override
        public void commit(Map<String, Long> c) {
            commits.add(Map.copyOf(c));
        }
    }

    private final ScriptedSink sink = new ScriptedSink();
    private final RecordingTap tap = new RecordingTap();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicBoolean aborted = new AtomicBoolean(false);

    private BatchPipeline<String, Long> pipeline(int maxRecords, long maxBytes) {
        BatchPipeline<String, Long> p = new BatchPipeline<>(
                new BatchPipeline.Names(LoggerFactory.getLogger(BatchPipelineTest.class), "test.tap", "records", "topic",
                        true, "test-writer"),
                new BatchPipeline.Bounds(maxRecords, maxBytes, Duration.ofHours(1), Duration.ofMillis(1), Duration.ofMillis(4), 8),
                sink, new SimpleMeterRegistry(), Clock.systemUTC());
        p.bind(tap, running::get, aborted::get);
        return p;
    }

    private static Observation record(String topic, long offset) {
        return Observation.builder(topic, 0, offset, T).correlationId("c-" + offset).eventType("E").build();
    }

    /** What a tap does per record: cut by bytes first, buffer, note the position, cut by count. */
    private static void add(BatchPipeline<String, Long> p, String topic, long offset, long bytes) {
        if (p.fullWith(bytes)) {
            p.flush();
        }
        p.startIfEmpty();
        p.add(record(topic, offset), bytes);
        p.commits().put(topic, offset + 1);
        if (p.full()) {
            p.flush();
        }
    }

    @Test
    void batchesAreCutByCountAndBytesAndCommittedInOrderOnlyWhenTheSinkSaysSo() {
        BatchPipeline<String, Long> p = pipeline(2, 1_000);
        add(p, "a", 0, 10);
        add(p, "a", 1, 10); // full by count: batch 1 = {a0, a1}
        add(p, "a", 2, 600);
        add(p, "b", 0, 600); // full by bytes before b0: batch 2 = {a2}
        p.flush(); // batch 3 = {b0}
        assertThat(p.completeInFlight()).isTrue();

        assertThat(sink.accepted).extracting(List::size).containsExactly(2, 1, 1);
        assertThat(p.ingested()).isEqualTo(4);
        assertThat(tap.commits).isEmpty(); // stored, but nothing may be committed yet

        sink.stages.get(1).complete(null);
        p.commitReady();
        assertThat(tap.commits).as("batch 2 waits for batch 1").isEmpty();

        sink.stages.get(0).complete(null);
        p.commitReady();
        assertThat(tap.commits).containsExactly(Map.of("a", 3L)); // batches 1 and 2 at once, the later position wins

        sink.stages.get(2).complete(null);
        p.awaitCommittable(Duration.ofSeconds(5));
        assertThat(tap.commits).containsExactly(Map.of("a", 3L), Map.of("b", 1L));
        assertThat(tap.stored).isEqualTo(3);
        p.shutdown();
    }

    @Test
    void aRefusedBatchIsRetriedWithBackoffUntilTakenThenCommitted() {
        BatchPipeline<String, Long> p = pipeline(10, 1_000);
        sink.refuseNext.set(4);
        add(p, "a", 0, 10);
        p.flush();

        assertThat(p.completeInFlight()).isTrue();

        assertThat(tap.refused).isEqualTo(4);
        assertThat(tap.idles).containsExactly(1L, 2L, 4L, 4L); // doubling up to retryMax
        assertThat(p.consecutiveFailures()).isZero();
        assertThat(p.lastError()).isEqualTo("store down");
        assertThat(sink.accepted).hasSize(1);
        sink.stages.get(0).complete(null);
        p.commitReady();
        assertThat(tap.commits).containsExactly(Map.of("a", 1L));
        p.shutdown();
    }

    @Test
    void positionsWithoutRecordsAreCommittedWithoutWritingAnything() {
        BatchPipeline<String, Long> p = pipeline(10, 1_000);
        p.startIfEmpty();
        p.commits().put("skipped", 7L); // e.g. messages of an excluded exchange: acknowledged, not stored
        p.flush();
        assertThat(p.completeInFlight()).isTrue();

        assertThat(sink.accepted).isEmpty();
        assertThat(tap.commits).containsExactly(Map.of("skipped", 7L));
        p.shutdown();
    }

    @Test
    void nothingIsCommittedOnceTheTapIsAbortedOrStopsDuringAnOutage() {
        BatchPipeline<String, Long> p = pipeline(10, 1_000);
        add(p, "a", 0, 10);
        p.flush();
        aborted.set(true);
        assertThat(p.completeInFlight()).as("a crash after the write, before the commit").isFalse();
        assertThat(tap.commits).isEmpty();

        aborted.set(false);
        BatchPipeline<String, Long> q = pipeline(10, 1_000);
        sink.refuseNext.set(1);
        add(q, "b", 0, 10);
        q.flush();
        running.set(false);
        assertThat(q.completeInFlight()).as("stopping while the store refuses").isFalse();
        assertThat(tap.commits).isEmpty();
        p.shutdown();
        q.shutdown();
    }
}
