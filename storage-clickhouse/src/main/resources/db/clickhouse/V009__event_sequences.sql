-- Per correlation ID, the set of its stored events as (ts, partition, offset, topic, event_type, source_service,
-- event_id): what the windowed flow model and variants read (issue 15), instead of grouping the window's rows of
-- `events` per ID at every query. Kept at insert by a materialized view: each insert block adds one row per ID it
-- holds; AggregatingMergeTree unites an ID's rows when it merges parts (groupUniqArrayArray: a record stored twice,
-- same tuple, is kept once) and readers unite what is not merged yet. `events` stays the source of truth: the flagged
-- records that ingest later deletes from `events` (re-decoded SCHEMA_UNAVAILABLE ones) have their IDs rebuilt here by
-- ClickHouseFlaggedEvents. Rows expire with the newest event of their ID (`events` expires each row on its own).
CREATE TABLE IF NOT EXISTS ${database}.event_sequences
(
    correlation_id String,
    evs            SimpleAggregateFunction(groupUniqArrayArray, Array(Tuple(ts DateTime64(3, 'UTC'), partition UInt32,
                       offset UInt64, topic String, event_type String, source_service String, event_id String))),
    last_ingest_ts SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY correlation_id
TTL toDateTime(last_ingest_ts) + INTERVAL ${raw_ttl_days} DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.event_sequences_mv TO ${database}.event_sequences AS
SELECT correlation_id,
       groupArray((ts, partition, offset, toString(topic), toString(event_type), toString(source_service), event_id)) AS evs,
       max(ingest_ts) AS last_ingest_ts
FROM ${database}.events
WHERE correlation_id != ''
GROUP BY correlation_id;

-- Backfill: the events stored before this migration. The view exists already, so a row inserted meanwhile may be
-- added twice; the same tuple twice counts once (readers and merges unite sets), so running this again is harmless.
-- Aggregation in the order of the events' sorting key keeps memory bounded on a large table.
INSERT INTO ${database}.event_sequences
SELECT correlation_id,
       groupArray((ts, partition, offset, toString(topic), toString(event_type), toString(source_service), event_id)),
       max(ingest_ts)
FROM ${database}.events
WHERE correlation_id != ''
GROUP BY correlation_id
SETTINGS optimize_aggregation_in_order = 1
