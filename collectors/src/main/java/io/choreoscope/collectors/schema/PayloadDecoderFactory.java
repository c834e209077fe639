package io.choreoscope.collectors.schema;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.BeanProvider;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the schema sources (schema directories first, then registries by name) and the one {@link PayloadDecoder}
 * every tap uses. Each registry gets its metrics: {@code choreoscope.schemas.registry.failures} (by {@code registry}
 * and {@code reason}, one of {@link RegistrySchemaSource#FAILURE_KINDS}) and {@code choreoscope.schemas.registry.up}
 * (1 unless its last request failed).
 */
@Factory
public class PayloadDecoderFactory {
    private static final Logger LOG = LoggerFactory.getLogger(PayloadDecoderFactory.class);

    @Singleton
    SchemaSources schemaSources(SchemaConfig config, List<RegistryConfig> registries, BeanProvider<MeterRegistry> meters) {
        DirectorySchemaSource files = null;
        if (!config.getDirectories().isEmpty()) {
            files = new DirectorySchemaSource(config.getDirectories().stream().map(Path::of).toList());
            files.problems().forEach(p -> LOG.warn("schema file skipped: {}", p));
            LOG.info("{} schemas loaded from {} ({} AsyncAPI documents)", files.size(), config.getDirectories(),
                    files.asyncApiDocuments());
        }
        List<RegistrySchemaSource> clients = registries.stream().sorted(Comparator.comparing(RegistryConfig::getName))
                .map(r -> {
                    LOG.info("schema registry {} at {} serves topics {}", r.getName(), r.getUrl(), r.getTopics());
                    return r.toSource(Clock.systemUTC());
                }).toList();
        MeterRegistry registry = meters.isPresent() ? meters.get() : null;
        if (registry != null) {
            for (RegistrySchemaSource c : clients) {
                for (String kind : RegistrySchemaSource.FAILURE_KINDS) {
                    FunctionCounter.builder("choreoscope.schemas.registry.failures", c, s -> s.failures(kind))
                            .description("Failed requests to a schema registry, by reason")
                            .tags("registry", c.name(), "reason", kind).register(registry);
                }
                Gauge.builder("choreoscope.schemas.registry.up", c, s -> "FAILING".equals(s.status().state()) ? 0 : 1)
                        .description("1 unless the registry's last request failed")
                        .tags("registry", c.name()).register(registry);
            }
        }
        return new SchemaSources(files, clients);
    }

    @Singleton
    PayloadDecoder payloadDecoder(SchemaConfig config, SchemaSources sources) {
        return new PayloadDecoder(sources.all(), config.getMaxPayloadBytes(), config.getMaxDepth(), config.getMaxValues());
    }
}
