package io.choreoscope.collectors.schema;

import java.util.List;

import io.micronaut.context.annotation.ConfigurationProperties;

/**
 * Payload decoding through schemas, under {@value #PREFIX}. With no directory and no registry (the default) nothing
 * is decoded and payloads are classified as before. Registries are {@link RegistryConfig}, one per name under
 * {@code choreoscope.schemas.registries}. See docs/SCHEMAS.md.
 */
@ConfigurationProperties(SchemaConfig.PREFIX)
public class SchemaConfig {
    public static final String PREFIX = "choreoscope.schemas";
    /** Default largest payload decoded: 1 MiB. */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 1 << 20;
    /** Default deepest nesting of a decoded payload: 64 levels. */
    public static final int DEFAULT_MAX_DEPTH = 64;
    /** Default most values (fields, items, entries) in a decoded payload: 100 000. */
    public static final int DEFAULT_MAX_VALUES = 100_000;

    /** Default pause between background re-decodes of records flagged SCHEMA_UNAVAILABLE: 30 s. */
    public static final java.time.Duration DEFAULT_REDECODE_INTERVAL = java.time.Duration.ofSeconds(30);

    private List<String> directories = List.of();
    private int maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES;
    private int maxDepth = DEFAULT_MAX_DEPTH;
    private int maxValues = DEFAULT_MAX_VALUES;
    private java.time.Duration redecodeInterval = DEFAULT_REDECODE_INTERVAL;

    /** Directories of schema files ({@code .avsc}, {@code .proto}, {@code .schema.json}); default none. */
    public List<String> getDirectories() { return directories; }
    public void setDirectories(List<String> v) { directories = v == null ? List.of() : v; }
    public int getMaxPayloadBytes() { return maxPayloadBytes; }
    public void setMaxPayloadBytes(int v) { maxPayloadBytes = v; }
    public int getMaxDepth() { return maxDepth; }
    public void setMaxDepth(int v) { maxDepth = v; }
    public int getMaxValues() { return maxValues; }
    public void setMaxValues(int v) { maxValues = v; }
    /** Pause between background re-decodes (read by the server's SchemaRedecoder through this key). */
    public java.time.Duration getRedecodeInterval() { return redecodeInterval; }
    public void setRedecodeInterval(java.time.Duration v) { redecodeInterval = v; }
}
