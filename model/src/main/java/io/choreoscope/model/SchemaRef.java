package io.choreoscope.model;

/**
 * The schema a record's payload was written with, as far as it is known: from the wire format (a registry ID or an
 * Avro fingerprint) and from the schema source that resolved it. Every field but {@code format} and {@code id} may
 * be null (or 0 for {@code version}) when the source does not say.
 *
 * @param format  {@code avro}, {@code protobuf} or {@code json} (JSON Schema)
 * @param id      how the payload named its schema: {@code 42} (Confluent schema ID), {@code global:42} or
 *                {@code content:42} (Apicurio header), {@code fp:0123abcd...} (Avro single-object fingerprint, hex)
 * @param name    the Avro record's full name or the Protobuf message's full name; null for JSON Schema without a title
 * @param subject the registry subject (or the schema file's name for a schema from a directory), or null
 * @param version the subject's version, or 0 when unknown
 */
public record SchemaRef(String format, String id, String name, String subject, int version) {
    public static final String AVRO = "avro";
    public static final String PROTOBUF = "protobuf";
    public static final String JSON = "json";

    /** A short label for lists: {@code subject v3 (avro, id 42)}. */
    public String label() {
        String who = subject != null ? subject : name != null ? name : "?";
        return who + (version > 0 ? " v" + version : "") + " (" + format + ", id " + id + ")";
    }
}
