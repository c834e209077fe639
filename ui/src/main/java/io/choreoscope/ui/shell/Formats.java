package io.choreoscope.ui.shell;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import io.choreoscope.model.HumanDuration;

/** How numbers, durations and times are written everywhere in the UI. Times are UTC, as the API gives them. */
public final class Formats {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DATE_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    private Formats() {
    }

    /**
     * A duration for people: {@code 850 ms}, {@code 1.2 s}, {@code 4 min 12 s}, {@code 2 h 5 min}, {@code 3 d 4 h}.
     * The one writer of durations in the views (forms write theirs with {@link Durations#compact}).
     *
     * @param ms milliseconds, of any numeric type (API records carry latencies as {@code double}, {@code long}
     *           or a nullable {@code Long}); negative counts as 0
     * @return {@code –} for null, NaN or infinity (no value, e.g. a latency without samples)
     */
    public static String duration(Number ms) {
        double v = ms == null ? Double.NaN : ms.doubleValue();
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "–";
        }
        return HumanDuration.of(v);
    }

    /** {@link #duration} from {@code from} to {@code to}; {@code –} when either is null. */
    public static String between(Instant from, Instant to) {
        return from == null || to == null ? "–" : duration(Duration.between(from, to).toMillis());
    }

    /** {@code 12,345}. */
    public static String count(long n) {
        return String.format(Locale.US, "%,d", n);
    }

    /** {@code 1 record}, {@code 12,345 records}: the count and the noun in its number. */
    public static String count(long n, String one, String many) {
        return count(n) + " " + (n == 1 ? one : many);
    }

    /** {@code 97.3%}; {@code -} for null. */
    public static String percent(Double ratio) {
        return ratio == null || ratio.isNaN() ? "–" : String.format(Locale.ROOT, "%.1f%%", ratio * 100);
    }

    /** Events per second: {@code 12.3/s}, {@code 0.04/s}, {@code <0.01/s}, {@code 1.2k/s}. */
    public static String rate(double perSecond) {
        if (Double.isNaN(perSecond)) {
            return "–";
        }
        if (perSecond >= 1000) {
            return String.format(Locale.ROOT, "%.1fk/s", perSecond / 1000);
        }
        if (perSecond >= 10) {
            return String.format(Locale.ROOT, "%.0f/s", perSecond);
        }
        if (perSecond > 0 && perSecond < 0.01) {
            return "<0.01/s";
        }
        if (perSecond >= 0.1 || perSecond == 0) {
            return String.format(Locale.ROOT, "%.1f/s", perSecond);
        }
        return String.format(Locale.ROOT, "%.2f/s", perSecond);
    }

    /** {@code 14:03:12.345} (UTC): an event's time. */
    public static String time(Instant t) {
        return t == null ? "–" : TIME.format(t);
    }

    /** {@code 14:03:12} (UTC): when a page was last refreshed. */
    public static String clock(Instant t) {
        return t == null ? "–" : SECONDS.format(t);
    }

    /** {@code 2026-11-22 14:03:12} (UTC). */
    public static String dateTime(Instant t) {
        return t == null ? "–" : DATE_TIME.format(t) + " UTC";
    }

    /** Bytes for people: {@code 812 B}, {@code 64.0 KiB}, {@code 2.3 MiB}. */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        if (n < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", n / (1024.0 * 1024));
    }
}
