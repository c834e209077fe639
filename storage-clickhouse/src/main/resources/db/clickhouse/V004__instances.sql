-- Latest state per instance, written by live inference (embedded or remote workers) and read by the API.
-- One row per write; ReplacingMergeTree keeps the highest version per correlation_id (queries use FINAL).
-- ORDER BY correlation_id: the hot path is "this instance". Any linked ID finds the instance through the
-- bloom filter on linked_ids (which always contains the primary ID).
-- partition: the partition of the correlation-ID space that owns the instance (the Kafka partition of
-- choreoscope.observations in the distributed layout); a worker recovers its partitions' rows on assignment.
CREATE TABLE IF NOT EXISTS ${database}.instances
(
    correlation_id  String,
    linked_ids      Array(String),
    flow            LowCardinality(String),
    state           LowCardinality(String),
    reason          String,
    started_at      DateTime64(3, 'UTC'),
    last_event_at   DateTime64(3, 'UTC'),
    event_count     UInt32,
    dropped_events  UInt32,
    last_event_type LowCardinality(String),
    last_service    LowCardinality(String),
    expected_next   String,
    deviations      String,
    event_types     Array(LowCardinality(String)),
    partition       UInt32,
    state_since     DateTime64(3, 'UTC'),
    updated_at      DateTime64(3, 'UTC'),
    version         UInt64,
    INDEX idx_linked linked_ids TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_last last_event_at TYPE minmax GRANULARITY 1,
    INDEX idx_started started_at TYPE minmax GRANULARITY 1,
    INDEX idx_updated updated_at TYPE minmax GRANULARITY 1
)
ENGINE = ReplacingMergeTree(version)
ORDER BY correlation_id
