package io.choreoscope.auth;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.reactivestreams.Publisher;

import io.micronaut.context.annotation.Replaces;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.security.authentication.AuthenticationResponse;
import io.micronaut.security.oauth2.endpoint.authorization.state.State;
import io.micronaut.security.oauth2.endpoint.token.response.DefaultOpenIdAuthenticationMapper;
import io.micronaut.security.oauth2.endpoint.token.response.OpenIdAuthenticationMapper;
import io.micronaut.security.oauth2.endpoint.token.response.OpenIdClaims;
import io.micronaut.security.oauth2.endpoint.token.response.OpenIdTokenResponse;
import jakarta.inject.Singleton;
import reactor.core.publisher.Mono;

/**
 * Turns a verified ID token into a choreoscope user: the name from {@code choreoscope.auth.oidc.username-claim}
 * (then email, then subject), the roles from the groups claim through {@code choreoscope.auth.oidc.role-mapping}
 * only (a group named like a role grants nothing unless mapped). Someone whose groups grant no role (and no
 * default role is set) is refused with a reason.
 */
@Singleton
@Replaces(DefaultOpenIdAuthenticationMapper.class)
@Requires(property = "micronaut.security.enabled", notEquals = "false")
public class OidcRoleMapper implements OpenIdAuthenticationMapper {
    private final AuthConfig.Oidc config;

    public OidcRoleMapper(AuthConfig config) {
        this.config = config.getOidc();
    }

    @Override
    public Publisher<AuthenticationResponse> createAuthenticationResponse(String providerName, OpenIdTokenResponse tokenResponse,
                                                                         OpenIdClaims claims, @Nullable State state) {
        String name = firstString(claims.get(config.getUsernameClaim()), claims.getEmail(), claims.getSubject());
        List<String> values = claimValues(claims.get(config.getRolesClaim()));
        List<String> roles = config.rolesFor(values);
        if (roles.isEmpty()) {
            return Mono.just(AuthenticationResponse.failure("your account (" + name + ") has no choreoscope role: none of its "
                    + config.getRolesClaim() + " " + values + " is mapped by choreoscope.auth.oidc.role-mapping"));
        }
        return Mono.just(AuthenticationResponse.success(name, roles));
    }

    static List<String> claimValues(Object claim) {
        List<String> out = new ArrayList<>();
        if (claim instanceof Collection<?> c) {
            for (Object o : c) {
                if (o != null) {
                    out.add(o.toString());
                }
            }
        } else if (claim instanceof String s && !s.isBlank()) {
            for (String part : s.strip().split("[\\s,]+")) {
                out.add(part);
            }
        }
        return out;
    }

    private static String firstString(Object... candidates) {
        for (Object c : candidates) {
            if (c instanceof String s && !s.isBlank()) {
                return s;
            }
        }
        return "unknown";
    }
}
