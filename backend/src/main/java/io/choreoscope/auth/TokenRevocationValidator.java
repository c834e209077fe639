package io.choreoscope.auth;

import java.time.Instant;
import java.util.Date;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.token.Claims;
import io.micronaut.security.token.jwt.validator.GenericJwtClaimsValidator;
import jakarta.inject.Singleton;

/** Refuses choreoscope tokens that were signed out ({@link TokenRevocations}). */
@Singleton
@Requires(property = "micronaut.security.enabled", notEquals = "false")
public class TokenRevocationValidator implements GenericJwtClaimsValidator<HttpRequest<?>> {
    private final TokenRevocations revocations;

    public TokenRevocationValidator(TokenRevocations revocations) {
        this.revocations = revocations;
    }

    @Override
    public boolean validate(Claims claims, HttpRequest<?> request) {
        Object sid = claims.get(TokenRevocations.CLAIM);
        if (sid == null) {
            return true; // not a choreoscope session token (an ID token during single sign-on): other validators decide
        }
        Object sub = claims.get(Claims.SUBJECT);
        return !revocations.isRevoked(sid.toString(), sub == null ? null : sub.toString(), instant(claims.get(Claims.ISSUED_AT)));
    }

    static Instant instant(Object claim) {
        if (claim instanceof Date d) {
            return d.toInstant();
        }
        if (claim instanceof Number n) {
            return Instant.ofEpochSecond(n.longValue());
        }
        if (claim instanceof Instant i) {
            return i;
        }
        return null;
    }
}
