package io.choreoscope.auth;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.choreoscope.model.api.SignedIn;
import io.choreoscope.model.api.UserInfo;
import io.micronaut.context.annotation.Requires;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.token.generator.TokenGenerator;
import jakarta.inject.Singleton;

/** Issues choreoscope's bearer tokens (signed JWTs naming the user and the expanded roles). */
@Singleton
@Requires(property = "micronaut.security.enabled", notEquals = "false")
public class TokenIssuer {
    private final TokenGenerator tokens;
    private final AuthConfig config;
    private final Clock clock = Clock.systemUTC();

    public TokenIssuer(TokenGenerator tokens, AuthConfig config) {
        this.tokens = tokens;
        this.config = config;
    }

    public SignedIn issue(String name, List<String> roles) {
        int ttl = (int) Math.min(Integer.MAX_VALUE, Math.max(60, config.getTokenTtl().toSeconds()));
        Instant expires = clock.instant().plusSeconds(ttl);
        String token = tokens.generateToken(Authentication.build(name, roles, Map.of()), ttl)
                .orElseThrow(() -> new IllegalStateException("no token could be signed (is the token key configured?)"));
        return new SignedIn(token, expires, new UserInfo(name, roles));
    }
}
