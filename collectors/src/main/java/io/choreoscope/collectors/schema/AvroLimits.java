package io.choreoscope.collectors.schema;

/**
 * Caps Avro's own length checks (string, bytes and collection lengths, read by Avro's {@code SystemLimitException}
 * from system properties when that class loads) so that a hostile length prefix cannot make Avro allocate
 * gigabytes. Only sets a property the operator did not set, and only before Avro reads them.
 */
final class AvroLimits {
    private static final String[] PROPERTIES = {
            "org.apache.avro.limits.string.maxLength", "org.apache.avro.limits.bytes.maxLength",
            "org.apache.avro.limits.collectionItems.maxLength"};

    private AvroLimits() {
    }

    static synchronized void capAt(int maxBytes) {
        for (String p : PROPERTIES) {
            if (System.getProperty(p) == null) {
                System.setProperty(p, Integer.toString(maxBytes));
            }
        }
    }
}
