package io.choreoscope.auth;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import io.choreoscope.http.ApiException;
import io.choreoscope.model.api.AuthSettings;
import io.choreoscope.model.api.LoginRequest;
import io.choreoscope.model.api.SignedIn;
import io.choreoscope.model.api.SsoCodeExchange;
import io.choreoscope.model.api.UserInfo;
import io.micronaut.context.BeanProvider;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Status;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.oauth2.configuration.OauthClientConfiguration;
import io.micronaut.security.rules.SecurityRule;

/**
 * Sign-in under {@code /api/v1/auth}: what is configured, password sign-in for local users, the single
 * sign-on code exchange, and who the caller is. With {@code choreoscope.auth.enabled=false} every caller is
 * an anonymous admin.
 */
@Controller("/api/v1/auth")
@ExecuteOn(TaskExecutors.BLOCKING)
public class AuthController {
    static final UserInfo ANONYMOUS_ADMIN = new UserInfo("anonymous", Roles.expand(List.of(Roles.ADMIN)));

    private final AuthConfig config;
    private final BeanProvider<LocalUsers> users;
    private final BeanProvider<SignInGuard> guard;
    private final BeanProvider<TokenIssuer> tokens;
    private final BeanProvider<SsoCodes> codes;
    private final BeanProvider<TokenRevocations> revocations;
    private final Collection<OauthClientConfiguration> providers;

    public AuthController(AuthConfig config, BeanProvider<LocalUsers> users, BeanProvider<SignInGuard> guard,
                          BeanProvider<TokenIssuer> tokens,
                          BeanProvider<SsoCodes> codes, BeanProvider<TokenRevocations> revocations,
                          Collection<OauthClientConfiguration> providers) {
        this.revocations = revocations;
        this.config = config;
        this.users = users;
        this.guard = guard;
        this.tokens = tokens;
        this.codes = codes;
        this.providers = providers;
    }

    /** How to sign in; open to everyone. */
    @Get("/settings")
    @Secured(SecurityRule.IS_ANONYMOUS)
    public AuthSettings settings() {
        if (!config.isEnabled()) {
            return new AuthSettings(false, false, List.of());
        }
        List<AuthSettings.SsoProvider> sso = new ArrayList<>();
        String api = config.getPublicApiUrl().replaceAll("/+$", "");
        for (OauthClientConfiguration p : providers) {
            if (p.isEnabled()) {
                sso.add(new AuthSettings.SsoProvider(p.getName(), api + "/oauth/login/" + p.getName()));
            }
        }
        return new AuthSettings(true, users.isPresent() && users.get().any(), sso);
    }

    /**
     * Password sign-in of a local user: 200 with a bearer token, 401 when name or password is wrong, 429 with
     * Retry-After when the caller's address or the user name tried too often, the name is locked, or the server is
     * busy checking passwords (sign-in limits, docs/ACCESS.md).
     */
    @Post("/login")
    @Secured(SecurityRule.IS_ANONYMOUS)
    public SignedIn login(HttpRequest<?> http, @Body @Nullable LoginRequest request) {
        if (!config.isEnabled()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "auth_disabled", "sign-in is off (choreoscope.auth.enabled=false): no token is needed");
        }
        if (request == null || blank(request.username()) || request.password() == null) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "bad_request", "username and password are required");
        }
        LocalUsers.User u = guard.get().authenticate(guard.get().clientAddress(http), request.username(), request.password())
                .orElseThrow(() -> new ApiException(HttpStatus.UNAUTHORIZED, "unauthorized", "unknown user or wrong password"));
        return tokens.get().issue(u.name(), u.roles());
    }

    /** Trades the one-time code of a single sign-on (see {@code /sso} in the UI) for a token. */
    @Post("/sso/exchange")
    @Secured(SecurityRule.IS_ANONYMOUS)
    public SignedIn exchange(@Body @Nullable SsoCodeExchange request) {
        if (!config.isEnabled()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "auth_disabled", "sign-in is off (choreoscope.auth.enabled=false)");
        }
        if (request == null || blank(request.code())) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "bad_request", "code is required");
        }
        return codes.get().take(request.code().strip())
                .orElseThrow(() -> new ApiException(HttpStatus.UNAUTHORIZED, "unauthorized",
                        "this sign-in code is unknown, used or expired (codes last " + SsoCodes.TTL.toSeconds() + " s); sign in again"));
    }

    /**
     * Signs out the token this request carries: from now on that token is refused (401) although it has not expired.
     * 204; 400 when the caller did not use a token (HTTP Basic has no session to end).
     */
    @Post("/logout")
    @Secured(SecurityRule.IS_AUTHENTICATED)
    @Status(HttpStatus.NO_CONTENT)
    public void logout(HttpRequest<?> request) {
        if (!config.isEnabled()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "auth_disabled", "sign-in is off (choreoscope.auth.enabled=false): there is no session");
        }
        Authentication a = request.getUserPrincipal(Authentication.class).orElseThrow(
                () -> new ApiException(HttpStatus.UNAUTHORIZED, "unauthorized", "not signed in"));
        Object sid = a.getAttributes().get(TokenRevocations.CLAIM);
        if (sid == null) {
            throw ApiException.badRequest("only a token from POST /api/v1/auth/login can be signed out; HTTP Basic "
                    + "credentials are sent with every request and end when the client stops sending them");
        }
        revocations.get().revoke(sid.toString(), TokenRevocationValidator.instant(a.getAttributes().get("exp")), a.getName(),
                TokenRevocationValidator.instant(a.getAttributes().get("iat")));
    }

    /** The caller: name and roles. */
    @Get("/me")
    @Secured(SecurityRule.IS_AUTHENTICATED)
    public UserInfo me(HttpRequest<?> request) {
        if (!config.isEnabled()) {
            return ANONYMOUS_ADMIN;
        }
        Authentication a = request.getUserPrincipal(Authentication.class).orElseThrow(
                () -> new ApiException(HttpStatus.UNAUTHORIZED, "unauthorized", "not signed in"));
        return new UserInfo(a.getName(), Roles.expand(a.getRoles()));
    }

    /** The name an audit records for {@code request}'s caller, or null when sign-in is off. */
    public static @Nullable String callerName(HttpRequest<?> request) {
        return request.getUserPrincipal(Authentication.class).map(Authentication::getName).orElse(null);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
