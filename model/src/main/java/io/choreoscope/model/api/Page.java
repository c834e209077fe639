package io.choreoscope.model.api;

import java.util.List;

/**
 * One page of a list. Pass {@code nextCursor} back as {@code cursor} for the next page; it is null on
 * the last page. Cursors are opaque strings.
 */
public record Page<T>(List<T> items, String nextCursor) {
}
