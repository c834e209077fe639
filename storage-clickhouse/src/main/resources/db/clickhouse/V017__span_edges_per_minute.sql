-- The dependency map's reads of spans (who produces to and consumes from which topic, consumer groups' services,
-- consumer spans per minute) select a time window, but `spans` is sorted by trace ID, which is random: once parts
-- have merged, every granule holds spans of every minute, the start-time skip index skips nothing, and a read of the
-- last hour read the whole table's columns (20M spans: 300 ms, docs/BENCHMARKS.md). A projection keeps the spans'
-- counts per minute, kind, service, destination and consumer group in each part, a few rows a minute; the readers
-- name their window by the start time's minute so ClickHouse answers from it (the answers are the same: a span counts
-- where its minute is in the window either way).
--
-- The projection is part of each part: a span stored twice is counted twice until the copies merge, as the raw
-- table counts it without FINAL; when a merge folds copies the projection is built again from the folded rows
-- (`deduplicate_merge_projection_mode = 'rebuild'`, which ClickHouse asks of a ReplacingMergeTree with a projection;
-- the setting exists from ClickHouse 24.8, the oldest server this project supports), so it never disagrees with the
-- table. New parts get it as they are written; MATERIALIZE builds it for the parts
-- already stored, as a background mutation (the migration does not wait; until it is done ClickHouse reads those
-- parts as before). Every statement is safe to run again.
ALTER TABLE ${database}.spans MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';
ALTER TABLE ${database}.spans
    ADD PROJECTION IF NOT EXISTS p_edges_per_minute
    (
        SELECT toStartOfMinute(start_ts), kind, service, messaging_destination, consumer_group, count()
        GROUP BY toStartOfMinute(start_ts), kind, service, messaging_destination, consumer_group
    );
ALTER TABLE ${database}.spans MATERIALIZE PROJECTION p_edges_per_minute
