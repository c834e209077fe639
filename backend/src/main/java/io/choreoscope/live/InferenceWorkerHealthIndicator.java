package io.choreoscope.live;

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
 * Health of a remote inference worker (role {@code inference}), as {@code inferenceWorker}: DOWN while a failed step
 * waits for its retry or is being retried (with the last error, the consecutive failures, the retries since start,
 * since when it fails and when it retries next), and once the worker stopped; UP while it runs, again as soon as a
 * retry persisted and committed.
 */
@Singleton
@Requires(beans = InferenceWorker.class)
public class InferenceWorkerHealthIndicator implements HealthIndicator {
    static final String NAME = "inferenceWorker";
    private final InferenceWorker worker;

    public InferenceWorkerHealthIndicator(InferenceWorker worker) {
        this.worker = worker;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        return Publishers.just(result());
    }

    /** The result, computed now. */
    HealthResult result() {
        WorkerHealth h = worker.health();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("state", h.state());
        details.put("consecutiveFailures", h.consecutiveFailures());
        details.put("retries", h.retries());
        if (h.lastError() != null) {
            details.put("lastError", h.lastError());
            details.put("lastErrorAt", h.lastErrorAt().toString());
        }
        if (h.failingSince() != null) {
            details.put("failingSince", h.failingSince().toString());
        }
        if (h.nextRetryAt() != null) {
            details.put("nextRetryAt", h.nextRetryAt().toString());
        }
        HealthStatus status = "RUNNING".equals(h.state()) ? HealthStatus.UP : HealthStatus.DOWN;
        return HealthResult.builder(NAME, status).details(details).build();
    }
}
