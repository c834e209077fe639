package io.choreoscope.harness.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.choreoscope.model.FlowKpiReader;
import io.choreoscope.model.Header;
import io.choreoscope.model.InstanceQuery;
import io.choreoscope.model.InstanceReader;
import io.choreoscope.model.InstanceReader.Recoverable;
import io.choreoscope.model.InstanceRecord;
import io.choreoscope.model.InstanceWriter;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ObservationSink;
import io.choreoscope.model.SearchReader;
import io.choreoscope.model.StateChangeReader;
import io.choreoscope.model.api.FlowSummary;
import io.choreoscope.model.api.LiveUpdate;
import io.choreoscope.model.api.SearchHit;
import io.choreoscope.model.flow.Deviation;
import io.choreoscope.model.flow.DeviationKind;
import io.choreoscope.model.flow.ExpectedStep;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.model.flow.StepSequence;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The instance store's contract: what an {@link InstanceWriter} persists, an {@link InstanceReader} reads back as
 * the newest write left it, and the {@link StateChangeReader}, {@link SearchReader} and {@link FlowKpiReader} over
 * the same storage see the same instances (with the events stored through the {@link ObservationSink}, for the
 * filters and searches that read events). One suite, run against every storage: a subclass supplies a fresh,
 * empty storage per test (see {@code ClickHouseStorageTest}).
 */
public abstract class InstanceStoreContract {
    private static final Instant T = Instant.parse("2026-11-22T10:00:00Z");
    private static final Duration HOUR = Duration.ofHours(1);

    /** The seams under test, over one storage. */
    public record InstanceStore(InstanceWriter writer, InstanceReader reader, StateChangeReader stateChanges,
                                SearchReader search, FlowKpiReader kpis, ObservationSink events) {
    }

    /** A fresh, empty storage; called before each test. The subclass closes what it opened. */
    protected abstract InstanceStore storage();

    private InstanceWriter writer;
    private InstanceReader reader;
    private StateChangeReader stateChanges;
    private SearchReader search;
    private FlowKpiReader kpis;
    private ObservationSink events;

    @BeforeEach
    void openStorage() {
        InstanceStore s = storage();
        writer = s.writer();
        reader = s.reader();
        stateChanges = s.stateChanges();
        search = s.search();
        kpis = s.kpis();
        events = s.events();
    }

    /**
     * An instance row to write. Defaults: flow OrderPlaced, RUNNING, one OrderPlaced event, started and last event
     * at T, partition 0, state since and written at its last event.
     */
    private static Row instance(String id) {
        return new Row(id);
    }

    private static final class Row {
        private final String id;
        private final Set<String> linked = new HashSet<>();
        private String flow = "OrderPlaced";
        private InstanceState state = InstanceState.RUNNING;
        private Instant started = T;
        private Instant last = T;
        private List<String> types = List.of("OrderPlaced");
        private int partition;
        private Instant stateSince;
        private Instant updatedAt;

        private Row(String id) {
            this.id = id;
            linked.add(id);
        }

        Row linked(String... ids) { linked.addAll(Arrays.asList(ids)); return this; }
        Row flow(String v) { flow = v; return this; }
        Row state(InstanceState v) { state = v; return this; }
        Row started(Instant v) { started = v; return last.isBefore(v) ? last(v) : this; }
        Row last(Instant v) { last = v; return this; }
        Row types(String... v) { types = List.of(v); return this; }
        Row partition(int v) { partition = v; return this; }
        Row stateSince(Instant v) { stateSince = v; return this; }
        Row updatedAt(Instant v) { updatedAt = v; return this; }

        InstanceRecord record() {
            Instant since = stateSince != null ? stateSince : last;
            InstanceSnapshot s = new InstanceSnapshot(id, linked, flow, state, state + " since " + since, started, last,
                    types.size(), 0, types.get(types.size() - 1), "orders", List.of(), List.of());
            return new InstanceRecord(s, StepSequence.at(started, types), partition, since, updatedAt != null ? updatedAt : since);
        }
    }

    private void write(Row... rows) {
        writer.write(Arrays.stream(rows).map(Row::record).toList());
    }

    private static Observation event(String topic, long offset, String correlationId, Instant ts, String service) {
        return Observation.builder(topic, 0, offset, ts).correlationId(correlationId).sourceService(service)
                .eventType("Something").build();
    }

    private static InstanceQuery window(Instant from, Instant to, int limit) {
        return new InstanceQuery(null, null, from, to, null, null, null, null, limit);
    }

    private static InstanceQuery lastHour() {
        return window(T, T.plus(HOUR), 500);
    }

    private static List<String> ids(List<InstanceSnapshot> rows) {
        return rows.stream().map(InstanceSnapshot::correlationId).toList();
    }

    // --- InstanceWriter and InstanceReader ---

    @Test
    protected void writtenInstanceReadsBackFieldForField() {
        InstanceSnapshot s = new InstanceSnapshot("order-1", Set.of("order-1", "pay-1", "ship-1"), "OrderPlaced",
                InstanceState.RUNNING, "waiting for OrderShipped (bound 30000 ms)", T, T.plusMillis(2_345), 4, 2,
                "PaymentCaptured", null,
                List.of(new ExpectedStep("OrderShipped", 0.75, 30_000, true), new ExpectedStep("OrderCancelled", 0.25, 60_000, false)),
                List.of(new Deviation(DeviationKind.SKIPPED_STEP, "PaymentCaptured", "OrderPlaced -> PaymentCaptured skips StockReserved"),
                        new Deviation(DeviationKind.DUPLICATE, "PaymentCaptured", "payments/0/7 delivered twice")));

        writer.write(List.of(new InstanceRecord(s, StepSequence.of(List.of("OrderPlaced", "PaymentCaptured"),
                new long[] {T.toEpochMilli(), T.plusMillis(2_345).toEpochMilli()}), 3, T, T.plusSeconds(3))));

        assertThat(reader.byId("order-1")).contains(s);
    }

    /**
     * What a store keeps of a snapshot is {@link InstanceSnapshot#stored()}: live inference serves rows not yet stored
     * through it, so a reader must return exactly that form (not the snapshot's services waited on or cause, times to
     * the millisecond, the primary among the linked IDs, no null texts, no empty last service).
     */
    @Test
    protected void aWrittenInstanceReadsBackInItsStoredForm() {
        InstanceSnapshot s = new InstanceSnapshot("order-1", Set.of("pay-1"), "OrderPlaced", InstanceState.STUCK, null,
                T.plusNanos(1_234_567), T.plusMillis(2_345).plusNanos(999_999), 2, 0, "PaymentCaptured", "",
                List.of(new ExpectedStep("OrderShipped", 1.0 / 3, 30_000, true)), List.of(),
                List.of("shipping"), new io.choreoscope.model.flow.StuckCause(
                        io.choreoscope.model.flow.StuckCause.Kind.NO_EVIDENCE, "shipping", "nothing explains it", List.of()));
        InstanceSnapshot other = new InstanceSnapshot("order-2", Set.of("order-2"), "OrderPlaced", InstanceState.RUNNING,
                "waiting", T, T.plusMillis(7), 1, 0, null, "orders", List.of(), List.of());

        writer.write(List.of(new InstanceRecord(s, StepSequence.at(T, List.of("OrderPlaced", "PaymentCaptured")), 0, T, T),
                new InstanceRecord(other, StepSequence.at(T, List.of("OrderPlaced")), 0, T, T)));

        assertThat(reader.byId("order-1")).contains(s.stored());
        assertThat(reader.byId("pay-1")).contains(s.stored());
        assertThat(reader.byId("order-2")).contains(other.stored());
        assertThat(s.stored().linkedIds()).containsExactlyInAnyOrder("order-1", "pay-1");
        assertThat(s.stored().reason()).isEmpty();
        assertThat(s.stored().lastService()).isNull();
        assertThat(s.stored().waitingOn()).isEmpty();
        assertThat(s.stored().cause()).isNull();
        assertThat(s.stored().startedAt()).isEqualTo(T.plusMillis(1));
        assertThat(other.stored().lastEventType()).isEmpty();
        assertThat(reader.find(lastHour())).containsExactly(s.stored(), other.stored());
    }

    /**
     * A linked ID finds its instance by the instance's newest row: one its older row listed and its newest does not finds
     * nothing, by ID or by search, while the newest row's linked ID does (each write its own insert, so the rows are in
     * different parts until ClickHouse merges them).
     */
    @Test
    protected void aLinkedIdIsReadFromTheNewestRowOfItsInstance() {
        write(instance("order-1").linked("pay-1"), instance("order-2").linked("pay-2"));
        write(instance("order-1").linked("ship-1").state(InstanceState.COMPLETED).last(T.plusSeconds(1)));

        assertThat(reader.byId("ship-1")).get().extracting(InstanceSnapshot::correlationId, InstanceSnapshot::state)
                .containsExactly("order-1", InstanceState.COMPLETED);
        assertThat(reader.byId("pay-1")).isEmpty();
        assertThat(reader.byId("pay-2")).get().extracting(InstanceSnapshot::correlationId).isEqualTo("order-2");
        assertThat(search.searchId("ship-1", 10)).extracting(SearchHit::correlationId, SearchHit::state)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("order-1", "COMPLETED"));
        assertThat(search.searchId("pay-1", 10)).isEmpty();
        assertThat(search.searchId("order-1", 10)).extracting(SearchHit::correlationId).containsExactly("order-1");
    }

    /**
     * An instance whose last event moves to a later day, and then to the day after, stays one instance with its newest
     * row everywhere: by ID and linked ID, in a window over all three days and in one over its first hour only, in the
     * stuck list (its earlier rows said stuck), the flow's counts, search, recovery and the state changes. (A store
     * sorting rows by their day must delete the earlier days' rows.)
     */
    @Test
    protected void anInstanceWhoseLastEventMovesDayIsOneInstance() {
        Instant nextDay = T.plus(Duration.ofHours(25));
        Instant dayAfter = T.plus(Duration.ofHours(49));
        write(instance("order-1").linked("pay-1").state(InstanceState.STUCK), instance("order-2"));
        write(instance("order-1").linked("pay-1").state(InstanceState.STUCK).types("OrderPlaced", "PaymentCaptured")
                .last(nextDay).stateSince(T));
        write(instance("order-1").linked("pay-1").state(InstanceState.COMPLETED)
                .types("OrderPlaced", "PaymentCaptured", "OrderDelivered").last(dayAfter));

        assertThat(reader.byId("order-1")).get().extracting(InstanceSnapshot::state, InstanceSnapshot::lastEventAt)
                .containsExactly(InstanceState.COMPLETED, dayAfter);
        assertThat(reader.byId("pay-1")).get().extracting(InstanceSnapshot::state).isEqualTo(InstanceState.COMPLETED);
        InstanceQuery threeDays = window(T.minus(HOUR), dayAfter.plus(HOUR), 500);
        assertThat(ids(reader.find(threeDays))).containsExactly("order-1", "order-2");
        assertThat(reader.find(lastHour())).extracting(InstanceSnapshot::correlationId, InstanceSnapshot::state)
                .containsExactly(tuple("order-1", InstanceState.COMPLETED), tuple("order-2", InstanceState.RUNNING));
        assertThat(reader.find(new InstanceQuery(null, InstanceState.STUCK, T.minus(HOUR), dayAfter.plus(HOUR), null, null,
                null, null, 500))).isEmpty();
        assertThat(reader.stuck(null, 10)).isEmpty();
        FlowSummary orders = kpis.flowSummaries(T.minus(HOUR), dayAfter.plus(HOUR), 10).get(0);
        assertThat(List.of(orders.started(), orders.running(), orders.completed(), orders.stuck()))
                .containsExactly(2L, 1L, 1L, 0L);
        assertThat(search.searchId("pay-1", 10)).extracting(SearchHit::correlationId, SearchHit::state)
                .containsExactly(tuple("order-1", "COMPLETED"));
        assertThat(search.searchId("order-", 10)).extracting(SearchHit::correlationId)
                .containsExactlyInAnyOrder("order-1", "order-2");
        assertThat(reader.recoverable(null, T.minus(HOUR), T.minus(HOUR), 10)).extracting(Recoverable::correlationId)
                .containsExactly("order-1", "order-2");
        assertThat(stateChanges.stateChangesSince(T.minus(HOUR), 100)).extracting(LiveUpdate::correlationId,
                LiveUpdate::state).containsExactlyInAnyOrder(tuple("order-1", "STUCK"), tuple("order-2", "RUNNING"),
                tuple("order-1", "COMPLETED"));
    }

    /**
     * An instance whose last event a producer stamped far past any calendar (Kafka takes any timestamp: the largest is
     * the year 292278994), or past the days a store's day key holds, is still one instance, found by ID and in the
     * stuck list. (ClickHouse's {@code toDate} sticks at one day past the year 9999, where the row and its delete rows
     * shared a key and the instance vanished.)
     */
    @Test
    protected void anInstanceStampedFarPastTheCalendarIsStillFound() {
        write(instance("order-far").state(InstanceState.STUCK).types("OrderPlaced", "PaymentCaptured")
                .last(Instant.ofEpochMilli(Long.MAX_VALUE)));
        write(instance("order-10000").types("OrderPlaced", "PaymentCaptured").last(Instant.parse("+10000-01-01T00:00:00Z")));
        write(instance("order-2200").types("OrderPlaced", "PaymentCaptured").last(Instant.parse("2200-01-01T00:00:00Z")));

        assertThat(reader.byId("order-far")).get().extracting(InstanceSnapshot::state).isEqualTo(InstanceState.STUCK);
        assertThat(reader.byId("order-far").orElseThrow().lastEventAt()).isAfter(T);
        assertThat(reader.byId("order-10000")).get().extracting(InstanceSnapshot::eventCount).isEqualTo(2);
        assertThat(reader.byId("order-2200")).get().extracting(InstanceSnapshot::eventCount).isEqualTo(2);
        assertThat(reader.stuck(null, 10)).extracting(InstanceSnapshot::correlationId).containsExactly("order-far");
    }

    @Test
    protected void newestWriteOfAnInstanceWins() {
        write(instance("order-1").types("OrderPlaced"));
        write(instance("order-1").state(InstanceState.STUCK).types("OrderPlaced", "PaymentCaptured"));
        write(instance("order-1").state(InstanceState.COMPLETED).types("OrderPlaced", "PaymentCaptured", "OrderShipped"));

        InstanceSnapshot s = reader.byId("order-1").orElseThrow();
        assertThat(s.state()).isEqualTo(InstanceState.COMPLETED);
        assertThat(s.eventCount()).isEqualTo(3);
        assertThat(ids(reader.find(lastHour()))).containsExactly("order-1");
        assertThat(reader.stuck(null, 10)).isEmpty();
        assertThat(reader.recoverable(null, T.plus(HOUR), T.minus(HOUR), 10)).isEmpty();
    }

    @Test
    protected void laterRowOfOneBatchWins() {
        write(instance("order-1"), instance("order-1").state(InstanceState.FAILED), instance("order-2"));

        assertThat(reader.byId("order-1").orElseThrow().state()).isEqualTo(InstanceState.FAILED);
        assertThat(ids(reader.find(lastHour()))).containsExactly("order-2", "order-1");
    }

    @Test
    protected void anEmptyWriteWritesNothing() {
        writer.write(List.of());

        assertThat(reader.find(lastHour())).isEmpty();
    }

    @Test
    protected void byIdFindsAnInstanceByItsPrimaryIdBeforeAnyLinkedId() {
        write(instance("order-1").linked("pay-1"),
                instance("pay-1").flow("PaymentRequested"),
                instance("order-2").linked("ship-9").last(T.plusSeconds(1)),
                instance("order-3").linked("ship-9").last(T.plusSeconds(2)));

        assertThat(reader.byId("order-1")).get().extracting(InstanceSnapshot::linkedIds).isEqualTo(Set.of("order-1", "pay-1"));
        assertThat(reader.byId("pay-1")).get().extracting(InstanceSnapshot::flow).isEqualTo("PaymentRequested");
        assertThat(reader.byId("ship-9")).get().extracting(InstanceSnapshot::correlationId).isEqualTo("order-3");
        assertThat(reader.byId("order-4")).isEmpty();
        assertThat(reader.byId("order-1' OR '1'='1")).isEmpty();
    }

    @Test
    protected void findReturnsInstancesActiveInTheWindowNewestLastEventFirst() {
        write(instance("ended-before").started(T.minus(HOUR)).last(T.minusMillis(1)),
                instance("last-at-from").started(T.minus(HOUR)).last(T),
                instance("inside").started(T.plusSeconds(600)).last(T.plusSeconds(1200)),
                instance("spanning").started(T.minus(HOUR)).last(T.plus(HOUR).plus(HOUR)),
                instance("started-at-to").started(T.plus(HOUR)).last(T.plus(HOUR)),
                instance("tie-a").started(T.plusSeconds(300)).last(T.plusSeconds(1800)),
                instance("tie-b").started(T.plusSeconds(300)).last(T.plusSeconds(1800)));

        assertThat(ids(reader.find(lastHour()))).containsExactly("spanning", "tie-b", "tie-a", "inside", "last-at-from");
        assertThat(ids(reader.find(window(T, T.plus(HOUR), 2)))).containsExactly("spanning", "tie-b");
        assertThat(reader.find(window(T.minus(Duration.ofDays(30)), T.minus(Duration.ofDays(29)), 10))).isEmpty();
    }

    @Test
    protected void findFiltersByFlowStateAndEventType() {
        write(instance("o-1").state(InstanceState.COMPLETED).types("OrderPlaced", "PaymentCaptured", "OrderShipped"),
                instance("o-2").state(InstanceState.FAILED).types("OrderPlaced", "PaymentFailed").last(T.plusSeconds(1)),
                instance("s-1").flow("SignupStarted").types("SignupStarted").last(T.plusSeconds(2)));

        assertThat(ids(reader.find(new InstanceQuery("OrderPlaced", null, T, T.plus(HOUR), null, null, null, null, 10))))
                .containsExactly("o-2", "o-1");
        assertThat(ids(reader.find(new InstanceQuery(null, InstanceState.FAILED, T, T.plus(HOUR), null, null, null, null, 10))))
                .containsExactly("o-2");
        assertThat(ids(reader.find(new InstanceQuery(null, null, T, T.plus(HOUR), "PaymentCaptured", null, null, null, 10))))
                .containsExactly("o-1");
        assertThat(ids(reader.find(new InstanceQuery("SignupStarted", InstanceState.RUNNING, T, T.plus(HOUR), "SignupStarted", null, null, null, 10))))
                .containsExactly("s-1");
        assertThat(reader.find(new InstanceQuery("SignupStarted", InstanceState.FAILED, T, T.plus(HOUR), null, null, null, null, 10)))
                .isEmpty();
        assertThat(reader.find(new InstanceQuery("Other", null, T, T.plus(HOUR), null, null, null, null, 10))).isEmpty();
        assertThat(reader.find(new InstanceQuery(null, null, T, T.plus(HOUR), "Order'Placed", null, null, null, 10))).isEmpty();
    }

    /** The listing, like the KPIs, takes each instance by its newest row: filters never match an older one. */
    @Test
    protected void findMatchesTheNewestRowOfEachInstanceOnly() {
        write(instance("was-stuck").state(InstanceState.STUCK).last(T.plusSeconds(60)),
                instance("ended-before").started(T.minus(HOUR)).last(T.minusSeconds(1)));
        write(instance("was-stuck").state(InstanceState.COMPLETED).last(T.plusSeconds(90))
                        .types("OrderPlaced", "OrderShipped"),
                instance("ended-before").state(InstanceState.FAILED).started(T.minus(HOUR)).last(T.plusSeconds(30)));

        assertThat(reader.find(new InstanceQuery(null, InstanceState.STUCK, T, T.plus(HOUR), null, null, null, null, 10)))
                .isEmpty();
        assertThat(reader.find(lastHour())).extracting(InstanceSnapshot::correlationId, InstanceSnapshot::state)
                .containsExactly(tuple("was-stuck", InstanceState.COMPLETED), tuple("ended-before", InstanceState.FAILED));
        assertThat(ids(reader.find(new InstanceQuery(null, null, T, T.plus(HOUR), "OrderShipped", null, null, null, 10))))
                .containsExactly("was-stuck");
    }

    @Test
    protected void findByServiceMatchesInstancesWithAnEventOfThatServiceInTheWindow() throws Exception {
        events.accept(List.of(
                event("orders", 0, "order-1", T.plusSeconds(60), "orders"),
                event("payments", 0, "pay-1", T.plusSeconds(120), "payments"), // under order-1's linked ID
                event("orders", 1, "order-2", T.plusSeconds(60), "orders"),
                event("payments", 1, "order-2", T.minusSeconds(60), "payments"), // before the window
                event("shipping", 0, "order-3", T.plusSeconds(60), "shipping")));
        write(instance("order-1").linked("pay-1").last(T.plusSeconds(120)),
                instance("order-2").started(T.minusSeconds(60)).last(T.plusSeconds(60)),
                instance("order-3").last(T.plusSeconds(60)));

        assertThat(ids(reader.find(new InstanceQuery(null, null, T, T.plus(HOUR), null, "payments", null, null, 10))))
                .containsExactly("order-1");
        assertThat(ids(reader.find(new InstanceQuery(null, null, T, T.plus(HOUR), null, "orders", null, null, 10))))
                .containsExactly("order-1", "order-2");
        assertThat(reader.find(new InstanceQuery(null, null, T, T.plus(HOUR), null, "nobody", null, null, 10))).isEmpty();
    }

    @Test
    protected void findPagesThroughEveryMatchWithTheCursorWithoutGapsOrRepeats() {
        write(instance("a").last(T.plusSeconds(1)), instance("b").last(T.plusSeconds(2)),
                instance("c").last(T.plusSeconds(2)), instance("d").last(T.plusSeconds(2)),
                instance("e").last(T.plusSeconds(3)), instance("f").last(T.plusSeconds(4)),
                instance("g").last(T.plusSeconds(5)));

        List<String> paged = new ArrayList<>();
        Instant afterLast = null;
        String afterId = null;
        int pages = 0;
        while (true) {
            List<InstanceSnapshot> page = reader.find(new InstanceQuery(null, null, T, T.plus(HOUR), null, null,
                    afterLast, afterId, 3));
            if (page.isEmpty()) {
                break;
            }
            paged.addAll(ids(page));
            afterLast = page.get(page.size() - 1).lastEventAt();
            afterId = page.get(page.size() - 1).correlationId();
            pages++;
        }
        assertThat(paged).containsExactly("g", "f", "e", "d", "c", "b", "a");
        assertThat(pages).isEqualTo(3);
    }

    @Test
    protected void stuckListsStuckInstancesOfOneOrEveryFlowOldestFirst() {
        write(instance("s-3").state(InstanceState.STUCK).last(T.plusSeconds(3)),
                instance("s-1").state(InstanceState.STUCK).last(T.plusSeconds(1)),
                instance("signup").flow("SignupStarted").state(InstanceState.STUCK).last(T.plusSeconds(2)),
                instance("running").last(T),
                instance("unstuck").state(InstanceState.STUCK),
                instance("moved").state(InstanceState.STUCK).last(T.plusSeconds(4)));
        write(instance("unstuck").state(InstanceState.COMPLETED).last(T.plusSeconds(9)),
                instance("moved").flow("SignupStarted").state(InstanceState.STUCK).last(T.plusSeconds(5)));

        assertThat(ids(reader.stuck(null, 10))).containsExactly("s-1", "signup", "s-3", "moved");
        assertThat(ids(reader.stuck("OrderPlaced", 10))).containsExactly("s-1", "s-3");
        assertThat(ids(reader.stuck("SignupStarted", 10))).containsExactly("signup", "moved");
        assertThat(ids(reader.stuck("OrderPlaced", 1))).containsExactly("s-1");
        assertThat(reader.stuck("Other", 10)).isEmpty();
    }

    @Test
    protected void recoverableAreUnfinishedSinceTheAbandonCutAndFinishedSinceTheRecentCut() {
        Instant abandonCut = T;
        Instant recentCut = T.plus(HOUR);
        write(instance("running-new").last(T.plusSeconds(5400)).linked("pay-1").types("OrderPlaced", "PaymentCaptured"),
                instance("stuck-old").state(InstanceState.STUCK).last(T.plusSeconds(1800)).partition(1),
                instance("running-abandoned").last(T.minusMillis(1)),
                instance("completed-recent").state(InstanceState.COMPLETED).last(T.plusSeconds(4800)),
                instance("failed-old").state(InstanceState.FAILED).last(T.plusSeconds(1800)).partition(1),
                instance("compensated-at-cut").state(InstanceState.COMPENSATED).last(recentCut).partition(2),
                instance("running-at-cut").last(abandonCut).partition(2));

        List<Recoverable> all = reader.recoverable(null, recentCut, abandonCut, 100);
        assertThat(all).extracting(Recoverable::correlationId).containsExactly(
                "running-new", "completed-recent", "compensated-at-cut", "stuck-old", "running-at-cut");
        Recoverable first = all.get(0);
        assertThat(first.linkedIds()).containsExactlyInAnyOrder("running-new", "pay-1");
        assertThat(first.state()).isEqualTo(InstanceState.RUNNING);
        assertThat(first.lastEventAt()).isEqualTo(T.plusSeconds(5400));
        assertThat(first.eventCount()).isEqualTo(2);
        assertThat(all.get(1).eventCount()).isEqualTo(1);
        assertThat(all.get(3).state()).isEqualTo(InstanceState.STUCK);

        assertThat(reader.recoverable(List.of(0), recentCut, abandonCut, 100)).extracting(Recoverable::correlationId)
                .containsExactly("running-new", "completed-recent");
        assertThat(reader.recoverable(List.of(1, 2), recentCut, abandonCut, 100)).extracting(Recoverable::correlationId)
                .containsExactly("compensated-at-cut", "stuck-old", "running-at-cut");
        assertThat(reader.recoverable(List.of(), recentCut, abandonCut, 100)).isEmpty();
        assertThat(reader.recoverable(List.of(7), recentCut, abandonCut, 100)).isEmpty();
        assertThat(reader.recoverable(null, recentCut, abandonCut, 2)).extracting(Recoverable::correlationId)
                .containsExactly("running-new", "completed-recent");
    }

    @Test
    protected void recoverableTakesEachInstanceByItsNewestRow() {
        Instant abandonCut = T;
        Instant recentCut = T.plus(HOUR);
        // older row before the abandon cut, newest finished after the recent cut: recovered, finished
        write(instance("came-back").last(T.minusSeconds(60)),
                // older row running within the cuts, newest finished before the recent cut: not recovered
                instance("finished-early").last(T.plusSeconds(60)),
                // older row unfinished after the abandon cut, newest on another partition: that partition's
                instance("moved").state(InstanceState.STUCK).last(T.plusSeconds(60)).partition(1));
        write(instance("came-back").state(InstanceState.COMPLETED).last(T.plusSeconds(4000)).types("OrderPlaced", "OrderShipped"),
                instance("finished-early").state(InstanceState.COMPLETED).last(T.plusSeconds(120)),
                instance("moved").state(InstanceState.STUCK).last(T.plusSeconds(90)).partition(2));

        assertThat(reader.recoverable(null, recentCut, abandonCut, 100))
                .extracting(Recoverable::correlationId, Recoverable::state, Recoverable::eventCount)
                .containsExactly(tuple("came-back", InstanceState.COMPLETED, 2), tuple("moved", InstanceState.STUCK, 1));
        assertThat(reader.recoverable(List.of(1), recentCut, abandonCut, 100)).isEmpty();
        assertThat(reader.recoverable(List.of(2), recentCut, abandonCut, 100)).extracting(Recoverable::correlationId)
                .containsExactly("moved");
    }

    // --- StateChangeReader ---

    @Test
    protected void stateChangesSinceAreRawOldestFirstAndEachChangeOnce() {
        write(instance("a").stateSince(T.plusSeconds(1)),
                instance("b").stateSince(T.plusSeconds(2)).types("OrderPlaced"),
                instance("before").stateSince(T.minusSeconds(10)),
                instance("unchanged").stateSince(T.minusSeconds(10)));
        write(instance("b").stateSince(T.plusSeconds(2)).types("OrderPlaced", "PaymentCaptured").updatedAt(T.plusSeconds(3)),
                instance("unchanged").stateSince(T.minusSeconds(10)).updatedAt(T.plusSeconds(4)),
                instance("a").state(InstanceState.COMPLETED).stateSince(T.plusSeconds(5)));

        assertThat(stateChanges.stateChangesSince(T, 100)).containsExactly(
                new LiveUpdate("instance", "a", "OrderPlaced", "RUNNING", T.plusSeconds(1)),
                new LiveUpdate("instance", "b", "OrderPlaced", "RUNNING", T.plusSeconds(2)),
                new LiveUpdate("instance", "a", "OrderPlaced", "COMPLETED", T.plusSeconds(5)));
        assertThat(stateChanges.stateChangesSince(T, 2)).extracting(LiveUpdate::at)
                .containsExactly(T.plusSeconds(1), T.plusSeconds(2));
        assertThat(stateChanges.stateChangesSince(T.plusSeconds(2), 100)).extracting(LiveUpdate::at)
                .containsExactly(T.plusSeconds(2), T.plusSeconds(5));
        assertThat(stateChanges.stateChangesSince(T.plusSeconds(6), 100)).isEmpty();
    }

    @Test
    protected void pagingStateChangesWithTheCursorReadsEveryChangeOnceInOrder() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            // Ten instances per millisecond: pages of four end inside a millisecond.
            rows.add(instance("i-%02d".formatted(i)).stateSince(T.plusMillis(1 + i / 10)));
        }
        rows.add(instance("before").stateSince(T.minusMillis(1)));
        write(rows.toArray(Row[]::new));
        // A second change of i-03 at the same millisecond: the first page ends on it and must hold both.
        write(instance("i-03").state(InstanceState.COMPLETED).stateSince(T.plusMillis(1)));

        List<LiveUpdate> all = stateChanges.stateChangesSince(T, 1000);
        List<LiveUpdate> paged = new ArrayList<>();
        List<LiveUpdate> page = stateChanges.stateChangesSince(T, 4);
        int pages = 0;
        while (!page.isEmpty()) {
            assertThat(page.size()).isBetween(1, 5);
            paged.addAll(page);
            pages++;
            page = stateChanges.stateChangesAfter(StateChangeReader.Cursor.after(page.get(page.size() - 1)), 4);
        }

        assertThat(all).hasSize(31).doesNotHaveDuplicates();
        assertThat(all).extracting(LiveUpdate::at).isSorted();
        assertThat(paged).isEqualTo(all);
        assertThat(pages).isEqualTo(8);
    }

    @Test
    protected void aPageKeepsEveryChangeOfItsLastInstanceAtTheSameMillisecond() {
        write(instance("a").stateSince(T.plusMillis(1)), instance("b").stateSince(T.plusMillis(1)));
        write(instance("a").state(InstanceState.STUCK).stateSince(T.plusMillis(1)));
        write(instance("a").state(InstanceState.FAILED).stateSince(T.plusMillis(1)));

        assertThat(stateChanges.stateChangesSince(T, 1)).extracting(LiveUpdate::correlationId, LiveUpdate::state)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a", "FAILED"),
                        org.assertj.core.groups.Tuple.tuple("a", "RUNNING"),
                        org.assertj.core.groups.Tuple.tuple("a", "STUCK"));
        assertThat(stateChanges.stateChangesAfter(new StateChangeReader.Cursor(T.plusMillis(1), "a"), 1))
                .extracting(LiveUpdate::correlationId).containsExactly("b");
    }

    @Test
    protected void theCursorOrdersByChangeTimeThenCorrelationId() {
        write(instance("b").stateSince(T.plusMillis(1)), instance("a").stateSince(T.plusMillis(2)),
                instance("c").stateSince(T.plusMillis(2)), instance("o'b").stateSince(T.plusMillis(3)));

        assertThat(stateChanges.stateChangesAfter(new StateChangeReader.Cursor(T.plusMillis(1), "b"), 10))
                .extracting(LiveUpdate::correlationId).containsExactly("a", "c", "o'b");
        assertThat(stateChanges.stateChangesAfter(new StateChangeReader.Cursor(T.plusMillis(1), "a"), 10))
                .extracting(LiveUpdate::correlationId).containsExactly("b", "a", "c", "o'b");
        assertThat(stateChanges.stateChangesAfter(new StateChangeReader.Cursor(T.plusMillis(2), "a"), 1))
                .extracting(LiveUpdate::correlationId).containsExactly("c");
        assertThat(stateChanges.stateChangesAfter(new StateChangeReader.Cursor(T.plusMillis(2), "' OR '1'='1"), 10))
                .extracting(LiveUpdate::correlationId).containsExactly("a", "c", "o'b");
        assertThat(stateChanges.stateChangesAfter(new StateChangeReader.Cursor(T.plusMillis(3), "o'b"), 10)).isEmpty();
    }

    // --- SearchReader ---

    @Test
    protected void searchIdFindsExactPrimaryOrLinkedIdsThenPrimaryIdPrefixes() {
        write(instance("order-1").linked("pay-77").state(InstanceState.COMPLETED).types("OrderPlaced", "OrderShipped")
                        .last(T.plusSeconds(3)),
                instance("order-10"), instance("order-11"), instance("order-2"), instance("pay-7"));

        List<SearchHit> exact = search.searchId("order-1", 10);
        assertThat(exact.get(0)).isEqualTo(new SearchHit("order-1", "OrderPlaced", "COMPLETED", "OrderShipped",
                T.plusSeconds(3), "correlationId", "order-1"));
        assertThat(exact).extracting(SearchHit::correlationId).containsExactly("order-1", "order-10", "order-11");
        assertThat(exact).extracting(SearchHit::matchedValue).containsExactly("order-1", "order-10", "order-11");
        assertThat(search.searchId("pay-77", 10)).extracting(SearchHit::correlationId, SearchHit::matchedValue)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("order-1", "pay-77"));
        assertThat(search.searchId("pay-7", 10)).extracting(SearchHit::correlationId).containsExactly("pay-7");
        assertThat(search.searchId("order", 2)).hasSize(2);
        assertThat(search.searchId("order-1", 1)).extracting(SearchHit::correlationId).containsExactly("order-1");
        assertThat(search.searchId("nothing", 10)).isEmpty();
    }

    @Test
    protected void searchIdShowsEachInstanceOnce() {
        write(instance("pay-1x").linked("pay-1"));

        assertThat(search.searchId("pay-1", 10)).extracting(SearchHit::correlationId).containsExactly("pay-1x");
    }

    @Test
    protected void searchIdTakesWildcardsAndQuotesLiterally() {
        write(instance("a_b"), instance("axb"), instance("100%"), instance("1000"), instance("o'brien"));

        assertThat(search.searchId("a_", 10)).extracting(SearchHit::correlationId).containsExactly("a_b");
        assertThat(search.searchId("100%", 10)).extracting(SearchHit::correlationId).containsExactly("100%");
        assertThat(search.searchId("%", 10)).isEmpty();
        assertThat(search.searchId("o'b", 10)).extracting(SearchHit::correlationId).containsExactly("o'brien");
        assertThat(search.searchId("' OR '1'='1", 10)).isEmpty();
    }

    @Test
    protected void searchValueFindsEventIdKeyHeaderOrPayloadCaseInsensitivelyNewestFirst() throws Exception {
        events.accept(List.of(
                Observation.builder("orders", 0, 1, T.plusSeconds(60)).correlationId("order-1").eventType("PaymentFailed")
                        .payload("{\"reason\":\"Needle-in-haystack\"}".getBytes(StandardCharsets.UTF_8)).build(),
                Observation.builder("orders", 0, 2, T.plusSeconds(120)).correlationId("order-2")
                        .headers(List.of(Header.of("trace", "none"), new Header("empty", null), Header.of("note", "has a NEEDLE"))).build(),
                Observation.builder("orders", 0, 3, T.plusSeconds(180)).correlationId("order-3")
                        .key("needle-key".getBytes(StandardCharsets.UTF_8)).build(),
                Observation.builder("orders", 0, 4, T.plusSeconds(240)).correlationId("order-4").eventId("id-needle").build(),
                Observation.builder("orders", 0, 5, T.plusSeconds(300)).correlationId("order-5")
                        .payload("no match here".getBytes(StandardCharsets.UTF_8)).build()));
        write(instance("order-1").state(InstanceState.COMPENSATED).last(T.plusSeconds(60)));

        List<SearchHit> hits = search.searchValue("needle", T, T.plus(HOUR), 10);
        assertThat(hits).extracting(SearchHit::correlationId).containsExactly("order-4", "order-3", "order-2", "order-1");
        assertThat(hits).extracting(SearchHit::matchedField).containsExactly("eventId", "key", "header:note", "payload");
        assertThat(hits).extracting(SearchHit::matchedValue)
                .containsExactly("id-needle", "needle-key", "has a NEEDLE", "{\"reason\":\"Needle-in-haystack\"}");
        assertThat(hits.get(3)).isEqualTo(new SearchHit("order-1", "OrderPlaced", "COMPENSATED", "PaymentFailed",
                T.plusSeconds(60), "payload", "{\"reason\":\"Needle-in-haystack\"}", "orders", 0, 1L));
        assertThat(hits).extracting(SearchHit::offset).as("each hit names its event").containsExactly(4L, 3L, 2L, 1L);
        assertThat(search.searchValue("NEEDLE", T, T.plus(HOUR), 2)).extracting(SearchHit::correlationId)
                .containsExactly("order-4", "order-3");
        assertThat(search.searchValue("zzz-nothing", T, T.plus(HOUR), 10)).isEmpty();
    }

    @Test
    protected void searchValueKeepsToTheWindowAndShowsEachEventOnce() throws Exception {
        Observation inside = Observation.builder("orders", 0, 1, T).correlationId("inside")
                .payload("needle".getBytes(StandardCharsets.UTF_8)).build();
        events.accept(List.of(inside,
                Observation.builder("orders", 0, 2, T.minusMillis(1)).correlationId("before")
                        .payload("needle".getBytes(StandardCharsets.UTF_8)).build(),
                Observation.builder("orders", 0, 3, T.plus(HOUR)).correlationId("at-end")
                        .payload("needle".getBytes(StandardCharsets.UTF_8)).build()));
        events.accept(List.of(inside));

        assertThat(search.searchValue("needle", T, T.plus(HOUR), 10)).extracting(SearchHit::correlationId)
                .containsExactly("inside");
    }

    @Test
    protected void searchValueExcerptsLongValuesAroundTheMatchAndTakesQuotesLiterally() throws Exception {
        String payload = "x".repeat(500) + "O'Brien said \"needle\"" + "y".repeat(500);
        events.accept(List.of(Observation.builder("orders", 0, 1, T).payload(payload.getBytes(StandardCharsets.UTF_8)).build(),
                Observation.builder("orders", 0, 2, T).correlationId("h")
                        .headers(List.of(Header.of("long", "z".repeat(300) + "needle"))).build()));

        List<SearchHit> hits = search.searchValue("o'brien said \"NEEDLE", T, T.plus(HOUR), 10);
        assertThat(hits).singleElement().satisfies(h -> {
            assertThat(h.matchedField()).isEqualTo("payload");
            assertThat(h.matchedValue()).contains("O'Brien said \"needle").hasSizeLessThanOrEqualTo(200);
            assertThat(h.flow()).isNull();
            assertThat(h.state()).isNull();
        });
        assertThat(search.searchValue("needle", T, T.plus(HOUR), 10)).allSatisfy(
                h -> assertThat(h.matchedValue()).hasSizeLessThanOrEqualTo(200));
        assertThat(search.searchValue("%", T, T.plus(HOUR), 10)).isEmpty();
    }

    /**
     * JDBC escape sequences ({@code {fn ...}}, {@code {d '...'}}) in IDs and searched values are data: the instance,
     * its search by ID and a value search find exactly what was stored.
     */
    @Test
    protected void jdbcEscapeSequencesInIdsAndValuesAreFoundVerbatim() throws Exception {
        String id = "a{fn now()}b";
        String date = "{d '2020-01-01'}";
        events.accept(List.of(
                Observation.builder("orders", 0, 1, T.plusSeconds(1)).correlationId(id)
                        .payload(("{\"since\":\"" + date + "\"}").getBytes(StandardCharsets.UTF_8)).build(),
                Observation.builder("orders", 0, 2, T.plusSeconds(2)).correlationId(id)
                        .headers(List.of(Header.of("since", "from " + date))).build(),
                Observation.builder("orders", 0, 3, T.plusSeconds(3)).correlationId("other")
                        .payload("{\"f\":\"{fn now()}\"}".getBytes(StandardCharsets.UTF_8)).build()));
        write(instance(id).linked("{fn link()}").last(T.plusSeconds(2)), instance("anow()b"));

        assertThat(reader.byId(id)).get().extracting(InstanceSnapshot::correlationId).isEqualTo(id);
        assertThat(reader.byId("{fn link()}")).get().extracting(InstanceSnapshot::correlationId).isEqualTo(id);
        assertThat(search.searchId(id, 10)).extracting(SearchHit::correlationId).containsExactly(id);
        assertThat(search.searchId("a{fn", 10)).extracting(SearchHit::correlationId).containsExactly(id);
        assertThat(search.searchValue(date, T, T.plus(HOUR), 10)).extracting(SearchHit::matchedField, SearchHit::matchedValue)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("header:since", "from " + date),
                        org.assertj.core.groups.Tuple.tuple("payload", "{\"since\":\"" + date + "\"}"));
        assertThat(search.searchValue("{fn now()}", T, T.plus(HOUR), 10)).extracting(SearchHit::correlationId)
                .containsExactly("other");
    }

    // --- FlowKpiReader ---

    @Test
    protected void flowSummariesCountTheInstancesStartedInTheWindowPerFlow() {
        Instant to = T.plusSeconds(100);
        write(instance("c-1").started(T.plusSeconds(5)));
        write(instance("c-1").state(InstanceState.COMPLETED).started(T.plusSeconds(5)).last(T.plusSeconds(6))
                        .types("OrderPlaced", "PaymentCaptured", "OrderShipped"),
                instance("c-2").state(InstanceState.COMPLETED).started(T.plusSeconds(15)).last(T.plusSeconds(17))
                        .types("OrderPlaced", "PaymentCaptured", "OrderShipped"),
                instance("f-1").state(InstanceState.FAILED).started(T.plusSeconds(25)).last(T.plusSeconds(28))
                        .types("OrderPlaced", "PaymentFailed"),
                instance("s-1").state(InstanceState.STUCK).started(T.plusSeconds(35)),
                instance("p-1").state(InstanceState.COMPENSATED).started(T.plusSeconds(45)).last(T.plusSeconds(47))
                        .types("OrderPlaced", "PaymentFailed", "OrderCancelled"),
                instance("r-1").started(T.plusSeconds(95)),
                instance("before").state(InstanceState.COMPLETED).started(T.minusSeconds(1)),
                instance("at-end").started(to),
                instance("signup").flow("SignupStarted").types("SignupStarted").started(T.plusSeconds(50)));

        List<FlowSummary> flows = kpis.flowSummaries(T, to, 10);

        assertThat(flows).extracting(FlowSummary::flow).containsExactly("OrderPlaced", "SignupStarted");
        FlowSummary orders = flows.get(0);
        assertThat(orders.windowSeconds()).isEqualTo(100);
        assertThat(orders.started()).isEqualTo(6);
        assertThat(List.of(orders.running(), orders.completed(), orders.compensated(), orders.failed(), orders.stuck()))
                .containsExactly(1L, 2L, 1L, 1L, 1L);
        assertThat(orders.completionRate()).isCloseTo(2.0 / 5, within(1e-9));
        assertThat(orders.eventsPerSecond()).isCloseTo(13 / 100.0, within(1e-9));
        assertThat(orders.p50Ms()).isEqualTo(2000L);
        assertThat(orders.p95Ms()).isBetween(2000L, 3000L);
        assertThat(orders.p99Ms()).isBetween(orders.p95Ms(), 3000L);
        assertThat(orders.sparkline()).containsExactly(1L, 1L, 1L, 1L, 1L, 0L, 0L, 0L, 0L, 1L);

        FlowSummary signup = flows.get(1);
        assertThat(signup.started()).isOne();
        assertThat(signup.running()).isOne();
        assertThat(signup.completionRate()).isNull();
        assertThat(signup.p50Ms()).isNull();
        assertThat(signup.eventsPerSecond()).isCloseTo(0.01, within(1e-9));
        assertThat(signup.sparkline()).containsExactly(0L, 0L, 0L, 0L, 0L, 1L, 0L, 0L, 0L, 0L);
    }

    /**
     * A window counts each instance by its newest row, whatever its older rows were: a store may narrow the window
     * before it picks the newest row, but never so that an older row stands for its instance. The rows are those live
     * inference writes, each as wide as the one before or wider (a late earlier event moves the start back).
     */
    @Test
    protected void flowSummariesCountEachInstanceByItsNewestRow() {
        Instant to = T.plusSeconds(100);
        write(instance("moved-out").started(T.plusSeconds(5)),
                instance("finished").started(T.plusSeconds(10)));
        // a late earlier event moved moved-out's start before the window
        write(instance("moved-out").state(InstanceState.COMPLETED).started(T.minusSeconds(30)).last(T.plusSeconds(8))
                        .types("OrderPlaced", "PaymentCaptured", "OrderShipped"),
                instance("finished").state(InstanceState.FAILED).started(T.plusSeconds(10)).last(T.plusSeconds(13))
                        .types("OrderPlaced", "PaymentFailed"));

        FlowSummary orders = kpis.flowSummaries(T, to, 10).get(0);

        assertThat(orders.started()).isOne();
        assertThat(List.of(orders.running(), orders.completed(), orders.compensated(), orders.failed(), orders.stuck()))
                .containsExactly(0L, 0L, 0L, 1L, 0L);
        assertThat(orders.p50Ms()).isEqualTo(3000L);
        assertThat(orders.eventsPerSecond()).isCloseTo(2 / 100.0, within(1e-9));
        assertThat(orders.sparkline()).containsExactly(0L, 1L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L);
        FlowSummary before = kpis.flowSummaries(T.minus(HOUR), T, 10).get(0);
        assertThat(before.started()).isOne();
        assertThat(before.completed()).isOne();
        assertThat(before.p50Ms()).isEqualTo(38_000L);
    }

    /**
     * An instance waiting for its late first events has no flow yet (flow ''): it is in no flow's KPIs and no empty-named
     * flow is listed; once named (a newer row) it counts in its flow.
     */
    @Test
    protected void instancesWithoutAFlowYetAreInNoFlowsSummary() {
        Instant to = T.plusSeconds(100);
        write(instance("seen-from-the-middle").flow("").types("PaymentCaptured").started(T.plusSeconds(5)),
                instance("named").started(T.plusSeconds(6)));

        assertThat(kpis.flowSummaries(T, to, 10)).singleElement().satisfies(f -> {
            assertThat(f.flow()).isEqualTo("OrderPlaced");
            assertThat(f.started()).isOne();
        });

        write(instance("seen-from-the-middle").types("OrderPlaced", "PaymentCaptured").started(T.plusSeconds(4)));

        assertThat(kpis.flowSummaries(T, to, 10)).singleElement().satisfies(f -> assertThat(f.started()).isEqualTo(2));
    }

    @Test
    protected void flowSummariesOfAWindowWithoutInstancesCountNothing() {
        write(instance("order-1"));

        assertThat(kpis.flowSummaries(T.minus(Duration.ofDays(20)), T.minus(Duration.ofDays(19)), 30))
                .allSatisfy(f -> assertThat(f.started()).isZero());
    }
}
