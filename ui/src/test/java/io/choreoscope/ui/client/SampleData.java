package io.choreoscope.ui.client;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import io.choreoscope.model.Span;
import io.choreoscope.model.api.AlertFiringView;
import io.choreoscope.model.api.AlertKind;
import io.choreoscope.model.api.AlertRuleRequest;
import io.choreoscope.model.api.AlertRuleView;
import io.choreoscope.model.api.EventView;
import io.choreoscope.model.api.FlowSummary;
import io.choreoscope.model.api.InstanceDetail;
import io.choreoscope.model.api.ReplayMode;
import io.choreoscope.model.api.ReplayStatus;
import io.choreoscope.model.api.TopicInfo;
import io.choreoscope.model.api.WebhookFormat;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.Deviation;
import io.choreoscope.model.flow.DeviationKind;
import io.choreoscope.model.flow.EdgeKind;
import io.choreoscope.model.flow.ExpectedStep;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InstanceGraph;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.model.flow.StuckCause;
import io.choreoscope.ui.shell.Formats;

/**
 * Deterministic sample data for the fake: three choreographed flows (an order saga with payment,
 * stock and shipping and its compensation, a sign-up flow and an invoice flow), with completed,
 * compensated, failed, stuck and running instances, payloads, headers, spans, flow models computed
 * from the instances, a dependency map and topics with lag. The same seed always gives the same data.
 * Also: alert rules (one firing, one pending, one silenced, one disabled) with a firing history, two
 * dead-letter topics to redrive (one of whose records names no original topic and one carries markup),
 * and a replay audit. Stuck orders carry each cause kind but the consumer-activity ones (dead-lettered, error span,
 * consumed and silent), and most were placed for warehouse {@value #SUSPECT_WAREHOUSE}, a value over-represented among
 * them, which the fake serves as the order flow's suspect.
 */
public final class SampleData {

    /** An order that went all the way to OrderShipped. */
    public static final String COMPLETED_ORDER = "ord-4711";
    /** An order waiting for StockReserved far longer than its bound. */
    public static final String STUCK_ORDER = "ord-4712";
    /** An order whose stock reservation failed: payment refunded, order cancelled. */
    public static final String COMPENSATED_ORDER = "ord-4713";
    /** An order with a payload larger than the 64 KiB cut and one containing markup. */
    public static final String LARGE_PAYLOAD_ORDER = "ord-4714";
    /** The payment ID linked to {@link #COMPLETED_ORDER}. */
    public static final String COMPLETED_ORDER_PAYMENT_ID = "pay-90210";

    public static final String ORDER_FLOW = "OrderPlaced";
    public static final String SIGNUP_FLOW = "UserSignedUp";
    public static final String INVOICE_FLOW = "InvoiceIssued";

    /** Dead-letter topic whose records all name their original topic (Spring Kafka headers). */
    public static final String PAYMENTS_DLT = "payments.DLT";
    /** Dead-letter topic with one record that names no original topic (a redrive needs a target topic). */
    public static final String ORDERS_DLQ = "orders-dlq";
    /** Records stored on {@link #PAYMENTS_DLT} and {@link #ORDERS_DLQ}. */
    public static final int PAYMENTS_DLT_RECORDS = 3;
    public static final int ORDERS_DLQ_RECORDS = 3;
    /** A RabbitMQ dead-letter queue (of the shipping exchange's notifications) and the messages waiting in it. */
    public static final String RABBIT_DLQ = "shipping-notifications.dlq";
    public static final int RABBIT_DLQ_MESSAGES = 2;
    /** Markup inside a dead-letter payload of {@link #ORDERS_DLQ}: it must always be shown as text. */
    public static final String HOSTILE_NOTE = "<img src=x onerror=alert(1)>";
    /** Name of the sample rule that is firing for {@link #ORDER_FLOW}. */
    public static final String FIRING_RULE = "Orders completing";
    /** The warehouse most stuck orders were placed for ({@code /warehouse} of OrderPlaced): the order flow's suspect. */
    public static final String SUSPECT_WAREHOUSE = "north-3";
    private static final String OTHER_WAREHOUSE = "south-1";

    private record Step(String type, String service, String topic) {
    }

    private static final Map<String, Step> STEPS = new LinkedHashMap<>();

    static {
        step("OrderPlaced", "order-service", "orders");
        step("PaymentCaptured", "payment-service", "payments");
        step("PaymentDeclined", "payment-service", "payments");
        step("StockReserved", "inventory-service", "inventory");
        step("StockReservationFailed", "inventory-service", "inventory");
        step("PaymentRefunded", "payment-service", "payments");
        step("OrderCancelled", "order-service", "orders");
        step("OrderShipped", "shipping-service", "shipping");
        step("UserSignedUp", "identity-service", "identity");
        step("EmailVerified", "identity-service", "identity");
        step("ProfileCompleted", "profile-service", "profiles");
        step("WelcomeEmailSent", "mail-service", "mail");
        step("InvoiceIssued", "billing-service", "invoices");
        step("InvoicePaid", "payment-service", "payments");
        step("ReceiptSent", "mail-service", "mail");
    }

    private static void step(String type, String service, String topic) {
        STEPS.put(type, new Step(type, service, topic));
    }

    /** Consumer of each topic (the service that reacts to it), for spans and the dependency map. */
    private static final Map<String, List<String>> CONSUMERS = Map.of(
            "orders", List.of("payment-service"),
            "payments", List.of("inventory-service", "order-service", "mail-service"),
            "inventory", List.of("shipping-service", "payment-service"),
            "shipping", List.of("order-service"),
            "identity", List.of("profile-service", "identity-service"),
            "profiles", List.of("mail-service"),
            "invoices", List.of("payment-service"),
            "mail", List.of());

    private final Random rnd = new Random(42);
    private final Instant now;
    private final Map<String, Long> offsets = new HashMap<>();
    private final List<InstanceDetail> made = new ArrayList<>();
    /** Order ID -> the warehouse its OrderPlaced names. */
    private final Map<String, String> warehouses = new HashMap<>();

    private SampleData(Instant now) {
        this.now = now;
    }

    /** Fills {@code api} with the sample data as of {@code now}. */
    /**
     * Puts an instance {@code id} with {@code n} events (copies of the completed order's first event on successive
     * offsets, a second apart) into the fake: more than one page of events (the API answers 50 a page).
     */
    public static void putManyEvents(FakeChoreoscopeApi api, String id, int n) {
        InstanceDetail d = api.instance(COMPLETED_ORDER, Integer.MAX_VALUE);
        EventView e = d.events().get(0);
        List<EventView> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            events.add(new EventView(e.topic(), e.partition(), 10_000 + i, e.timestamp().plusSeconds(i), e.ingestTime(),
                    e.key(), e.headers(), "{\"n\":" + i + "}", "text", false, 8, e.contentType(), id, "ev-" + i,
                    e.eventType(), e.sourceService(), e.causationId(), e.traceId(), e.spanId(), e.parseStatus(), e.parseError(),
                    false));
        }
        InstanceSnapshot s = d.snapshot();
        InstanceSnapshot many = new InstanceSnapshot(id, java.util.Set.of(id), s.flow(), s.state(), s.reason(), s.startedAt(),
                s.lastEventAt(), n, 0, s.lastEventType(), s.lastService(), s.expectedNext(), s.deviations());
        api.putInstance(InstanceDetail.whole(many, events, List.of(), new InstanceGraph(id, List.of(), List.of(), 0, 0)));
    }

    /**
     * Makes the sample sign-ups' WelcomeEmailSent caused by their UserSignedUp (sent in parallel with the verification,
     * its causation ID naming the sign-up's event ID, and the instance graph's edge into it from the sign-up) instead
     * of by ProfileCompleted; their order in time is unchanged, so only what is drawn by cause differs.
     */
    public static void welcomeMailCausedBySignUp(FakeChoreoscopeApi api) {
        for (InstanceSnapshot snap : api.instances(InstanceQuery.ofFlow(SIGNUP_FLOW).withLimit(500)).items()) {
            InstanceDetail d = api.instance(snap.correlationId(), 0);
            String signUp = d.events().get(0).eventId();
            List<EventView> events = d.events().stream()
                    .map(e -> e.eventType().equals("WelcomeEmailSent") ? causedBy(e, signUp) : e).toList();
            // the instance graph's edge into WelcomeEmailSent from its cause, the sign-up (node 0), as the backend draws it
            List<InstanceGraph.Edge> edges = d.graph().edges().stream().map(e ->
                    d.graph().nodes().get(e.to()).eventType().equals("WelcomeEmailSent")
                            ? new InstanceGraph.Edge(0, e.to(), EdgeKind.CAUSATION) : e).toList();
            InstanceGraph graph = new InstanceGraph(d.graph().correlationId(), d.graph().nodes(), edges,
                    d.graph().duplicates(), d.graph().rejectedEdges());
            api.putInstance(new InstanceDetail(d.snapshot(), events, d.spans(), graph, d.eventsTotal(),
                    d.eventsNextCursor()));
        }
    }

    private static EventView causedBy(EventView e, String cause) {
        return new EventView(e.topic(), e.partition(), e.offset(), e.timestamp(), e.ingestTime(), e.key(), e.headers(),
                e.payload(), e.payloadEncoding(), e.payloadTruncated(), e.payloadSize(), e.contentType(), e.correlationId(),
                e.eventId(), e.eventType(), e.sourceService(), cause, e.traceId(), e.spanId(), e.parseStatus(),
                e.parseError(), e.replayed(), e.bus(), e.decodedPayload(), e.schema());
    }

    /**
     * Adds {@code count} completed orders of the order flow that took {@code path}, started one a minute from
     * {@code firstStart} on (for comparisons between windows); IDs {@code idPrefix-0}, {@code idPrefix-1}, ...
     */
    public static void placeOrders(FakeChoreoscopeApi api, Instant now, String idPrefix, List<String> path,
                                   Instant firstStart, int count) {
        SampleData d = new SampleData(now);
        for (int i = 0; i < count; i++) {
            d.instance(idPrefix + "-" + i, ORDER_FLOW, path, firstStart.plusSeconds(60L * i), InstanceState.COMPLETED,
                    Set.of(), List.of(), 0);
        }
        d.made.forEach(api::putInstance);
    }

    public static void fill(FakeChoreoscopeApi api, Instant now) {
        SampleData d = new SampleData(now);
        d.makeOrders();
        d.makeSignups();
        d.makeInvoices();
        for (InstanceDetail i : d.made) {
            api.putInstance(i);
        }
        for (String flow : List.of(ORDER_FLOW, SIGNUP_FLOW, INVOICE_FLOW)) {
            List<InstanceDetail> of = d.made.stream().filter(i -> i.snapshot().flow().equals(flow)).toList();
            api.putModel(model(flow, of));
            api.putFlow(summary(flow, of, now));
        }
        api.setDependencies(dependencies(d.made));
        api.setTopics(topics());
        api.setExchanges(exchanges());
        api.suspects.put(ORDER_FLOW, d.warehouseSuspects());
        d.deadLetters(api);
        d.alerts(api);
        d.pastReplays(api);
    }

    /**
     * The suspects among the order warehouses, with the figures and thresholds docs/INFERENCE.md gives ("What stuck
     * instances have in common"): stuck or failed orders (b of B) against completed ones (g of G), lift =
     * (b/B) / ((g+1)/(G+1)), listed when b >= 3, b/B >= 10% and lift >= 2.
     */
    private List<io.choreoscope.model.api.Suspect> warehouseSuspects() {
        List<io.choreoscope.model.api.Suspect> out = new ArrayList<>();
        for (String w : List.of(SUSPECT_WAREHOUSE, OTHER_WAREHOUSE)) {
            long bigB = 0;
            long b = 0;
            long bigG = 0;
            long g = 0;
            for (InstanceDetail i : made) {
                InstanceSnapshot s = i.snapshot();
                if (!ORDER_FLOW.equals(s.flow())) {
                    continue;
                }
                boolean holds = w.equals(warehouses.get(s.correlationId()));
                if (s.state() == InstanceState.STUCK || s.state() == InstanceState.FAILED) {
                    bigB++;
                    b += holds ? 1 : 0;
                } else if (s.state() == InstanceState.COMPLETED) {
                    bigG++;
                    g += holds ? 1 : 0;
                }
            }
            double stuckShare = bigB == 0 ? 0 : (double) b / bigB;
            double lift = stuckShare / ((g + 1.0) / (bigG + 1.0));
            if (b >= 3 && stuckShare >= 0.1 && lift >= 2) {
                out.add(new io.choreoscope.model.api.Suspect("OrderPlaced", io.choreoscope.model.SuspectReader.Source.PAYLOAD,
                        "/warehouse", w, b, stuckShare, g, bigG == 0 ? 0 : (double) g / bigG, lift));
            }
        }
        return out;
    }

    // --- dead letters, alerts, replays -----------------------------------------------------------------

    private void deadLetters(FakeChoreoscopeApi api) {
        List<EventView> payments = new ArrayList<>();
        for (int i = 0; i < PAYMENTS_DLT_RECORDS; i++) {
            String order = "ord-" + (5200 + i * 3);
            long original = 900 + i * 17L;
            payments.add(deadLetter(PAYMENTS_DLT, i, order, "PaymentCaptured", "payment-service",
                    List.of(header("kafka_dlt-original-topic", "payments"),
                            header("kafka_dlt-original-partition", String.valueOf(i % 3)),
                            header("kafka_dlt-original-offset", String.valueOf(original)),
                            header("kafka_dlt-exception-fqcn", "org.springframework.dao.QueryTimeoutException"),
                            header("kafka_dlt-exception-message", "ledger write timed out after 5000 ms")),
                    "{\"type\":\"PaymentCaptured\",\"orderId\":\"" + order + "\",\"amount\":{\"value\":" + (40 + i * 7)
                            + ".50,\"currency\":\"EUR\"}}", now.minusSeconds(1800 - i * 300L)));
        }
        api.putTopicRecords(PAYMENTS_DLT, payments);
        api.putTopicRecords(ORDERS_DLQ, List.of(
                deadLetter(ORDERS_DLQ, 0, "ord-5301", "OrderPlaced", "order-service",
                        List.of(header("x-original-topic", "orders"), header("x-original-partition", "2"),
                                header("x-original-offset", "4410"), header("x-exception-message", "schema v3 unknown")),
                        "{\"type\":\"OrderPlaced\",\"orderId\":\"ord-5301\",\"schema\":3}", now.minusSeconds(2400)),
                deadLetter(ORDERS_DLQ, 1, "ord-5302", "OrderPlaced", "order-service",
                        List.of(header("x-original-topic", "orders"), header("x-exception-message", "note rejected")),
                        "{\"type\":\"OrderPlaced\",\"orderId\":\"ord-5302\",\"note\":\"" + HOSTILE_NOTE + "\"}",
                        now.minusSeconds(1300)),
                deadLetter(ORDERS_DLQ, 2, "ord-5303", "OrderPlaced", "legacy-importer",
                        List.of(header("x-exception-message", "written by hand, no original topic")),
                        "{\"type\":\"OrderPlaced\",\"orderId\":\"ord-5303\"}", now.minusSeconds(700))));
    }

    private static EventView.HeaderView header(String name, String value) {
        return new EventView.HeaderView(name, value, "text");
    }

    private EventView deadLetter(String topic, long offset, String order, String type, String service,
                                 List<EventView.HeaderView> dltHeaders, String payload, Instant at) {
        List<EventView.HeaderView> headers = new ArrayList<>();
        headers.add(header("correlationId", order));
        headers.add(header("eventType", type));
        headers.add(header("content-type", "application/json"));
        headers.addAll(dltHeaders);
        return new EventView(topic, 0, offset, at, at.plusMillis(40), order, headers, payload, "text", false,
                payload.length(), "application/json", order, "evt-" + hex(6), type, service, null, null, null, "OK",
                null, false);
    }

    private void alerts(FakeChoreoscopeApi api) {
        AlertRuleView completion = api.createAlertRule(new AlertRuleRequest(FIRING_RULE, ORDER_FLOW, null,
                AlertKind.COMPLETION_RATE_BELOW, 95.0, 600_000L, 60_000L, 2.0,
                "https://hooks.slack.example/services/T0001/B0001", WebhookFormat.SLACK, true));
        AlertRuleView stuck = api.createAlertRule(new AlertRuleRequest("Sign-ups stuck", SIGNUP_FLOW, null,
                AlertKind.STUCK_INSTANCES_ABOVE, 3.0, null, 300_000L, 1.0, null, null, true));
        AlertRuleView dlt = api.createAlertRule(new AlertRuleRequest("Dead letters arriving", null, null,
                AlertKind.DEAD_LETTER_GROWTH_ABOVE, 0.0, 900_000L, 0L, 0.0, "https://pager.invalid/choreoscope",
                WebhookFormat.GENERIC, true));
        api.createAlertRule(new AlertRuleRequest("Checkout p95", null, null, AlertKind.P95_DURATION_ABOVE, 5000.0,
                300_000L, 120_000L, 250.0, null, null, false));
        api.silenceAlertRule(dlt.id(), now.plus(Duration.ofHours(2)));
        api.setAlertSeries(completion.id(), List.of(ORDER_FLOW), List.of());
        api.setAlertSeries(stuck.id(), List.of(), List.of(SIGNUP_FLOW));
        api.setAlertSeries(dlt.id(), List.of(PAYMENTS_DLT), List.of());

        api.addFiring(new AlertFiringView(0, completion.id(), completion.name(), completion.kind(), ORDER_FLOW, 95.0,
                91.2, now.minusSeconds(7300), now.minusSeconds(7240), now.minusSeconds(6600), 97.4, "recovered", false,
                false, "resolved delivered (200) after 1 attempt"));
        api.addFiring(new AlertFiringView(0, dlt.id(), dlt.name(), dlt.kind(), "test", 0.0, null, null,
                now.minusSeconds(5400), now.minusSeconds(5400), null, "test", true, false,
                FakeAlerts.delivery("https://pager.invalid/choreoscope")));
        api.addFiring(new AlertFiringView(0, dlt.id(), dlt.name(), dlt.kind(), PAYMENTS_DLT, 0.0, 3.0,
                now.minusSeconds(1800), now.minusSeconds(1800), null, null, null, false, true, null));
        api.addFiring(new AlertFiringView(0, completion.id(), completion.name(), completion.kind(), ORDER_FLOW, 95.0,
                86.0, now.minusSeconds(960), now.minusSeconds(900), null, null, null, false, false,
                "firing delivered (200) after 2 attempts"));
    }

    private void pastReplays(FakeChoreoscopeApi api) {
        api.addPastReplay(ReplayMode.DEAD_LETTER, false, "mira", now.minusSeconds(86_400), now.minusSeconds(86_380),
                120, 120, 0, 10, ReplayStatus.State.SUCCEEDED, "120 records sent", "dead-letter topic " + PAYMENTS_DLT);
        api.addPastReplay(ReplayMode.STUCK_LAST_EVENT, true, "jonas", now.minusSeconds(10_800), now.minusSeconds(10_800),
                4, 0, 0, 0, ReplayStatus.State.DRY_RUN, "dry run: 4 records would be sent",
                "last events of 4 instances: ord-1001, ord-1002, ord-1003, ord-1004");
        api.addPastReplay(ReplayMode.STUCK_LAST_EVENT, false, "jonas", now.minusSeconds(10_700), now.minusSeconds(10_690),
                4, 3, 1, 100, ReplayStatus.State.PARTIALLY_FAILED,
                "3 of 4 records sent, 1 failed: payments/1/812 -> payments: TimeoutException: Expiring 1 record(s)",
                "last events of 4 instances: ord-1001, ord-1002, ord-1003, ord-1004");
        api.addPastReplay(ReplayMode.EVENT, false, "anonymous", now.minusSeconds(3_600), now.minusSeconds(3_540),
                300, 112, 0, 5, ReplayStatus.State.CANCELLED, "cancelled after 112 of 300 records were sent",
                "300 events: orders/0/17, orders/0/18, orders/0/19, orders/0/20, orders/0/21, orders/0/22, orders/0/23, "
                        + "orders/0/24, orders/0/25, orders/0/26, orders/0/27, orders/0/28, orders/0/29, orders/0/30, "
                        + "orders/0/31, orders/0/32, orders/0/33, orders/0/34, orders/0/35, o\u2026");
    }

    // --- flows -----------------------------------------------------------------------------------------

    private void makeOrders() {
        List<String> happy = List.of("OrderPlaced", "PaymentCaptured", "StockReserved", "OrderShipped");
        List<String> compensated = List.of("OrderPlaced", "PaymentCaptured", "StockReservationFailed",
                "PaymentRefunded", "OrderCancelled");
        List<String> declined = List.of("OrderPlaced", "PaymentDeclined");
        instance(COMPLETED_ORDER, ORDER_FLOW, happy, now.minusSeconds(1260), InstanceState.COMPLETED,
                Set.of(COMPLETED_ORDER_PAYMENT_ID), List.of(), 4200);
        instance(STUCK_ORDER, ORDER_FLOW, happy.subList(0, 2), now.minusSeconds(1500), InstanceState.STUCK,
                Set.of(), List.of(), 0);
        instance(COMPENSATED_ORDER, ORDER_FLOW, compensated, now.minusSeconds(900), InstanceState.COMPENSATED,
                Set.of(), List.of(), 0);
        instance(LARGE_PAYLOAD_ORDER, ORDER_FLOW, happy, now.minusSeconds(600), InstanceState.COMPLETED,
                Set.of(), List.of(new Deviation(DeviationKind.DUPLICATE, "PaymentCaptured",
                        "PaymentCaptured delivered twice (same event ID)")), 0);
        for (int i = 0; i < 44; i++) {
            Instant start = now.minusSeconds(lastHourOffset(rnd));
            int r = rnd.nextInt(100);
            String id = "ord-" + (5000 + i * 7 + rnd.nextInt(7));
            if (r < 70) {
                instance(id, ORDER_FLOW, happy, start, InstanceState.COMPLETED, Set.of(), List.of(), 0);
            } else if (r < 80) {
                instance(id, ORDER_FLOW, compensated, start, InstanceState.COMPENSATED, Set.of(), List.of(), 0);
            } else if (r < 86) {
                instance(id, ORDER_FLOW, declined, start, InstanceState.FAILED, Set.of(), List.of(), 0);
            } else if (r < 92) {
                instance(id, ORDER_FLOW, happy.subList(0, 2), now.minusSeconds(400 + rnd.nextInt(2400)),
                        InstanceState.STUCK, Set.of(), List.of(), 0);
            } else {
                instance(id, ORDER_FLOW, happy.subList(0, 2 + rnd.nextInt(2)), now.minusMillis(900 + rnd.nextInt(600)),
                        InstanceState.RUNNING, Set.of(), List.of(), 0);
            }
        }
        // one that skipped the payment: a deviation from the model
        instance("ord-6001", ORDER_FLOW, List.of("OrderPlaced", "StockReserved", "OrderShipped"),
                now.minusSeconds(2000), InstanceState.COMPLETED, Set.of(),
                List.of(new Deviation(DeviationKind.SKIPPED_STEP, "StockReserved",
                        "OrderPlaced -> StockReserved skips PaymentCaptured")), 0);
    }

    private void makeSignups() {
        List<String> happy = List.of("UserSignedUp", "EmailVerified", "ProfileCompleted", "WelcomeEmailSent");
        for (int i = 0; i < 22; i++) {
            Instant start = now.minusSeconds(lastHourOffset(rnd));
            int r = rnd.nextInt(100);
            String id = "usr-" + HexFormat.of().toHexDigits(rnd.nextInt()).substring(0, 6);
            if (r < 80) {
                instance(id, SIGNUP_FLOW, happy, start, InstanceState.COMPLETED, Set.of(), List.of(), 0);
            } else if (r < 90) {
                instance(id, SIGNUP_FLOW, happy.subList(0, 2), now.minusSeconds(900 + rnd.nextInt(1800)),
                        InstanceState.STUCK, Set.of(), List.of(), 0);
            } else {
                instance(id, SIGNUP_FLOW, happy.subList(0, 1), now.minusMillis(800), InstanceState.RUNNING,
                        Set.of(), List.of(), 0);
            }
        }
    }

    private void makeInvoices() {
        List<String> happy = List.of("InvoiceIssued", "InvoicePaid", "ReceiptSent");
        for (int i = 0; i < 14; i++) {
            Instant start = now.minusSeconds(lastHourOffset(rnd));
            String id = "inv-" + (20000 + i * 13);
            instance(id, INVOICE_FLOW, happy, start, InstanceState.COMPLETED, Set.of(), List.of(), 0);
        }
    }

    // --- one instance ------------------------------------------------------------------------------------

    private void instance(String id, String flow, List<String> path, Instant start, InstanceState state,
                          Set<String> linked, List<Deviation> deviations, long extraGapMs) {
        String traceId = hex(16);
        // most stuck or failed orders (4 in 5) were placed for north-3, few others (1 in 7); by the ID's hash, not
        // drawn from rnd, so the rest of the data stays what it was
        String warehouse = null;
        if (flow.equals(ORDER_FLOW)) {
            int h = Math.floorMod(id.hashCode(), 35);
            boolean bad = state == InstanceState.STUCK || state == InstanceState.FAILED;
            warehouse = (bad ? h % 5 != 0 : h % 7 == 0) ? SUSPECT_WAREHOUSE : OTHER_WAREHOUSE;
            warehouses.put(id, warehouse);
        }
        List<EventView> events = new ArrayList<>();
        List<Span> spans = new ArrayList<>();
        List<InstanceGraph.Node> nodes = new ArrayList<>();
        List<InstanceGraph.Edge> edges = new ArrayList<>();
        Instant t = start;
        String prevEventId = null;
        for (int i = 0; i < path.size(); i++) {
            Step s = STEPS.get(path.get(i));
            if (i > 0) {
                long gap = 120 + rnd.nextInt(700) + (i == 2 ? extraGapMs : 0);
                // the consumer span of the previous event, ending just before this event is produced
                Step prev = STEPS.get(path.get(i - 1));
                // the consumer processes for a short while and produces the next event at its end; any
                // extra wait (consumer lag) shows as an idle gap before it starts
                long dur = Math.min(gap - 20, 30 + rnd.nextInt(220));
                Instant consumeStart = t.plusMillis(gap - dur - 5);
                spans.add(new Span(traceId, hex(8), null, s.service(), prev.topic() + " process", "CONSUMER",
                        consumeStart, dur * 1_000_000L, "OK", Map.of("messaging.kafka.consumer.group", s.service()),
                        "kafka", prev.topic(), "process", prevEventId, s.service(), id));
                t = t.plusMillis(gap);
            }
            String eventId = "evt-" + hex(6);
            long offset = offsets.merge(s.topic(), 1L + rnd.nextInt(40), Long::sum);
            int partition = rnd.nextInt(3);
            spans.add(new Span(traceId, hex(8), null, s.service(), s.topic() + " publish", "PRODUCER",
                    t.minusMillis(3), (2 + rnd.nextInt(6)) * 1_000_000L, "OK", Map.of(), "kafka", s.topic(),
                    "publish", eventId, null, id));
            String payload = payload(id, s.type(), linked, path.size() > 3 && id.equals(LARGE_PAYLOAD_ORDER) && i == 0,
                    i == 0 ? warehouse : null);
            events.add(new EventView(s.topic(), partition, offset, t, t.plusMillis(40 + rnd.nextInt(60)), id,
                    List.of(new EventView.HeaderView("correlationId", id, "text"),
                            new EventView.HeaderView("eventType", s.type(), "text"),
                            new EventView.HeaderView("eventId", eventId, "text"),
                            new EventView.HeaderView("traceparent", "00-" + traceId + "-" + hex(8) + "-01", "text"),
                            new EventView.HeaderView("content-type", "application/json", "text")),
                    payload, "text", false, payload.length(), "application/json", id, eventId, s.type(), s.service(),
                    prevEventId, traceId, hex(8), "OK", null, false));
            nodes.add(new InstanceGraph.Node(i, eventId, s.type(), s.service(), s.topic(), partition, offset, t));
            if (i > 0) {
                edges.add(new InstanceGraph.Edge(i - 1, i, i % 3 == 2 ? EdgeKind.TRACE : EdgeKind.CAUSATION));
            }
            prevEventId = eventId;
        }
        String last = path.get(path.size() - 1);
        List<ExpectedStep> expected = state.terminal() ? List.of() : expected(last);
        String reason = switch (state) {
            case COMPLETED -> "Reached the end event " + last + ".";
            case COMPENSATED -> "Compensated: " + String.join(" and ", path.subList(path.size() - 2, path.size()))
                    + " undid the earlier steps after " + path.get(2) + ".";
            case FAILED -> "Ended at the failure event " + last + " with no compensation after it.";
            case STUCK -> "No progress for " + Formats.between(t, now) + " while waiting for "
                    + (expected.isEmpty() ? "the next step" : expected.get(0).eventType()) + " (bound "
                    + Formats.duration(expected.isEmpty() ? 300_000 : expected.get(0).boundMs()) + ").";
            case RUNNING -> "Waiting for " + (expected.isEmpty() ? "the next step" : expected.get(0).eventType()) + ".";
        };
        Set<String> ids = new LinkedHashSet<>(linked);
        ids.add(id);
        InstanceSnapshot snap = diagnosed(new InstanceSnapshot(id, ids, flow, state, reason, start, t, events.size(), 0,
                last, STEPS.get(last).service(), expected, deviations), t);
        made.add(InstanceDetail.whole(snap, events, spans, new InstanceGraph(id, nodes, edges, 0, 0)));
    }

    /**
     * Waiting-on services (the producers of the expected steps) for running and stuck instances, and for stuck ones a
     * cause: by a hash of the ID, a third dead-lettered by the waiting service, a third failed with an error span, the
     * rest consumed and silent.
     */
    private static InstanceSnapshot diagnosed(InstanceSnapshot s, Instant lastAt) {
        if (s.state() != InstanceState.STUCK && s.state() != InstanceState.RUNNING) {
            return s;
        }
        List<String> waiting = s.expectedNext().stream().map(e -> STEPS.get(e.eventType()))
                .filter(java.util.Objects::nonNull).map(Step::service).distinct().toList();
        if (s.state() != InstanceState.STUCK || waiting.isEmpty()) {
            return s.withDiagnosis(waiting, null);
        }
        String service = waiting.get(0);
        StuckCause cause = switch (Math.floorMod(s.correlationId().hashCode(), 3)) {
            case 0 -> new StuckCause(StuckCause.Kind.DEAD_LETTERED, service, "dead-lettered by " + service
                    + ": <b>simulated</b> failure (dead-letters)", List.of("record dead-letters/0/1"));
            case 1 -> new StuckCause(StuckCause.Kind.ERROR_SPAN, service, service + " failed on " + s.lastEventType()
                    + ": downstream call timed out (java.net.SocketTimeoutException: Read timed out <after 3 attempts>)",
                    List.of("span 0e0e status ERROR"));
            default -> new StuckCause(StuckCause.Kind.CONSUMED_NO_OUTPUT, service, service + " consumed "
                    + s.lastEventType() + " at " + lastAt + " and produced nothing since", List.of("span 00ff"));
        };
        return s.withDiagnosis(waiting, cause);
    }

    private static List<ExpectedStep> expected(String last) {
        return switch (last) {
            case "OrderPlaced" -> List.of(new ExpectedStep("PaymentCaptured", 0.91, 2400, true),
                    new ExpectedStep("PaymentDeclined", 0.09, 2400, true));
            case "PaymentCaptured" -> List.of(new ExpectedStep("StockReserved", 0.86, 2100, true),
                    new ExpectedStep("StockReservationFailed", 0.14, 2100, true));
            case "StockReserved" -> List.of(new ExpectedStep("OrderShipped", 1.0, 3000, true));
            case "UserSignedUp" -> List.of(new ExpectedStep("EmailVerified", 1.0, 300_000, false));
            case "EmailVerified" -> List.of(new ExpectedStep("ProfileCompleted", 1.0, 600_000, false));
            default -> List.of();
        };
    }

    private String payload(String id, String type, Set<String> linked, boolean large, String warehouse) {
        StringBuilder b = new StringBuilder();
        b.append("{\"type\":\"").append(type).append("\",\"orderId\":\"").append(id).append('"');
        if (warehouse != null) {
            b.append(",\"warehouse\":\"").append(warehouse).append('"');
        }
        if (!linked.isEmpty()) {
            b.append(",\"paymentId\":\"").append(linked.iterator().next()).append('"');
        }
        b.append(",\"customer\":{\"id\":\"cus-").append(1000 + rnd.nextInt(9000))
                .append("\",\"tier\":\"").append(rnd.nextBoolean() ? "gold" : "standard").append("\"}");
        b.append(",\"amount\":{\"value\":").append(20 + rnd.nextInt(400)).append('.').append(10 + rnd.nextInt(89))
                .append(",\"currency\":\"EUR\"}");
        if (id.equals(LARGE_PAYLOAD_ORDER)) {
            // markup in data must show as text, never be interpreted
            b.append(",\"note\":\"<script>alert('x')</script> & <b>bold</b>\"");
        }
        b.append(",\"items\":[");
        int items = large ? 1400 : 1 + rnd.nextInt(3);
        for (int i = 0; i < items; i++) {
            b.append(i == 0 ? "" : ",").append("{\"sku\":\"SKU-").append(10000 + i)
                    .append("\",\"qty\":").append(1 + i % 4).append(",\"title\":\"Sample article number ")
                    .append(i).append("\"}");
        }
        return b.append("]}").toString();
    }

    // --- aggregates --------------------------------------------------------------------------------------

    /** The directly-follows model of {@code instances}, counted the process-mining way. */
    static FlowModel model(String flow, List<InstanceDetail> instances) {
        Map<String, Long> nodeCounts = new LinkedHashMap<>();
        Map<String, List<Long>> latencies = new LinkedHashMap<>();
        Map<String, Long> starts = new TreeMap<>();
        Map<String, Long> ends = new TreeMap<>();
        Map<DeviationKind, Long> deviations = new TreeMap<>();
        for (InstanceDetail d : instances) {
            List<EventView> ev = d.events();
            for (int i = 0; i < ev.size(); i++) {
                nodeCounts.merge(ev.get(i).eventType(), 1L, Long::sum);
                if (i > 0) {
                    latencies.computeIfAbsent(ev.get(i - 1).eventType() + "\u0000" + ev.get(i).eventType(),
                            k -> new ArrayList<>()).add(Duration.between(ev.get(i - 1).timestamp(), ev.get(i).timestamp()).toMillis());
                }
            }
            starts.merge(ev.get(0).eventType(), 1L, Long::sum);
            ends.merge(ev.get(ev.size() - 1).eventType(), 1L, Long::sum);
            d.snapshot().deviations().forEach(x -> deviations.merge(x.kind(), 1L, Long::sum));
        }
        Map<String, Long> outTotals = new HashMap<>();
        latencies.forEach((k, v) -> outTotals.merge(k.split("\u0000")[0], (long) v.size(), Long::sum));
        List<FlowModel.Transition> transitions = new ArrayList<>();
        latencies.forEach((k, v) -> {
            String[] ft = k.split("\u0000");
            List<Long> sorted = v.stream().sorted().toList();
            transitions.add(new FlowModel.Transition(ft[0], ft[1], v.size(), (double) v.size() / outTotals.get(ft[0]),
                    pct(sorted, 0.50), pct(sorted, 0.95), pct(sorted, 0.99)));
        });
        List<FlowModel.Node> nodes = nodeCounts.entrySet().stream()
                .map(e -> new FlowModel.Node(e.getKey(), e.getValue())).toList();
        List<String> learnedEnds = switch (flow) {
            case ORDER_FLOW -> List.of("OrderShipped", "OrderCancelled", "PaymentDeclined");
            case SIGNUP_FLOW -> List.of("WelcomeEmailSent");
            default -> List.of("ReceiptSent");
        };
        return new FlowModel(flow, instances.size(), nodes, transitions, starts, ends, learnedEnds, deviations,
                0.0);
    }

    static FlowSummary summary(String flow, List<InstanceDetail> instances, Instant now) {
        long running = 0, completed = 0, compensated = 0, failed = 0, stuck = 0, events = 0;
        List<Long> durations = new ArrayList<>();
        long[] buckets = new long[30];
        for (InstanceDetail d : instances) {
            InstanceSnapshot s = d.snapshot();
            events += s.eventCount();
            switch (s.state()) {
                case RUNNING -> running++;
                case COMPLETED -> completed++;
                case COMPENSATED -> compensated++;
                case FAILED -> failed++;
                case STUCK -> stuck++;
            }
            if (s.state().terminal()) {
                durations.add(Duration.between(s.startedAt(), s.lastEventAt()).toMillis());
            }
            long ago = Duration.between(s.startedAt(), now).toSeconds();
            int b = 29 - (int) Math.min(29, Math.max(0, ago / 120));
            buckets[b]++;
        }
        List<Long> sorted = durations.stream().sorted().toList();
        long finished = completed + compensated + failed + stuck;
        List<Long> spark = new ArrayList<>();
        for (long b : buckets) {
            spark.add(b);
        }
        return new FlowSummary(flow, 3600, events / 3600.0, instances.size(), running, completed, compensated, failed,
                stuck, finished == 0 ? null : (double) completed / finished,
                sorted.isEmpty() ? null : (long) pct(sorted, 0.5), sorted.isEmpty() ? null : (long) pct(sorted, 0.95),
                sorted.isEmpty() ? null : (long) pct(sorted, 0.99), spark);
    }

    /** PRODUCES edges counted from the instances' events, CONSUMES edges from their consumer spans. */
    static DependencyMap dependencies(List<InstanceDetail> instances) {
        Map<String, long[]> produces = new TreeMap<>();
        Map<String, Set<String>> producedTypes = new HashMap<>();
        Map<String, long[]> consumes = new TreeMap<>();
        for (InstanceDetail d : instances) {
            for (EventView e : d.events()) {
                String k = e.sourceService() + "\u0000" + e.topic();
                produces.computeIfAbsent(k, x -> new long[1])[0]++;
                producedTypes.computeIfAbsent(k, x -> new LinkedHashSet<>()).add(e.eventType());
            }
            for (Span s : d.spans()) {
                if ("CONSUMER".equals(s.kind())) {
                    consumes.computeIfAbsent(s.service() + "\u0000" + s.messagingDestination(), x -> new long[1])[0]++;
                }
            }
        }
        Set<DependencyMap.Node> nodes = new LinkedHashSet<>();
        List<DependencyMap.Edge> edges = new ArrayList<>();
        produces.forEach((k, c) -> {
            String[] st = k.split("\u0000");
            nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.SERVICE, st[0]));
            nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.TOPIC, st[1]));
            edges.add(new DependencyMap.Edge(DependencyMap.EdgeRole.PRODUCES, st[0], st[1], producedTypes.get(k), c[0],
                    c[0] / 3600.0, Double.NaN, Double.NaN, Set.of("observation")));
        });
        consumes.forEach((k, c) -> {
            String[] st = k.split("\u0000");
            nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.SERVICE, st[0]));
            nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.TOPIC, st[1]));
            edges.add(new DependencyMap.Edge(DependencyMap.EdgeRole.CONSUMES, st[0], st[1], Set.of(), c[0],
                    c[0] / 3600.0, 12 + (k.hashCode() & 31), 80 + (k.hashCode() & 255), Set.of("span", "consumer-group")));
        });
        return new DependencyMap(new ArrayList<>(nodes), edges);
    }

    private static List<TopicInfo> topics() {
        return List.of(
                new TopicInfo("orders", 6, 18_240, 0.04, List.of(
                        new TopicInfo.ConsumerGroupLag("payment-service", "Stable", 0))),
                new TopicInfo("payments", 3, 9_311, 0.05, List.of(
                        new TopicInfo.ConsumerGroupLag("inventory-service", "Stable", 12),
                        new TopicInfo.ConsumerGroupLag("order-service", "Stable", 0),
                        new TopicInfo.ConsumerGroupLag("mail-service", "Stable", 3))),
                new TopicInfo("inventory", 3, 7_020, 0.03, List.of(
                        new TopicInfo.ConsumerGroupLag("shipping-service", "Stable", 0),
                        new TopicInfo.ConsumerGroupLag("payment-service", "Stable", 0))),
                new TopicInfo("shipping", 3, 5_733, 0.02, List.of(
                        new TopicInfo.ConsumerGroupLag("order-service", "Stable", 0))),
                new TopicInfo("identity", 3, 2_410, 0.01, List.of(
                        new TopicInfo.ConsumerGroupLag("profile-service", "PreparingRebalance", 1_870))),
                new TopicInfo("profiles", 1, 1_980, 0.01, List.of(
                        new TopicInfo.ConsumerGroupLag("mail-service", "Stable", 0))),
                new TopicInfo("invoices", 3, 880, 0.004, List.of(
                        new TopicInfo.ConsumerGroupLag("payment-service", "Stable", 0))),
                new TopicInfo("mail", 1, 4_102, 0.01, List.of()),
                new TopicInfo(PAYMENTS_DLT, 1, PAYMENTS_DLT_RECORDS, 0.0, List.of()),
                new TopicInfo(ORDERS_DLQ, 1, ORDERS_DLQ_RECORDS, 0.0, List.of()));
    }

    /** The RabbitMQ side: the shipping exchange with its consumers' queue, and a dead-letter exchange with its queue. */
    private static List<io.choreoscope.model.api.ExchangeInfo> exchanges() {
        return List.of(
                new io.choreoscope.model.api.ExchangeInfo("rabbitmq:shipping", "/", "shipping", "topic", "rabbitmq", 0.02,
                        List.of(new io.choreoscope.model.api.ExchangeInfo.QueueLag("shipping-notifications",
                                List.of("#"), 0, 0, 1, 0))),
                new io.choreoscope.model.api.ExchangeInfo("rabbitmq:shipping.dlx", "/", "shipping.dlx", "fanout", "rabbitmq",
                        0.0, List.of(new io.choreoscope.model.api.ExchangeInfo.QueueLag(RABBIT_DLQ, List.of(""),
                                RABBIT_DLQ_MESSAGES, 0, 0, RABBIT_DLQ_MESSAGES))));
    }

    // --- small things ------------------------------------------------------------------------------------

    private static double pct(List<Long> sorted, double q) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    private String hex(int bytes) {
        byte[] b = new byte[bytes];
        rnd.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /**
     * Seconds before {@code now} for an instance started in the last hour: 1 to 55 minutes, the draw as before (so the
     * rest of the seeded data stay as they were). Instances up to 59 minutes back slid out of "the last hour" and into
     * "the hour before" when a browser test class ran longer than a minute (UiBrowserIT's windows are reckoned by the
     * UI from the real clock).
     */
    private static long lastHourOffset(java.util.Random rnd) {
        return Math.min(60 + rnd.nextInt(3500), 3300);
    }
}
