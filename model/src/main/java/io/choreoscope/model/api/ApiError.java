package io.choreoscope.model.api;

/**
 * The body of every 4xx/5xx answer: a stable machine-readable code and a sentence for people. Never
 * a stack trace.
 *
 * @param status  HTTP status
 * @param error   short code, e.g. {@code bad_request}, {@code not_found}
 * @param message what was wrong and how to fix it
 */
public record ApiError(int status, String error, String message) {
}
