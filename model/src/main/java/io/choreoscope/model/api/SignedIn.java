package io.choreoscope.model.api;

import java.time.Instant;

/**
 * The answer to a sign-in: a bearer token for {@code Authorization: Bearer <token>} on every API request,
 * valid until {@code expiresAt}, and who it names.
 */
public record SignedIn(String token, Instant expiresAt, UserInfo user) {

    @Override
    public String toString() {
        return "SignedIn[token=***, expiresAt=" + expiresAt + ", user=" + user + "]";
    }
}
