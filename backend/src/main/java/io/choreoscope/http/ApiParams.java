package io.choreoscope.http;

import io.choreoscope.model.api.Page;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.choreoscope.model.flow.InstanceState;

/**
 * Parses and checks query parameters; every refusal is a 400 with the reason. Limits: {@code limit}
 * {@value #MIN_LIMIT}..{@value #MAX_LIMIT} (default {@value #DEFAULT_LIMIT}); a time range spans at most
 * {@value #MAX_RANGE_DAYS} days; times are ISO-8601 instants, {@code now}, or relative to now
 * ({@code -15m}, {@code -24h}, {@code -7d}, also {@code s} and {@code w}); the default window is the last hour.
 */
public final class ApiParams {
    public static final int MIN_LIMIT = Page.MIN_LIMIT;
    public static final int MAX_LIMIT = Page.MAX_LIMIT;
    public static final int DEFAULT_LIMIT = Page.DEFAULT_LIMIT;
    public static final int MAX_RANGE_DAYS = 31;
    public static final Duration DEFAULT_WINDOW = Duration.ofHours(1);
    /** Longest search string, in characters. */
    public static final int MAX_QUERY_LENGTH = 200;
    private static final Pattern RELATIVE = Pattern.compile("-(\\d{1,6})([smhdw])");
    /** The earliest time a window may name: where ClickHouse's {@code DateTime64} begins. */
    public static final Instant EARLIEST = Instant.parse("1900-01-01T00:00:00Z");
    /** The first time past what a window may name: where ClickHouse's {@code DateTime64} ends. */
    public static final Instant PAST_LATEST = Instant.parse("2300-01-01T00:00:00Z");

    private ApiParams() {
    }

    /** A time window [from, to). */
    public record Range(Instant from, Instant to) {
    }

    /**
     * A {@code limit} that Micronaut already read as a number (the alert and replay endpoints): the default when
     * absent, else it must be {@value #MIN_LIMIT}..{@value #MAX_LIMIT}.
     */
    public static int limit(Integer value) {
        int n = value == null ? DEFAULT_LIMIT : value;
        if (n < MIN_LIMIT || n > MAX_LIMIT) {
            throw ApiException.badRequest("limit must be " + MIN_LIMIT + ".." + MAX_LIMIT + ", was " + n);
        }
        return n;
    }

    /** A {@code limit} query parameter as text: the default when absent, else a whole number {@value #MIN_LIMIT}..{@value #MAX_LIMIT}. */
    public static int limit(String value) {
        return value == null || value.isBlank() ? DEFAULT_LIMIT : limit(value, MAX_LIMIT);
    }

    /** A {@code limit} query parameter as text that is given: a whole number {@value #MIN_LIMIT}..{@code max}. */
    public static int limit(String value, int max) {
        int n;
        try {
            n = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("limit must be a whole number from " + MIN_LIMIT + " to " + max + ", was '" + value + "'");
        }
        if (n < MIN_LIMIT || n > max) {
            throw ApiException.badRequest("limit must be from " + MIN_LIMIT + " to " + max + ", was " + n);
        }
        return n;
    }

    /** A search text {@code q} (null or blank allowed): at most {@value #MAX_QUERY_LENGTH} characters, else a 400. */
    public static String query(String q) {
        if (q != null && q.length() > MAX_QUERY_LENGTH) {
            throw ApiException.badRequest("q may have at most " + MAX_QUERY_LENGTH + " characters");
        }
        return q;
    }

    public static Range range(String from, String to, Clock clock) {
        return range(from, to, clock, DEFAULT_WINDOW);
    }

    public static Range range(String from, String to, Clock clock, Duration defaultWindow) {
        Instant now = clock.instant();
        Instant t = to == null || to.isBlank() ? now : time("to", to, now);
        Instant f = from == null || from.isBlank() ? t.minus(defaultWindow) : time("from", from, now);
        if (!f.isBefore(t)) {
            throw ApiException.badRequest("from (" + f + ") must be before to (" + t + ")");
        }
        if (Duration.between(f, t).compareTo(Duration.ofDays(MAX_RANGE_DAYS)) > 0) {
            throw ApiException.badRequest("the time range may span at most " + MAX_RANGE_DAYS + " days, was "
                    + Duration.between(f, t).toDays() + " days");
        }
        return new Range(f, t);
    }

    /**
     * A time parameter; 400 for text that is none, and for a time outside 1900-2299, which ClickHouse's times do not
     * hold (and, far enough out, not even a count of milliseconds in a long: {@code +999999999-12-31T23:59:59Z} was a
     * 500).
     */
    static Instant time(String name, String value, Instant now) {
        Instant t = parseTime(name, value, now);
        if (t.isBefore(EARLIEST) || !t.isBefore(PAST_LATEST)) {
            throw ApiException.badRequest(name + " must be from " + EARLIEST + " to before " + PAST_LATEST
                    + " (the times ClickHouse stores), was " + t);
        }
        return t;
    }

    private static Instant parseTime(String name, String value, Instant now) {
        String v = value.strip();
        if (v.equalsIgnoreCase("now")) {
            return now;
        }
        Matcher m = RELATIVE.matcher(v.toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            };
            return now.minus(d);
        }
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(name + " must be an ISO-8601 instant (2026-11-22T10:00:00Z), 'now', or relative "
                    + "like -15m, -24h, -7d; was '" + value + "'");
        }
    }

    public static InstanceState state(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return InstanceState.valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("state must be one of RUNNING, COMPLETED, COMPENSATED, FAILED, STUCK; was '" + value + "'");
        }
    }

    /** A non-blank string parameter, or null when absent; at most {@code 500} characters. */
    public static String text(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        if (value.length() > 500) {
            throw ApiException.badRequest(name + " is too long (at most 500 characters)");
        }
        return value;
    }

    /** A position in the instance list: the last item of the previous page. */
    public record Cursor(Instant lastEventAt, String correlationId) {
        public String encode() {
            String raw = lastEventAt.toEpochMilli() + ":" + correlationId;
            return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
        }
    }

    public static Cursor cursor(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            String raw = new String(Base64.getUrlDecoder().decode(value.strip()), StandardCharsets.UTF_8);
            int colon = raw.indexOf(':');
            return new Cursor(Instant.ofEpochMilli(Long.parseLong(raw.substring(0, colon))), raw.substring(colon + 1));
        } catch (RuntimeException e) {
            throw ApiException.badRequest("cursor is not one this API issued; pass back nextCursor unchanged");
        }
    }

    /** The opaque cursor of an instance's next page of events: base64url of {@code ms:partition:offset:topic}. */
    public static String encode(io.choreoscope.model.EventPosition p) {
        String raw = p.timestamp().toEpochMilli() + ":" + p.partition() + ":" + p.offset() + ":" + p.topic();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /** The position a cursor from {@link #encode(io.choreoscope.model.EventPosition)} names; null for none; 400 for a bad one. */
    public static io.choreoscope.model.EventPosition eventCursor(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            if (value.length() > 1_000) {
                throw new IllegalArgumentException("too long");
            }
            String[] f = new String(Base64.getUrlDecoder().decode(value.strip()), StandardCharsets.UTF_8).split(":", 4);
            int partition = Integer.parseInt(f[1]);
            long offset = Long.parseLong(f[2]);
            if (partition < 0 || offset < 0 || f[3].isEmpty()) {
                throw new IllegalArgumentException("negative");
            }
            return new io.choreoscope.model.EventPosition(Instant.ofEpochMilli(Long.parseLong(f[0])), partition, offset, f[3]);
        } catch (RuntimeException e) {
            throw ApiException.badRequest("cursor is not one this API issued; pass back nextCursor unchanged");
        }
    }

    public static int maxPayloadBytes(String value) {
        if (value == null || value.isBlank()) {
            return 64 * 1024;
        }
        try {
            int n = Integer.parseInt(value.strip());
            if (n < 0 || n > 16 * 1024 * 1024) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("maxPayloadBytes must be from 0 to 16777216, was '" + value + "'");
        }
    }
}
