package io.choreoscope.launcher;

import io.micronaut.context.annotation.ConfigurationProperties;

/** The web UI in this process, under {@value #PREFIX}. */
@ConfigurationProperties(UiConfig.PREFIX)
public class UiConfig {
    public static final String PREFIX = "choreoscope.ui";
    /** Default: the UI runs beside the API (role {@code all}); the launcher turns it off for roles without {@code ui}. */
    public static final boolean DEFAULT_ENABLED = true;
    /** Default address the UI listens on: every interface (a container's, a host's). */
    public static final String DEFAULT_HOST = "0.0.0.0";
    /** Default port of the UI. */
    public static final int DEFAULT_PORT = 8080;

    /** Default: the session cookie is {@code Secure} only on requests that came over TLS. */
    public static final boolean DEFAULT_SECURE_COOKIES = false;

    private boolean enabled = DEFAULT_ENABLED;
    private String host = DEFAULT_HOST;
    private int port = DEFAULT_PORT;
    private boolean secureCookies = DEFAULT_SECURE_COOKIES;
    private int maxSessionsNotSignedIn = io.choreoscope.model.UiLauncher.DEFAULT_MAX_SESSIONS_NOT_SIGNED_IN;
    private int maxSessionsPerUser = io.choreoscope.model.UiLauncher.DEFAULT_MAX_SESSIONS_PER_USER;

    /** Whether the UI starts (it also needs the ui module on the classpath, as the launcher has it). */
    public boolean isEnabled() { return enabled; }
    public void setEnabled(boolean v) { this.enabled = v; }
    /**
     * The address the UI listens on: {@code 0.0.0.0} (default) every interface, {@code 127.0.0.1} this machine only
     * (what {@code ./choreoscope demo} sets), or one interface's address.
     */
    public String getHost() { return host; }
    public void setHost(String v) { this.host = v; }
    /** The port the UI listens on. */
    public int getPort() { return port; }
    public void setPort(int v) { this.port = v; }
    /**
     * true when browsers reach the UI only over HTTPS through a TLS proxy (the UI itself serves plain HTTP): the session
     * cookie then always carries {@code Secure}. Default false: {@code Secure} only on requests that came over TLS.
     */
    public boolean isSecureCookies() { return secureCookies; }
    public void setSecureCookies(boolean v) { this.secureCookies = v; }
    /**
     * Sessions nobody has signed in to that the UI keeps at once (each about 10 KB of heap; loading the sign-in page
     * makes one); a newer one ends the oldest. Default 5,000.
     */
    public int getMaxSessionsNotSignedIn() { return maxSessionsNotSignedIn; }
    public void setMaxSessionsNotSignedIn(int v) { this.maxSessionsNotSignedIn = v; }
    /** Sessions one user has signed in to that the UI keeps at once; a newer one ends the user's oldest. Default 50. */
    public int getMaxSessionsPerUser() { return maxSessionsPerUser; }
    public void setMaxSessionsPerUser(int v) { this.maxSessionsPerUser = v; }
}
