package io.choreoscope.ui.client;

import java.time.Duration;
import java.util.List;

/**
 * A window ending now, as the API's relative {@code from} ({@code -15m}, {@code -1h}, ...).
 *
 * @param from     relative start, e.g. {@code -1h}
 * @param label    for people, e.g. {@code Last hour}
 * @param duration the window's length
 */
public record TimeWindow(String from, String label, Duration duration) {

    public static final TimeWindow LAST_15_MINUTES = new TimeWindow("-15m", "Last 15 minutes", Duration.ofMinutes(15));
    public static final TimeWindow LAST_HOUR = new TimeWindow("-1h", "Last hour", Duration.ofHours(1));
    public static final TimeWindow LAST_6_HOURS = new TimeWindow("-6h", "Last 6 hours", Duration.ofHours(6));
    public static final TimeWindow LAST_24_HOURS = new TimeWindow("-24h", "Last 24 hours", Duration.ofHours(24));
    public static final TimeWindow LAST_7_DAYS = new TimeWindow("-7d", "Last 7 days", Duration.ofDays(7));

    /** Not a window: everything live inference has learned since it started (the flow page's lifetime model). */
    public static final TimeWindow LIFETIME = new TimeWindow("", "Lifetime (live model)", null);

    /** Whether this is {@link #LIFETIME} (no window). */
    public boolean lifetime() {
        return from == null || from.isBlank();
    }

    /** The windows offered by the pickers; the API's default (the last hour) is {@link #LAST_HOUR}. */
    public static final List<TimeWindow> PRESETS =
            List.of(LAST_15_MINUTES, LAST_HOUR, LAST_6_HOURS, LAST_24_HOURS, LAST_7_DAYS);

    /** The preset whose {@code from} is {@code from}, or the last hour for anything else. */
    public static TimeWindow parse(String from) {
        return PRESETS.stream().filter(w -> w.from.equals(from)).findFirst().orElse(LAST_HOUR);
    }
}
