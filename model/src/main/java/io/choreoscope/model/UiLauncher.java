package io.choreoscope.model;

/**
 * Starts the web UI in the current process. The backend launcher finds an implementation with
 * {@link java.util.ServiceLoader} when the UI module is on the classpath, so the backend needs no
 * compile-time knowledge of the UI's framework.
 */
public interface UiLauncher {

    /**
     * Starts the UI and returns once it accepts requests.
     *
     * @param host          the address to listen on: {@code 0.0.0.0} for every interface, {@code 127.0.0.1} for this
     *                      machine only
     * @param port          TCP port of the UI
     * @param apiBaseUrl    the REST API the UI calls, e.g. {@code http://localhost:8081/api/v1}
     * @param secureCookies true when browsers reach the UI only over HTTPS (a TLS proxy in front): the session cookie
     *                      then always carries {@code Secure}; false: only when the request itself came over TLS
     * @return closes the UI
     * @throws Exception when the UI cannot start (port in use, address not of this machine, ...)
     */
    AutoCloseable start(String host, int port, String apiBaseUrl, boolean secureCookies) throws Exception;
}
