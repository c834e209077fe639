package io.choreoscope.collectors.schema;

import io.choreoscope.model.ParseStatus;
import io.choreoscope.model.SchemaRef;

/**
 * What {@link PayloadDecoder} made of a schema-framed payload.
 *
 * @param json   the decoded payload as UTF-8 JSON, or null when it could not be decoded
 * @param schema the schema the payload names (subject and version filled in when the source said), never null
 * @param status {@link ParseStatus#OK}, {@link ParseStatus#SCHEMA_UNAVAILABLE}, {@link ParseStatus#SCHEMA_NOT_FOUND}
 *               or {@link ParseStatus#DECODE_ERROR}
 * @param error  why, when the status is not OK (one line, bounded), else null
 * @param topLevel for an Avro record at the root: its scalar fields the rules read, as the rules' JSON scan keeps
 *               them (strings unescaped, numbers and booleans as written, null fields left out); else null, and the
 *               rules scan {@code json}
 */
public record DecodedPayload(byte[] json, SchemaRef schema, ParseStatus status, String error,
        java.util.Map<String, String> topLevel) {

    /** A decoded payload whose top-level fields the rules read from {@code json}. */
    public DecodedPayload(byte[] json, SchemaRef schema, ParseStatus status, String error) {
        this(json, schema, status, error, null);
    }
}
