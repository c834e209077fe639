package io.choreoscope.collectors.kafka;

import java.util.LinkedHashMap;
import java.util.Map;

import io.micronaut.context.annotation.Requires;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;
import io.micronaut.core.async.publisher.Publishers;

/**
 * Health of the tap: DOWN while the store refuses batches (the tap is paused and retrying), with the
 * error, the attempt count and how many records wait.
 */
@Singleton
@Requires(beans = KafkaTapService.class)
public class TapHealthIndicator implements HealthIndicator {
    private final KafkaTapService tap;

    public TapHealthIndicator(KafkaTapService tap) {
        this.tap = tap;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        TapStatus s = tap.status();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("state", s.state());
        details.put("recordsIngested", s.recordsIngested());
        details.put("pendingRecords", s.pendingRecords());
        details.put("consecutiveFailures", s.consecutiveFailures());
        if (s.lastError() != null) {
            details.put("lastError", s.lastError());
            details.put("lastErrorAt", s.lastErrorAt().toString());
        }
        HealthStatus status = switch (s.state()) {
            case "RUNNING", "STARTING" -> HealthStatus.UP;
            default -> HealthStatus.DOWN;
        };
        return Publishers.just(HealthResult.builder("kafkaTap", status).details(details).build());
    }
}
