package io.choreoscope.collectors.schema;

/**
 * Where schemas come from: a registry speaking the Confluent-compatible REST API ({@link RegistrySchemaSource}) or
 * schema files in a directory ({@link DirectorySchemaSource}). Implementations are thread-safe and cache what they
 * resolved; a lookup of a known key costs a map read.
 */
public interface SchemaSource {

    /** A short name for errors and the payload viewer (the registry's configured name, or {@code files}). */
    String name();

    /** Whether this source serves records of that topic (a registry may be limited to some topics). */
    boolean serves(String topic);

    /**
     * The schema the key names, or null when this source does not know the key (unknown ID, or a kind of key this
     * source cannot answer).
     *
     * @param topic the record's topic, used to pick a subject by the configured subject name strategy
     * @throws SchemaUnavailableException when the source cannot answer now (unreachable, timeout, 5xx, refused auth)
     */
    ResolvedSchema resolve(SchemaKey key, String topic) throws SchemaUnavailableException;
}
