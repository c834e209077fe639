package io.choreoscope.replay;

import io.choreoscope.http.ApiParams;
import io.micronaut.security.annotation.Secured;
import io.choreoscope.auth.Roles;
import java.util.List;

import io.choreoscope.http.ApiException;
import io.choreoscope.model.api.ApiError;
import io.choreoscope.model.api.ReplayPlanView;
import io.choreoscope.model.api.ReplayRequest;
import io.choreoscope.model.api.ReplaySentRecordView;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.choreoscope.model.api.ReplayStatus;
import io.choreoscope.model.StorageException;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

/**
 * Replay under {@code /api/v1/replays}: operators replay, viewers read the audit. The audit records the
 * signed-in user; with sign-in off ({@code choreoscope.auth.enabled=false}) the {@value #USER_HEADER}
 * header, or {@code anonymous}.
 */
@Secured(Roles.VIEWER)
@Controller("/api/v1/replays")
@ExecuteOn(TaskExecutors.BLOCKING)
@Requires(property = ReplayConfig.PREFIX + ".enabled", notEquals = "false")
public class ReplayController {
    public static final String USER_HEADER = "X-Choreoscope-User";

    private final ReplayService replays;
    private final ObjectMapper json;

    public ReplayController(ReplayService replays, ObjectMapper json) {
        this.replays = replays;
        this.json = json;
    }

    /**
     * 200 with the plan for a dry run or a replay that finished within the sync wait; 202 while it still runs; 429
     * when as many replays run as choreoscope.replay.max-concurrent allows. Refusals are audited.
     */
    @Secured(Roles.OPERATOR)
    @Post
    @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @io.swagger.v3.oas.annotations.media.Content(
            mediaType = "application/json",
            schema = @io.swagger.v3.oas.annotations.media.Schema(implementation = ReplayRequest.class)))
    @io.swagger.v3.oas.annotations.responses.ApiResponse(responseCode = "429",
            description = "as many replays run as choreoscope.replay.max-concurrent allows (error too_many_replays)")
    public HttpResponse<ReplayPlanView> replay(@Body @Nullable String body, HttpRequest<?> http,
                                               @Header(USER_HEADER) @Nullable String user) {
        // Signed in: the audit names the signed-in user and the header is ignored. Sign-in off: the header, if any.
        String caller = io.choreoscope.auth.AuthController.callerName(http);
        String who = caller != null ? caller : user(user);
        // The body is read here, not bound by the framework, so that a body that is not a replay request at all is
        // refused and audited like any other refusal.
        ReplayRequest request = null;
        if (body != null && !body.isBlank()) {
            try {
                request = json.readValue(body, ReplayRequest.class);
            } catch (java.io.IOException | RuntimeException e) {
                String why = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
                ApiException refused = ApiException.badRequest("the body is not a replay request: "
                        + (why == null ? e.getClass().getSimpleName() : why.length() > 300 ? why.substring(0, 300) + "…" : why));
                replays.refusedUnreadable(who, body, refused);
                throw refused;
            }
        }
        ReplayPlanView view = replays.replay(request, who);
        return view.status().finished() ? HttpResponse.ok(view) : HttpResponse.accepted().body(view);
    }

    /**
     * What the audit keeps of each record a replay sent: source coordinates, target topic, partition and offset, key.
     * Paged by {@code after} (the last row's {@code id}, 0 for the first page), in the order Kafka acknowledged them.
     */
    @Get("/{id}/records")
    public List<ReplaySentRecordView> records(@PathVariable String id, @QueryValue @Nullable String after,
                                              @QueryValue @Nullable String limit) {
        long from;
        try {
            from = after == null || after.isBlank() ? 0 : Long.parseLong(after.strip());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("after must be the id of the last record of the previous page, was '" + after + "'");
        }
        if (from < 0) {
            throw ApiException.badRequest("after must not be negative");
        }
        return replays.sentRecords(id, from, ApiParams.limit(limit)).stream()
                .map(r -> new ReplaySentRecordView(r.id(), r.source(), r.targetTopic(), r.targetPartition(), r.targetOffset(),
                        r.recordKey()))
                .toList();
    }

    @Get("/{id}")
    public ReplayStatus status(@PathVariable String id) {
        return replays.status(id);
    }

    @Secured(Roles.OPERATOR)
    @Post("/{id}/cancel")
    public ReplayStatus cancel(@PathVariable String id) {
        return replays.cancel(id);
    }

    /** The audit of every replay, newest first. */
    @Get
    public List<ReplayStatus> history(@QueryValue @Nullable Integer limit) {
        return replays.history(ApiParams.limit(limit));
    }

    static String user(String header) {
        if (header == null || header.isBlank()) {
            return "anonymous";
        }
        String u = header.strip();
        return u.length() > 200 ? u.substring(0, 200) : u;
    }
}
