package io.choreoscope.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.choreoscope.model.InstanceQuery;
import io.choreoscope.model.InstanceReader;
import io.choreoscope.model.InstanceRecord;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.model.flow.StepSequence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The API's instance reader with embedded live inference ({@link PendingFirstInstanceReader}) over the live loop's
 * writer thread ({@link InstanceWriteBehind}) and a fake store (writer and reader over one map, keeping what the
 * model says a store keeps, {@link InstanceSnapshot#stored()}) whose inserts can be held at a gate: an instance whose
 * insert is held is read with its newest state handed over, in the stored form; once stored it is read from the store;
 * linked IDs follow the store's rules over stored and pending rows together; after a crash only the store answers.
 */
class PendingFirstInstanceReaderTest {
    private static final Instant T = Instant.parse("2026-12-04T10:00:00Z");
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final FakeInstanceStore store = new FakeInstanceStore();
    private final InstanceWriteBehind behind = new InstanceWriteBehind("test", store, 1_000);
    private final InstanceReader api = new PendingFirstInstanceReader(behind, store);

    @AfterEach
    void stop() {
        behind.abandon();
        store.gate.release(1_000);
    }

    /** A row of {@code id} with {@code events} events, the last at T + events s, naming {@code linked} too. */
    private static InstanceRecord row(String id, int events, String... linked) {
        Set<String> ids = new java.util.HashSet<>(List.of(linked));
        ids.add(id);
        Instant last = T.plusSeconds(events).plusNanos(456_789); // not whole milliseconds: the store keeps ms
        InstanceSnapshot s = new InstanceSnapshot(id, ids, "OrderPlaced", InstanceState.RUNNING, "running", T, last,
                events, 0, "Step" + events, "svc", List.of(), List.of(), List.of("svc"), null);
        return new InstanceRecord(s, StepSequence.EMPTY, 0, T, last);
    }

    private int eventsOf(String id) {
        return api.byId(id).orElseThrow(() -> new AssertionError("no " + id)).eventCount();
    }

    @Test
    void anInstanceWhoseInsertIsHeldIsReadWithItsNewestStateThenFromTheStoreOnceStored() {
        store.hold = true;
        behind.start();
        behind.write(List.of(row("order-1", 1)));
        await().atMost(WAIT).until(() -> store.attempts.get() == 1); // taken by the writer, held at the gate

        assertThat(store.byId("order-1")).as("not stored").isEmpty();
        assertThat(api.byId("order-1")).as("the row being written, as the store will keep it")
                .contains(row("order-1", 1).snapshot().stored());
        int reads = store.reads.get();
        behind.write(List.of(row("order-1", 2)));
        behind.write(List.of(row("order-1", 3))); // replaces the waiting version
        assertThat(eventsOf("order-1")).as("the waiting row is newer than the one being written").isEqualTo(3);
        assertThat(store.reads.get()).as("answered without reading the store").isEqualTo(reads);

        store.gate.release(); // version 1 stored; version 3 taken and held
        await().atMost(WAIT).until(() -> store.attempts.get() == 2);
        assertThat(store.byId("order-1").orElseThrow().eventCount()).isEqualTo(1);
        assertThat(eventsOf("order-1")).as("the store is behind: the pending row still answers").isEqualTo(3);

        store.gate.release();
        await().atMost(WAIT).until(behind::idle);
        assertThat(behind.pending("order-1")).as("nothing held once stored").isNull();
        int before = store.reads.get();
        Optional<InstanceSnapshot> read = api.byId("order-1");
        assertThat(store.reads.get()).as("read from the store now").isEqualTo(before + 1);
        assertThat(read).isEqualTo(store.byId("order-1")).contains(row("order-1", 3).snapshot().stored());
        assertThat(api.byId("order-9")).isEmpty();
    }

    @Test
    void linkedIdsFollowTheStoresRulesOverStoredAndPendingRows() {
        behind.start();
        behind.write(List.of(row("pay-1", 1), row("order-2", 1, "ship-9"), row("order-1", 1)));
        await().atMost(WAIT).until(behind::idle); // stored
        store.hold = true;
        behind.write(List.of(row("order-1", 2, "pay-1", "refund-1"), row("order-3", 5, "ship-9")));
        await().atMost(WAIT).until(() -> store.attempts.get() == 2); // held

        assertThat(api.byId("refund-1")).as("a linked ID only a pending row names")
                .map(InstanceSnapshot::correlationId).contains("order-1");
        assertThat(api.byId("pay-1")).as("a stored primary ID comes before a pending row naming it")
                .map(InstanceSnapshot::correlationId).contains("pay-1");
        assertThat(api.byId("ship-9")).as("the newest instance naming it: pending order-3 (5 events) over stored order-2")
                .map(InstanceSnapshot::correlationId).contains("order-3");

        behind.write(List.of(row("order-2", 7, "ship-9"))); // a newer order-2 waits behind the held write
        assertThat(api.byId("ship-9")).as("the pending order-2 replaces the stored one and is the newest now")
                .contains(row("order-2", 7, "ship-9").snapshot().stored());

        store.gate.release(10);
        await().atMost(WAIT).until(behind::idle);
        for (String id : List.of("refund-1", "pay-1", "ship-9", "order-1", "order-2", "order-3")) {
            assertThat(api.byId(id)).as(id).isEqualTo(store.byId(id));
        }
        assertThat(api.byId("ship-9")).map(InstanceSnapshot::correlationId).contains("order-2");
    }

    @Test
    void afterACrashOnlyTheStoreAnswers() {
        store.hold = true;
        behind.start();
        behind.write(List.of(row("order-1", 1)));
        await().atMost(WAIT).until(() -> store.attempts.get() == 1);
        behind.write(List.of(row("order-2", 1)));
        assertThat(api.byId("order-1")).isPresent();
        assertThat(api.byId("order-2")).isPresent();

        behind.abandon();
        assertThat(api.byId("order-1")).as("what was not stored is not shown").isEmpty();
        assertThat(api.byId("order-2")).isEmpty();
    }

    @Test
    void listsAndRecoveryReadTheStore() {
        store.hold = true;
        behind.start();
        behind.write(List.of(row("order-1", 1)));
        await().atMost(WAIT).until(() -> store.attempts.get() == 1);
        assertThat(api.find(new InstanceQuery(null, null, T, T.plusSeconds(60), null, null, null, null, 10))).isEmpty();
        assertThat(api.stuck(null, 10)).isEmpty();
        assertThat(api.recoverable(null, T, T, 10)).isEmpty();
        assertThat(store.listReads.get()).isEqualTo(3);
    }
}
