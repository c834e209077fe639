package io.choreoscope.selftracing;

import java.time.Duration;

import io.micronaut.context.annotation.ConfigurationProperties;

/**
 * choreoscope tracing itself with the OpenTelemetry SDK, under {@value #PREFIX}. Off by default: when
 * off, no tracer provider, exporter or export thread is created.
 */
@ConfigurationProperties(SelfTracingConfig.PREFIX)
public class SelfTracingConfig {
    public static final String PREFIX = "choreoscope.self-tracing";
    /** Default: off. */
    public static final boolean DEFAULT_ENABLED = false;
    /**
     * Default OTLP/HTTP endpoint (base URL; {@code /v1/traces} is appended unless present): a local
     * collector. Pointing it at choreoscope's own receiver works but stores choreoscope's write spans
     * next to your services' spans, and each stored batch then causes another span.
     */
    public static final String DEFAULT_ENDPOINT = "http://localhost:4318";
    /** Default {@code service.name} of the exported spans. */
    public static final String DEFAULT_SERVICE_NAME = "choreoscope";
    /** Default longest time a finished span waits before it is exported (the SDK's batch delay). */
    public static final Duration DEFAULT_EXPORT_DELAY = Duration.ofSeconds(5);

    private boolean enabled = DEFAULT_ENABLED;
    private String endpoint = DEFAULT_ENDPOINT;
    private String serviceName = DEFAULT_SERVICE_NAME;
    private Duration exportDelay = DEFAULT_EXPORT_DELAY;

    public boolean isEnabled() { return enabled; }
    public void setEnabled(boolean enabled) { this.enabled = enabled; }
    public String getEndpoint() { return endpoint; }

    public void setEndpoint(String endpoint) {
        if (endpoint == null || !(endpoint.startsWith("http://") || endpoint.startsWith("https://"))) {
            throw new IllegalArgumentException(PREFIX + ".endpoint must be an http(s) URL of an OTLP/HTTP receiver, was '"
                    + endpoint + "'");
        }
        this.endpoint = endpoint;
    }

    public String getServiceName() { return serviceName; }
    public void setServiceName(String serviceName) { this.serviceName = serviceName; }
    public Duration getExportDelay() { return exportDelay; }
    public void setExportDelay(Duration exportDelay) { this.exportDelay = exportDelay; }

    /** The URL spans are posted to: the endpoint with {@code /v1/traces}, as OTEL_EXPORTER_OTLP_ENDPOINT works. */
    public String tracesUrl() {
        String base = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        return base.endsWith("/v1/traces") ? base : base + "/v1/traces";
    }
}
