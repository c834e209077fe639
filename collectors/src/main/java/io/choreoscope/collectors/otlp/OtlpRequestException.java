package io.choreoscope.collectors.otlp;

/**
 * A whole OTLP request cannot be taken: the body is malformed, too large, or in an encoding the
 * receiver does not speak. Carries the HTTP status to answer with and a message meant for the person
 * who reads the exporter's log.
 */
public class OtlpRequestException extends Exception {

    private final int httpStatus;

    public OtlpRequestException(int httpStatus, String message) {
        super(message);
        this.httpStatus = httpStatus;
    }

    public OtlpRequestException(int httpStatus, String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
    }

    /** 400 (malformed), 413 (too large) or 415 (unsupported content type or encoding). */
    public int httpStatus() {
        return httpStatus;
    }
}
