package io.choreoscope.model.api;

import java.util.List;

/**
 * A signed-in user: name and roles, expanded (an admin is listed as viewer, operator and admin).
 * {@code GET /api/v1/auth/me}.
 */
public record UserInfo(String name, List<String> roles) {

    public boolean has(String role) {
        return roles != null && roles.contains(role);
    }
}
