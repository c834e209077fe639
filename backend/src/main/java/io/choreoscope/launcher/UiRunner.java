package io.choreoscope.launcher;

import java.util.ServiceLoader;

import io.choreoscope.model.UiLauncher;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import io.micronaut.runtime.event.annotation.EventListener;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the web UI ({@code choreoscope.ui.host} and {@code .port}, default 0.0.0.0:8080) in this process once the
 * REST API is up, when {@code choreoscope.ui.enabled} is true (the default for role {@code all}) and the UI module
 * is on the classpath. The UI calls this process's own API over HTTP, as any client would: at {@code localhost} when
 * the API listens on every interface, else at the address it listens on ({@code micronaut.server.host}).
 */
@Singleton
@Requires(property = UiConfig.PREFIX + ".enabled", notEquals = "false")
public class UiRunner {
    private static final Logger LOG = LoggerFactory.getLogger(UiRunner.class);
    private final String host;
    private final int port;
    private final boolean secureCookies;
    private final int maxSessionsNotSignedIn;
    private final int maxSessionsPerUser;
    private final String apiHost;
    private AutoCloseable ui;

    public UiRunner(UiConfig config, @Value("${micronaut.server.host:}") String apiListensOn) {
        this.host = config.getHost();
        this.port = config.getPort();
        this.secureCookies = config.isSecureCookies();
        this.maxSessionsNotSignedIn = config.getMaxSessionsNotSignedIn();
        this.maxSessionsPerUser = config.getMaxSessionsPerUser();
        this.apiHost = apiHost(apiListensOn);
    }

    /** Where this process reaches its own API, given the address the API listens on (blank: every interface). */
    static String apiHost(String listensOn) {
        String h = listensOn == null ? "" : listensOn.trim();
        if (h.isEmpty() || h.equals("0.0.0.0") || h.equals("::") || h.equals("[::]")) {
            return "localhost";
        }
        return h.contains(":") && !h.startsWith("[") ? "[" + h + "]" : h;
    }

    @EventListener
    synchronized void onStartup(ServerStartupEvent event) {
        if (ui != null) {
            return;
        }
        UiLauncher launcher = ServiceLoader.load(UiLauncher.class).findFirst().orElse(null);
        if (launcher == null) {
            LOG.warn("choreoscope.ui.enabled is true but the UI module is not on the classpath; no UI started");
            return;
        }
        String api = "http://" + apiHost + ":" + event.getSource().getPort() + "/api/v1";
        try {
            ui = launcher.start(host, port, api, secureCookies, maxSessionsNotSignedIn, maxSessionsPerUser);
            LOG.info("UI listening on {}:{} (API {})", host, port, api);
        } catch (Exception e) {
            // The API and the collectors keep running: a UI that cannot bind must not take them down.
            LOG.error("UI could not start on {}:{} (choreoscope.ui.host, choreoscope.ui.port, "
                    + "choreoscope.ui.max-sessions-*): {}", host, port,
                    e.getMessage(), e);
        }
    }

    @PreDestroy
    synchronized void stop() throws Exception {
        if (ui != null) {
            ui.close();
            ui = null;
        }
    }
}
