package io.choreoscope.collectors.schema;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the one {@link PayloadDecoder} every tap uses: schema directories first, then registries by name. */
@Factory
public class PayloadDecoderFactory {
    private static final Logger LOG = LoggerFactory.getLogger(PayloadDecoderFactory.class);

    @Singleton
    PayloadDecoder payloadDecoder(SchemaConfig config, List<RegistryConfig> registries) {
        List<SchemaSource> sources = new ArrayList<>();
        if (!config.getDirectories().isEmpty()) {
            DirectorySchemaSource files = new DirectorySchemaSource(config.getDirectories().stream().map(Path::of).toList());
            files.problems().forEach(p -> LOG.warn("schema file skipped: {}", p));
            LOG.info("{} schemas loaded from {}", files.size(), config.getDirectories());
            sources.add(files);
        }
        registries.stream().sorted(Comparator.comparing(RegistryConfig::getName)).forEach(r -> {
            sources.add(r.toSource(Clock.systemUTC()));
            LOG.info("schema registry {} at {} serves topics {}", r.getName(), r.getUrl(), r.getTopics());
        });
        return new PayloadDecoder(sources, config.getMaxPayloadBytes(), config.getMaxDepth(), config.getMaxValues());
    }
}
