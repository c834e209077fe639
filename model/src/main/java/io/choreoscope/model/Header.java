package io.choreoscope.model;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One Kafka record header. Kafka allows the same name more than once and any bytes as the value,
 * so headers are kept as an ordered list of name/bytes pairs, never as a map.
 *
 * @param name  header name, never null
 * @param value raw value; {@code null} when the producer sent a header without value
 */
public record Header(String name, byte[] value) {
    public Header {
        Objects.requireNonNull(name, "name");
    }

    public static Header of(String name, String value) {
        return new Header(name, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    /** The value decoded as UTF-8 (malformed bytes become U+FFFD), or {@code null}. */
    public String text() {
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Header h && name.equals(h.name) && Arrays.equals(value, h.value);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return name + "=" + text();
    }
}
