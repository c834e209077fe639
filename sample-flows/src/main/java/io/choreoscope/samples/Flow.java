package io.choreoscope.samples;

import java.util.Locale;

/** The three sample choreographies; {@link #key()} is the name used in {@code --mix}. */
public enum Flow {
    /** Order saga with compensation; correlation in Kafka headers. */
    ORDERS("orders"),
    /** Signup fan-out; CloudEvents binary mode with a {@code correlationid} extension. */
    SIGNUP("signup"),
    /** Content publishing pipeline; correlation in a JSON payload field. */
    CONTENT("content");

    private final String key;

    Flow(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    /** @throws IllegalArgumentException naming the known flows */
    public static Flow ofKey(String key) {
        for (Flow f : values()) {
            if (f.key.equals(key.trim().toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown flow '" + key + "' (use orders, signup, content)");
    }
}
