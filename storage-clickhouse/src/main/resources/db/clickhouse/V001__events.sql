-- One row per Kafka record, raw payload kept. Identity is (topic, partition, offset); redelivered
-- records land on the same sorting key and ReplacingMergeTree folds them (queries read with FINAL).
-- ORDER BY starts with correlation_id: the hot path is "everything of one correlation ID".
CREATE TABLE IF NOT EXISTS ${database}.events
(
    topic          LowCardinality(String),
    partition      UInt32,
    offset         UInt64,
    ts             DateTime64(3, 'UTC'),
    ingest_ts      DateTime64(3, 'UTC'),
    key            Nullable(String),
    header_keys    Array(String),
    header_values  Array(Nullable(String)),
    payload        Nullable(String) CODEC(ZSTD(3)),
    payload_size   UInt32,
    content_type   LowCardinality(String),
    correlation_id String,
    event_id       String,
    event_type     LowCardinality(String),
    source_service LowCardinality(String),
    causation_id   String,
    trace_id       String,
    span_id        String,
    parse_status   LowCardinality(String),
    parse_error    String,
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_event_id event_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_ts ts TYPE minmax GRANULARITY 1
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (correlation_id, topic, partition, offset)
TTL toDateTime(ingest_ts) + INTERVAL ${raw_ttl_days} DAY
