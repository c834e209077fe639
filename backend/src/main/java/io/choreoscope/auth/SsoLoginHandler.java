package io.choreoscope.auth;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.authentication.AuthenticationResponse;
import io.micronaut.security.handlers.RedirectingLoginHandler;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends an OpenID Connect sign-in (the oauth2 module's {@code /oauth/callback/{provider}}) by sending the
 * browser back to the UI's {@code /sso} page with a one-time code ({@link SsoCodes}), or to its sign-in
 * page with the reason it failed. No token and no cookie reach the browser.
 */
@Singleton
@Requires(property = "micronaut.security.enabled", notEquals = "false")
public class SsoLoginHandler implements RedirectingLoginHandler<HttpRequest<?>, MutableHttpResponse<?>> {
    private static final Logger LOG = LoggerFactory.getLogger(SsoLoginHandler.class);
    private final TokenIssuer tokens;
    private final SsoCodes codes;
    private final AuthConfig config;

    public SsoLoginHandler(TokenIssuer tokens, SsoCodes codes, AuthConfig config) {
        this.tokens = tokens;
        this.codes = codes;
        this.config = config;
    }

    @Override
    public MutableHttpResponse<?> loginSuccess(Authentication authentication, HttpRequest<?> request) {
        List<String> roles = Roles.expand(authentication.getRoles());
        String code = codes.put(tokens.issue(authentication.getName(), roles));
        LOG.info("single sign-on of {} with roles {}", authentication.getName(), roles);
        return HttpResponse.seeOther(URI.create(base() + "/sso?code=" + code));
    }

    @Override
    public MutableHttpResponse<?> loginRefresh(Authentication authentication, String refreshToken, HttpRequest<?> request) {
        return loginSuccess(authentication, request);
    }

    @Override
    public MutableHttpResponse<?> loginFailed(AuthenticationResponse response, HttpRequest<?> request) {
        String reason = response.getMessage().orElse("the identity provider did not sign you in");
        LOG.info("single sign-on refused: {}", reason);
        return HttpResponse.seeOther(URI.create(base() + "/login?error=" + URLEncoder.encode(reason, StandardCharsets.UTF_8)));
    }

    private String base() {
        String u = config.getUiUrl();
        return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
    }
}
