package io.choreoscope.alerts;

/** An ID the API does not know (404); the message names it. */
public class NotFoundException extends RuntimeException {
    public NotFoundException(String message) {
        super(message);
    }
}
