package io.choreoscope.ui.flow;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/**
 * The two windows the flow page compares: "before" = [from1, to1) and "after" = [from2, to2), each the instances
 * started in it (as {@code GET /flows/{flow}/compare?from1&to1&from2&to2}).
 *
 * @param from1 first window's start
 * @param to1   first window's end (exclusive), after {@code from1}
 * @param from2 second window's start
 * @param to2   second window's end (exclusive), after {@code from2}
 */
public record CompareWindows(Instant from1, Instant to1, Instant from2, Instant to2) {
    /** Longest window compared: a week, as the longest window preset. */
    public static final Duration MAX_LENGTH = Duration.ofDays(7);

    private static final DateTimeFormatter SHORT = DateTimeFormatter.ofPattern("MM-dd HH:mm").withZone(ZoneOffset.UTC);

    /** What the picker offers. */
    public enum Preset {
        OFF("No comparison", null),
        LAST_15_MINUTES("Last 15 minutes vs the 15 before", Duration.ofMinutes(15)),
        LAST_HOUR("Last hour vs the hour before", Duration.ofHours(1)),
        LAST_24_HOURS("Last 24 hours vs the day before", Duration.ofHours(24)),
        AROUND_MOMENT("Before and after a moment (a deploy)…", null),
        CUSTOM("Two custom windows…", null);

        private final String label;
        private final Duration length;

        Preset(String label, Duration length) {
            this.label = label;
            this.length = length;
        }

        public String label() {
            return label;
        }

        /** The window length of a "last ... vs the ... before" preset; empty for the others. */
        public Optional<Duration> length() {
            return Optional.ofNullable(length);
        }

        /** The URL value ({@code ?compare=1h}) of a preset with a length, else null. */
        public String urlValue() {
            return length == null ? null : length.toMinutes() % 60 == 0 ? length.toHours() + "h" : length.toMinutes() + "m";
        }

        /** The preset whose {@link #urlValue()} is {@code value}; empty for anything else. */
        public static Optional<Preset> ofUrlValue(String value) {
            for (Preset p : values()) {
                if (p.urlValue() != null && p.urlValue().equals(value)) {
                    return Optional.of(p);
                }
            }
            return Optional.empty();
        }
    }

    public CompareWindows {
        check(from1, to1, "first");
        check(from2, to2, "second");
    }

    private static void check(Instant from, Instant to, String which) {
        if (from == null || to == null) {
            throw new IllegalArgumentException("The " + which + " window needs a start and an end.");
        }
        if (!from.isBefore(to)) {
            throw new IllegalArgumentException("The " + which + " window must start before it ends.");
        }
        if (Duration.between(from, to).compareTo(MAX_LENGTH) > 0) {
            throw new IllegalArgumentException("The " + which + " window is longer than 7 days.");
        }
    }

    /** The last {@code length} before {@code now} ("after") against the {@code length} before it ("before"). */
    public static CompareWindows preceding(Duration length, Instant now) {
        Instant mid = now.minus(length);
        return new CompareWindows(mid.minus(length), mid, mid, now);
    }

    /** {@code length} before {@code moment} against {@code length} from it (a deploy at {@code moment}). */
    public static CompareWindows around(Instant moment, Duration length) {
        return new CompareWindows(moment.minus(length), moment, moment, moment.plus(length));
    }

    /** For people, in UTC: "12-02 14:00–15:00 vs 12-02 15:00–16:00 UTC". */
    public String describe() {
        return range(from1, to1) + " vs " + range(from2, to2) + " UTC";
    }

    /** One window for people, in UTC. */
    static String range(Instant from, Instant to) {
        String a = SHORT.format(from);
        String b = SHORT.format(to);
        return a + "–" + (a.substring(0, 5).equals(b.substring(0, 5)) ? b.substring(6) : b);
    }
}
