package io.choreoscope.model.flow;

/**
 * One difference between an instance and its flow model.
 *
 * @param kind      what kind of deviation
 * @param eventType the event type at which it shows (the later event of the pair; the duplicated type)
 * @param detail    human-readable explanation, e.g. {@code "PaymentCaptured -> OrderShipped skips StockReserved"}
 */
public record Deviation(DeviationKind kind, String eventType, String detail) {
}
