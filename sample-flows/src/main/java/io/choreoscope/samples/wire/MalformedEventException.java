package io.choreoscope.samples.wire;

/** A record that cannot be read as an event (a poison message); the service dead-letters it. */
public final class MalformedEventException extends RuntimeException {
    public MalformedEventException(String message) {
        super(message);
    }

    public MalformedEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
