package io.choreoscope.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class PasswordHashesTest {

    @Test
    void aHashMatchesItsPasswordOnlyAndTwoHashesOfOnePasswordDiffer() {
        String h = PasswordHashes.hash("correct horse".toCharArray(), 10_000);
        assertThat(h).startsWith("pbkdf2-sha256$10000$");
        assertThat(PasswordHashes.matches("correct horse".toCharArray(), h)).isTrue();
        assertThat(PasswordHashes.matches("correct hors".toCharArray(), h)).isFalse();
        assertThat(PasswordHashes.matches("".toCharArray(), h)).isFalse();
        assertThat(PasswordHashes.hash("correct horse".toCharArray(), 10_000)).as("random salt").isNotEqualTo(h);
        assertThat(PasswordHashes.hash("x".toCharArray())).contains("$" + PasswordHashes.DEFAULT_ITERATIONS + "$");
    }

    @Test
    void somethingThatIsNoHashIsRefusedWithTheExpectedForm() {
        for (String bad : new String[] {"", "plain-password", "pbkdf2-sha256$x$AAAA$BBBB", "bcrypt$10$a$b",
                "pbkdf2-sha256$1000$!!!$???", "pbkdf2-sha256$1000$AAAAAAAAAAA$AAAA"}) {
            assertThatThrownBy(() -> PasswordHashes.check(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("hash-password");
        }
    }

    @Test
    void rolesIncludeTheLowerOnesAndGroupsMapToRoles() {
        assertThat(Roles.expand(List.of("admin"))).containsExactly("viewer", "operator", "admin");
        assertThat(Roles.expand(List.of("OPERATOR", "viewer"))).containsExactly("viewer", "operator");
        assertThat(Roles.expand(List.of("root", "superuser"))).isEmpty();

        AuthConfig.Oidc oidc = new AuthConfig.Oidc();
        oidc.setRoleMapping(Map.of("sre", "operator", "platform-leads", "admin"));
        assertThat(oidc.rolesFor(List.of("staff", "sre"))).containsExactly("viewer", "operator");
        assertThat(oidc.rolesFor(List.of("platform-leads"))).contains("admin");
        assertThat(oidc.rolesFor(List.of("viewer"))).as("a group named like a role").containsExactly("viewer");
        assertThat(oidc.rolesFor(List.of("staff"))).isEmpty();
        oidc.setDefaultRole("viewer");
        assertThat(oidc.rolesFor(List.of("staff"))).containsExactly("viewer");
        assertThat(OidcRoleMapper.claimValues("a b,c")).containsExactly("a", "b", "c");
        assertThat(OidcRoleMapper.claimValues(List.of("x", "y"))).containsExactly("x", "y");
        assertThat(OidcRoleMapper.claimValues(42)).isEmpty();
    }
}
