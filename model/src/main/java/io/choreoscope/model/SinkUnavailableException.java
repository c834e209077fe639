package io.choreoscope.model;

/**
 * A sink could not make a batch durable right now (store unreachable, overloaded, timed out).
 * Callers keep the batch and retry with backoff.
 */
public class SinkUnavailableException extends Exception {
    public SinkUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
