package io.choreoscope.replay;

import io.choreoscope.http.ApiParams;
import io.micronaut.security.annotation.Secured;
import io.choreoscope.auth.Roles;
import java.util.List;

import io.choreoscope.http.ApiException;
import io.choreoscope.model.api.ApiError;
import io.choreoscope.model.api.ReplayPlanView;
import io.choreoscope.model.api.ReplayRequest;
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

    public ReplayController(ReplayService replays) {
        this.replays = replays;
    }

    /** 200 with the plan for a dry run or a replay that finished within the sync wait; 202 while it still runs. */
    @Secured(Roles.OPERATOR)
    @Post
    public HttpResponse<ReplayPlanView> replay(@Body @Nullable ReplayRequest request, HttpRequest<?> http,
                                               @Header(USER_HEADER) @Nullable String user) {
        // Signed in: the audit names the signed-in user and the header is ignored. Sign-in off: the header, if any.
        String caller = io.choreoscope.auth.AuthController.callerName(http);
        ReplayPlanView view = replays.replay(request, caller != null ? caller : user(user));
        return view.status().finished() ? HttpResponse.ok(view) : HttpResponse.accepted().body(view);
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
