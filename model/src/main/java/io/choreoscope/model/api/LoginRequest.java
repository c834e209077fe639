package io.choreoscope.model.api;

/** {@code POST /api/v1/auth/login} with a local user's name and password. */
public record LoginRequest(String username, String password) {

    @Override
    public String toString() {
        return "LoginRequest[username=" + username + ", password=***]";
    }
}
