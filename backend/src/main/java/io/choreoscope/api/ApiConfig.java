package io.choreoscope.api;

import java.time.Duration;

import io.micronaut.context.annotation.ConfigurationProperties;

/** Configuration of the REST API's live feed ({@code GET /api/v1/live}), under {@value #PREFIX}. */
@ConfigurationProperties(ApiConfig.PREFIX)
public class ApiConfig {
    public static final String PREFIX = "choreoscope.api";
    /** Default: the live feed looks for state changes every second. */
    public static final Duration DEFAULT_LIVE_POLL_INTERVAL = Duration.ofSeconds(1);
    /** Default: a heartbeat every 15 s keeps idle streams (and proxies in between) open. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(15);

    private Duration livePollInterval = DEFAULT_LIVE_POLL_INTERVAL;
    private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;

    /** How often the live feed reads state changes from storage. */
    public Duration getLivePollInterval() { return livePollInterval; }
    public void setLivePollInterval(Duration v) { this.livePollInterval = v; }
    /** How often the live feed sends a heartbeat. */
    public Duration getHeartbeatInterval() { return heartbeatInterval; }
    public void setHeartbeatInterval(Duration v) { this.heartbeatInterval = v; }
}
