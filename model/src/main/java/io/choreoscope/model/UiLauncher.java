package io.choreoscope.model;

/**
 * Starts the web UI in the current process. The backend launcher finds an implementation with
 * {@link java.util.ServiceLoader} when the UI module is on the classpath, so the backend needs no
 * compile-time knowledge of the UI's framework.
 */
public interface UiLauncher {
    /** Default of {@code choreoscope.ui.max-sessions-not-signed-in}: sessions nobody has signed in to, kept at once. */
    int DEFAULT_MAX_SESSIONS_NOT_SIGNED_IN = 5_000;
    /** Default of {@code choreoscope.ui.max-sessions-per-user}: sessions one user has signed in to, kept at once. */
    int DEFAULT_MAX_SESSIONS_PER_USER = 50;

    /**
     * Starts the UI and returns once it accepts requests.
     *
     * @param host          the address to listen on: {@code 0.0.0.0} for every interface, {@code 127.0.0.1} for this
     *                      machine only
     * @param port          TCP port of the UI
     * @param apiBaseUrl    the REST API the UI calls, e.g. {@code http://localhost:8081/api/v1}
     * @param secureCookies true when browsers reach the UI only over HTTPS (a TLS proxy in front): the session cookie
     *                      then always carries {@code Secure}; false: only when the request itself came over TLS
     * @param maxSessionsNotSignedIn sessions nobody has signed in to that the UI keeps; a newer one ends the oldest
     * @param maxSessionsPerUser     sessions one user has signed in to that the UI keeps; a newer one ends their oldest
     * @return closes the UI
     * @throws Exception when the UI cannot start (port in use, address not of this machine, a bound below 1, ...)
     */
    AutoCloseable start(String host, int port, String apiBaseUrl, boolean secureCookies, int maxSessionsNotSignedIn,
                        int maxSessionsPerUser) throws Exception;
}
