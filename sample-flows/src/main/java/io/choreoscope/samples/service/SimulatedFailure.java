package io.choreoscope.samples.service;

/** The failure a service injects on purpose (failure rate); its message ends up in the dead-letter headers. */
public final class SimulatedFailure extends RuntimeException {
    public SimulatedFailure(String message) {
        super(message);
    }
}
