package io.choreoscope.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.live.InferenceConfig;
import io.choreoscope.live.LiveInference;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ObservationSink;
import io.choreoscope.model.SinkUnavailableException;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.model.service.ServiceIdentity;
import io.choreoscope.storage.clickhouse.ClickHouseConfig;
import io.choreoscope.storage.clickhouse.ClickHouseEventReader;
import io.choreoscope.storage.clickhouse.ClickHouseEventWriter;
import io.choreoscope.storage.clickhouse.ClickHouseInstanceReader;
import io.choreoscope.storage.clickhouse.ClickHouseInstanceWriter;
import io.choreoscope.storage.clickhouse.ClickHouseStore;
import io.choreoscope.storage.clickhouse.SchemaMigrator;
import io.choreoscope.storage.clickhouse.SqlRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The crash {@link StoreBesideLive} makes possible, on a real ClickHouse: the engine applied a batch and its instance
 * rows were stored, then the process died before the batch's events insert landed. The tap did not commit the batch,
 * so after the restart it delivers it again. Every instance must end with all its events stored once and its row
 * matching them: one whose row ran ahead of its stored events (recovery rewrites it from them, the redelivery
 * completes it), and one first seen in the lost batch (its row names events none of which were stored).
 */
@ExtendWith(ClickHouseExtension.class)
class StoreBesideLiveCrashTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Instant T = Instant.now().minusSeconds(30);

    private static Observation event(String id, long offset, String type) {
        return Observation.builder("orders", 0, offset, T.plusMillis(offset)).ingestTime(Instant.now()).correlationId(id)
                .eventType(type).sourceService("orders").build();
    }

    private static LiveInference live(ClickHouseStore store, SqlRunner sql) {
        InferenceConfig settings = new InferenceConfig();
        settings.setEvaluateInterval(Duration.ofMillis(100));
        settings.setEndEventTypes(List.of("OrderShipped"));
        settings.setStuckFloor(Duration.ofMinutes(10));
        LiveInference live = new LiveInference(settings, new ClickHouseInstanceWriter(store, sql),
                new ClickHouseInstanceReader(sql), new ClickHouseEventReader(sql), Clock.systemUTC());
        live.start();
        live.recovered().join();
        return live;
    }

    @Test
    void rowsStoredAheadOfTheirEventsAtACrashEndMatchingTheEventsAfterTheRedelivery() throws Exception {
        String db = ClickHouseExtension.createDatabase();
        ClickHouseStore store = new ClickHouseStore(new ClickHouseConfig(ClickHouseExtension.engine().httpUrl(), db));
        new SchemaMigrator(store).migrate();
        SqlRunner sql = new SqlRunner(store);
        ClickHouseEventWriter events = new ClickHouseEventWriter(store);
        ClickHouseInstanceReader rows = new ClickHouseInstanceReader(sql);
        ClickHouseEventReader stored = new ClickHouseEventReader(sql);

        List<Observation> first = List.of(event("order-1", 0, "OrderPlaced"), event("order-1", 1, "PaymentCaptured"));
        List<Observation> lost = List.of(event("order-1", 2, "OrderShipped"), event("order-2", 3, "OrderPlaced"));

        // Before the crash: the first batch is stored and committed; the second is applied, its rows stored, and its
        // events insert never lands (the process dies while it runs).
        CountDownLatch inserting = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        ObservationSink dying = batch -> {
            if (batch.stream().anyMatch(o -> o.offset() == 2)) {
                inserting.countDown();
                try {
                    never.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new SinkUnavailableException("the process died during this insert", null);
            }
            events.accept(batch);
        };
        LiveInference before = live(store, sql);
        StoreBesideLive sink = new StoreBesideLive(dying, before, ServiceIdentity.defaults());
        sink.acceptForCommit(first).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        CompletableFuture<Void> tap = CompletableFuture.runAsync(() -> {
            try {
                sink.acceptForCommit(lost);
            } catch (SinkUnavailableException e) {
                // the tap would retry; the process is gone first
            }
        });
        assertThat(inserting.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(rows.byId("order-1")).get().extracting(InstanceSnapshot::eventCount, InstanceSnapshot::state)
                    .containsExactly(3, InstanceState.COMPLETED);
            assertThat(rows.byId("order-2")).get().extracting(InstanceSnapshot::eventCount).isEqualTo(1);
        });
        assertThat(stored.countEventsOf(List.of("order-1", "order-2"))).as("ahead of the events").isEqualTo(2);
        before.crash();
        never.countDown();
        tap.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        before.close();

        // After the restart: recovery rebuilds order-1 from its two stored events, then the tap delivers the
        // uncommitted batch again.
        LiveInference after = live(store, sql);
        try {
            await().atMost(WAIT).untilAsserted(() -> assertThat(rows.byId("order-1")).get()
                    .extracting(InstanceSnapshot::eventCount).as("rewritten from its stored events").isEqualTo(2));
            StoreBesideLive again = new StoreBesideLive(events, after, ServiceIdentity.defaults());
            again.acceptForCommit(new ArrayList<>(lost)).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);

            assertThat(rows.byId("order-1")).get().extracting(InstanceSnapshot::eventCount, InstanceSnapshot::state)
                    .containsExactly(3, InstanceState.COMPLETED);
            assertThat(rows.byId("order-2")).get().extracting(InstanceSnapshot::eventCount, InstanceSnapshot::state)
                    .containsExactly(1, InstanceState.RUNNING);
            assertThat(stored.eventsOf(List.of("order-1", "order-2"))).extracting(Observation::offset)
                    .containsExactlyInAnyOrder(0L, 1L, 2L, 3L);
            assertThat(after.onEngine(e -> e.engine().counters().duplicates()).join()).isZero();
        } finally {
            after.close();
        }
    }
}
