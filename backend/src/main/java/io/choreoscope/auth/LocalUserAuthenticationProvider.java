package io.choreoscope.auth;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.authentication.AuthenticationFailureReason;
import io.micronaut.security.authentication.AuthenticationRequest;
import io.micronaut.security.authentication.AuthenticationResponse;
import io.micronaut.security.authentication.provider.HttpRequestAuthenticationProvider;
import jakarta.inject.Singleton;

/** Signs in {@link LocalUsers} for HTTP Basic and for {@code POST /api/v1/auth/login}. */
@Singleton
@Requires(property = "micronaut.security.enabled", notEquals = "false")
public class LocalUserAuthenticationProvider<B> implements HttpRequestAuthenticationProvider<B> {
    private final LocalUsers users;

    public LocalUserAuthenticationProvider(LocalUsers users) {
        this.users = users;
    }

    @Override
    public AuthenticationResponse authenticate(HttpRequest<B> request, AuthenticationRequest<String, String> auth) {
        return users.authenticate(auth.getIdentity(), auth.getSecret())
                .map(u -> AuthenticationResponse.success(u.name(), u.roles()))
                .orElseGet(() -> AuthenticationResponse.failure(AuthenticationFailureReason.CREDENTIALS_DO_NOT_MATCH));
    }
}
