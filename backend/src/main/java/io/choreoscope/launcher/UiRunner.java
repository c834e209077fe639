package io.choreoscope.launcher;

import java.util.ServiceLoader;

import io.choreoscope.model.UiLauncher;
import io.micronaut.context.annotation.Requires;
import io.micronaut.runtime.event.annotation.EventListener;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the web UI ({@code choreoscope.ui.port}, default 8080) in this process once the REST API is
 * up, when {@code choreoscope.ui.enabled} is true (the default for role {@code all}) and the UI module
 * is on the classpath. The UI calls this process's own API over HTTP, as any client would.
 */
@Singleton
@Requires(property = UiConfig.PREFIX + ".enabled", notEquals = "false")
public class UiRunner {
    private static final Logger LOG = LoggerFactory.getLogger(UiRunner.class);
    private final int port;
    private final boolean secureCookies;
    private AutoCloseable ui;

    public UiRunner(UiConfig config) {
        this.port = config.getPort();
        this.secureCookies = config.isSecureCookies();
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
        String api = "http://localhost:" + event.getSource().getPort() + "/api/v1";
        try {
            ui = launcher.start(port, api, secureCookies);
            LOG.info("UI listening on http://localhost:{}/ (API {})", port, api);
        } catch (Exception e) {
            // The API and the collectors keep running: a UI that cannot bind must not take them down.
            LOG.error("UI could not start on port {} (choreoscope.ui.port): {}", port, e.getMessage(), e);
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
