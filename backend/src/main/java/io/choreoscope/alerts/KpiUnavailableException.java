package io.choreoscope.alerts;

/** A KPI cannot be computed (not wired, or its store is down); the message says which and why. */
public class KpiUnavailableException extends RuntimeException {
    public KpiUnavailableException(String message) {
        super(message);
    }

    public KpiUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
