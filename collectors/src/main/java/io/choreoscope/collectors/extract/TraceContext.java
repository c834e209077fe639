package io.choreoscope.collectors.extract;

import java.util.regex.Pattern;

/**
 * The parts of a W3C {@code traceparent} header that choreoscope uses.
 *
 * @param traceId 32 lower-case hex chars, never all zero
 * @param spanId  16 lower-case hex chars (the producer's span), never all zero
 */
public record TraceContext(String traceId, String spanId) {
    private static final Pattern TRACEPARENT =
            Pattern.compile("^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$");

    /**
     * Parses a {@code traceparent} value; answers null for anything the W3C spec calls invalid
     * (wrong lengths, upper-case hex, all-zero IDs, version ff).
     */
    public static TraceContext parse(String value) {
        if (value == null) {
            return null;
        }
        var m = TRACEPARENT.matcher(value.strip());
        if (!m.matches() || m.group(1).equals("ff")) {
            return null;
        }
        String trace = m.group(2);
        String span = m.group(3);
        if (trace.chars().allMatch(c -> c == '0') || span.chars().allMatch(c -> c == '0')) {
            return null;
        }
        return new TraceContext(trace, span);
    }
}
