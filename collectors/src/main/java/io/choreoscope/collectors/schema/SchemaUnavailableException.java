package io.choreoscope.collectors.schema;

/**
 * A schema source could not answer now (registry unreachable, timed out, answered 5xx or 401/403). The record is kept
 * and flagged {@code SCHEMA_UNAVAILABLE}; it can be decoded again once the source is back.
 */
public final class SchemaUnavailableException extends Exception {
    public SchemaUnavailableException(String message) {
        super(message, null, false, false);
    }
}
