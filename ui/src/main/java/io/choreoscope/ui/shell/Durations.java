package io.choreoscope.ui.shell;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people type them in forms: {@code 90s}, {@code 5m}, {@code 1h 30m}, {@code 2d}, {@code 500ms},
 * {@code 5 min} (units ms, s, m/min, h, d; several parts add up), and {@code 0}. {@link #compact} writes a
 * duration back in that form, so an edit form shows what was saved.
 */
public final class Durations {

    private static final Pattern PART = Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*(ms|s|sec|secs|m|min|mins|h|d)(?![a-z])\\s*",
            Pattern.CASE_INSENSITIVE);

    private Durations() {
    }

    /**
     * Milliseconds of {@code text}.
     *
     * @throws IllegalArgumentException with a sentence for people when the text is not a duration
     */
    public static long parse(String text) {
        String t = text == null ? "" : text.strip();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("Enter a duration such as 30s, 5m, 1h or 2d");
        }
        if (t.equals("0")) {
            return 0;
        }
        Matcher m = PART.matcher(t);
        int at = 0;
        double ms = 0;
        while (at < t.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException("'" + t + "' is not a duration: use a number and a unit, e.g. "
                        + "30s, 5m, 1h 30m or 2d");
            }
            double n = Double.parseDouble(m.group(1));
            ms += n * switch (m.group(2).toLowerCase(Locale.ROOT)) {
                case "ms" -> 1;
                case "s", "sec", "secs" -> 1_000;
                case "m", "min", "mins" -> 60_000;
                case "h" -> 3_600_000;
                default -> 86_400_000;
            };
            at = m.end();
        }
        return Math.round(ms);
    }

    /** {@code 0}, {@code 500ms}, {@code 90s}, {@code 10m}, {@code 1h 30m}, {@code 2d 4h}: exact, largest units first. */
    public static String compact(long ms) {
        if (ms == 0) {
            return "0";
        }
        StringBuilder b = new StringBuilder();
        long rest = ms;
        long[] sizes = {86_400_000, 3_600_000, 60_000, 1_000, 1};
        String[] units = {"d", "h", "m", "s", "ms"};
        for (int i = 0; i < sizes.length; i++) {
            long n = rest / sizes[i];
            if (n > 0) {
                b.append(b.length() == 0 ? "" : " ").append(n).append(units[i]);
                rest -= n * sizes[i];
            }
        }
        return b.toString();
    }
}
