package io.choreoscope.ui.client;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.choreoscope.model.api.EventView;
import io.choreoscope.model.api.InstanceDetail;
import io.choreoscope.model.api.TopicInfo;
import io.choreoscope.model.flow.EdgeKind;
import io.choreoscope.model.flow.ExpectedStep;
import io.choreoscope.model.flow.InstanceGraph;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;

/** The contract against the in-memory fake the UI tests run on. */
class FakeChoreoscopeApiContractTest extends ChoreoscopeApiContract {

    @Override
    protected Fixture fixture() {
        return new FakeFixture(new FakeChoreoscopeApi());
    }

    /**
     * Plays the backend's part for the fake: stores each order's records as the tap would (3 partitions, by
     * key) and puts what inference would derive from them (states, the flow model and KPIs, the dependency
     * map, the topic) into the fake on {@link #awaitVisible()}.
     */
    static final class FakeFixture implements Fixture {
        private static final String TOPIC = "orders";
        private static final int PARTITIONS = 3;
        /** The expected step's bound the backend is configured with in its contract test, ms. */
        private static final long BOUND_MS = 3_000;

        private final FakeChoreoscopeApi api;
        private final Map<Integer, Long> nextOffset = new HashMap<>();
        private final List<InstanceDetail> orders = new ArrayList<>();

        FakeFixture(FakeChoreoscopeApi api) {
            this.api = api;
        }

        @Override
        public ChoreoscopeApi api() {
            return api;
        }

        @Override
        public String topic() {
            return TOPIC;
        }

        @Override
        public void completedOrder(String id, Instant start) {
            add(Orders.completed(id, start), InstanceState.COMPLETED, "reached end event OrderShipped (configured)", List.of());
        }

        @Override
        public void compensatedOrder(String id, Instant start) {
            add(Orders.compensated(id, start), InstanceState.COMPENSATED,
                    "compensated (OrderCancelled), came to rest at OrderCancelled", List.of());
        }

        @Override
        public void stuckOrder(String id, Instant start) {
            add(Orders.stuck(id, start), InstanceState.STUCK, "idle; expected PaymentCaptured within " + BOUND_MS
                    + " ms (default/SLA) after OrderPlaced", List.of(new ExpectedStep("PaymentCaptured", 1.0, BOUND_MS, false)));
        }

        private void add(List<OrderEvent> sent, InstanceState state, String reason, List<ExpectedStep> expected) {
            String id = sent.get(0).correlationId();
            int partition = Math.floorMod(id.hashCode(), PARTITIONS);
            List<EventView> events = new ArrayList<>();
            List<InstanceGraph.Node> nodes = new ArrayList<>();
            List<InstanceGraph.Edge> edges = new ArrayList<>();
            for (OrderEvent e : sent) {
                long offset = nextOffset.merge(partition, 1L, Long::sum) - 1;
                events.add(new EventView(TOPIC, partition, offset, e.at(), e.at(), id,
                        List.of(header("correlationId", id), header("eventType", e.eventType()),
                                header("sourceService", e.service())),
                        e.payload(), "text", false, e.payload().getBytes(StandardCharsets.UTF_8).length, null, id, null,
                        e.eventType(), e.service(), null, null, null, "OK", null, false));
                nodes.add(new InstanceGraph.Node(nodes.size(), null, e.eventType(), e.service(), TOPIC, partition, offset, e.at()));
                if (nodes.size() > 1) {
                    edges.add(new InstanceGraph.Edge(nodes.size() - 2, nodes.size() - 1, EdgeKind.ORDER));
                }
            }
            OrderEvent first = sent.get(0);
            OrderEvent last = sent.get(sent.size() - 1);
            InstanceSnapshot snapshot = new InstanceSnapshot(id, Set.of(id), first.eventType(), state, reason, first.at(),
                    last.at(), sent.size(), 0, last.eventType(), last.service(), expected, List.of());
            orders.add(InstanceDetail.whole(snapshot, events, List.of(), new InstanceGraph(id, nodes, edges, 0, 0)));
        }

        private static EventView.HeaderView header(String name, String value) {
            return new EventView.HeaderView(name, value, "text");
        }

        @Override
        public void awaitVisible() {
            orders.forEach(api::putInstance);
            Instant now = Instant.now();
            api.putModel(SampleData.model(FLOW, orders));
            api.putFlow(SampleData.summary(FLOW, orders, now));
            api.setDependencies(SampleData.dependencies(orders));
            long records = orders.stream().mapToLong(o -> o.events().size()).sum();
            api.setTopics(List.of(new TopicInfo(TOPIC, PARTITIONS, records, records / 300.0,
                    List.of(new TopicInfo.ConsumerGroupLag("choreoscope-tap", "Stable", 0)))));
        }
    }
}
