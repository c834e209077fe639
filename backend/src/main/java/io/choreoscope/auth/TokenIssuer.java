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

/**
 * Issues choreoscope's bearer tokens (signed JWTs naming the user, the expanded roles and a random session ID,
 * claim {@value TokenRevocations#CLAIM}, by which signing out revokes the token).
 */
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
        String token = tokens.generateToken(Authentication.build(name, roles, Map.of(TokenRevocations.CLAIM, newSessionId())), ttl)
                .orElseThrow(() -> new IllegalStateException("no token could be signed (is the token key configured?)"));
        return new SignedIn(token, expires, new UserInfo(name, roles));
    }

    /** 128 random bits, URL-safe: names the token's session, so that signing out can revoke exactly this token. */
    private static String newSessionId() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
}
