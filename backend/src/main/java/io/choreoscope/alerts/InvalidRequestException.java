package io.choreoscope.alerts;

/** A request the API refuses with 400; the message says what is wrong and how to fix it. */
public class InvalidRequestException extends RuntimeException {
    public InvalidRequestException(String message) {
        super(message);
    }
}
