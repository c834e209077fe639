package io.choreoscope.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

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
    void rolesIncludeTheLowerOnes() {
        assertThat(Roles.expand(List.of("admin"))).containsExactly("viewer", "operator", "admin");
        assertThat(Roles.expand(List.of("OPERATOR", "viewer"))).containsExactly("viewer", "operator");
        assertThat(Roles.expand(List.of("root", "superuser"))).isEmpty();
    }
}
