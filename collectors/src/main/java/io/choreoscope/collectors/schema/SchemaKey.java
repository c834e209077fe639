package io.choreoscope.collectors.schema;

import java.util.HexFormat;

/**
 * How a payload names its schema. Each wire format carries one kind of key; a {@link SchemaSource} answers the
 * kinds it knows and returns null for the others.
 */
public sealed interface SchemaKey {

    /** The key as shown on a record ({@code SchemaRef.id}). */
    String label();

    /** Confluent wire format: magic byte 0, then this 4-byte big-endian schema ID. */
    record ConfluentId(int id) implements SchemaKey {
        @Override
        public String label() {
            return Integer.toString(id);
        }
    }

    /** Apicurio's header form: {@code apicurio.value.globalId} (global) or {@code apicurio.value.contentId}. */
    record ApicurioId(long id, boolean global) implements SchemaKey {
        @Override
        public String label() {
            return (global ? "global:" : "content:") + id;
        }
    }

    /** Avro single-object encoding: {@code C3 01}, then the writer schema's CRC-64-AVRO fingerprint (little-endian). */
    record AvroFingerprint(long fingerprint) implements SchemaKey {
        @Override
        public String label() {
            return "fp:" + HexFormat.of().toHexDigits(fingerprint);
        }
    }
}
