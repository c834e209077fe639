package io.choreoscope.model.api;

import java.util.List;

/**
 * {@code GET /api/v1/auth/settings}: how to sign in, for the UI's sign-in page and for scripts.
 *
 * @param enabled       false: no sign-in, every caller may do everything
 * @param passwordLogin true when local users exist ({@code POST /api/v1/auth/login})
 * @param providers     OpenID Connect providers, each with the address a browser starts its sign-in at
 */
public record AuthSettings(boolean enabled, boolean passwordLogin, List<SsoProvider> providers) {

    /** An OpenID Connect provider configured as {@code micronaut.security.oauth2.clients.<name>}. */
    public record SsoProvider(String name, String loginUrl) {
    }
}
