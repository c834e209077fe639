package io.choreoscope.alerts;

import java.time.Instant;

import io.micronaut.context.annotation.Requires;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates every enabled rule every {@code choreoscope.alerts.evaluation-interval} (default 15 s),
 * unless {@code choreoscope.alerts.enabled} is false. A failing round is logged and the next one runs.
 */
@Singleton
@Requires(property = AlertsConfig.PREFIX + ".enabled", notEquals = "false")
public class AlertScheduler {
    private static final Logger LOG = LoggerFactory.getLogger(AlertScheduler.class);
    private final AlertService alerts;

    public AlertScheduler(AlertService alerts) {
        this.alerts = alerts;
    }

    @Scheduled(fixedDelay = "${" + AlertsConfig.PREFIX + ".evaluation-interval:15s}",
            initialDelay = "${" + AlertsConfig.PREFIX + ".evaluation-interval:15s}")
    void evaluate() {
        try {
            alerts.evaluateAll(Instant.now());
        } catch (RuntimeException e) {
            LOG.warn("Alert evaluation round failed: {}", e.toString());
        }
    }
}
