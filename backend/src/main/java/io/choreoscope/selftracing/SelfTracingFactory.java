package io.choreoscope.selftracing;

import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Makes the {@link SelfTracing} bean: disabled unless {@code choreoscope.self-tracing.enabled=true}. */
@Factory
public class SelfTracingFactory {
    private static final Logger LOG = LoggerFactory.getLogger(SelfTracingFactory.class);

    @Singleton
    @Bean(preDestroy = "close")
    SelfTracing selfTracing(SelfTracingConfig config) {
        if (!config.isEnabled()) {
            return SelfTracing.disabled();
        }
        LOG.info("Self-tracing on: exporting spans of service '{}' to {}", config.getServiceName(), config.tracesUrl());
        return SelfTracing.exportingTo(OtlpHttpSpanExporter.builder().setEndpoint(config.tracesUrl()).build(),
                config.getServiceName(), config.getExportDelay());
    }
}
