package io.choreoscope.launcher;

import io.micronaut.context.annotation.ConfigurationProperties;

/** The web UI in this process, under {@value #PREFIX}. */
@ConfigurationProperties(UiConfig.PREFIX)
public class UiConfig {
    public static final String PREFIX = "choreoscope.ui";
    /** Default: the UI runs beside the API (role {@code all}); the launcher turns it off for roles without {@code ui}. */
    public static final boolean DEFAULT_ENABLED = true;
    /** Default port of the UI. */
    public static final int DEFAULT_PORT = 8080;

    private boolean enabled = DEFAULT_ENABLED;
    private int port = DEFAULT_PORT;

    /** Whether the UI starts (it also needs the ui module on the classpath, as the launcher has it). */
    public boolean isEnabled() { return enabled; }
    public void setEnabled(boolean v) { this.enabled = v; }
    /** The port the UI listens on. */
    public int getPort() { return port; }
    public void setPort(int v) { this.port = v; }
}
