package io.choreoscope.collectors.rabbitmq;

import java.util.LinkedHashMap;
import java.util.Map;

import io.micronaut.context.annotation.Requires;
import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;

/**
 * Health of the RabbitMQ tap ({@code rabbitMqTap}): DOWN while a virtual host is being reconnected or the store
 * refuses batches, with the reason; UP with a {@code managementProblem} detail when only the management API fails.
 */
@Singleton
@Requires(beans = RabbitMqTapService.class)
public class RabbitTapHealthIndicator implements HealthIndicator {
    private final RabbitMqTapService tap;

    public RabbitTapHealthIndicator(RabbitMqTapService tap) {
        this.tap = tap;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        RabbitTapStatus s = tap.status();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("state", s.state());
        details.put("mechanism", s.mechanism());
        details.put("messagesIngested", s.messagesIngested());
        details.put("pendingMessages", s.pendingMessages());
        details.put("connectedVhosts", s.connectedVhosts());
        details.put("disconnectedVhosts", s.disconnectedVhosts());
        details.put("reconnectAttempts", s.reconnectAttempts());
        details.put("consecutiveFailures", s.consecutiveFailures());
        if (s.lastError() != null) {
            details.put("lastError", s.lastError());
            details.put("lastErrorAt", s.lastErrorAt().toString());
        }
        if (!s.untappedExchanges().isEmpty()) {
            details.put("untappedExchanges", s.untappedExchanges());
        }
        if (!s.untappedDeadLetterQueues().isEmpty()) {
            details.put("untappedDeadLetterQueues", s.untappedDeadLetterQueues());
        }
        if (s.managementProblem() != null) {
            details.put("managementProblem", s.managementProblem());
        }
        HealthStatus status = switch (s.state()) {
            case "RUNNING", "STARTING" -> HealthStatus.UP;
            default -> HealthStatus.DOWN;
        };
        return Publishers.just(HealthResult.builder("rabbitMqTap", status).details(details).build());
    }
}
