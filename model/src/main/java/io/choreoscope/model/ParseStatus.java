package io.choreoscope.model;

/**
 * How well a record's value could be read. Every record is stored whatever its status; the status
 * flags it so that it can be counted, filtered and shown instead of silently dropped.
 */
public enum ParseStatus {
    /** The value is JSON (or a CloudEvent) and was read. */
    OK,
    /** The value is valid UTF-8 text but not JSON. */
    NOT_JSON,
    /** The value is not valid UTF-8: binary, or text in another encoding. */
    BINARY,
    /** The value has zero bytes. */
    EMPTY,
    /** The record has a null value (a tombstone). */
    NULL_VALUE,
    /** The record claims to be a CloudEvent but does not parse as one. */
    MALFORMED_CLOUDEVENT,
    /** An extraction rule failed on this record (for example a regex or pointer error). */
    RULE_ERROR,
    /**
     * The payload names a schema (Confluent or Apicurio ID, Avro fingerprint) but no schema source could be reached
     * (registry down, timeout, refused). Decoded again once the source is back: see docs/SCHEMAS.md.
     */
    SCHEMA_UNAVAILABLE,
    /** The payload names a schema that its source does not know (unknown ID, subject or fingerprint). */
    SCHEMA_NOT_FOUND,
    /** The schema was found but the body does not decode with it (corrupt, truncated, wrong schema, over a bound). */
    DECODE_ERROR
}
