package io.choreoscope.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** How the groups of a single sign-on user become choreoscope roles: only what the configuration says. */
class OidcRoleMappingTest {

    private static AuthConfig.Oidc mapping(Map<String, String> roleMapping) {
        AuthConfig.Oidc oidc = new AuthConfig.Oidc();
        oidc.setRoleMapping(roleMapping);
        return oidc;
    }

    @Test
    void mappedGroupsGrantTheirRoleExpanded() {
        AuthConfig.Oidc oidc = mapping(Map.of("sre", "operator", "platform-leads", "admin"));
        assertThat(oidc.rolesFor(List.of("staff", "sre"))).containsExactly("viewer", "operator");
        assertThat(oidc.rolesFor(List.of("platform-leads"))).containsExactly("viewer", "operator", "admin");
        assertThat(oidc.rolesFor(List.of("staff"))).isEmpty();
    }

    @Test
    void aGroupNamedLikeARoleGrantsNothingUnlessTheMappingListsIt() {
        // Anyone who may create a group at the provider could otherwise make themselves admin.
        AuthConfig.Oidc oidc = mapping(Map.of("sre", "operator"));
        assertThat(oidc.rolesFor(List.of("admin"))).isEmpty();
        assertThat(oidc.rolesFor(List.of("operator", "viewer", "ADMIN"))).isEmpty();
        assertThat(oidc.rolesFor(List.of("admin", "sre"))).containsExactly("viewer", "operator");

        AuthConfig.Oidc explicit = mapping(Map.of("admin", "admin"));
        assertThat(explicit.rolesFor(List.of("admin"))).as("listed: granted").containsExactly("viewer", "operator", "admin");
    }

    @Test
    void theDefaultRoleIsGivenOnlyWhenNoGroupIsMapped() {
        AuthConfig.Oidc oidc = mapping(Map.of("sre", "operator"));
        oidc.setDefaultRole("viewer");
        assertThat(oidc.rolesFor(List.of("staff"))).containsExactly("viewer");
        assertThat(oidc.rolesFor(List.of("admin"))).as("a role-named group is just another unmapped group")
                .containsExactly("viewer");
        assertThat(oidc.rolesFor(List.of())).containsExactly("viewer");
        assertThat(oidc.rolesFor(List.of("sre"))).containsExactly("viewer", "operator");
    }

    @Test
    void theGroupsClaimIsAListOrASpaceOrCommaSeparatedString() {
        assertThat(OidcRoleMapper.claimValues("a b,c")).containsExactly("a", "b", "c");
        assertThat(OidcRoleMapper.claimValues(List.of("x", "y"))).containsExactly("x", "y");
        assertThat(OidcRoleMapper.claimValues(42)).isEmpty();
    }
}
