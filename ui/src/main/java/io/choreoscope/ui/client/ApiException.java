package io.choreoscope.ui.client;

import io.choreoscope.model.api.ApiError;

/**
 * The backend answered with an error, or could not be reached. {@link #getMessage()} is written for the
 * person looking at the UI: the API's own {@link ApiError#message()} when there is one.
 */
public class ApiException extends RuntimeException {

    /** Status used when no HTTP answer came at all (connection refused, timeout, broken stream). */
    public static final int UNREACHABLE = 0;

    private final transient ApiError error;

    public ApiException(ApiError error) {
        this(error, null);
    }

    public ApiException(ApiError error, Throwable cause) {
        super(error.message(), cause);
        this.error = error;
    }

    /** The backend could not be reached at all. */
    public static ApiException unreachable(String what, Throwable cause) {
        return new ApiException(new ApiError(UNREACHABLE, "unreachable", what), cause);
    }

    public static ApiException notFound(String message) {
        return new ApiException(new ApiError(404, "not_found", message));
    }

    /** The error as the API sent it (or as the client made it up for unreachable backends). */
    public ApiError error() {
        return error;
    }

    public int status() {
        return error.status();
    }

    public boolean isNotFound() {
        return error.status() == 404;
    }

    public boolean isUnreachable() {
        return error.status() == UNREACHABLE;
    }
}
