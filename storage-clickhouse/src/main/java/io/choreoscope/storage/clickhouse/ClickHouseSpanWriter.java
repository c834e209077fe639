package io.choreoscope.storage.clickhouse;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.choreoscope.model.SinkUnavailableException;
import io.choreoscope.model.Span;
import io.choreoscope.model.SpanSink;

/**
 * Writes span batches to the {@code spans} table in one streaming RowBinary insert per batch.
 * Returns when ClickHouse acknowledged the insert; any failure becomes a
 * {@link SinkUnavailableException}, which the OTLP receiver answers with 503 and Retry-After, so the
 * exporter re-sends (and the table folds the re-sent copies on (trace_id, span_id)).
 *
 * <p>Null strings are stored as the empty string (the reader turns them back into null). The ingest
 * time is set by ClickHouse ({@code DEFAULT now64(3)}); the Kafka coordinates and linked span IDs
 * used by the joins are computed by ClickHouse from the attributes and links
 * ({@code MATERIALIZED} columns).
 */
public final class ClickHouseSpanWriter implements SpanSink {
    static final List<String> COLUMNS = List.of("trace_id", "span_id", "parent_span_id", "service", "name", "kind",
            "start_ts", "duration_ns", "status_code", "status_message", "attributes", "messaging_system",
            "messaging_destination", "messaging_operation", "messaging_message_id", "consumer_group",
            "correlation_id", "events_json", "links_json");

    /**
     * ClickHouse settings of every spans insert. {@code optimize_on_insert=0}: {@code spans} and the lookup table its view
     * fills are ReplacingMergeTrees, and folding each insert's own duplicates cost ClickHouse about a quarter of its CPU
     * per span (docs/BENCHMARKS.md, issue 19 item 5). It changes no answer: a span re-sent in another request always
     * could land in another insert, so every reader already folds copies ({@code FINAL}, distinct identities); a span
     * twice in one insert now stays twice until the parts merge, as a re-sent one always did.
     */
    public static final Map<String, String> INSERT_SETTINGS = ClickHouseStore.NO_FOLDING_AT_INSERT;

    private final ClickHouseStore store;
    private final Map<String, String> insertSettings;

    public ClickHouseSpanWriter(ClickHouseStore store) {
        this(store, INSERT_SETTINGS);
    }

    /** A writer sending {@code insertSettings} with each insert instead of {@link #INSERT_SETTINGS} (benchmarks compare them). */
    public ClickHouseSpanWriter(ClickHouseStore store, Map<String, String> insertSettings) {
        this.store = store;
        this.insertSettings = Map.copyOf(insertSettings);
    }

    @Override
    public void accept(List<Span> batch) throws SinkUnavailableException {
        if (batch.isEmpty()) {
            return;
        }
        store.insertRowBinary("spans", COLUMNS, batch.size() + " spans", insertSettings, w -> {
            for (Span s : batch) {
                write(w, s);
            }
        });
    }

    private static void write(RowBinaryOutput w, Span s) throws IOException {
        w.string(s.traceId());
        w.string(s.spanId());
        w.string(s.parentSpanId());
        w.string(s.service());
        w.string(s.name());
        w.string(s.kind());
        w.int64(epochNanos(s.start()));
        w.uint64(Math.max(0, s.durationNanos()));
        w.string(s.statusCode());
        w.string(s.statusMessage());
        w.stringMap(s.attributes());
        w.string(s.messagingSystem());
        w.string(s.messagingDestination());
        w.string(s.messagingOperation());
        w.string(s.messagingMessageId());
        w.string(s.consumerGroup());
        w.string(s.correlationId());
        w.string(s.eventsJson());
        w.string(s.linksJson());
    }

    /**
     * DateTime64(9) holds nanoseconds since the epoch in an Int64, which spans 1677-2262; a start
     * outside that range (only a broken clock sends one) is clamped to its edge rather than wrapped.
     */
    static long epochNanos(Instant t) {
        try {
            return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
        } catch (ArithmeticException e) {
            return t.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }
}
