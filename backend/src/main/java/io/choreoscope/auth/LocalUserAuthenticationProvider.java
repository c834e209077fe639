package io.choreoscope.auth;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.authentication.AuthenticationFailureReason;
import io.micronaut.security.authentication.AuthenticationRequest;
import io.micronaut.security.authentication.AuthenticationResponse;
import io.micronaut.security.authentication.provider.HttpRequestExecutorAuthenticationProvider;
import jakarta.inject.Singleton;

/**
 * Signs in {@link LocalUsers} for HTTP Basic, through the {@link SignInGuard} (a throttled check answers 429 with
 * Retry-After). {@code POST /api/v1/auth/login} calls the guard itself. An executor provider, so Micronaut calls it on
 * the blocking pool: a plain provider would run on the event loop, which must never wait for a PBKDF2.
 */
@Singleton
@Requires(property = "micronaut.security.enabled", notEquals = "false")
public class LocalUserAuthenticationProvider<B> implements HttpRequestExecutorAuthenticationProvider<B> {
    private final SignInGuard guard;

    public LocalUserAuthenticationProvider(SignInGuard guard) {
        this.guard = guard;
    }

    @Override
    public AuthenticationResponse authenticate(HttpRequest<B> request, AuthenticationRequest<String, String> auth) {
        if (auth.getIdentity() == null || auth.getSecret() == null) {
            return AuthenticationResponse.failure(AuthenticationFailureReason.CREDENTIALS_DO_NOT_MATCH);
        }
        return guard.authenticate(guard.clientAddress(request), auth.getIdentity(), auth.getSecret())
                .map(u -> AuthenticationResponse.success(u.name(), u.roles()))
                .orElseGet(() -> AuthenticationResponse.failure(AuthenticationFailureReason.CREDENTIALS_DO_NOT_MATCH));
    }
}
