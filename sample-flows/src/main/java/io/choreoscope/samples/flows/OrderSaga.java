package io.choreoscope.samples.flows;

import static io.choreoscope.samples.flows.Choreography.emit;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.random.RandomGenerator;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.choreoscope.samples.Topics;
import io.choreoscope.samples.service.Reaction;
import io.choreoscope.samples.service.ServiceSpec;
import io.choreoscope.samples.wire.EventCodec;
import io.choreoscope.samples.wire.HeaderCodec;
import io.choreoscope.samples.wire.SampleEvent;

/**
 * Order saga with compensation, correlated by Kafka headers ({@code correlationId} = order ID):
 * <pre>
 * orders    OrderPlaced      -> orders
 * payments  OrderPlaced      -> PaymentCaptured | PaymentDeclined (declineRate)   -> payments
 * inventory PaymentCaptured  -> StockReserved   | StockUnavailable (shortageRate) -> inventory
 * shipping  StockReserved    -> OrderShipped                                      -> shipping
 * payments  StockUnavailable -> PaymentRefunded                                   -> payments
 * orders    PaymentDeclined | PaymentRefunded -> OrderCancelled                   -> orders
 * </pre>
 * Ends: OrderShipped (completed) or OrderCancelled (compensated when a refund came first).
 *
 * <p>After a {@link SimulatedDeploy} ("v2: the stock check moved into shipping"): inventory ignores PaymentCaptured
 * and shipping reacts to it with OrderShipped, so {@code PaymentCaptured -> OrderShipped} replaces
 * {@code PaymentCaptured -> StockReserved -> OrderShipped} (and the shortage branch no longer happens).
 */
public final class OrderSaga implements Choreography {
    public static final String ORDER_PLACED = "OrderPlaced";
    public static final String PAYMENT_CAPTURED = "PaymentCaptured";
    public static final String PAYMENT_DECLINED = "PaymentDeclined";
    public static final String STOCK_RESERVED = "StockReserved";
    public static final String STOCK_UNAVAILABLE = "StockUnavailable";
    public static final String PAYMENT_REFUNDED = "PaymentRefunded";
    public static final String ORDER_SHIPPED = "OrderShipped";
    public static final String ORDER_CANCELLED = "OrderCancelled";

    /** The SKU shipping fails on (its carrier takes no kettles), {@code skuFaultRate} of the time. */
    public static final String FAULTY_SKU = "kettle-5";
    private static final String[] SKUS = {"book-42", "lamp-7", "mug-3", "chair-11", FAULTY_SKU};

    private final Topics topics;
    private final double declineRate;
    private final double shortageRate;
    private final double skuFaultRate;
    private final EventCodec codec = new HeaderCodec();
    private final SimulatedDeploy deploy;

    public OrderSaga(Topics topics, double declineRate, double shortageRate) {
        this(topics, declineRate, shortageRate, 0, null);
    }

    /**
     * @param skuFaultRate share of the orders of {@link #FAULTY_SKU} whose StockReserved shipping fails on (the
     *                     record is dead-lettered): a fault that depends on a payload value
     */
    public OrderSaga(Topics topics, double declineRate, double shortageRate, double skuFaultRate) {
        this(topics, declineRate, shortageRate, skuFaultRate, null);
    }

    /**
     * A saga whose behaviour changes when {@code deploy} happens (see the class comment); null for none (then shipping
     * does not read the payments topic at all, exactly as without this option).
     */
    public OrderSaga(Topics topics, double declineRate, double shortageRate, SimulatedDeploy deploy) {
        this(topics, declineRate, shortageRate, 0, deploy);
    }

    /**
     * @param skuFaultRate share of the orders of {@link #FAULTY_SKU} whose StockReserved shipping fails on
     * @param deploy       the simulated deploy, null for none
     */
    public OrderSaga(Topics topics, double declineRate, double shortageRate, double skuFaultRate,
                     SimulatedDeploy deploy) {
        this.topics = topics;
        this.declineRate = declineRate;
        this.shortageRate = shortageRate;
        this.skuFaultRate = skuFaultRate;
        this.deploy = deploy;
    }

    @Override
    public List<ServiceSpec> services() {
        Reaction cancel = (in, rnd) -> emit(topics.orders(), in.next(ORDER_CANCELLED, "orders",
                obj().put("reason", in.type().equals(PAYMENT_DECLINED) ? "payment declined" : "out of stock")));
        return List.of(
                new ServiceSpec("orders", codec, List.of(topics.payments()), Map.of(
                        PAYMENT_DECLINED, cancel,
                        PAYMENT_REFUNDED, cancel)),
                new ServiceSpec("payments", codec, List.of(topics.orders(), topics.inventory()), Map.of(
                        ORDER_PLACED, (in, rnd) -> rnd.nextDouble() < declineRate
                                ? emit(topics.payments(), in.next(PAYMENT_DECLINED, "payments", obj().put("reason", "card declined")))
                                : emit(topics.payments(), in.next(PAYMENT_CAPTURED, "payments",
                                        obj().put("paymentId", "pay-" + shortId(rnd)))),
                        STOCK_UNAVAILABLE, (in, rnd) -> emit(topics.payments(), in.next(PAYMENT_REFUNDED, "payments", null)))),
                new ServiceSpec("inventory", codec, List.of(topics.payments()), Map.of(
                        PAYMENT_CAPTURED, (in, rnd) -> deployed() ? List.of() : rnd.nextDouble() < shortageRate
                                ? emit(topics.inventory(), in.next(STOCK_UNAVAILABLE, "inventory", null))
                                : emit(topics.inventory(), in.next(STOCK_RESERVED, "inventory",
                                        obj().put("reservationId", "res-" + shortId(rnd)))))),
                deploy == null
                        ? new ServiceSpec("shipping", codec, List.of(topics.inventory()), Map.of(STOCK_RESERVED, this::ship))
                        // with a deploy to simulate, shipping also reads payments: after it, it ships after the payment
                        : new ServiceSpec("shipping", codec, List.of(topics.inventory(), topics.payments()), Map.of(
                                STOCK_RESERVED, this::ship,
                                PAYMENT_CAPTURED, (in, rnd) -> deployed() ? ship(in, rnd) : List.of())));
    }

    private boolean deployed() {
        return deploy != null && deploy.deployed();
    }

    private List<Reaction.Emit> ship(SampleEvent in, RandomGenerator rnd) {
        // A fault that depends on a payload value: shipping fails on some kettle-5 orders (dead-lettered).
        if (FAULTY_SKU.equals(in.data().path("sku").asText()) && rnd.nextDouble() < skuFaultRate) {
            return failOn(in);
        }
        // With RabbitMQ on (the demo), shipping announces over RabbitMQ: one transaction, two buses.
        return emit(io.choreoscope.samples.service.RabbitBus.enabled()
                        ? io.choreoscope.samples.service.RabbitBus.PREFIX + "shipping" : topics.shipping(),
                in.next(ORDER_SHIPPED, "shipping", obj().put("trackingNumber", "TRK" + shortId(rnd))));
    }

    private static List<Reaction.Emit> failOn(SampleEvent in) {
        throw new io.choreoscope.samples.service.SimulatedFailure("shipping cannot ship " + FAULTY_SKU + " of "
                + in.correlationId() + ": no carrier takes kettles (simulated failure)");
    }

    @Override
    public String entryService() {
        return "orders";
    }

    @Override
    public Reaction.Emit firstEvent(RandomGenerator rnd) {
        String orderId = "order-" + shortId(rnd);
        ObjectNode data = obj().put("orderId", orderId)
                .put("customerId", "cust-" + rnd.nextInt(1, 500))
                .put("sku", SKUS[rnd.nextInt(SKUS.length)])
                .put("quantity", rnd.nextInt(1, 4))
                .put("amount", Math.round(rnd.nextDouble(5, 300) * 100) / 100.0)
                .put("currency", "EUR");
        return new Reaction.Emit(topics.orders(), SampleEvent.first(ORDER_PLACED, orderId, "orders", data));
    }

    static ObjectNode obj() {
        return JsonNodeFactory.instance.objectNode();
    }

    static String shortId(RandomGenerator rnd) {
        return new UUID(rnd.nextLong(), rnd.nextLong()).toString().substring(0, 13);
    }
}
