package io.choreoscope.storage.clickhouse;

import java.util.List;
import java.util.Map;

import io.choreoscope.model.Header;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ObservationSink;
import io.choreoscope.model.SchemaRef;
import io.choreoscope.model.SinkUnavailableException;

/**
 * Writes observation batches to the {@code events} table in one streaming RowBinary insert per batch.
 * Returns when ClickHouse acknowledged the insert; any failure (unreachable, timeout, refused)
 * becomes a {@link SinkUnavailableException} so that the caller keeps the batch and retries.
 */
public final class ClickHouseEventWriter implements ObservationSink {
    static final List<String> COLUMNS = List.of("topic", "partition", "offset", "ts", "ingest_ts", "key",
            "header_keys", "header_values", "payload", "payload_size", "content_type", "correlation_id", "event_id",
            "event_type", "source_service", "causation_id", "trace_id", "span_id", "parse_status", "parse_error",
            "decoded", "schema_format", "schema_id", "schema_name", "schema_subject", "schema_version");

    /**
     * ClickHouse settings of every events insert. {@code optimize_on_insert=0}: {@code events} is a ReplacingMergeTree,
     * which by default folds rows with equal sorting keys inside each inserted block at insert time, a second pass over
     * the sorted block that copies every column of every row. A batch holds each (topic, partition, offset) once except
     * after a rebalance, and a redelivered record lands in another block anyway, so duplicates are left to the merges
     * and to the readers, which fold them ({@code FINAL}) as they always had to. Measured in docs/BENCHMARKS.md.
     */
    public static final Map<String, String> INSERT_SETTINGS = ClickHouseStore.NO_FOLDING_AT_INSERT;

    private final ClickHouseStore store;
    private final Map<String, String> insertSettings;

    public ClickHouseEventWriter(ClickHouseStore store) {
        this(store, INSERT_SETTINGS);
    }

    /** A writer sending {@code insertSettings} with each insert instead of {@link #INSERT_SETTINGS} (benchmarks compare them). */
    public ClickHouseEventWriter(ClickHouseStore store, Map<String, String> insertSettings) {
        this.store = store;
        this.insertSettings = Map.copyOf(insertSettings);
    }

    @Override
    public void accept(List<Observation> batch) throws SinkUnavailableException {
        if (batch.isEmpty()) {
            return;
        }
        store.insertRowBinary("events", COLUMNS, batch.size() + " events", insertSettings, w -> {
            for (Observation o : batch) {
                write(w, o);
            }
        });
    }

    private static void write(RowBinaryOutput w, Observation o) throws java.io.IOException {
        w.string(o.topic());
        w.uint32(o.partition());
        w.uint64(o.offset());
        w.int64(o.timestamp().toEpochMilli());
        w.int64((o.ingestTime() == null ? o.timestamp() : o.ingestTime()).toEpochMilli());
        w.nullableBytes(o.key());
        List<Header> headers = o.headers();
        w.varUInt(headers.size());
        for (Header h : headers) {
            w.string(h.name());
        }
        w.varUInt(headers.size());
        for (Header h : headers) {
            w.nullableBytes(h.value());
        }
        w.nullableBytes(o.payload());
        w.uint32(o.payload() == null ? 0 : o.payload().length);
        w.string(o.contentType());
        w.string(o.correlationId());
        w.string(o.eventId());
        w.string(o.eventType());
        w.string(o.sourceService());
        w.string(o.causationId());
        w.string(o.traceId());
        w.string(o.spanId());
        w.string(o.parseStatus().name());
        w.string(o.parseError());
        w.string(o.decodedPayload());
        SchemaRef schema = o.schema();
        w.string(schema == null ? null : schema.format());
        w.string(schema == null ? null : schema.id());
        w.string(schema == null ? null : schema.name());
        w.string(schema == null ? null : schema.subject());
        w.uint32(schema == null ? 0 : Math.max(0, schema.version()));
    }
}
