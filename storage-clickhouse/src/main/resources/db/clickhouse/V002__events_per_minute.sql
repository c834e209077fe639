-- Per-minute counts by topic, event type and service, for time-window dashboards without scanning
-- raw events. Fed at insert time, so a batch redelivered after a crash is counted twice here (the
-- raw table stays exact); a crash is rare and the drift is at most one batch.
CREATE TABLE IF NOT EXISTS ${database}.events_per_minute
(
    minute         DateTime('UTC'),
    topic          LowCardinality(String),
    event_type     LowCardinality(String),
    source_service LowCardinality(String),
    events         UInt64,
    uncorrelated   UInt64,
    flagged        UInt64,
    payload_bytes  UInt64
)
ENGINE = SummingMergeTree
ORDER BY (minute, topic, event_type, source_service)
TTL minute + INTERVAL 400 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.events_per_minute_mv TO ${database}.events_per_minute AS
SELECT toStartOfMinute(ts) AS minute,
       topic,
       event_type,
       source_service,
       count() AS events,
       countIf(correlation_id = '') AS uncorrelated,
       countIf(parse_status != 'OK') AS flagged,
       sum(payload_size) AS payload_bytes
FROM ${database}.events
GROUP BY minute, topic, event_type, source_service
