package io.choreoscope.alerts;

import io.choreoscope.model.api.ApiError;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;

/** {@link ApiError} answers for the alert and replay controllers. */
public final class ApiErrors {
    private ApiErrors() {
    }

    public static HttpResponse<ApiError> badRequest(String message) {
        return of(HttpStatus.BAD_REQUEST, "bad_request", message);
    }

    /** The body could not be read as the request's JSON; the first line of the parser's message says where. */
    public static HttpResponse<ApiError> unreadableBody(Exception e) {
        String detail = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
        return badRequest("body is not valid JSON for this request: " + detail);
    }

    public static MutableHttpResponse<ApiError> of(HttpStatus status, String code, String message) {
        return HttpResponse.<ApiError>status(status).body(new ApiError(status.getCode(), code, message));
    }
}
