package io.choreoscope.model;

import java.util.Locale;

/**
 * Durations as people read them, one format wherever choreoscope writes one in words: the instance reasons inference
 * writes ({@code idle 19 min 52 s; expected OrderShipped within 5.0 s (learned) ...}) and every duration the UI shows.
 */
public final class HumanDuration {
    private HumanDuration() {
    }

    /**
     * {@code 840 ms}, {@code 5.0 s}, {@code 19 min 52 s}, {@code 3 h 5 min}, {@code 2 d 4 h}; negative values as 0.
     * Finite values only (callers that may hold NaN say what to show for it).
     */
    public static String of(double ms) {
        double v = Math.max(0, ms);
        if (v < 1000) {
            return String.format(Locale.ROOT, "%.0f ms", v);
        }
        if (v < 60_000) {
            return String.format(Locale.ROOT, "%.1f s", v / 1000);
        }
        long s = (long) (v / 1000);
        if (s < 3600) {
            return (s / 60) + " min " + (s % 60) + " s";
        }
        if (s < 86_400) {
            return (s / 3600) + " h " + (s % 3600 / 60) + " min";
        }
        return (s / 86_400) + " d " + (s % 86_400 / 3600) + " h";
    }
}
