-- What an event knows of the spans that name it, as a lookup table: (kind, key, key2) -> (trace_id, span_id), filled at
-- span insert by a materialized view. The span join (ClickHouseSpanReader) reads the spans joined to an instance's
-- events by correlation ID, message ID, linked span ID and Kafka coordinates here, by primary key, instead of four
-- bloom-filter lookups over `spans` (issue 19); the trace-ID path stays on `spans`, whose key starts with trace_id.
--   correlation: key = correlation_id
--   message:     key = messaging_destination, key2 = messaging_message_id (only when the message ID is set)
--   link:        key = a span ID the span links to (one row per link)
--   record:      key = kafka_coordinates, 'topic/partition/offset' (V007)
-- Empty keys are not kept: an empty value names nothing. A span re-sent by an exporter adds the same rows again, which
-- land on the same sorting key and fold (ReplacingMergeTree); readers take distinct identities, so unmerged copies do
-- not double a span. The span rows themselves are still read from `spans FINAL`, so `spans` stays the source of truth:
-- a key whose span expired finds nothing. Rows expire with the span copy that wrote them (same TTL as `spans`).
CREATE TABLE IF NOT EXISTS ${database}.span_keys
(
    kind      Enum8('correlation' = 1, 'message' = 2, 'link' = 3, 'record' = 4),
    key       String,
    key2      String,
    trace_id  String,
    span_id   String,
    ingest_ts DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (kind, key, key2, trace_id, span_id)
TTL toDateTime(ingest_ts) + INTERVAL ${raw_ttl_days} DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.span_keys_mv TO ${database}.span_keys AS
SELECT k.1 AS kind, k.2 AS key, k.3 AS key2, trace_id, span_id, ingest_ts
FROM ${database}.spans
ARRAY JOIN arrayFilter(x -> if(x.1 = 'message', x.3, x.2) != '', arrayConcat(
    [('correlation', correlation_id, ''), ('message', messaging_destination, messaging_message_id),
     ('record', kafka_coordinates, '')],
    arrayMap(l -> ('link', l, ''), link_span_ids))) AS k;

-- Backfill: the spans stored before this migration. The view exists already, so a span inserted meanwhile may be
-- added twice; its rows fold like a re-sent span's, so running this again is harmless.
INSERT INTO ${database}.span_keys (kind, key, key2, trace_id, span_id, ingest_ts)
SELECT k.1, k.2, k.3, trace_id, span_id, ingest_ts
FROM ${database}.spans
ARRAY JOIN arrayFilter(x -> if(x.1 = 'message', x.3, x.2) != '', arrayConcat(
    [('correlation', correlation_id, ''), ('message', messaging_destination, messaging_message_id),
     ('record', kafka_coordinates, '')],
    arrayMap(l -> ('link', l, ''), link_span_ids))) AS k
