package io.choreoscope.harness.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.choreoscope.model.DeadLetters;
import io.choreoscope.model.DependencyReader;
import io.choreoscope.model.Header;
import io.choreoscope.model.FlowModelReader;
import io.choreoscope.model.InstanceWriter;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ObservationSink;
import io.choreoscope.model.Span;
import io.choreoscope.model.SpanSink;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.DependencyMap.Edge;
import io.choreoscope.model.flow.DependencyMap.EdgeRole;
import io.choreoscope.model.flow.DependencyMap.Node;
import io.choreoscope.model.flow.DependencyMap.NodeKind;
import io.choreoscope.model.flow.DeviationKind;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.LatencySketch;
import io.choreoscope.model.flow.ModelMerge;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The flow-model store's contract: what {@link InstanceWriter#writeFlowModels} and
 * {@link InstanceWriter#writeDependencyMap} persist per owner, {@link FlowModelReader} and {@link DependencyReader}
 * read back merged over the owners as {@link ModelMerge} merges them; PRODUCES edges come from the events stored
 * through the {@link ObservationSink}. One suite, run against every storage: a subclass supplies a fresh, empty
 * storage per test (see {@code ClickHouseStorageTest}).
 *
 * <p>Dependency windows start and end on whole minutes: stores may count produced records per minute.
 */
public abstract class FlowModelStoreContract {
    private static final Instant T = Instant.parse("2026-11-22T10:00:00Z");

    /** The seams under test, over one storage. */
    public record FlowModelStore(InstanceWriter writer, FlowModelReader flows, DependencyReader dependencies,
                                 ObservationSink events, SpanSink spans) {
    }

    /** A fresh, empty storage; called before each test. The subclass closes what it opened. */
    protected abstract FlowModelStore storage();

    private InstanceWriter writer;
    private FlowModelReader flows;
    private DependencyReader dependencies;
    private ObservationSink events;
    private SpanSink spans;

    @BeforeEach
    void openStorage() {
        FlowModelStore s = storage();
        writer = s.writer();
        flows = s.flows();
        dependencies = s.dependencies();
        events = s.events();
        spans = s.spans();
    }

    /**
     * What one owner learned of the order flow from {@code placed} instances: {@code paid} of them paid and
     * the rest failed; p50 latencies in ms as given, p95 and p99 twice and thrice that.
     */
    private static FlowModel orders(long placed, long paid, double paidP50, double failedP50) {
        long failed = placed - paid;
        return new FlowModel("OrderPlaced", placed,
                List.of(new FlowModel.Node("OrderPlaced", placed), new FlowModel.Node("PaymentCaptured", paid),
                        new FlowModel.Node("PaymentFailed", failed)),
                List.of(new FlowModel.Transition("OrderPlaced", "PaymentCaptured", paid, (double) paid / placed,
                                paidP50, 2 * paidP50, 3 * paidP50),
                        new FlowModel.Transition("OrderPlaced", "PaymentFailed", failed, (double) failed / placed,
                                failedP50, 2 * failedP50, 3 * failedP50)),
                Map.of("OrderPlaced", placed), Map.of("PaymentCaptured", paid, "PaymentFailed", failed),
                List.of("PaymentCaptured"), Map.of(DeviationKind.OUT_OF_ORDER, 1L, DeviationKind.DUPLICATE, 2L), 1.0 / placed);
    }

    private static FlowModel signup(long instances) {
        return new FlowModel("SignupStarted", instances, List.of(new FlowModel.Node("SignupStarted", instances)),
                List.of(), Map.of("SignupStarted", instances), Map.of("SignupStarted", instances), List.of(), Map.of(), 0);
    }

    private static Edge consumes(String service, String topic, long count, double rate, double p50Ms, String evidence,
                                 String... eventTypes) {
        return new Edge(EdgeRole.CONSUMES, service, topic, Set.of(eventTypes), count, rate, p50Ms, 2 * p50Ms, Set.of(evidence));
    }

    private static DependencyMap map(Edge... edges) {
        List<Node> nodes = new ArrayList<>();
        for (Edge e : edges) {
            nodes.add(new Node(NodeKind.SERVICE, e.service()));
            nodes.add(new Node(NodeKind.TOPIC, e.topic()));
        }
        return new DependencyMap(nodes.stream().distinct().toList(), List.of(edges));
    }

    private static Observation produced(String topic, int partition, long offset, Instant ts, String service, String type) {
        return Observation.builder(topic, partition, offset, ts).correlationId("c-" + offset).sourceService(service)
                .eventType(type).build();
    }

    private static List<Edge> edges(DependencyMap m, EdgeRole role) {
        return m.edges().stream().filter(e -> e.role() == role).toList();
    }

    // --- FlowModelReader ---

    @Test
    protected void flowModelOfOneOwnerReadsBackEqual() {
        FlowModel m = orders(10, 7, 120.5, 80.25);

        writer.writeFlowModels("all", List.of(m, signup(3)), T);

        assertThat(flows.flowModel("OrderPlaced")).contains(m);
        assertThat(flows.flowModel("SignupStarted")).contains(signup(3));
        assertThat(flows.flowModelsOf("all")).isEqualTo(Map.of("OrderPlaced", m, "SignupStarted", signup(3)));
    }

    @Test
    protected void flowModelIsMergedOverOwnersAsModelMergeDoes() {
        FlowModel p0 = orders(10, 7, 100, 50);
        FlowModel p1 = orders(30, 27, 200, 60);

        writer.writeFlowModels("p0", List.of(p0), T);
        writer.writeFlowModels("p1", List.of(p1, signup(4)), T);

        FlowModel merged = flows.flowModel("OrderPlaced").orElseThrow();
        assertThat(merged).isEqualTo(ModelMerge.flow(List.of(p0, p1)));
        assertThat(merged.instances()).isEqualTo(40);
        assertThat(merged.transition("OrderPlaced", "PaymentCaptured").count()).isEqualTo(34);
        assertThat(flows.flowModel("SignupStarted")).contains(signup(4));
        assertThat(flows.flowModelsOf("p0")).isEqualTo(Map.of("OrderPlaced", p0));
        assertThat(flows.flowModelsOf("p1")).isEqualTo(Map.of("OrderPlaced", p1, "SignupStarted", signup(4)));
    }

    /** The engine's sketch mapping (1% relative accuracy), as the model keeps it. */
    private static final double GAMMA = LatencySketch.cubicGamma(0.01);

    /** A sketch holding {@code countsByIndex} = {index, count, index, count, ...} and {@code zeros} samples of 0 ms. */
    private static LatencySketch sketch(long zeros, int... countsByIndex) {
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        for (int i = 0; i < countsByIndex.length; i += 2) {
            min = Math.min(min, countsByIndex[i]);
            max = Math.max(max, countsByIndex[i]);
        }
        long[] counts = new long[max - min + 1];
        for (int i = 0; i < countsByIndex.length; i += 2) {
            counts[countsByIndex[i] - min] += countsByIndex[i + 1];
        }
        return new LatencySketch(GAMMA, 0, 1024, zeros, min, counts);
    }

    /** {@link #orders} with latency sketches behind the paid transition's percentiles. */
    private static FlowModel ordersWithSketch(long placed, LatencySketch paid) {
        FlowModel m = orders(placed, paid.count(), 0, 10);
        List<FlowModel.Transition> ts = new ArrayList<>();
        for (FlowModel.Transition t : m.transitions()) {
            ts.add(!t.to().equals("PaymentCaptured") ? t : new FlowModel.Transition(t.from(), t.to(), t.count(),
                    t.probability(), paid.quantile(0.5), paid.quantile(0.95), paid.quantile(0.99), 0, paid));
        }
        return new FlowModel(m.flow(), m.instances(), m.nodes(), ts, m.startCounts(), m.endCounts(), m.learnedEnds(),
                m.deviationCounts(), m.orderingViolationRate());
    }

    @Test
    protected void latencySketchesReadBackUnchanged() {
        FlowModel m = ordersWithSketch(40, sketch(3, 120, 7, 121, 1, 400, 2_000_000_000, 1144, 1));

        writer.writeFlowModels("all", List.of(m), T);

        assertThat(flows.flowModel("OrderPlaced")).contains(m);
        assertThat(flows.flowModel("OrderPlaced").orElseThrow().transition("OrderPlaced", "PaymentCaptured").latency()
                .counts()).hasSize(1024); // 120..1144 is 1025 bins: 120 collapsed into 121, as the engine's store does
    }

    /**
     * Issue 19 item 4: the instances of one flow spread over two owners (one fast, one slow) read back with the
     * percentiles of all their latencies together, not a count-weighted mean of each owner's percentiles.
     */
    @Test
    protected void aModelSplitOverTwoOwnersReadsBackWithThePercentilesOfTheWhole() {
        LatencySketch fast = sketch(1, 200, 5, 201, 3, 260, 1);                 // about 50-80 ms
        LatencySketch slow = sketch(0, 330, 1, 340, 2, 345, 8, 420, 1);         // about 0.6-6 s
        LatencySketch whole = sketch(1, 200, 5, 201, 3, 260, 1, 330, 1, 340, 2, 345, 8, 420, 1);
        writer.writeFlowModels("p0", List.of(ordersWithSketch(12, fast)), T);
        writer.writeFlowModels("p1", List.of(ordersWithSketch(15, slow)), T);

        FlowModel.Transition paid = flows.flowModel("OrderPlaced").orElseThrow().transition("OrderPlaced", "PaymentCaptured");

        assertThat(paid.count()).isEqualTo(22);
        assertThat(paid.latency()).isEqualTo(whole);
        assertThat(new double[] {paid.p50Ms(), paid.p95Ms(), paid.p99Ms()})
                .containsExactly(whole.quantile(0.5), whole.quantile(0.95), whole.quantile(0.99));
        // what the mean of the owners' medians would say instead: far from the whole's median
        double meanOfMedians = (fast.quantile(0.5) * 10 + slow.quantile(0.5) * 12) / 22;
        assertThat(paid.p50Ms()).isNotCloseTo(meanOfMedians, within(meanOfMedians * 0.05));
        // the failed transitions carry no sketch: merged as before, the count-weighted mean (approximate)
        assertThat(flows.flowModel("OrderPlaced").orElseThrow().transition("OrderPlaced", "PaymentFailed").latency()).isNull();
    }

    @Test
    protected void consumerDelaysSplitOverTwoOwnersReadBackWithThePercentilesOfTheWhole() {
        LatencySketch fast = sketch(0, 150, 9);
        LatencySketch slow = sketch(0, 400, 2, 410, 1);
        LatencySketch whole = sketch(0, 150, 9, 400, 2, 410, 1);
        writer.writeDependencyMap("p0", map(new Edge(EdgeRole.CONSUMES, "billing", "orders", Set.of("OrderPlaced"), 9,
                0.9, fast.quantile(0.5), fast.quantile(0.99), Set.of("span"), Set.of(), null, fast)), T);
        writer.writeDependencyMap("p1", map(new Edge(EdgeRole.CONSUMES, "billing", "orders", Set.of("OrderPlaced"), 3,
                0.3, slow.quantile(0.5), slow.quantile(0.99), Set.of("span"), Set.of(), null, slow)), T);

        Edge billing = edges(dependencies.dependencies(T, T.plusSeconds(600)), EdgeRole.CONSUMES).get(0);

        assertThat(billing.count()).isEqualTo(12);
        assertThat(billing.delay()).isEqualTo(whole);
        assertThat(new double[] {billing.p50Ms(), billing.p99Ms()}).containsExactly(whole.quantile(0.5), whole.quantile(0.99));
    }

    @Test
    protected void writingAnOwnersModelsReplacesThatOwnersModelOfEachFlowOnly() {
        writer.writeFlowModels("p0", List.of(orders(10, 7, 100, 50), signup(1)), T);
        writer.writeFlowModels("p1", List.of(orders(5, 5, 100, 0)), T);

        FlowModel newer = orders(12, 8, 110, 55);
        writer.writeFlowModels("p0", List.of(newer), T.plusSeconds(30));

        assertThat(flows.flowModelsOf("p0")).isEqualTo(Map.of("OrderPlaced", newer, "SignupStarted", signup(1)));
        assertThat(flows.flowModelsOf("p1")).isEqualTo(Map.of("OrderPlaced", orders(5, 5, 100, 0)));
        assertThat(flows.flowModel("OrderPlaced")).contains(ModelMerge.flow(List.of(newer, orders(5, 5, 100, 0))));
        assertThat(flows.flowModel("SignupStarted")).contains(signup(1));
    }

    @Test
    protected void flowNamesAreSortedAndEachOnce() {
        writer.writeFlowModels("p1", List.of(signup(1), orders(2, 1, 1, 1)), T);
        writer.writeFlowModels("p0", List.of(orders(2, 1, 1, 1)), T);
        writer.writeFlowModels("p0", List.of(orders(3, 1, 1, 1)), T);

        assertThat(flows.flowNames()).containsExactly("OrderPlaced", "SignupStarted");
    }

    /**
     * A flow an owner retracts (its only instance turned out to start elsewhere) is no longer listed, read or merged
     * for that owner; another owner's model of it stays, and a later model of it from the same owner counts again.
     */
    @Test
    protected void aRetractedFlowIsNoLongerListedForItsOwner() {
        writer.writeFlowModels("p0", List.of(orders(4, 3, 100, 50), signup(1)), T);
        writer.writeFlowModels("p1", List.of(signup(2)), T);
        assertThat(flows.flowNames()).containsExactly("OrderPlaced", "SignupStarted");

        writer.retractFlowModels("p0", List.of("SignupStarted"), T.plusSeconds(5));

        assertThat(flows.flowModelsOf("p0")).isEqualTo(Map.of("OrderPlaced", orders(4, 3, 100, 50)));
        assertThat(flows.flowModel("SignupStarted")).contains(signup(2));
        assertThat(flows.flowNames()).containsExactly("OrderPlaced", "SignupStarted");

        writer.retractFlowModels("p1", List.of("SignupStarted"), T.plusSeconds(6));

        assertThat(flows.flowNames()).containsExactly("OrderPlaced");
        assertThat(flows.flowModel("SignupStarted")).isEmpty();
        assertThat(flows.flowModelsOf("p1")).isEmpty();

        writer.writeFlowModels("p1", List.of(signup(3)), T.plusSeconds(7));
        writer.retractFlowModels("p0", List.of(), T.plusSeconds(8));

        assertThat(flows.flowNames()).containsExactly("OrderPlaced", "SignupStarted");
        assertThat(flows.flowModel("SignupStarted")).contains(signup(3));
    }

    @Test
    protected void unknownFlowsAndOwnersHaveNoModels() {
        writer.writeFlowModels("p0", List.of(signup(1)), T);

        assertThat(flows.flowModel("NoSuchFlow")).isEmpty();
        assertThat(flows.flowModel("SignupStarted' OR '1'='1")).isEmpty();
        assertThat(flows.flowModelsOf("p9")).isEmpty();
    }

    /** JDBC escape sequences in a flow name are data: the model document and the name read back unchanged. */
    @Test
    protected void flowNamesWithJdbcEscapeSequencesReadBackVerbatim() {
        String name = "Order{ts '2020-01-01 10:00:00'}{fn now()}";
        FlowModel m = new FlowModel(name, 2, List.of(new FlowModel.Node(name, 2), new FlowModel.Node("{d '2020-01-01'}", 1)),
                List.of(new FlowModel.Transition(name, "{d '2020-01-01'}", 1, 0.5, 10, 20, 30)),
                Map.of(name, 2L), Map.of("{d '2020-01-01'}", 1L), List.of("{d '2020-01-01'}"), Map.of(), 0);

        writer.writeFlowModels("{fn owner()}", List.of(m), T);

        assertThat(flows.flowNames()).containsExactly(name);
        assertThat(flows.flowModel(name)).contains(m);
        assertThat(flows.flowModelsOf("{fn owner()}")).isEqualTo(Map.of(name, m));
        assertThat(flows.flowModel("Ordernow()")).isEmpty();
    }

    @Test
    protected void nothingPersistedReadsEmpty() {
        writer.writeFlowModels("p0", List.of(), T);

        assertThat(flows.flowNames()).isEmpty();
        assertThat(dependencies.dependencies(T, T.plusSeconds(600)).edges()).isEmpty();
        assertThat(dependencies.dependencies(T, T.plusSeconds(600)).nodes()).isEmpty();
    }

    // --- DependencyReader ---

    @Test
    protected void consumesEdgesAreMergedOverOwnersAndAnOwnersNewestMapWins() {
        writer.writeDependencyMap("p0", map(consumes("billing", "orders", 100, 1.0, 50, "span", "OrderPlaced")), T);
        writer.writeDependencyMap("p0", map(consumes("billing", "orders", 10, 0.1, 20, "span", "OrderPlaced"),
                consumes("shipping", "payments", 4, 0.04, Double.NaN, "consumer-group", "PaymentCaptured")), T.plusSeconds(1));
        writer.writeDependencyMap("p1", map(consumes("billing", "orders", 30, 0.3, 40, "consumer-group", "OrderAmended")), T);

        DependencyMap m = dependencies.dependencies(T, T.plusSeconds(600));

        assertThat(edges(m, EdgeRole.CONSUMES)).containsExactlyInAnyOrderElementsOf(ModelMerge.dependencies(List.of(
                map(consumes("billing", "orders", 10, 0.1, 20, "span", "OrderPlaced"),
                        consumes("shipping", "payments", 4, 0.04, Double.NaN, "consumer-group", "PaymentCaptured")),
                map(consumes("billing", "orders", 30, 0.3, 40, "consumer-group", "OrderAmended")))).edges());
        Edge billing = edges(m, EdgeRole.CONSUMES).stream().filter(e -> e.service().equals("billing")).findFirst().orElseThrow();
        assertThat(billing.count()).isEqualTo(40);
        assertThat(billing.ratePerSecond()).isCloseTo(0.4, within(1e-9));
        assertThat(billing.p50Ms()).isCloseTo((20 * 10 + 40 * 30) / 40.0, within(1e-9));
        assertThat(billing.eventTypes()).containsExactlyInAnyOrder("OrderPlaced", "OrderAmended");
        assertThat(billing.evidence()).containsExactlyInAnyOrder("span", "consumer-group");
        assertThat(m.nodes()).containsExactly(new Node(NodeKind.SERVICE, "billing"), new Node(NodeKind.SERVICE, "shipping"),
                new Node(NodeKind.TOPIC, "orders"), new Node(NodeKind.TOPIC, "payments"));
    }

    @Test
    protected void producesEdgesCountTheStoredEventsOfTheWindowWithTheirRate() throws Exception {
        Instant from = T;
        Instant to = T.plus(Duration.ofMinutes(10));
        events.accept(List.of(
                produced("orders", 0, 0, from, "orders", "OrderPlaced"),
                produced("orders", 1, 0, from.plusSeconds(90), "orders", "OrderPlaced"),
                produced("orders", 0, 1, to.minusMillis(1), "orders", "OrderAmended"),
                produced("orders", 0, 2, from.minusMillis(1), "orders", "OrderPlaced"),
                produced("orders", 0, 3, to, "orders", "OrderPlaced"),
                produced("payments", 0, 0, from.plusSeconds(30), "payments", "PaymentCaptured"),
                produced("payments", 0, 1, from.plusSeconds(31), null, "PaymentCaptured"),
                produced("orders", 2, 0, from.plusSeconds(40), "backoffice", null)));
        // A learned PRODUCES edge is not shown: produced records are counted from the stored events.
        writer.writeDependencyMap("all", map(new Edge(EdgeRole.PRODUCES, "legacy", "orders", Set.of("OrderPlaced"), 99, 9,
                Double.NaN, Double.NaN, Set.of("span"))), T);

        DependencyMap m = dependencies.dependencies(from, to);

        assertThat(edges(m, EdgeRole.PRODUCES)).containsExactlyInAnyOrder(
                new Edge(EdgeRole.PRODUCES, "backoffice", "orders", Set.of(), 1, 1 / 600.0, Double.NaN, Double.NaN, Set.of("observation")),
                new Edge(EdgeRole.PRODUCES, "orders", "orders", Set.of("OrderPlaced", "OrderAmended"), 3, 3 / 600.0,
                        Double.NaN, Double.NaN, Set.of("observation")),
                new Edge(EdgeRole.PRODUCES, "payments", "payments", Set.of("PaymentCaptured"), 1, 1 / 600.0,
                        Double.NaN, Double.NaN, Set.of("observation")));
        assertThat(m.nodes()).containsExactly(new Node(NodeKind.SERVICE, "backoffice"), new Node(NodeKind.SERVICE, "orders"),
                new Node(NodeKind.SERVICE, "payments"), new Node(NodeKind.TOPIC, "orders"), new Node(NodeKind.TOPIC, "payments"));
        assertThat(dependencies.dependencies(to, to.plus(Duration.ofMinutes(10))).edges()).singleElement()
                .satisfies(e -> assertThat(e.count()).isOne());
    }

    @Test
    protected void topicRatesAreEventsPerSecondOverTheLastFiveMinutes() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<Observation> batch = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            batch.add(produced("orders", 0, i, now.minusSeconds(10 + i), "orders", "OrderPlaced"));
        }
        batch.add(produced("payments", 0, 0, now.minusSeconds(5), null, null));
        batch.add(produced("archive", 0, 0, now.minus(Duration.ofMinutes(30)), "orders", "OrderPlaced"));
        events.accept(batch);

        Map<String, Double> rates = dependencies.topicRates();

        assertThat(rates).containsOnlyKeys("orders", "payments");
        assertThat(rates.get("orders")).isCloseTo(30 / 300.0, within(1e-9));
        assertThat(rates.get("payments")).isCloseTo(1 / 300.0, within(1e-9));
    }

    private static int spanIds;

    private static Span messagingSpan(String kind, String service, String topic, String group, Instant start) {
        String id = String.format("%016x", ++spanIds);
        return new Span(String.format("%032x", spanIds), id, null, service, kind + " " + topic, kind, start, 1_000_000,
                "OK", Map.of(), "kafka", topic, null, null, group, null);
    }

    @Test
    protected void spanDependenciesCountMessagingSpansOfTheWindowOnTheProducesBasis() throws Exception {
        Instant from = T;
        Instant to = T.plus(Duration.ofMinutes(10));
        List<Span> batch = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            batch.add(messagingSpan("PRODUCER", "orders", "orders", null, from.plusSeconds(60L * i)));
            batch.add(messagingSpan("CONSUMER", "billing", "orders", "billing-group", from.plusSeconds(60L * i + 1)));
        }
        batch.add(messagingSpan("CONSUMER", "billing", "orders", "billing-group", from.minusMillis(1))); // before
        batch.add(messagingSpan("CONSUMER", "billing", "orders", "billing-group", to)); // after
        batch.add(messagingSpan("INTERNAL", "billing", "orders", null, from.plusSeconds(5))); // not messaging
        batch.add(messagingSpan("CONSUMER", "x'); DROP TABLE spans; --", "<b>t</b>", "g'1", from.plusSeconds(7)));
        spans.accept(batch);

        DependencyMap m = dependencies.spanDependencies(from, to);

        assertThat(m.edges()).containsExactlyInAnyOrder(
                new Edge(EdgeRole.CONSUMES, "billing", "orders", Set.of(), 6, 6 / 600.0, Double.NaN, Double.NaN, Set.of("span")),
                new Edge(EdgeRole.CONSUMES, "x'); DROP TABLE spans; --", "<b>t</b>", Set.of(), 1, 1 / 600.0, Double.NaN,
                        Double.NaN, Set.of("span")),
                new Edge(EdgeRole.PRODUCES, "orders", "orders", Set.of(), 6, 6 / 600.0, Double.NaN, Double.NaN, Set.of("span")));
        assertThat(dependencies.consumerGroupServices(from, to))
                .isEqualTo(Map.of("billing-group", "billing", "g'1", "x'); DROP TABLE spans; --"));
        assertThat(dependencies.spanDependencies(to.plus(Duration.ofHours(1)), to.plus(Duration.ofHours(2))).edges()).isEmpty();
    }

    private static Observation deadLetter(String exchange, long offset, Instant ts, String type, String queue, boolean redriven) {
        List<Header> headers = new ArrayList<>(List.of(Header.of(DeadLetters.RABBITMQ_DEATH_EXCHANGE, "orders"),
                Header.of(DeadLetters.RABBITMQ_DEATH_QUEUE, queue), Header.of(DeadLetters.RABBITMQ_DEATH_REASON, "rejected")));
        if (redriven) {
            headers.add(Header.of(Observation.REPLAY_ID_HEADER, "r-1"));
        }
        return Observation.builder(exchange, 0, offset, ts).correlationId("c-" + offset).eventType(type)
                .headers(headers).build();
    }

    @Test
    protected void rabbitMqDeadLettersAreCountedPerDeadLetterExchangeAndTheQueueTheyDiedIn() throws Exception {
        Instant from = T;
        Instant to = T.plus(Duration.ofMinutes(10));
        String dlx = "rabbitmq:orders.dlx";
        events.accept(List.of(
                deadLetter(dlx, 0, from.plusSeconds(1), "OrderPlaced", "billing-in", false),
                deadLetter(dlx, 1, from.plusSeconds(2), "OrderAmended", "billing-in", false),
                deadLetter(dlx, 2, from.plusSeconds(3), "OrderPlaced", "audit-in", false),
                deadLetter(dlx, 3, from.plusSeconds(4), "OrderPlaced", "billing-in", true), // redriven: not a dead letter
                deadLetter(dlx, 4, to, "OrderPlaced", "billing-in", false), // after the window
                deadLetter("rabbitmq:vh:x'); DROP TABLE events; --", 5, from.plusSeconds(5), "<b>x</b>", "q'1", false),
                produced("rabbitmq:orders", 0, 0, from.plusSeconds(1), "orders", "OrderPlaced"))); // not dead

        assertThat(dependencies.deadLettered(from, to)).containsExactlyInAnyOrder(
                new DependencyReader.DeadLettered(dlx, "billing-in", 2, Set.of("OrderPlaced", "OrderAmended")),
                new DependencyReader.DeadLettered(dlx, "audit-in", 1, Set.of("OrderPlaced")),
                new DependencyReader.DeadLettered("rabbitmq:vh:x'); DROP TABLE events; --", "q'1", 1, Set.of("<b>x</b>")));
        assertThat(dependencies.deadLettered(to.plus(Duration.ofMinutes(1)), to.plus(Duration.ofMinutes(10)))).isEmpty();
    }

    @Test
    protected void kafkaTopicsOfDeadLettersAreNamedByTheirHeaders() throws Exception {
        Instant from = T;
        Instant to = T.plus(Duration.ofMinutes(10));
        String hostile = "orders-<script>x</script>'; DROP TABLE events; --";
        events.accept(List.of(
                withHeader("orders-failed", 0, from.plusSeconds(1), "x-original-topic", "orders"),
                withHeader("orders-failed", 1, from.plusSeconds(2), "x-original-topic", "orders"),
                withHeader("connect-errors", 0, from.plusSeconds(3), "__connect.errors.topic", "payments"),
                withHeader(hostile, 0, from.plusSeconds(4), "kafka_dlt-original-topic", "orders"),
                withHeader("late-failures", 0, to, "x-original-topic", "orders"), // after the window
                withHeader("orders", 5, from.plusSeconds(5), "correlationId", "c-5"), // no original topic named
                deadLetter("rabbitmq:orders.dlx", 7, from.plusSeconds(6), "OrderPlaced", "billing-in", false))); // RabbitMQ's own rule

        assertThat(dependencies.deadLetterTopicsByHeaders(from, to))
                .containsExactly("connect-errors", hostile, "orders-failed");
        assertThat(dependencies.deadLetterTopicsByHeaders(to.plus(Duration.ofMinutes(1)), to.plus(Duration.ofMinutes(10))))
                .isEmpty();
    }

    private static Observation withHeader(String topic, long offset, Instant ts, String header, String value) {
        return Observation.builder(topic, 0, offset, ts).correlationId("c-" + offset).sourceService("payments")
                .eventType("PaymentFailed").headers(List.of(Header.of(header, value))).build();
    }
}
