package io.choreoscope.auth;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.token.Claims;
import io.micronaut.security.token.jwt.validator.GenericJwtClaimsValidator;
import jakarta.inject.Singleton;

/**
 * Bearer tokens on the API must be choreoscope's own (issuer {@value #ISSUER}): an identity provider's ID
 * token, although its signature checks out against the provider's keys, carries the provider's idea of
 * roles, not ours. The ID-token check during single sign-on (no request, or the oauth2 callback request,
 * whose route ignores bearer tokens) is left to the oauth2 module's issuer, audience and nonce checks.
 */
@Singleton
@Requires(property = "micronaut.security.enabled", notEquals = "false")
public class ChoreoscopeIssuerValidator implements GenericJwtClaimsValidator<HttpRequest<?>> {
    static final String ISSUER = "choreoscope";
    static final String CALLBACK_PATH = "/oauth/callback/";

    @Override
    public boolean validate(Claims claims, HttpRequest<?> request) {
        return request == null || request.getPath().startsWith(CALLBACK_PATH) || ISSUER.equals(claims.get(Claims.ISSUER));
    }
}
