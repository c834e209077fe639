package io.choreoscope.model.api;

import java.util.List;

/**
 * One page of a list. Pass {@code nextCursor} back as {@code cursor} for the next page; it is null on
 * the last page. Cursors are opaque strings.
 */
public record Page<T>(List<T> items, String nextCursor) {
    /** The fewest rows a list request may ask for. */
    public static final int MIN_LIMIT = 1;
    /** The most rows one list request may ask for (and the most a list answers at once). */
    public static final int MAX_LIMIT = 500;
    /** Rows a list answers when the request names no limit. */
    public static final int DEFAULT_LIMIT = 50;
}
