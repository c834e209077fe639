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

    public OrderSaga(Topics topics, double declineRate, double shortageRate) {
        this(topics, declineRate, shortageRate, 0);
    }

    /**
     * @param skuFaultRate share of the orders of {@link #FAULTY_SKU} whose StockReserved shipping fails on (the
     *                     record is dead-lettered): a fault that depends on a payload value
     */
    public OrderSaga(Topics topics, double declineRate, double shortageRate, double skuFaultRate) {
        this.topics = topics;
        this.declineRate = declineRate;
        this.shortageRate = shortageRate;
        this.skuFaultRate = skuFaultRate;
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
                        PAYMENT_CAPTURED, (in, rnd) -> rnd.nextDouble() < shortageRate
                                ? emit(topics.inventory(), in.next(STOCK_UNAVAILABLE, "inventory", null))
                                : emit(topics.inventory(), in.next(STOCK_RESERVED, "inventory",
                                        obj().put("reservationId", "res-" + shortId(rnd)))))),
                new ServiceSpec("shipping", codec, List.of(topics.inventory()), Map.of(
                        // With RabbitMQ on (the demo), shipping announces over RabbitMQ: one transaction, two buses.
                        STOCK_RESERVED, (in, rnd) -> FAULTY_SKU.equals(in.data().path("sku").asText())
                                && rnd.nextDouble() < skuFaultRate ? failOn(in)
                                : emit(io.choreoscope.samples.service.RabbitBus.enabled()
                                        ? io.choreoscope.samples.service.RabbitBus.PREFIX + "shipping" : topics.shipping(),
                                in.next(ORDER_SHIPPED, "shipping",
                                obj().put("trackingNumber", "TRK" + shortId(rnd)))))));
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
