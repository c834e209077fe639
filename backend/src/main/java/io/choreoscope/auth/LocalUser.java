package io.choreoscope.auth;

import java.util.List;

import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;
import io.micronaut.core.annotation.Nullable;

/**
 * A local user from configuration, keyed by name:
 * <pre>
 * choreoscope.auth.users.alice.password-hash: pbkdf2-sha256$600000$...   # ./choreoscope hash-password
 * choreoscope.auth.users.alice.roles: [operator]
 * </pre>
 * or by environment: {@code CHOREOSCOPE_AUTH_USERS_ALICE_PASSWORD_HASH}, {@code CHOREOSCOPE_AUTH_USERS_ALICE_ROLES}.
 */
@EachProperty("choreoscope.auth.users")
public class LocalUser {
    private final String name;
    private String passwordHash;
    private List<String> roles = List.of();

    public LocalUser(@Parameter String name) {
        this.name = name;
    }

    public String getName() {
        return name;
    }

    @Nullable
    public String getPasswordHash() {
        return passwordHash;
    }

    public void setPasswordHash(@Nullable String passwordHash) {
        this.passwordHash = passwordHash;
    }

    public List<String> getRoles() {
        return roles;
    }

    public void setRoles(@Nullable List<String> roles) {
        this.roles = roles == null ? List.of() : List.copyOf(roles);
    }
}
