package io.choreoscope.samples.flows;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * A simulated deploy that changes how the order saga behaves from a moment on, so that choreoscope's comparison of
 * two windows has something real to find on the demo. Before the deploy the saga is as {@link OrderSaga} documents;
 * from {@link #at()} on ("v2: the stock check moved into shipping") the inventory service no longer reacts to
 * {@code PaymentCaptured} and the shipping service ships straight after it: the step {@code StockReserved} (and the
 * shortage branch {@code StockUnavailable -> PaymentRefunded}) disappears, {@code PaymentCaptured -> OrderShipped}
 * appears. Which behaviour an event gets is decided when a service handles it.
 *
 * <p>Switched at run time: scheduled from the command line ({@code --deploy-at +10m} or an ISO-8601 instant),
 * {@link #deployNow()} / {@link #rollBack()} from code. Thread-safe (one volatile field).
 */
public final class SimulatedDeploy {
    private final Clock clock;
    private volatile Instant at;

    /**
     * @param clock what "now" is
     * @param at    when the deploy happens; null for not scheduled
     */
    public SimulatedDeploy(Clock clock, Instant at) {
        this.clock = clock;
        this.at = at;
    }

    /** A deploy that is not scheduled (the saga keeps its documented behaviour until {@link #deployNow()}). */
    public static SimulatedDeploy none() {
        return new SimulatedDeploy(Clock.systemUTC(), null);
    }

    /** Whether the new behaviour is on now. */
    public boolean deployed() {
        Instant a = at;
        return a != null && !clock.instant().isBefore(a);
    }

    /** Switches the new behaviour on from now; answers the moment. */
    public Instant deployNow() {
        Instant now = clock.instant();
        at = now;
        return now;
    }

    /** Schedules the deploy at {@code when} (null: not scheduled). */
    public void scheduleAt(Instant when) {
        at = when;
    }

    /** Back to the old behaviour (the deploy is no longer scheduled). */
    public void rollBack() {
        at = null;
    }

    /** When the deploy happens or happened; empty when not scheduled. */
    public Optional<Instant> at() {
        return Optional.ofNullable(at);
    }
}
