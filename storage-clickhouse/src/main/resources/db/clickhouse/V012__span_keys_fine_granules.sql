-- span_keys (V010) again, as `span_key_lookup`, with index granules of 512 rows instead of 8,192 (issue 19 item 1).
-- A lookup of an instance's 16 keys read two to three whole granules per key from V010's table (about 330k rows of
-- four string columns to decompress); on the same 10M rows a 512-row granule answered the lookup in p99 30.8 ms
-- against 58.3 ms (docs/BENCHMARKS.md). `index_granularity` cannot be changed on an existing table, so the rows move
-- to a new one. Same columns, sorting key, TTL and view as V010; only the table's name and its granule size differ.
--
-- Every statement is safe to run again, at any point (a migration interrupted half-way is applied again from its
-- first statement): the new table and its view are created only if missing; while both views exist a span is written
-- to both tables, which is harmless; the refill reads `spans`, the source of truth (not V010's table, which a
-- previous attempt may already have dropped), and a key added twice folds like a re-sent span's (ReplacingMergeTree;
-- readers take distinct identities); V010's view and table are dropped only if still there.
CREATE TABLE IF NOT EXISTS ${database}.span_key_lookup
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
TTL toDateTime(ingest_ts) + INTERVAL ${raw_ttl_days} DAY
SETTINGS index_granularity = 512;

-- The view first, then the refill: a span inserted while the refill runs is in `spans` or written by the view.
CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.span_key_lookup_mv TO ${database}.span_key_lookup AS
SELECT k.1 AS kind, k.2 AS key, k.3 AS key2, trace_id, span_id, ingest_ts
FROM ${database}.spans
ARRAY JOIN arrayFilter(x -> if(x.1 = 'message', x.3, x.2) != '', arrayConcat(
    [('correlation', correlation_id, ''), ('message', messaging_destination, messaging_message_id),
     ('record', kafka_coordinates, '')],
    arrayMap(l -> ('link', l, ''), link_span_ids))) AS k;

DROP VIEW IF EXISTS ${database}.span_keys_mv;

INSERT INTO ${database}.span_key_lookup (kind, key, key2, trace_id, span_id, ingest_ts)
SELECT k.1, k.2, k.3, trace_id, span_id, ingest_ts
FROM ${database}.spans
ARRAY JOIN arrayFilter(x -> if(x.1 = 'message', x.3, x.2) != '', arrayConcat(
    [('correlation', correlation_id, ''), ('message', messaging_destination, messaging_message_id),
     ('record', kafka_coordinates, '')],
    arrayMap(l -> ('link', l, ''), link_span_ids))) AS k;

DROP TABLE IF EXISTS ${database}.span_keys;
