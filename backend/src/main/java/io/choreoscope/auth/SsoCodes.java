package io.choreoscope.auth;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.choreoscope.model.api.SignedIn;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;

/**
 * One-time codes that carry a single sign-on from the API's callback to the UI: the browser only ever sees
 * the code (in the redirect to the UI), and the UI's server trades it for the token once, within
 * {@link #TTL}. Kept in memory: the API instance that ran the callback answers the exchange.
 */
@Singleton
@Requires(property = "micronaut.security.enabled", notEquals = "false")
public class SsoCodes {
    static final Duration TTL = Duration.ofSeconds(60);
    private static final int MAX_OPEN = 10_000;

    private record Pending(SignedIn signedIn, long expiresAtMs) {
    }

    private final Map<String, Pending> open = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final Clock clock;

    public SsoCodes() {
        this(Clock.systemUTC());
    }

    SsoCodes(Clock clock) {
        this.clock = clock;
    }

    public String put(SignedIn signedIn) {
        long now = clock.millis();
        if (open.size() >= MAX_OPEN) {
            for (Iterator<Pending> it = open.values().iterator(); it.hasNext(); ) {
                if (it.next().expiresAtMs <= now) {
                    it.remove();
                }
            }
        }
        byte[] b = new byte[32];
        random.nextBytes(b);
        String code = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        open.put(code, new Pending(signedIn, now + TTL.toMillis()));
        return code;
    }

    /** The sign-in behind {@code code}, once; empty when unknown, used or expired. */
    public Optional<SignedIn> take(String code) {
        if (code == null) {
            return Optional.empty();
        }
        Pending p = open.remove(code);
        if (p == null || p.expiresAtMs <= clock.millis()) {
            return Optional.empty();
        }
        return Optional.of(p.signedIn);
    }
}
