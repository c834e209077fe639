package io.choreoscope.ui.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.choreoscope.model.api.AlertKind;
import io.choreoscope.model.api.AlertRuleRequest;
import io.choreoscope.model.api.AlertRuleView;
import io.choreoscope.model.api.AuthSettings;
import io.choreoscope.model.api.EventView;
import io.choreoscope.model.api.FlowSummary;
import io.choreoscope.model.api.InstanceDetail;
import io.choreoscope.model.api.Page;
import io.choreoscope.model.api.ReplayMode;
import io.choreoscope.model.api.ReplayPlanView;
import io.choreoscope.model.api.ReplayRequest;
import io.choreoscope.model.api.ReplayStatus;
import io.choreoscope.model.api.SearchHit;
import io.choreoscope.model.api.TopicInfo;
import io.choreoscope.model.api.WebhookFormat;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;

/**
 * What the UI relies on from a {@link ChoreoscopeApi}, as one suite that every implementation runs: the
 * in-memory fake ({@code FakeChoreoscopeApiContractTest}) and {@link HttpChoreoscopeApi} against the real
 * backend with Kafka and ClickHouse ({@code HttpChoreoscopeApiContractTest} in backend). When the two
 * disagree, the fake is what is wrong.
 *
 * <p>The data is a small order saga, given once for the class through {@link #fixture()}: twelve completed
 * orders, one compensated, two stuck (see {@link Orders}). Sign-in is off. Tests that write (alert rules,
 * replay dry runs) only read back what they wrote themselves, so they run in any order on one instance.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ChoreoscopeApiContract {

    /** The flow of the saga: its start event type. */
    public static final String FLOW = "OrderPlaced";
    /** Completed orders: {@code order-1} .. {@code order-12}. */
    public static final int COMPLETED = 12;
    public static final String COMPENSATED_ORDER = "comp-1";
    /** Stuck orders, the older first. */
    public static final List<String> STUCK_ORDERS = List.of("stuck-2", "stuck-1");
    /** Every record the orders send. */
    public static final int RECORDS = COMPLETED * 3 + 3 + STUCK_ORDERS.size();

    /**
     * Puts data behind the API under test the way the real system gets it (for the backend: records on Kafka),
     * and waits until the API shows it.
     */
    public interface Fixture {
        /** The API under test. */
        ChoreoscopeApi api();

        /** The topic every record of the orders is on. */
        String topic();

        /** Sends {@link Orders#completed}: placed, paid, shipped. */
        void completedOrder(String id, Instant start);

        /** Sends {@link Orders#compensated}: placed, payment failed, cancelled. */
        void compensatedOrder(String id, Instant start);

        /** Sends {@link Orders#stuck}: placed, then nothing. */
        void stuckOrder(String id, Instant start);

        /**
         * Returns once the API shows everything sent so far: every order in its final state (stuck ones
         * stuck), the flow model, the dependency map, and the topic with the tap's consumer group caught up.
         */
        void awaitVisible();
    }

    /**
     * One record of the saga as a service produces it: the correlation ID as key and in the
     * {@code correlationId} header, the type in {@code eventType}, the service in {@code sourceService}, a
     * JSON payload, the record timestamp {@code at}.
     */
    public record OrderEvent(String correlationId, String eventType, String service, Instant at, String payload) {
    }

    /** The records of each kind of order. */
    public static final class Orders {
        private Orders() {
        }

        /** OrderPlaced (orders), PaymentCaptured (payments), OrderShipped (shipping), 100 ms apart. */
        public static List<OrderEvent> completed(String id, Instant start) {
            return List.of(
                    new OrderEvent(id, "OrderPlaced", "orders", start,
                            "{\"orderId\":\"" + id + "\",\"customer\":\"alice\",\"note\":\"paid in €\"}"),
                    new OrderEvent(id, "PaymentCaptured", "payments", start.plusMillis(100),
                            "{\"orderId\":\"" + id + "\",\"amount\":42}"),
                    new OrderEvent(id, "OrderShipped", "shipping", start.plusMillis(200), "{\"orderId\":\"" + id + "\"}"));
        }

        /** OrderPlaced (orders), PaymentFailed (payments), OrderCancelled (orders), 1 s apart. */
        public static List<OrderEvent> compensated(String id, Instant start) {
            return List.of(
                    new OrderEvent(id, "OrderPlaced", "orders", start, "{\"orderId\":\"" + id + "\",\"customer\":\"bob\"}"),
                    new OrderEvent(id, "PaymentFailed", "payments", start.plusSeconds(1), "{\"reason\":\"needle-in-haystack\"}"),
                    new OrderEvent(id, "OrderCancelled", "orders", start.plusSeconds(2), "{\"orderId\":\"" + id + "\"}"));
        }

        /** OrderPlaced (orders) only. */
        public static List<OrderEvent> stuck(String id, Instant start) {
            return List.of(new OrderEvent(id, "OrderPlaced", "orders", start,
                    "{\"orderId\":\"" + id + "\",\"customer\":\"carol\"}"));
        }
    }

    private Fixture fixture;
    private ChoreoscopeApi api;
    private String topic;
    /** When the orders start: the first completed order is placed a second later. */
    private Instant base;

    /** Starts the implementation under test (once for the class) and answers its fixture. */
    protected abstract Fixture fixture();

    /** Stops what {@link #fixture()} started; nothing by default. */
    protected void stop() {
    }

    /**
     * A minute ago: twelve orders placed a second apart and completed; the compensated one placed between the
     * eleventh and the twelfth but ending after the twelfth (so "newest first" by start and by last event
     * differ); two stuck ones.
     */
    @BeforeAll
    void sendTheOrders() {
        fixture = fixture();
        api = fixture.api();
        topic = fixture.topic();
        base = Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.MILLIS);
        for (int i = 1; i <= COMPLETED; i++) {
            fixture.completedOrder("order-" + i, base.plusSeconds(i));
        }
        fixture.compensatedOrder(COMPENSATED_ORDER, base.plusMillis(11_500));
        fixture.stuckOrder(STUCK_ORDERS.get(0), base.plusSeconds(14));
        fixture.stuckOrder(STUCK_ORDERS.get(1), base.plusSeconds(15));
        fixture.awaitVisible();
    }

    @AfterAll
    void stopTheApi() {
        stop();
    }

    private static ApiException failure(Runnable call) {
        ApiException e = catchThrowableOfType(call::run, ApiException.class);
        assertThat(e).as("the call must fail with an ApiException").isNotNull();
        return e;
    }

    private static List<String> ids(List<InstanceSnapshot> list) {
        return list.stream().map(InstanceSnapshot::correlationId).toList();
    }

    private List<InstanceSnapshot> all(InstanceQuery q) {
        return api.instances(q.withLimit(ChoreoscopeApi.MAX_LIMIT)).items();
    }

    private static InstanceQuery everything() {
        return new InstanceQuery(null, null, null, null, null, null, null, 0);
    }

    // --- flows ---------------------------------------------------------------------------------------------

    @Test
    void flowsListTheKpisOfTheInstancesStartedInTheWindow() {
        FlowSummary f = api.flows(TimeWindow.LAST_HOUR).stream().filter(s -> s.flow().equals(FLOW)).findFirst().orElseThrow();
        assertThat(f.windowSeconds()).isEqualTo(3600);
        assertThat(f.started()).isEqualTo(COMPLETED + 1 + STUCK_ORDERS.size());
        assertThat(f.completed()).isEqualTo(COMPLETED);
        assertThat(f.compensated()).isEqualTo(1);
        assertThat(f.stuck()).isEqualTo(STUCK_ORDERS.size());
        assertThat(f.failed()).isZero();
        assertThat(f.running()).isZero();
        assertThat(f.completionRate()).isEqualTo((double) COMPLETED / (COMPLETED + 1 + STUCK_ORDERS.size()));
        assertThat(f.p50Ms()).isEqualTo(200);
        assertThat(f.eventsPerSecond()).isGreaterThan(0);
        assertThat(f.sparkline()).hasSize(30);
        assertThat(f.sparkline().stream().mapToLong(Long::longValue).sum()).isEqualTo(f.started());
    }

    /** The orders' transitions ("from->to") with how many instances take each: every one takes each once. */
    private static Map<String, Long> sagaTransitions() {
        return Map.of("OrderPlaced->PaymentCaptured", (long) COMPLETED, "PaymentCaptured->OrderShipped", (long) COMPLETED,
                "OrderPlaced->PaymentFailed", 1L, "PaymentFailed->OrderCancelled", 1L);
    }

    /** One figure of each of the model's transitions, by "from->to". */
    private static Map<String, Long> byTransition(FlowModel m, java.util.function.ToLongFunction<FlowModel.Transition> figure) {
        Map<String, Long> out = new HashMap<>();
        m.transitions().forEach(t -> out.put(t.from() + "->" + t.to(), figure.applyAsLong(t)));
        return out;
    }

    @Test
    void aFlowsModelCountsEveryTransitionItsInstancesMade() {
        FlowModel m = api.flow(FLOW);
        assertThat(m.flow()).isEqualTo(FLOW);
        assertThat(m.instances()).isEqualTo(COMPLETED + 1 + STUCK_ORDERS.size());
        assertThat(byTransition(m, FlowModel.Transition::count)).isEqualTo(sagaTransitions());
        assertThat(m.nodes()).contains(new FlowModel.Node("OrderPlaced", COMPLETED + 1 + STUCK_ORDERS.size()));
        assertThat(m.learnedEnds()).contains("OrderShipped");
    }

    @Test
    void aWindowsModelAndVariantsCountTheInstancesStartedInIt() {
        long all = COMPLETED + 1 + STUCK_ORDERS.size();
        FlowModel m = api.flow(FLOW, TimeWindow.LAST_HOUR);
        assertThat(m.instances()).isEqualTo(all);
        assertThat(m.from()).isNotNull();
        assertThat(byTransition(m, FlowModel.Transition::instances)).isEqualTo(sagaTransitions());
        assertThat(m.nodes()).contains(new FlowModel.Node("OrderPlaced", all, all));
        assertThat(api.flow(FLOW, TimeWindow.LIFETIME).from()).isNull();

        List<io.choreoscope.model.flow.Variant> v = api.variants(FLOW, TimeWindow.LAST_HOUR, 10);
        assertThat(v).hasSize(3);
        assertThat(v.get(0).steps()).containsExactly("OrderPlaced", "PaymentCaptured", "OrderShipped");
        assertThat(v.get(0).count()).isEqualTo(COMPLETED);
        assertThat(v.get(0).share()).isEqualTo((double) COMPLETED / all);
        assertThat(v.get(0).outcomes()).containsEntry(io.choreoscope.model.flow.InstanceState.COMPLETED, (long) COMPLETED);
        assertThat(v.get(1).steps()).containsExactly("OrderPlaced");
        assertThat(v.get(1).count()).isEqualTo(STUCK_ORDERS.size());
        assertThat(ids(api.variantInstances(FLOW, v.get(1).id(), TimeWindow.LAST_HOUR, 10)))
                .containsExactlyInAnyOrderElementsOf(STUCK_ORDERS);
    }

    /**
     * The window's model by cause: these orders name no cause, so each step is caused by the one before it and the
     * arrows are the directly-follows ones; shares are of the instances with the cause, ends are the leaves.
     */
    @Test
    void aWindowsModelByCauseOfRecordsThatNameNoCauseHasTheArrowsInOrder() {
        long all = COMPLETED + 1 + STUCK_ORDERS.size();
        FlowModel m = api.flowByCause(FLOW, TimeWindow.LAST_HOUR);
        assertThat(m.instances()).isEqualTo(all);
        assertThat(byTransition(m, FlowModel.Transition::instances)).isEqualTo(sagaTransitions());
        assertThat(m.transition("OrderPlaced", "PaymentCaptured").probability()).isEqualTo((double) COMPLETED / all);
        assertThat(m.endCounts()).containsOnly(Map.entry("OrderShipped", (long) COMPLETED), Map.entry("OrderCancelled", 1L),
                Map.entry("OrderPlaced", (long) STUCK_ORDERS.size()));
        assertThat(api.flowByCause(FLOW, TimeWindow.LIFETIME).from()).as("the lifetime model has arrows in order only")
                .isNull();
        FlowModel bounded = api.flowByCause(FLOW, Instant.now().minus(java.time.Duration.ofHours(1)), Instant.now().plusSeconds(60));
        assertThat(bounded.instances()).isEqualTo(all);
        assertThat(bounded.endCounts()).isEqualTo(m.endCounts());
    }

    @Test
    void aWindowWithBoundsCountsOnlyTheInstancesStartedInIt() {
        // orders 1..6 start in the first window, the rest (and the compensated and stuck ones) in the second
        FlowModel first = api.flow(FLOW, base, base.plusMillis(6_500));
        assertThat(first.instances()).isEqualTo(6);
        assertThat(first.from()).isEqualTo(base);
        assertThat(first.transitions()).extracting(t -> t.from() + "->" + t.to())
                .containsExactlyInAnyOrder("OrderPlaced->PaymentCaptured", "PaymentCaptured->OrderShipped");
        FlowModel second = api.flow(FLOW, base.plusMillis(6_500), base.plusSeconds(60));
        assertThat(second.instances()).isEqualTo(COMPLETED - 6 + 1 + STUCK_ORDERS.size());
        assertThat(second.transitions()).extracting(t -> t.from() + "->" + t.to())
                .contains("OrderPlaced->PaymentFailed");
        ApiException e = failure(() -> api.flow(FLOW, base, base));
        assertThat(e.status()).isEqualTo(400);
    }

    @Test
    void anUnknownFlowIsNotFound() {
        ApiException e = failure(() -> api.flow("NoSuchFlow"));
        assertThat(e.isNotFound()).isTrue();
        assertThat(e.getMessage()).contains("NoSuchFlow");
    }

    // --- instances -----------------------------------------------------------------------------------------

    @Test
    void instancesComeNewestLastEventFirst() {
        List<InstanceSnapshot> list = all(everything());
        assertThat(list).hasSize(COMPLETED + 1 + STUCK_ORDERS.size());
        assertThat(list).extracting(InstanceSnapshot::lastEventAt).isSortedAccordingTo(Comparator.reverseOrder());
        assertThat(ids(list)).startsWith("stuck-1", "stuck-2", COMPENSATED_ORDER, "order-12", "order-11");
    }

    @Test
    void instancesArePagedWithACursorWithoutRepeatsOrGaps() {
        Set<String> seen = new HashSet<>();
        List<Integer> sizes = new ArrayList<>();
        String cursor = null;
        do {
            Page<InstanceSnapshot> page = api.instances(everything().withState(InstanceState.COMPLETED).withLimit(5).withCursor(cursor));
            for (InstanceSnapshot s : page.items()) {
                assertThat(s.state()).isEqualTo(InstanceState.COMPLETED);
                assertThat(seen.add(s.correlationId())).as("seen once: " + s.correlationId()).isTrue();
            }
            sizes.add(page.items().size());
            cursor = page.nextCursor();
        } while (cursor != null);
        assertThat(sizes).containsExactly(5, 5, 2);
        assertThat(seen).hasSize(COMPLETED);
    }

    @Test
    void instancesFilterByFlowStateEventTypeAndService() {
        assertThat(ids(all(everything().withEventType("PaymentFailed")))).containsExactly(COMPENSATED_ORDER);
        assertThat(ids(all(new InstanceQuery(null, null, null, null, null, "shipping", null, 0))))
                .hasSize(COMPLETED).allMatch(id -> id.startsWith("order-"));
        assertThat(ids(all(everything().withState(InstanceState.STUCK)))).containsExactly("stuck-1", "stuck-2");
        assertThat(ids(all(InstanceQuery.ofFlow(FLOW)))).hasSize(COMPLETED + 1 + STUCK_ORDERS.size());
        assertThat(ids(all(InstanceQuery.ofFlow("Other")))).isEmpty();
    }

    @Test
    void anInstanceHasItsEventsInOrderItsStateAndItsGraph() {
        InstanceDetail d = api.instance("order-3", 0);
        assertThat(d.snapshot().correlationId()).isEqualTo("order-3");
        assertThat(d.snapshot().flow()).isEqualTo(FLOW);
        assertThat(d.snapshot().state()).isEqualTo(InstanceState.COMPLETED);
        assertThat(d.snapshot().reason()).contains("OrderShipped");
        assertThat(d.snapshot().eventCount()).isEqualTo(3);
        assertThat(d.snapshot().lastEventType()).isEqualTo("OrderShipped");
        assertThat(d.snapshot().lastService()).isEqualTo("shipping");
        assertThat(d.snapshot().expectedNext()).isEmpty();
        assertThat(d.events()).extracting(EventView::eventType).containsExactly("OrderPlaced", "PaymentCaptured", "OrderShipped");
        assertThat(d.events()).extracting(EventView::timestamp).isSorted();
        assertThat(d.events()).allSatisfy(e -> {
            assertThat(e.topic()).isEqualTo(topic);
            assertThat(e.key()).isEqualTo("order-3");
            assertThat(e.correlationId()).isEqualTo("order-3");
            assertThat(e.parseStatus()).isEqualTo("OK");
            assertThat(e.payloadTruncated()).isFalse();
        });
        EventView first = d.events().get(0);
        assertThat(first.sourceService()).isEqualTo("orders");
        assertThat(first.payload()).isEqualTo(Orders.completed("order-3", first.timestamp()).get(0).payload());
        assertThat(first.payloadEncoding()).isEqualTo("text");
        assertThat(first.headers()).contains(new EventView.HeaderView("correlationId", "order-3", "text"),
                new EventView.HeaderView("eventType", "OrderPlaced", "text"));
        assertThat(d.graph().nodes()).hasSize(3);
        assertThat(d.graph().edges()).hasSize(2);
    }

    @Test
    void anInstancesEventsArePagedWithTheTotalAndACursorThatVisitsEachOnce() {
        InstanceDetail d = api.instance("order-3", 0);
        assertThat(d.eventsTotal()).isEqualTo(3);
        assertThat(d.eventsNextCursor()).as("one page holds them all").isNull();
        java.util.List<EventView> paged = new java.util.ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            io.choreoscope.model.api.EventPage p = api.instanceEvents("order-3", cursor, 1, 0);
            assertThat(p.total()).isEqualTo(3);
            assertThat(p.events()).hasSize(1);
            paged.addAll(p.events());
            cursor = p.nextCursor();
            pages++;
        } while (cursor != null && pages < 10);
        assertThat(pages).isEqualTo(3);
        assertThat(paged).extracting(EventView::offset).containsExactlyElementsOf(d.events().stream().map(EventView::offset).toList());
        assertThat(failure(() -> api.instanceEvents("order-3", "not a cursor", 1, 0)).status()).isEqualTo(400);
        assertThat(failure(() -> api.instanceEvents("no such/id", null, 1, 0)).isNotFound()).isTrue();
    }

    @Test
    void aStuckInstanceSaysWhatItWaitsFor() {
        InstanceSnapshot s = api.instance("stuck-1", 0).snapshot();
        assertThat(s.state()).isEqualTo(InstanceState.STUCK);
        assertThat(s.reason()).isNotBlank();
        assertThat(s.expectedNext()).isNotEmpty();
        assertThat(s.expectedNext().get(0).eventType()).isEqualTo("PaymentCaptured");
        assertThat(s.expectedNext().get(0).boundMs()).isPositive();
    }

    @Test
    void payloadsLongerThanTheMaximumAreCutAndKeepTheirFullSize() {
        EventView whole = api.instance("order-3", 0).events().get(0);
        EventView cut = api.instance("order-3", 5).events().get(0);
        assertThat(cut.payloadTruncated()).isTrue();
        assertThat(cut.payload()).isEqualTo(whole.payload().substring(0, 5));
        assertThat(cut.payloadSize()).isEqualTo(whole.payload().getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void aCutInsideACharacterLeavesThatCharacterOut() {
        EventView whole = api.instance("order-3", 0).events().get(0);
        String before = whole.payload().substring(0, whole.payload().indexOf('€'));
        int inside = before.getBytes(StandardCharsets.UTF_8).length + 1; // the euro sign is 3 bytes in UTF-8
        EventView cut = api.instance("order-3", inside).events().get(0);
        assertThat(cut.payloadTruncated()).isTrue();
        assertThat(cut.payload()).isEqualTo(before);
    }

    @Test
    void anUnknownInstanceIsNotFound() {
        ApiException e = failure(() -> api.instance("no such/id", 0));
        assertThat(e.isNotFound()).isTrue();
        assertThat(e.getMessage()).contains("no such/id");
    }

    @Test
    void aRawPayloadIsTheWholeRecordWithItsContentType() {
        EventView failed = api.instance(COMPENSATED_ORDER, 0).events().get(1);
        RawPayload p = api.payload(failed.topic(), failed.partition(), failed.offset());
        assertThat(new String(p.bytes(), StandardCharsets.UTF_8)).isEqualTo("{\"reason\":\"needle-in-haystack\"}");
        assertThat(p.contentType()).contains("json");
        assertThat(failure(() -> api.payload(topic, 0, 999_999)).isNotFound()).isTrue();
    }

    // --- search --------------------------------------------------------------------------------------------

    @Test
    void idSearchFindsTheExactIdFirstThenTheIdsItStartsInOrder() {
        List<SearchHit> hits = api.search("order-1", SearchMode.ID, 0);
        assertThat(hits).extracting(SearchHit::correlationId).containsExactly("order-1", "order-10", "order-11", "order-12");
        assertThat(hits).allSatisfy(h -> {
            assertThat(h.matchedField()).isEqualTo("correlationId");
            assertThat(h.matchedValue()).isEqualTo(h.correlationId());
            assertThat(h.flow()).isEqualTo(FLOW);
            assertThat(h.state()).isEqualTo("COMPLETED");
            assertThat(h.eventType()).isEqualTo("OrderShipped");
        });
        assertThat(api.search("order-1", SearchMode.ID, 2)).extracting(SearchHit::correlationId).containsExactly("order-1", "order-10");
    }

    @Test
    void valueSearchFindsATextInAPayloadWhateverItsCase() {
        List<SearchHit> hits = api.search("NEEDLE-in", SearchMode.VALUE, 0);
        assertThat(hits).hasSize(1);
        SearchHit h = hits.get(0);
        assertThat(h.correlationId()).isEqualTo(COMPENSATED_ORDER);
        assertThat(h.matchedField()).isEqualTo("payload");
        assertThat(h.state()).isEqualTo("COMPENSATED");
        assertThat(h.eventType()).isEqualTo("PaymentFailed");
        assertThat(h.matchedValue()).contains("needle-in-haystack");
    }

    @Test
    void valueSearchSaysWhichHeaderMatched() {
        List<SearchHit> hits = api.search("shipping", SearchMode.VALUE, 3);
        assertThat(hits).hasSize(3);
        assertThat(hits).allSatisfy(h -> {
            assertThat(h.matchedField()).isEqualTo("header:sourceService");
            assertThat(h.matchedValue()).isEqualTo("shipping");
            assertThat(h.eventType()).isEqualTo("OrderShipped");
        });
        assertThat(hits).extracting(SearchHit::timestamp).isSortedAccordingTo(Comparator.reverseOrder());
    }

    @Test
    void valueSearchListsEveryMatchingEventNewestFirst() {
        List<SearchHit> hits = api.search("order-3", SearchMode.VALUE, 0);
        assertThat(hits).extracting(SearchHit::correlationId).containsOnly("order-3");
        assertThat(hits).extracting(SearchHit::eventType).containsExactly("OrderShipped", "PaymentCaptured", "OrderPlaced");
        assertThat(hits).extracting(SearchHit::matchedField).containsOnly("key");
    }

    @Test
    void searchForSomethingNobodySentFindsNothing() {
        assertThat(api.search("zzz-nothing", SearchMode.VALUE, 0)).isEmpty();
        assertThat(api.search("zzz-nothing", SearchMode.ID, 0)).isEmpty();
        assertThat(failure(() -> api.search(" ", SearchMode.ID, 0)).status()).isEqualTo(400);
    }

    // --- stuck, dependencies, topics -----------------------------------------------------------------------

    @Test
    void suspectsCompareTheStuckWithTheCompletedInstancesOfTheWindow() {
        io.choreoscope.model.api.SuspectReport r = api.suspects(FLOW, TimeWindow.LAST_HOUR);
        assertThat(r.flow()).isEqualTo(FLOW);
        assertThat(r.stuckInstances()).isEqualTo(STUCK_ORDERS.size());
        assertThat(r.completedInstances()).isEqualTo(COMPLETED);
        // two stuck orders share customer carol: below the three instances a suspect needs
        assertThat(r.minInstances()).isEqualTo(3);
        assertThat(r.suspects()).isEmpty();
        assertThat(failure(() -> api.suspects("NoSuchFlow", TimeWindow.LAST_HOUR)).isNotFound()).isTrue();
    }

    @Test
    void schemasOfAFlowWithoutSchemaPayloadsListNoStepAndAnUnknownFlowIsNotFound() {
        io.choreoscope.model.api.FlowSchemas s = api.schemas(FLOW, TimeWindow.LAST_HOUR);
        assertThat(s.flow()).isEqualTo(FLOW);
        assertThat(s.steps()).isEmpty();
        assertThat(s.truncated()).isFalse();
        assertThat(failure(() -> api.schemas("NoSuchFlow", TimeWindow.LAST_HOUR)).isNotFound()).isTrue();
    }

    @Test
    void stuckListsTheStuckInstancesOldestLastEventFirst() {
        assertThat(ids(api.stuck(null, 0))).containsExactlyElementsOf(STUCK_ORDERS);
        assertThat(ids(api.stuck(FLOW, 0))).containsExactlyElementsOf(STUCK_ORDERS);
        assertThat(ids(api.stuck(FLOW, 1))).containsExactly(STUCK_ORDERS.get(0));
        assertThat(api.stuck("Other", 0)).isEmpty();
    }

    @Test
    void theDependencyMapShowsWhichServiceProducesToWhichTopic() {
        DependencyMap map = api.dependencies(TimeWindow.LAST_HOUR);
        Set<String> produces = new HashSet<>();
        map.edges().stream().filter(e -> e.role() == DependencyMap.EdgeRole.PRODUCES)
                .forEach(e -> produces.add(e.service() + "->" + e.topic()));
        assertThat(produces).containsExactlyInAnyOrder("orders->" + topic, "payments->" + topic, "shipping->" + topic);
        DependencyMap.Edge shipping = map.edges().stream()
                .filter(e -> e.role() == DependencyMap.EdgeRole.PRODUCES && e.service().equals("shipping")).findFirst().orElseThrow();
        assertThat(shipping.eventTypes()).containsExactly("OrderShipped");
        assertThat(shipping.count()).isEqualTo(COMPLETED);
        assertThat(map.nodes()).contains(new DependencyMap.Node(DependencyMap.NodeKind.TOPIC, topic),
                new DependencyMap.Node(DependencyMap.NodeKind.SERVICE, "orders"));
    }

    @Test
    void topicsShowPartitionsEndOffsetsAndConsumerGroupLag() {
        TopicInfo t = api.topics().stream().filter(x -> x.name().equals(topic)).findFirst().orElseThrow();
        assertThat(t.partitions()).isEqualTo(3);
        assertThat(t.endOffsetSum()).isEqualTo(RECORDS);
        assertThat(t.consumerGroups()).isNotEmpty().allSatisfy(g -> assertThat(g.lag()).isZero());
    }

    // --- alert rules ---------------------------------------------------------------------------------------

    private static AlertRuleRequest completionRule(String name, double threshold) {
        return new AlertRuleRequest(name, FLOW, null, AlertKind.COMPLETION_RATE_BELOW, threshold, null, null, null,
                null, null, null);
    }

    @Test
    void aCreatedRuleReadsBackWithItsDefaultsFilledIn() {
        AlertRuleView r = api.createAlertRule(completionRule("contract create", 95.0));
        assertThat(r.id()).isPositive();
        assertThat(r.name()).isEqualTo("contract create");
        assertThat(r.flow()).isEqualTo(FLOW);
        assertThat(r.kind()).isEqualTo(AlertKind.COMPLETION_RATE_BELOW);
        assertThat(r.threshold()).isEqualTo(95.0);
        assertThat(r.windowMs()).isEqualTo(AlertRuleRequest.DEFAULT_WINDOW_MS);
        assertThat(r.forMs()).isZero();
        assertThat(r.hysteresis()).isZero();
        assertThat(r.webhookUrl()).isNull();
        assertThat(r.webhookFormat()).isEqualTo(WebhookFormat.GENERIC);
        assertThat(r.enabled()).isTrue();
        assertThat(r.silencedUntil()).isNull();
        assertThat(r.firing()).isEmpty();
        assertThat(r.pending()).isEmpty();
        assertThat(api.alertRule(r.id())).isEqualTo(r);
        assertThat(api.alertRules()).contains(r);
    }

    @Test
    void anUpdatedRuleReplacesTheOldOneAndKeepsItsCreationTime() {
        AlertRuleView r = api.createAlertRule(completionRule("contract update", 95.0));
        AlertRuleView u = api.updateAlertRule(r.id(), new AlertRuleRequest("contract updated", FLOW, null,
                AlertKind.COMPLETION_RATE_BELOW, 90.0, 600_000L, 60_000L, 1.5, "https://hooks.example/x",
                WebhookFormat.SLACK, false));
        assertThat(u.id()).isEqualTo(r.id());
        assertThat(u.name()).isEqualTo("contract updated");
        assertThat(u.threshold()).isEqualTo(90.0);
        assertThat(u.windowMs()).isEqualTo(600_000L);
        assertThat(u.forMs()).isEqualTo(60_000L);
        assertThat(u.webhookFormat()).isEqualTo(WebhookFormat.SLACK);
        assertThat(u.enabled()).isFalse();
        assertThat(u.createdAt()).isEqualTo(r.createdAt());
        assertThat(u.updatedAt()).isAfterOrEqualTo(r.updatedAt());
        assertThat(api.alertRule(r.id())).isEqualTo(u);
    }

    @Test
    void aDeletedRuleIsGone() {
        AlertRuleView r = api.createAlertRule(completionRule("contract delete", 95.0));
        api.deleteAlertRule(r.id());
        assertThat(failure(() -> api.alertRule(r.id())).isNotFound()).isTrue();
        assertThat(api.alertRules()).extracting(AlertRuleView::id).doesNotContain(r.id());
    }

    @Test
    void anInvalidRuleIsRefusedWithTheReason() {
        ApiException e = failure(() -> api.createAlertRule(completionRule("contract invalid", 150.0)));
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.getMessage()).isEqualTo("threshold of COMPLETION_RATE_BELOW must be 0..100 (percent), was 150.0");
        assertThat(failure(() -> api.createAlertRule(completionRule(" ", 50.0))).getMessage()).contains("name");
        AlertRuleView r = api.createAlertRule(completionRule("contract kept", 95.0));
        assertThat(failure(() -> api.updateAlertRule(r.id(), completionRule("contract kept", -1.0))).status()).isEqualTo(400);
        assertThat(api.alertRule(r.id()).threshold()).isEqualTo(95.0);
        assertThat(api.alertRules()).extracting(AlertRuleView::name).doesNotContain("contract invalid");
    }

    @Test
    void anUnknownRuleIsNotFound() {
        long unknown = 987_654_321L;
        assertThat(failure(() -> api.alertRule(unknown)).isNotFound()).isTrue();
        assertThat(failure(() -> api.updateAlertRule(unknown, completionRule("x", 50.0))).isNotFound()).isTrue();
        assertThat(failure(() -> api.deleteAlertRule(unknown)).isNotFound()).isTrue();
        assertThat(failure(() -> api.silenceAlertRule(unknown, Instant.now().plusSeconds(60))).isNotFound()).isTrue();
    }

    @Test
    void aSilenceHoldsUntilItsTimeAndAPastTimeLiftsIt() {
        AlertRuleView r = api.createAlertRule(completionRule("contract silence", 95.0));
        Instant until = Instant.now().plusSeconds(3600).truncatedTo(ChronoUnit.MILLIS);
        assertThat(api.silenceAlertRule(r.id(), until).silencedUntil()).isEqualTo(until);
        assertThat(api.alertRule(r.id()).silencedUntil()).isEqualTo(until);
        assertThat(api.silenceAlertRule(r.id(), Instant.now().minusSeconds(1)).silencedUntil()).isNull();
        assertThat(failure(() -> api.silenceAlertRule(r.id(), Instant.now().plusSeconds(400L * 86_400))).status()).isEqualTo(400);
    }

    @Test
    void testFiringARuleWithoutAWebhookIsRefused() {
        AlertRuleView r = api.createAlertRule(completionRule("contract test-fire", 95.0));
        ApiException e = failure(() -> api.testAlertRule(r.id()));
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.getMessage()).contains("webhookUrl");
    }

    // --- replay --------------------------------------------------------------------------------------------

    @Test
    void aDryRunListsEveryRecordExactlyAsItWouldBeSent() {
        ReplayPlanView plan = api.replay(new ReplayRequest(ReplayMode.STUCK_LAST_EVENT, null, STUCK_ORDERS, null, null,
                true, null), "contract");
        ReplayStatus s = plan.status();
        assertThat(s.state()).isEqualTo(ReplayStatus.State.DRY_RUN);
        assertThat(s.dryRun()).isTrue();
        assertThat(s.mode()).isEqualTo(ReplayMode.STUCK_LAST_EVENT);
        assertThat(s.requestedBy()).isEqualTo("contract");
        assertThat(s.total()).isEqualTo(STUCK_ORDERS.size());
        assertThat(s.sent()).isZero();
        assertThat(plan.records()).hasSize(STUCK_ORDERS.size());
        for (int i = 0; i < STUCK_ORDERS.size(); i++) {
            EventView original = api.instance(STUCK_ORDERS.get(i), 0).events().get(0);
            ReplayPlanView.ReplayRecordView r = plan.records().get(i);
            assertThat(r.source()).isEqualTo(original.topic() + "/" + original.partition() + "/" + original.offset());
            assertThat(r.targetTopic()).isEqualTo(topic);
            assertThat(r.key()).isEqualTo(STUCK_ORDERS.get(i));
            assertThat(r.payload()).isEqualTo(original.payload());
            assertThat(r.headers()).startsWith(original.headers().toArray(EventView.HeaderView[]::new));
            assertThat(r.headers()).contains(new EventView.HeaderView("choreoscope-replay-id", s.id(), "text"),
                    new EventView.HeaderView("choreoscope-replay-of", r.source(), "text"));
        }
        assertThat(api.replayStatus(s.id()).state()).isEqualTo(ReplayStatus.State.DRY_RUN);
        assertThat(api.replays(ChoreoscopeApi.MAX_LIMIT)).extracting(ReplayStatus::id).contains(s.id());
    }

    @Test
    void aReplayOfSomethingNeverStoredIsNotFoundAndABadRequestSaysWhy() {
        ApiException unknown = failure(() -> api.replay(new ReplayRequest(ReplayMode.EVENT,
                List.of(new ReplayRequest.EventRef(topic, 0, 999_999)), null, null, null, true, null), null));
        assertThat(unknown.isNotFound()).isTrue();
        assertThat(unknown.getMessage()).contains(topic + "/0/999999");
        ApiException none = failure(() -> api.replay(new ReplayRequest(ReplayMode.STUCK_LAST_EVENT, null, List.of(), null,
                null, true, null), null));
        assertThat(none.status()).isEqualTo(400);
        assertThat(none.getMessage()).contains("correlationIds");
        assertThat(failure(() -> api.replayStatus("no-such-replay")).isNotFound()).isTrue();
        // refused requests are in the audit too, with the reason (the replay page shows them)
        assertThat(api.replays(ChoreoscopeApi.MAX_LIMIT)).filteredOn(r -> r.state() == ReplayStatus.State.REFUSED)
                .extracting(ReplayStatus::message).anyMatch(m -> m.startsWith("refused (400 ") && m.contains("correlationIds"));
    }

    // --- sign-in -------------------------------------------------------------------------------------------

    @Test
    void authSettingsSaySignInIsOff() {
        AuthSettings s = api.authSettings();
        assertThat(s.enabled()).isFalse();
        assertThat(s.passwordLogin()).isFalse();
        assertThat(s.providers()).isEmpty();
    }

    @Test
    void signingInWhileSignInIsOffIsABadRequest() {
        assertThat(failure(() -> api.login("alice", "secret")).status()).isEqualTo(400);
    }
}
