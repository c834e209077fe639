-- One row per OpenTelemetry span. Identity is (trace_id, span_id): an exporter that retries re-sends
-- the same span, which lands on the same sorting key, and ReplacingMergeTree folds it (queries read
-- with FINAL). ORDER BY starts with trace_id: "all spans of a trace" is a primary-key range, and so
-- is the producer span named by an event's traceparent (trace_id, span_id).
-- Partitioned by start time, which a re-sent span keeps, so its copies meet in one partition.
-- The other join paths (correlation ID, messaging attributes, parent and linked span IDs) cut across
-- traces and use bloom-filter skip indexes.
CREATE TABLE IF NOT EXISTS ${database}.spans
(
    trace_id              String,
    span_id               String,
    parent_span_id        String,
    service               LowCardinality(String),
    name                  String,
    kind                  LowCardinality(String),
    start_ts              DateTime64(9, 'UTC'),
    duration_ns           UInt64,
    status_code           LowCardinality(String),
    status_message        String,
    attributes            Map(String, String) CODEC(ZSTD(3)),
    messaging_system      LowCardinality(String),
    messaging_destination String,
    messaging_operation   LowCardinality(String),
    messaging_message_id  String,
    consumer_group        LowCardinality(String),
    correlation_id        String,
    events_json           String CODEC(ZSTD(3)),
    links_json            String CODEC(ZSTD(3)),
    ingest_ts             DateTime64(3, 'UTC') DEFAULT now64(3),
    -- Kafka coordinates of the record a messaging span names, from the semantic-convention attributes
    -- (current key first, then the older Kafka-specific one); -1 when absent or not a number.
    kafka_partition       Int64 MATERIALIZED toInt64OrDefault(if(attributes['messaging.destination.partition.id'] != '',
                              attributes['messaging.destination.partition.id'],
                              attributes['messaging.kafka.destination.partition']), toInt64(-1)),
    kafka_offset          Int64 MATERIALIZED toInt64OrDefault(if(attributes['messaging.kafka.message.offset'] != '',
                              attributes['messaging.kafka.message.offset'],
                              attributes['messaging.kafka.offset']), toInt64(-1)),
    -- Span IDs this span links to: batch consumers link to the producer spans of the records they read.
    link_span_ids         Array(String) MATERIALIZED arrayMap(l -> JSONExtractString(l, 'spanId'), JSONExtractArrayRaw(links_json)),
    INDEX idx_correlation_id correlation_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_destination messaging_destination TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_message_id messaging_message_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_parent_span_id parent_span_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_link_span_ids link_span_ids TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_start start_ts TYPE minmax GRANULARITY 1
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(start_ts)
ORDER BY (trace_id, span_id)
TTL toDateTime(ingest_ts) + INTERVAL ${raw_ttl_days} DAY
