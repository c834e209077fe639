package io.choreoscope.services;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import io.choreoscope.samples.flows.ContentPipeline;
import io.choreoscope.samples.wire.AvroSingleObjectCodec;

/**
 * The sample content pipeline's Avro schema files, as the repository has them (the demo points choreoscope at
 * sample-flows/src/main/resources/schemas), copied into a directory for a test application's
 * {@code choreoscope.schemas.directories}.
 */
final class SampleSchemaFiles {
    private SampleSchemaFiles() {
    }

    /** Writes the files under {@code dir} (keeping their relative paths, so their subjects match the demo's); answers {@code dir}. */
    static Path into(Path dir) throws IOException {
        for (String f : ContentPipeline.SCHEMAS) {
            Path p = dir.resolve(f);
            Files.createDirectories(p.getParent());
            Files.writeString(p, AvroSingleObjectCodec.read(AvroSingleObjectCodec.RESOURCE_ROOT + f), StandardCharsets.UTF_8);
        }
        return dir;
    }
}
