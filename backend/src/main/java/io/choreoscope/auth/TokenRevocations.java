package io.choreoscope.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.choreoscope.config.DataConfig;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tokens signed out before they expired. Every token choreoscope issues carries a session ID (claim {@value #CLAIM});
 * signing out ({@code POST /api/v1/auth/logout}) records that ID until the token's own expiry, and
 * {@link TokenRevocationValidator} refuses any token whose ID is recorded, so a token captured before the sign-out
 * is refused after it.
 *
 * <p>Kept in memory and in {@code <data-dir>/auth/revoked-tokens} (owner-only, one {@code id expiry-epoch-seconds}
 * per line, rewritten without expired lines at start), so a restart keeps them. Several API instances do not share
 * the file: on such a layout give each instance its own token key, or accept that a sign-out is enforced by the
 * instance that received it only. Bounded: at most {@value #MAX_REVOKED} live entries; past that, the signing-out
 * user's older tokens are all refused instead (a cut-off per user name, one entry per user).
 */
@Singleton
@Requires(property = "micronaut.security.enabled", notEquals = "false")
public class TokenRevocations {
    /** The claim naming a token's session. */
    public static final String CLAIM = "sid";
    static final int MAX_REVOKED = 100_000;
    private static final Logger LOG = LoggerFactory.getLogger(TokenRevocations.class);
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{8,64}");

    private final Map<String, Long> revoked = new HashMap<>();
    private final Map<String, Long> userCutoff = new HashMap<>();
    private final Path file;
    private final Clock clock;

    @Inject
    public TokenRevocations(DataConfig data) {
        this(Paths.get(data.getDataDir(), "auth", "revoked-tokens"), Clock.systemUTC());
    }

    TokenRevocations(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
        load();
    }

    /**
     * Records that the token with session {@code sid}, expiring at {@code expires}, was signed out. A malformed ID
     * is ignored (tokens choreoscope issues always carry a good one).
     */
    public synchronized void revoke(String sid, Instant expires, String user, Instant issuedAt) {
        if (sid == null || !ID.matcher(sid).matches()) {
            return;
        }
        long now = clock.instant().getEpochSecond();
        revoked.values().removeIf(exp -> exp <= now);
        if (revoked.size() >= MAX_REVOKED) {
            // Full (someone signs in and out in a loop): refuse every token of this user issued up to now instead.
            userCutoff.merge(user, issuedAt.getEpochSecond(), Math::max);
            return;
        }
        long exp = expires == null ? now + 86_400 : expires.getEpochSecond();
        revoked.put(sid, exp);
        append(sid + " " + exp + "\n");
    }

    /** True when the token of session {@code sid} of {@code user}, issued at {@code issuedAt}, was signed out. */
    public synchronized boolean isRevoked(String sid, String user, Instant issuedAt) {
        if (sid == null) {
            return false;
        }
        Long exp = revoked.get(sid);
        if (exp != null) {
            return true;
        }
        Long cutoff = user == null ? null : userCutoff.get(user);
        return cutoff != null && issuedAt != null && issuedAt.getEpochSecond() <= cutoff;
    }

    private void load() {
        if (!Files.exists(file)) {
            return;
        }
        long now = clock.instant().getEpochSecond();
        try {
            List<String> live = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] f = line.strip().split(" ");
                if (f.length == 2 && ID.matcher(f[0]).matches() && f[1].matches("\\d{1,12}") && Long.parseLong(f[1]) > now
                        && revoked.size() < MAX_REVOKED) {
                    revoked.put(f[0], Long.parseLong(f[1]));
                    live.add(f[0] + " " + f[1]);
                }
            }
            Files.writeString(file, live.isEmpty() ? "" : String.join("\n", live) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            LOG.warn("cannot read the signed-out tokens in {}: {}; tokens signed out before this start stay valid until "
                    + "they expire", file, e.getMessage());
        }
    }

    private void append(String line) {
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(file.getParent());
                try {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                } catch (UnsupportedOperationException e) {
                    Files.createFile(file);
                }
            }
            Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            LOG.warn("cannot record a sign-out in {}: {}; it holds until this process stops", file, e.getMessage());
        }
    }
}
