package io.choreoscope.http;

import io.choreoscope.model.api.ApiError;
import io.choreoscope.model.QueryLimitException;
import io.choreoscope.model.StorageException;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.convert.exceptions.ConversionErrorException;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import io.micronaut.http.codec.CodecException;
import io.micronaut.http.exceptions.ContentLengthExceededException;
import io.micronaut.http.exceptions.HttpStatusException;
import io.micronaut.http.server.HttpServerConfiguration;
import io.micronaut.json.JsonSyntaxException;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.authentication.AuthorizationException;
import io.micronaut.web.router.exceptions.UnsatisfiedRouteException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.swagger.v3.oas.annotations.Hidden;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every failure into an {@link ApiError} body: refused parameters 400 with the reason, unknown IDs and
 * paths 404, a read stopped at the storage's cost limit 422, storage down 503, anything else 500 with a generic
 * sentence. No stack trace ever leaves the server; unexpected errors are logged here with theirs.
 */
@Controller
@Hidden
public class ApiErrorHandlers {
    private static final Logger LOG = LoggerFactory.getLogger(ApiErrorHandlers.class);

    private final int maxLineBytes;
    private final int maxHeaderBytes;
    private final long maxBodyBytes;

    /**
     * The server's limits on a request's first line and headers (Micronaut's Netty settings) and on its body
     * ({@code micronaut.server.max-request-size}), named in the 413 answers.
     */
    public ApiErrorHandlers(@Value("${micronaut.server.netty.max-initial-line-length:4096}") int maxLineBytes,
            @Value("${micronaut.server.netty.max-header-size:8192}") int maxHeaderBytes, HttpServerConfiguration server) {
        this.maxLineBytes = maxLineBytes;
        this.maxHeaderBytes = maxHeaderBytes;
        this.maxBodyBytes = server.getMaxRequestSize();
    }

    static MutableHttpResponse<ApiError> body(HttpStatus status, String code, String message) {
        return HttpResponse.<ApiError>status(status).body(new ApiError(status.getCode(), code, message));
    }

    /** The body could not be read as the request's JSON; the first line of the parser's message says where. */
    static HttpResponse<ApiError> unreadableBody(Exception e) {
        String detail = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
        return body(HttpStatus.BAD_REQUEST, "bad_request", "body is not valid JSON for this request: " + detail);
    }

    @Error(global = true, exception = ApiException.class)
    public HttpResponse<ApiError> refused(HttpRequest<?> request, ApiException e) {
        MutableHttpResponse<ApiError> r = body(e.status(), e.code(), e.getMessage());
        if (e.retryAfter() != null) {
            r.header("Retry-After", Long.toString(e.retryAfterSeconds()));
        }
        return r;
    }

    @Error(global = true, exception = ConversionErrorException.class)
    public HttpResponse<ApiError> conversion(HttpRequest<?> request, ConversionErrorException e) {
        String detail = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
        return body(HttpStatus.BAD_REQUEST, "bad_request", "parameter '" + e.getArgument().getName() + "' has the wrong type: " + detail);
    }

    @Error(global = true, exception = CodecException.class)
    public HttpResponse<ApiError> unreadableBody(HttpRequest<?> request, CodecException e) {
        return unreadableBody(e);
    }

    @Error(global = true, exception = JsonSyntaxException.class)
    public HttpResponse<ApiError> invalidJson(HttpRequest<?> request, JsonSyntaxException e) {
        return unreadableBody(e);
    }

    @Error(global = true, exception = UnsatisfiedRouteException.class)
    public HttpResponse<ApiError> unsatisfied(HttpRequest<?> request, UnsatisfiedRouteException e) {
        return body(HttpStatus.BAD_REQUEST, "bad_request", "parameter '" + e.getArgument().getName() + "' is required");
    }

    /** A read the storage stopped at its cost limit: asking for less may work, retrying the same will not. */
    @Error(global = true, exception = QueryLimitException.class)
    public HttpResponse<ApiError> queryLimit(HttpRequest<?> request, QueryLimitException e) {
        return body(HttpStatus.UNPROCESSABLE_ENTITY, "query_limit", "the request asked for more than the server reads in one "
                + "query (" + e.getMessage() + "); ask for less, for example a shorter time window");
    }

    @Error(global = true, exception = StorageException.class)
    public HttpResponse<ApiError> storage(HttpRequest<?> request, StorageException e) {
        LOG.warn("{} {} failed: storage unavailable: {}", request.getMethod(), request.getPath(), e.getMessage());
        return body(HttpStatus.SERVICE_UNAVAILABLE, "storage_unavailable", "ClickHouse did not answer; try again shortly");
    }

    /**
     * A read stopped because its client went away ({@link ClientDisconnect}): nobody reads this answer, and it is no
     * fault, so it is logged at debug level only.
     */
    @Error(global = true, exception = java.util.concurrent.CancellationException.class)
    public HttpResponse<ApiError> cancelled(HttpRequest<?> request, java.util.concurrent.CancellationException e) {
        LOG.debug("{} {} cancelled: the client went away", request.getMethod(), request.getPath());
        return body(HttpStatus.SERVICE_UNAVAILABLE, "cancelled", "the request was cancelled");
    }

    @Error(global = true, exception = HttpStatusException.class)
    public HttpResponse<ApiError> status(HttpRequest<?> request, HttpStatusException e) {
        return body(e.getStatus(), e.getStatus().name().toLowerCase(java.util.Locale.ROOT), e.getStatus().getReason());
    }

    @Error(global = true, status = HttpStatus.NOT_FOUND)
    public HttpResponse<ApiError> noRoute(HttpRequest<?> request) {
        return body(HttpStatus.NOT_FOUND, "not_found", "no such endpoint: " + request.getPath()
                + " (see /api/v1/openapi.yml)");
    }

    /**
     * A request line or header block longer than the server reads (a 5,000-character correlation ID in the path, a
     * huge query or cookie): the HTTP decoder refuses it before any route. Micronaut turns that into a 413 and looks
     * for this status route; running it meets the decoder's exception again, which {@link #undecodable} answers.
     */
    @Error(global = true, status = HttpStatus.REQUEST_ENTITY_TOO_LARGE)
    public HttpResponse<ApiError> tooLarge(HttpRequest<?> request) {
        return tooLarge();
    }

    private HttpResponse<ApiError> tooLarge() {
        return body(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "too_large", String.format(java.util.Locale.ROOT,
                "the request is larger than the server reads: at most %,d bytes for its first line (method, path and query)"
                        + " and %,d for its headers; search with a shorter value or send fewer headers", maxLineBytes, maxHeaderBytes));
    }

    /**
     * A body longer than the server reads (a JSON request padded to megabytes): refused as its length is known, before
     * it is read. A client's mistake, not a server fault, so not logged.
     */
    @Error(global = true, exception = ContentLengthExceededException.class)
    public HttpResponse<ApiError> bodyTooLarge(HttpRequest<?> request, ContentLengthExceededException e) {
        return body(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "too_large", String.format(java.util.Locale.ROOT,
                "the request's body is larger than the server reads: at most %,d bytes", maxBodyBytes));
    }

    /** What the HTTP decoder refused: too long (413, above), or not HTTP it can read (400). Not a server fault. */
    @Error(global = true, exception = DecoderException.class)
    public HttpResponse<ApiError> undecodable(HttpRequest<?> request, DecoderException e) {
        if (e instanceof TooLongFrameException) {
            return tooLarge();
        }
        return body(HttpStatus.BAD_REQUEST, "bad_request", "the request is not HTTP the server can read");
    }

    @Error(global = true, status = HttpStatus.METHOD_NOT_ALLOWED)
    public HttpResponse<ApiError> method(HttpRequest<?> request) {
        return body(HttpStatus.METHOD_NOT_ALLOWED, "method_not_allowed", request.getMethod() + " is not allowed on " + request.getPath());
    }

    /**
     * 401 for callers who did not sign in (or whose token expired), 403 for signed-in callers whose roles do
     * not allow the request.
     */
    @Error(global = true, exception = AuthorizationException.class)
    public HttpResponse<ApiError> refused(HttpRequest<?> request, AuthorizationException e) {
        if (e.isForbidden()) {
            Authentication a = e.getAuthentication();
            String who = a == null ? "you" : "user '" + a.getName() + "' with roles " + a.getRoles();
            return body(HttpStatus.FORBIDDEN, "forbidden", who + " may not " + request.getMethod() + " " + request.getPath()
                    + " (viewers read, operators also replay, admins also manage alert rules)");
        }
        return body(HttpStatus.UNAUTHORIZED, "unauthorized", "sign in first: send 'Authorization: Bearer <token>' with a token from "
                        + "POST /api/v1/auth/login (or HTTP Basic with a local user); a token that expired must be renewed")
                .header("WWW-Authenticate", "Bearer realm=\"choreoscope\"");
    }

    @Error(global = true, exception = Throwable.class)
    public HttpResponse<ApiError> unexpected(HttpRequest<?> request, Throwable e) {
        LOG.error("{} {} failed", request.getMethod(), request.getPath(), e);
        return body(HttpStatus.INTERNAL_SERVER_ERROR, "internal_error", "the server failed to answer this request; it has been logged");
    }
}
