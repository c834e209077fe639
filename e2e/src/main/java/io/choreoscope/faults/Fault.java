package io.choreoscope.faults;

import java.util.Locale;

/** The faults of the suite, by the letters of issue 20. */
public enum Fault {
    /** choreoscope (role all) is killed with SIGKILL under load and started again at once on the same data. */
    KILL_APP('a', "kill -9 the app, start it again"),
    /** The ClickHouse engine is stopped (SIGTERM) for a while under load, then started again on the same data. */
    CLICKHOUSE_DOWN('b', "stop ClickHouse, start it again"),
    /** The Kafka broker is stopped cleanly and started again under load (same data, same port). */
    KAFKA_RESTART('c', "restart the Kafka broker"),
    /** One of two remote inference workers (roles collector,api + 2 x inference) is killed with SIGKILL for good. */
    KILL_WORKER('d', "kill -9 one of two inference workers"),
    /** A burst of hostile records (not UTF-8, 1 MB, deep nesting, HTML and SQL everywhere) amid the load. */
    HOSTILE_BURST('e', "burst of hostile records");

    private final char letter;
    private final String description;

    Fault(char letter, String description) {
        this.letter = letter;
        this.description = description;
    }

    public char letter() {
        return letter;
    }

    public String description() {
        return description;
    }

    /** The fault for a letter {@code a}..{@code e} or a name such as {@code kill_app}. */
    public static Fault parse(String s) {
        String v = s.strip().toLowerCase(Locale.ROOT);
        for (Fault f : values()) {
            if (v.length() == 1 && v.charAt(0) == f.letter || v.equals(f.name().toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown fault '" + s + "': use a, b, c, d or e");
    }
}
