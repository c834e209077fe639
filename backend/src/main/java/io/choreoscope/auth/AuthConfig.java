package io.choreoscope.auth;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;

/**
 * {@code choreoscope.auth.*}: who may use the UI and the API. See docs/ACCESS.md.
 */
@ConfigurationProperties(AuthConfig.PREFIX)
public class AuthConfig {
    public static final String PREFIX = "choreoscope.auth";

    private boolean enabled = true;
    private Duration tokenTtl = Duration.ofHours(12);
    private String tokenSecret;
    private boolean demoUsers;
    private String adminPassword;
    private String uiUrl = "http://localhost:8080";
    private String publicApiUrl = "http://localhost:8081";
    private Oidc oidc = new Oidc();
    private SignIn signIn = new SignIn();

    /** false: no sign-in at all, every caller may do everything (trusted networks only). */
    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** How long a token from sign-in stays valid. */
    public Duration getTokenTtl() {
        return tokenTtl;
    }

    public void setTokenTtl(Duration tokenTtl) {
        this.tokenTtl = tokenTtl;
    }

    /**
     * The HMAC key that signs tokens (at least 32 characters). Unset: a random key is made once and kept in
     * {@code <data-dir>/auth/token-secret}; instances that share tokens (several API roles) need the same key.
     */
    @Nullable
    public String getTokenSecret() {
        return tokenSecret;
    }

    public void setTokenSecret(@Nullable String tokenSecret) {
        this.tokenSecret = tokenSecret;
    }

    /** true (the demo only): users viewer, operator and admin whose password is their name. */
    public boolean isDemoUsers() {
        return demoUsers;
    }

    public void setDemoUsers(boolean demoUsers) {
        this.demoUsers = demoUsers;
    }

    /**
     * The password of the initial admin (user {@code admin}), made only when sign-in is on and nothing else lets
     * anyone sign in: no local user, no single sign-on client, no demo users. application.yml fills it from
     * {@code CHOREOSCOPE_ADMIN_PASSWORD}. Unset (the default): a random password is made at the first start and
     * printed once in the log. Either way only its hash is kept, in {@code <data-dir>/auth/admin-password-hash}.
     */
    @Nullable
    public String getAdminPassword() {
        return adminPassword;
    }

    public void setAdminPassword(@Nullable String adminPassword) {
        this.adminPassword = adminPassword == null || adminPassword.isEmpty() ? null : adminPassword;
    }

    /** Where browsers reach the UI; single sign-on returns there. */
    public String getUiUrl() {
        return uiUrl;
    }

    public void setUiUrl(String uiUrl) {
        this.uiUrl = uiUrl;
    }

    /** Where browsers reach this API; single sign-on starts there. */
    public String getPublicApiUrl() {
        return publicApiUrl;
    }

    public void setPublicApiUrl(String publicApiUrl) {
        this.publicApiUrl = publicApiUrl;
    }

    public Oidc getOidc() {
        return oidc;
    }

    public void setOidc(Oidc oidc) {
        this.oidc = oidc;
    }

    public SignIn getSignIn() {
        return signIn;
    }

    public void setSignIn(SignIn signIn) {
        this.signIn = signIn;
    }

    /**
     * {@code choreoscope.auth.sign-in.*}: what a password sign-in may cost the server. Every password check that is
     * not answered from the short-lived cache of recently matched passwords costs one PBKDF2 (600,000 iterations,
     * tens of milliseconds of a core), so such checks are rate-limited per client address and per user name, run on
     * a small bounded pool, and a user name is locked for a while after repeated failures. See docs/ACCESS.md.
     */
    @ConfigurationProperties("sign-in")
    public static class SignIn {
        /** Default: password checks one client address may ask for per {@link #getWindow() window}. */
        public static final int DEFAULT_ATTEMPTS_PER_ADDRESS = 10;
        /** Default: password checks one user name may get per window from addresses it never signed in from. */
        public static final int DEFAULT_ATTEMPTS_PER_USER = 20;
        /** Default window of the two rates: one minute. */
        public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);
        /** Default: failed checks in a row after which a user name is locked. */
        public static final int DEFAULT_LOCKOUT_FAILURES = 10;
        /** Default: how long a lockout lasts. */
        public static final Duration DEFAULT_LOCKOUT_DURATION = Duration.ofMinutes(15);
        /** Default: how long an address a user signed in from stays exempt from that user's lockout. */
        public static final Duration DEFAULT_TRUSTED_ADDRESS_TTL = Duration.ofDays(30);
        /** Default: threads that run password checks (half the cores, at least one). */
        public static final int DEFAULT_CHECK_THREADS = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        /** Default: password checks that may wait for a thread; more answer 429. */
        public static final int DEFAULT_CHECK_QUEUE = 16;
        /** Default: addresses, user names and trusted pairs each remembered at most. */
        public static final int DEFAULT_MAX_TRACKED = 10_000;

        private int attemptsPerAddress = DEFAULT_ATTEMPTS_PER_ADDRESS;
        private int attemptsPerUser = DEFAULT_ATTEMPTS_PER_USER;
        private Duration window = DEFAULT_WINDOW;
        private int lockoutFailures = DEFAULT_LOCKOUT_FAILURES;
        private Duration lockoutDuration = DEFAULT_LOCKOUT_DURATION;
        private Duration trustedAddressTtl = DEFAULT_TRUSTED_ADDRESS_TTL;
        private int checkThreads = DEFAULT_CHECK_THREADS;
        private int checkQueue = DEFAULT_CHECK_QUEUE;
        private int maxTracked = DEFAULT_MAX_TRACKED;

        /** Password checks one client address (an IPv6 address counts by its /64) may ask for per window; default 10. */
        public int getAttemptsPerAddress() {
            return attemptsPerAddress;
        }

        public void setAttemptsPerAddress(int v) {
            this.attemptsPerAddress = positive("attempts-per-address", v);
        }

        /**
         * Password checks one user name may get per window from addresses that never signed in as it; default 20.
         * Addresses it signed in from recently are not counted, so a flood against a name does not lock its owner out.
         */
        public int getAttemptsPerUser() {
            return attemptsPerUser;
        }

        public void setAttemptsPerUser(int v) {
            this.attemptsPerUser = positive("attempts-per-user", v);
        }

        /** The window of both rates (a token bucket refilled over it); default 1 minute. */
        public Duration getWindow() {
            return window;
        }

        public void setWindow(Duration v) {
            this.window = positive("window", v);
        }

        /** Failed password checks in a row after which a user name is locked; default 10. */
        public int getLockoutFailures() {
            return lockoutFailures;
        }

        public void setLockoutFailures(int v) {
            this.lockoutFailures = positive("lockout-failures", v);
        }

        /**
         * How long a locked user name refuses password checks from addresses it did not sign in from before; default
         * 15 minutes. Attempts during a lockout are refused without a check and do not extend it.
         */
        public Duration getLockoutDuration() {
            return lockoutDuration;
        }

        public void setLockoutDuration(Duration v) {
            this.lockoutDuration = positive("lockout-duration", v);
        }

        /** How long an address a user signed in from stays exempt from that user's lockout; default 30 days (in memory). */
        public Duration getTrustedAddressTtl() {
            return trustedAddressTtl;
        }

        public void setTrustedAddressTtl(Duration v) {
            this.trustedAddressTtl = positive("trusted-address-ttl", v);
        }

        /** Threads that run password checks; default half the cores, at least 1. */
        public int getCheckThreads() {
            return checkThreads;
        }

        public void setCheckThreads(int v) {
            this.checkThreads = positive("check-threads", v);
        }

        /** Password checks that may wait for a thread; when full, sign-in answers 429 with Retry-After; default 16. */
        public int getCheckQueue() {
            return checkQueue;
        }

        public void setCheckQueue(int v) {
            this.checkQueue = positive("check-queue", v);
        }

        /**
         * Client addresses, user names and trusted (user, address) pairs each remembered at most; default 10,000
         * each. Past it the least recently seen is forgotten, so a flood of distinct names or addresses costs
         * bounded memory.
         */
        public int getMaxTracked() {
            return maxTracked;
        }

        public void setMaxTracked(int v) {
            this.maxTracked = positive("max-tracked", v);
        }

        private static int positive(String key, int v) {
            if (v < 1) {
                throw new IllegalArgumentException(PREFIX + ".sign-in." + key + " must be at least 1, not " + v);
            }
            return v;
        }

        private static Duration positive(String key, Duration v) {
            if (v == null || v.isNegative() || v.isZero()) {
                throw new IllegalArgumentException(PREFIX + ".sign-in." + key + " must be a positive duration, not " + v);
            }
            return v;
        }
    }

    /**
     * How an OpenID Connect login becomes a choreoscope user. The providers themselves are configured as
     * {@code micronaut.security.oauth2.clients.<name>} (client ID, secret, issuer).
     */
    @ConfigurationProperties("oidc")
    public static class Oidc {
        private String usernameClaim = "preferred_username";
        private String rolesClaim = "groups";
        private Map<String, String> roleMapping = Map.of();
        private String defaultRole;

        /** The ID-token claim shown as the user's name (falls back to email, then subject). */
        public String getUsernameClaim() {
            return usernameClaim;
        }

        public void setUsernameClaim(String usernameClaim) {
            this.usernameClaim = usernameClaim;
        }

        /** The ID-token claim listing the user's groups or roles (a list or a space-separated string). */
        public String getRolesClaim() {
            return rolesClaim;
        }

        public void setRolesClaim(String rolesClaim) {
            this.rolesClaim = rolesClaim;
        }

        /**
         * Group (claim value) to choreoscope role, e.g. {@code sre-team: operator}; keys match claim values
         * exactly. Only groups listed here grant roles: a group that is merely called {@code admin} grants
         * nothing unless mapped ({@code admin: admin}), since whoever may name groups at the provider is not
         * thereby choreoscope's admin. Default: empty (only {@link #getDefaultRole()} can grant a role).
         */
        public Map<String, String> getRoleMapping() {
            return roleMapping;
        }

        public void setRoleMapping(Map<String, String> roleMapping) {
            this.roleMapping = roleMapping == null ? Map.of() : Map.copyOf(roleMapping);
        }

        /** The role of a signed-in user whose groups map to none; unset: such users are refused. */
        @Nullable
        public String getDefaultRole() {
            return defaultRole;
        }

        public void setDefaultRole(@Nullable String defaultRole) {
            this.defaultRole = defaultRole;
        }

        /**
         * The roles the values of the roles claim grant through {@link #getRoleMapping()}, expanded; the default
         * role when none is mapped; empty when none is mapped and no default is set.
         */
        public List<String> rolesFor(List<String> claimValues) {
            java.util.Set<String> granted = new java.util.HashSet<>();
            for (String v : claimValues) {
                String mapped = roleMapping.get(v);
                if (mapped != null) {
                    granted.add(mapped);
                }
            }
            if (granted.isEmpty() && defaultRole != null) {
                granted.add(defaultRole);
            }
            return Roles.expand(granted);
        }
    }
}
