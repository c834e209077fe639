package io.choreoscope.alerts;

import io.choreoscope.http.ApiException;
import io.choreoscope.http.ApiParams;
import io.micronaut.security.annotation.Secured;
import io.choreoscope.auth.AuthConfig;
import io.choreoscope.auth.Roles;
import io.micronaut.security.authentication.Authentication;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

import io.choreoscope.model.api.AlertFiringView;
import io.choreoscope.model.api.AlertRuleRequest;
import io.choreoscope.model.api.AlertRuleView;
import io.choreoscope.model.api.ApiError;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Error;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

/**
 * Alert rules and the firing history under {@code /api/v1/alerts}. Errors are {@link ApiError}s: 400
 * with the reason for bad input, 404 for unknown rules.
 */
@Secured(Roles.VIEWER)
@Controller("/api/v1/alerts")
@ExecuteOn(TaskExecutors.BLOCKING)
public class AlertController {

    private final AlertService alerts;
    private final AuthConfig auth;

    public AlertController(AlertService alerts, AuthConfig auth) {
        this.alerts = alerts;
        this.auth = auth;
    }

    /** The rules; webhook URLs are shown to admins only (masked to scheme and host for others). */
    @Get("/rules")
    public List<AlertRuleView> rules(HttpRequest<?> request) {
        return alerts.rules(isAdmin(request));
    }

    /** One rule; its webhook URL is shown to admins only (masked to scheme and host for others). */
    @Get("/rules/{id}")
    public AlertRuleView rule(@PathVariable long id, HttpRequest<?> request) {
        return alerts.rule(id, isAdmin(request));
    }

    /** With sign-in off every caller may do everything, so every caller is an admin. */
    private boolean isAdmin(HttpRequest<?> request) {
        return !auth.isEnabled() || request.getUserPrincipal(Authentication.class)
                .map(a -> Roles.expand(a.getRoles()).contains(Roles.ADMIN)).orElse(false);
    }

    @Secured(Roles.ADMIN)
    @Post("/rules")
    public HttpResponse<AlertRuleView> create(@Body @Nullable AlertRuleRequest request) {
        return HttpResponse.created(alerts.create(request));
    }

    @Secured(Roles.ADMIN)
    @Put("/rules/{id}")
    public AlertRuleView update(@PathVariable long id, @Body @Nullable AlertRuleRequest request) {
        return alerts.update(id, request);
    }

    @Secured(Roles.ADMIN)
    @Delete("/rules/{id}")
    public HttpResponse<Void> delete(@PathVariable long id) {
        alerts.delete(id);
        return HttpResponse.noContent();
    }

    /** Sends a test notification to the rule's webhook and answers with the history entry (delivery outcome included). */
    @Secured(Roles.ADMIN)
    @Post("/rules/{id}/test")
    public AlertFiringView test(@PathVariable long id) {
        return alerts.testFire(id);
    }

    /** Silences the rule until {@code until} (ISO-8601 instant); a past instant lifts the silence. */
    @Secured(Roles.ADMIN)
    @Post("/rules/{id}/silence")
    public AlertRuleView silence(@PathVariable long id, @QueryValue @Nullable String until) {
        if (until == null || until.isBlank()) {
            throw ApiException.badRequest("until is required: an ISO-8601 instant such as 2026-11-22T18:00:00Z");
        }
        try {
            return alerts.silence(id, Instant.parse(until.strip()));
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("until must be an ISO-8601 instant such as 2026-11-22T18:00:00Z, was '" + until + "'");
        }
    }

    /** The firing history, newest first; {@code ruleId} narrows it to one rule. */
    @Get("/firings")
    public List<AlertFiringView> firings(@QueryValue @Nullable Long ruleId, @QueryValue @Nullable Integer limit) {
        return alerts.firings(ruleId, ApiParams.limit(limit));
    }
}
