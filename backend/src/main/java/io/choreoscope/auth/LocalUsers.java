package io.choreoscope.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.choreoscope.config.DataConfig;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.security.oauth2.configuration.OauthClientConfiguration;
import jakarta.inject.Inject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local users (configured ones, plus the demo's when {@code choreoscope.auth.demo-users} is true, or else the
 * {@link InitialAdmin} when nothing at all lets anyone sign in) and the check of their passwords. Made when the
 * application starts, so a bad user entry stops the start and the initial admin's password is printed then. A
 * password that matched is remembered for a few minutes as a SHA-256 digest, so that HTTP Basic clients, which
 * send it on every request, do not pay PBKDF2 each time.
 */
@Context
@Requires(property = "micronaut.security.enabled", notEquals = "false")
public class LocalUsers {
    private static final Logger LOG = LoggerFactory.getLogger(LocalUsers.class);
    static final Duration VERIFIED_TTL = Duration.ofMinutes(5);
    private static final int VERIFIED_MAX = 10_000;

    /** A user as the rest of choreoscope sees it: name and expanded roles. */
    public record User(String name, List<String> roles) {
    }

    private record Entry(String hash, List<String> roles) {
    }

    private final Map<String, Entry> users = new LinkedHashMap<>();
    private final Map<String, Long> verified = new ConcurrentHashMap<>();
    private final Clock clock;

    @Inject
    public LocalUsers(Collection<LocalUser> configured, AuthConfig config, DataConfig data,
                      Collection<OauthClientConfiguration> singleSignOn) {
        this(configured, config, Clock.systemUTC());
        boolean sso = singleSignOn.stream().anyMatch(OauthClientConfiguration::isEnabled);
        if (users.isEmpty() && !sso) {
            String hash = InitialAdmin.passwordHash(InitialAdmin.hashFile(data.getDataDir()), config.getAdminPassword());
            users.put(InitialAdmin.NAME, new Entry(hash, Roles.expand(List.of(Roles.ADMIN))));
        }
    }

    LocalUsers(Collection<LocalUser> configured, AuthConfig config, Clock clock) {
        this.clock = clock;
        if (config.isDemoUsers()) {
            LOG.warn("choreoscope.auth.demo-users is on: users viewer, operator and admin can sign in with their name as "
                    + "password. Never use this outside the demo.");
            for (String r : List.of(Roles.VIEWER, Roles.OPERATOR, Roles.ADMIN)) {
                // A low iteration count: these passwords are public anyway, and the demo starts faster.
                users.put(r, new Entry(PasswordHashes.hash(r.toCharArray(), 1_000), Roles.expand(List.of(r))));
            }
        }
        for (LocalUser u : configured) {
            try {
                PasswordHashes.check(u.getPasswordHash());
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException("choreoscope.auth.users." + u.getName() + ".password-hash: " + e.getMessage());
            }
            List<String> unknown = u.getRoles().stream().filter(r -> !Roles.isRole(r)).toList();
            if (!unknown.isEmpty()) {
                throw new ConfigurationException("choreoscope.auth.users." + u.getName() + ".roles: unknown role(s) " + unknown
                        + "; the roles are viewer, operator and admin");
            }
            users.put(u.getName(), new Entry(u.getPasswordHash(), Roles.expand(u.getRoles())));
        }
    }

    /** True when anyone can sign in with a password. */
    public boolean any() {
        return !users.isEmpty();
    }

    /**
     * The user when {@code name} and {@code password} matched within the last {@link #VERIFIED_TTL}; empty otherwise.
     * Costs one SHA-256, never a PBKDF2, so callers may answer it before any throttling.
     */
    public Optional<User> remembered(String name, String password) {
        if (name == null || password == null) {
            return Optional.empty();
        }
        Entry e = users.get(name);
        if (e == null) {
            return Optional.empty();
        }
        Long until = verified.get(digest(name, password, e.hash));
        return until != null && until > clock.millis() ? Optional.of(new User(name, e.roles)) : Optional.empty();
    }

    /**
     * The user when {@code name} and {@code password} match; empty otherwise (unknown name or wrong password alike).
     * Unless {@link #remembered} answers, this costs one PBKDF2 (tens of milliseconds of a core) whether or not the
     * name exists: run it through {@link SignInGuard}, which bounds how often and how many at once.
     */
    public Optional<User> authenticate(String name, String password) {
        if (name == null || password == null) {
            return Optional.empty();
        }
        Optional<User> known = remembered(name, password);
        if (known.isPresent()) {
            return known;
        }
        Entry e = users.get(name);
        if (e == null) {
            // Spend about the same time as a real check, so response times do not tell which names exist.
            PasswordHashes.matches(password.toCharArray(), DUMMY_HASH);
            return Optional.empty();
        }
        if (!PasswordHashes.matches(password.toCharArray(), e.hash)) {
            return Optional.empty();
        }
        if (verified.size() >= VERIFIED_MAX) {
            verified.clear();
        }
        verified.put(digest(name, password, e.hash), clock.millis() + VERIFIED_TTL.toMillis());
        return Optional.of(new User(name, e.roles));
    }

    private static final String DUMMY_HASH = PasswordHashes.hash("not-a-user".toCharArray());

    private static String digest(String name, String password, String hash) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(name.getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(password.getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(hash.getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
