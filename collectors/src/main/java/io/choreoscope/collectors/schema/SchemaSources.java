package io.choreoscope.collectors.schema;

import java.util.List;

/**
 * The configured schema sources, in the order the decoder asks them: the schema files (and AsyncAPI documents) of the
 * configured directories when there are any, then the registries by name. One bean, shared by the decoder, the
 * health check ({@link SchemaSourcesHealthIndicator}) and the registry metrics.
 *
 * @param files      the directory source, or null when no directory is configured
 * @param registries the registry clients, by name
 */
public record SchemaSources(DirectorySchemaSource files, List<RegistrySchemaSource> registries) {

    public SchemaSources {
        registries = List.copyOf(registries);
    }

    /** Every source, files first. */
    public List<SchemaSource> all() {
        java.util.ArrayList<SchemaSource> out = new java.util.ArrayList<>();
        if (files != null) {
            out.add(files);
        }
        out.addAll(registries);
        return out;
    }
}
