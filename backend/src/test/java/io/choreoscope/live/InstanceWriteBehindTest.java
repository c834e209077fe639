package io.choreoscope.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import io.choreoscope.inference.InferenceSettings;
import io.choreoscope.model.InstanceRecord;
import io.choreoscope.model.InstanceWriter;
import io.choreoscope.model.Observation;
import io.choreoscope.model.StorageException;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.FlowModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The live loop's writer thread ({@link InstanceWriteBehind}) over a fake store that can hold a write (a gate) or
 * refuse it: an acknowledgement never completes before everything handed over before it is stored, a refused write
 * is retried and acknowledges nothing until stored, writes are stored in the order handed over, rows handed over
 * while a write runs wait as one batch (a later row of an instance replacing the earlier), the bound on waiting rows
 * holds the loop back, and after a crash nothing more is stored or acknowledged. Rows come from a real engine.
 */
class InstanceWriteBehindTest {
    private static final Instant T = Instant.parse("2026-12-03T10:00:00Z");
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final Store store = new Store();
    private final LiveEngine engine = new LiveEngine("all", null, 4, InferenceSettings.defaults(), store, Duration.ofSeconds(5));
    private long offset;
    private InstanceWriteBehind behind;

    private InstanceWriteBehind start(int maxRows) {
        behind = new InstanceWriteBehind("test", store, maxRows);
        behind.start();
        return behind;
    }

    @AfterEach
    void stop() {
        if (behind != null) {
            behind.abandon();
        }
        store.gate.release(1_000);
    }

    /** The rows of the instances given an event each now (each row's event count tells which version it is). */
    private List<InstanceRecord> rows(String... ids) {
        List<Observation> batch = new ArrayList<>();
        for (String id : ids) {
            batch.add(Observation.builder("orders", 0, offset++, T.plusMillis(offset)).correlationId(id)
                    .eventType("Step" + offset).sourceService("svc").build());
        }
        engine.apply(batch);
        List<InstanceRecord> rows = engine.pendingRows(T.plusSeconds(1));
        engine.persisted();
        return rows;
    }

    @Test
    void anAcknowledgementCompletesOnlyOnceEveryWriteBeforeItIsStored() {
        store.holding();
        start(1_000);
        behind.write(rows("order-1"));
        await().atMost(WAIT).until(() -> store.attempts.get() == 1); // the write runs, held at the gate
        CompletableFuture<Void> first = behind.stored();
        behind.write(rows("order-2"));
        CompletableFuture<Void> second = behind.stored();

        assertThat(first).as("its write is not stored yet").isNotDone();
        assertThat(store.inserts).isEmpty();
        store.gate.release(); // order-1 stored; the next batch (order-2, both acknowledgements) is taken and held
        await().atMost(WAIT).until(() -> store.attempts.get() == 2);
        assertThat(first).as("order-2, handed over before it, is not stored yet").isNotDone();
        assertThat(second).isNotDone();
        store.gate.release();
        await().atMost(WAIT).until(second::isDone);
        assertThat(first).isDone();
        assertThat(store.inserts).containsExactly("order-1#1", "order-2#1");
    }

    @Test
    void aRefusedWriteIsRetriedAndNothingIsAcknowledgedUntilItIsStored() {
        store.refusals.set(3);
        store.holding();
        start(1_000);
        behind.write(rows("order-1"));
        await().atMost(WAIT).until(() -> store.attempts.get() == 1); // held, then refused three times
        CompletableFuture<Void> ack = behind.stored();
        behind.write(rows("order-2"));
        CompletableFuture<Void> later = behind.stored();
        store.hold = false;
        store.gate.release();

        await().atMost(WAIT).until(() -> store.attempts.get() >= 2);
        assertThat(ack).as("refused so far").isNotDone();
        assertThat(later).isNotDone();
        assertThat(store.inserts).isEmpty();
        await().atMost(WAIT).until(later::isDone);
        assertThat(ack).isDone();
        assertThat(behind.failures()).isEqualTo(3);
        // The refused insert was stored once it succeeded, before what came after it.
        assertThat(store.inserts).containsExactly("order-1#1", "order-2#1");
    }

    @Test
    void rowsHandedOverWhileAWriteRunsWaitAsOneInsertTheLatestRowOfAnInstanceWins() {
        store.holding();
        start(1_000);
        behind.write(rows("order-1"));
        await().atMost(WAIT).until(() -> store.attempts.get() == 1);
        behind.write(rows("order-2", "order-3"));
        behind.write(rows("order-2")); // order-2 again: its second version replaces the waiting first
        behind.write(rows("order-4"));
        CompletableFuture<Void> ack = behind.stored();
        store.gate.release(2);
        await().atMost(WAIT).until(ack::isDone);
        assertThat(store.inserts).containsExactly("order-1#1", "order-2#2 order-3#1 order-4#1");
    }

    @Test
    void modelsHandedOverWhileAWriteRunsKeepTheirLastVersionAndRetractionsOfFlowsWrittenAgainAreDropped() {
        store.holding();
        start(1_000);
        behind.write(rows("order-1"));
        await().atMost(WAIT).until(() -> store.attempts.get() == 1);
        behind.writeFlowModels("all", List.of(model("Orders"), model("Returns")), T);
        behind.retractFlowModels("all", List.of("Returns", "Refunds"), T); // Returns goes, Refunds too
        behind.writeFlowModels("all", List.of(model("Refunds")), T.plusSeconds(5)); // Refunds is back
        behind.writeDependencyMap("all", new DependencyMap(List.of(), List.of(), Map.of()), T);
        CompletableFuture<Void> ack = behind.stored();
        store.gate.release(10);
        await().atMost(WAIT).until(ack::isDone);
        assertThat(store.inserts).containsExactly("order-1#1", "models all [Orders, Refunds]", "retract all [Returns]",
                "map all");
    }

    @Test
    void beyondTheBoundTheHandingOverThreadWaitsUntilTheWriterTakesTheWaitingRows() throws Exception {
        store.holding();
        start(2);
        behind.write(rows("order-1"));
        await().atMost(WAIT).until(() -> store.attempts.get() == 1);
        behind.write(rows("order-2", "order-3")); // two rows wait: the bound
        List<InstanceRecord> more = rows("order-4");
        CompletableFuture<Void> handedOver = CompletableFuture.runAsync(() -> behind.write(more));
        // Still waiting while the held write keeps the writer from taking the waiting rows.
        assertThat(handedOver).isNotDone();
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> !handedOver.isDone());
        store.gate.release(); // order-1 stored; the writer takes order-2 and order-3, making room
        handedOver.get();
        CompletableFuture<Void> ack = behind.stored();
        store.gate.release(2);
        await().atMost(WAIT).until(ack::isDone);
        assertThat(store.inserts).containsExactly("order-1#1", "order-2#1 order-3#1", "order-4#1");
    }

    @Test
    void afterACrashNothingMoreIsStoredOrAcknowledged() {
        store.holding();
        start(1_000);
        behind.write(rows("order-1"));
        await().atMost(WAIT).until(() -> store.attempts.get() == 1);
        CompletableFuture<Void> ack = behind.stored();
        behind.write(rows("order-2"));
        CompletableFuture<Void> later = behind.stored();
        behind.abandon();
        store.gate.release(10);
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> !ack.isDone() && !later.isDone());
        assertThat(store.attempts.get()).as("order-2 never written").isEqualTo(1);
        assertThat(behind.stored()).isNotDone();
    }

    private static FlowModel model(String flow) {
        return new FlowModel(flow, 0, List.of(), List.of(), Map.of(), Map.of(), List.of(), Map.of(), 0, T, T, null);
    }

    /** Records each stored insert (`id#eventCount ...` sorted, or the model write); holds or refuses on demand. */
    private static final class Store implements InstanceWriter {
        final List<String> inserts = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger attempts = new AtomicInteger();
        final AtomicInteger refusals = new AtomicInteger();
        final Semaphore gate = new Semaphore(0);
        volatile boolean hold;

        void holding() {
            hold = true;
        }

        private void enter() {
            if (hold) {
                gate.acquireUninterruptibly();
            }
            if (refusals.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new StorageException("refused", null);
            }
        }

        @Override
        public void write(List<InstanceRecord> rows) {
            attempts.incrementAndGet();
            enter();
            Map<String, Integer> byId = new TreeMap<>();
            rows.forEach(r -> byId.put(r.snapshot().correlationId(), r.snapshot().eventCount()));
            inserts.add(byId.entrySet().stream().map(e -> e.getKey() + "#" + e.getValue()).collect(Collectors.joining(" ")));
        }

        @Override
        public void writeFlowModels(String owner, List<FlowModel> models, Instant now) {
            enter();
            inserts.add("models " + owner + " " + models.stream().map(FlowModel::flow).sorted().toList());
        }

        @Override
        public void retractFlowModels(String owner, Collection<String> flows, Instant now) {
            enter();
            inserts.add("retract " + owner + " " + flows.stream().sorted().toList());
        }

        @Override
        public void writeDependencyMap(String owner, DependencyMap map, Instant now) {
            enter();
            inserts.add("map " + owner);
        }
    }
}
