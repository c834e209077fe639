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
