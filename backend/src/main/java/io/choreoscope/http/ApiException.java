package io.choreoscope.http;

import io.micronaut.http.HttpStatus;

/**
 * The one error type of the REST API: a request it refuses or cannot answer, with the status, a short
 * machine-readable code and a reason for the person who sent it. {@link ApiErrorHandlers} turns it into an
 * {@link io.choreoscope.model.api.ApiError} body. No stack trace is kept: it is an answer, not a fault.
 */
public final class ApiException extends RuntimeException {
    private final HttpStatus status;
    private final String code;
    private final java.time.Duration retryAfter;

    public ApiException(HttpStatus status, String code, String message) {
        this(status, code, message, null);
    }

    private ApiException(HttpStatus status, String code, String message, java.time.Duration retryAfter) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.retryAfter = retryAfter;
    }

    /**
     * 429: the caller asked too often or the server is busy with such requests; answered with {@code Retry-After}
     * (whole seconds, at least 1).
     */
    public static ApiException tooManyRequests(String code, String message, java.time.Duration retryAfter) {
        return new ApiException(HttpStatus.TOO_MANY_REQUESTS, code, message, retryAfter);
    }

    /** 400: the message says what is wrong with the request and how to fix it. */
    public static ApiException badRequest(String message) {
        return new ApiException(HttpStatus.BAD_REQUEST, "bad_request", message);
    }

    /** 404: an ID or name the API does not know; the message names it. */
    public static ApiException notFound(String message) {
        return new ApiException(HttpStatus.NOT_FOUND, "not_found", message);
    }

    public HttpStatus status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** When to try again (the {@code Retry-After} header), or null. */
    public java.time.Duration retryAfter() {
        return retryAfter;
    }

    /** {@link #retryAfter()} in whole seconds, rounded up, at least 1. */
    public long retryAfterSeconds() {
        return retryAfter == null ? 0 : Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    }
}
