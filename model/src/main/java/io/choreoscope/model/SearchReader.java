package io.choreoscope.model;

import java.time.Instant;
import java.util.List;

import io.choreoscope.model.api.SearchHit;

/** Search over stored instances and events. Reads that cannot be answered throw {@link StorageException}. */
public interface SearchReader {

    /** Instances whose primary or linked ID equals {@code q}, then those whose primary ID starts with it; at most {@code limit}. */
    List<SearchHit> searchId(String q, int limit);

    /**
     * Events in [{@code from}, {@code to}) with {@code q} (case-insensitive substring) in a header value, the
     * payload, the key or the event ID; newest first, one hit per event, at most {@code limit}. Each hit names
     * the field that matched and an excerpt of at most 200 characters. The storage may bound the cost of this scan
     * (time, rows or bytes read): a search that reaches such a bound throws {@link QueryLimitException} rather than
     * answer from part of the window.
     */
    default List<SearchHit> searchValue(String q, Instant from, Instant to, int limit) {
        return searchValue(q, from, to, limit, Cancellation.none());
    }

    /**
     * {@link #searchValue(String, Instant, Instant, int)} that stops when {@code cancel} is cancelled: the storage stops
     * the scan it started (on the database server too) and this throws {@link java.util.concurrent.CancellationException}.
     */
    List<SearchHit> searchValue(String q, Instant from, Instant to, int limit, Cancellation cancel);
}
