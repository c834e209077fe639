-- Instance rows sorted by the day of their last event, partitioned by its month (issue 19 item 2, with random IDs).
-- `instances` (V004) is sorted by correlation ID alone. Every time window over it (/flows, the listings, the windowed
-- flow model) is narrowed by minmax skip indexes, which skip granules only where IDs sort roughly by time; UUIDs do
-- not, and under FINAL ClickHouse widens the granules a skip index selects to every granule sharing their key range:
-- with random IDs every window folded all 20M instance rows at 100M events (docs/SCALING.md, docs/BENCHMARKS.md).
-- Here the day leads the sorting key, so a window reads only its days, and FINAL folds across parts only the key
-- ranges that several parts share (a merged older day needs none); a read by correlation ID still finds the ID in each
-- day's range. Partitions are months, as for `events` and `spans`: a partition per day folded a merged day faster, but
-- would let a producer whose timestamps name thousands of days make thousands of partitions.
--
-- The day is part of the key, so a row whose instance moved to a later day does not replace the row of its previous
-- day by itself: the writer adds a delete row (is_deleted = 1, a higher version) for each earlier day the instance
-- spans (ClickHouseInstanceWriter). FINAL drops a key whose newest row is a delete row.
--
-- Every statement is safe to run again, at any point: the table is created only if missing, and the copy reads
-- `instances`, which only V019 drops; rows copied twice fold by key and version. The copy takes the newest row of
-- each instance (71 s for 20M instances on 2 cores). Rows of more than 100 months in one insert are allowed
-- (ClickHouse refuses more than 100 partitions in one insert by default): a copy of a long history. The copy's parts
-- each span every day (they are cut from a read in ID order), so every window would fold across all of them until
-- ClickHouse merged them, which it does late for parts that large: the last statement merges them now (13 s for 20M
-- instances at 100M events; /flows over a day then took p50 198-220 ms against 557 ms unmerged, docs/BENCHMARKS.md).
CREATE TABLE IF NOT EXISTS ${database}.instances_by_day
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
    step_offsets    Array(UInt32) CODEC(Delta, ZSTD(1)),
    step_causes     Array(UInt16) CODEC(ZSTD(1)),
    is_deleted      UInt8,
    INDEX idx_linked linked_ids TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_last last_event_at TYPE minmax GRANULARITY 1,
    INDEX idx_started started_at TYPE minmax GRANULARITY 1,
    INDEX idx_updated updated_at TYPE minmax GRANULARITY 1
)
ENGINE = ReplacingMergeTree(version, is_deleted)
PARTITION BY toYYYYMM(last_event_at)
ORDER BY (toDate(last_event_at), correlation_id);

INSERT INTO ${database}.instances_by_day (correlation_id, linked_ids, flow, state, reason, started_at, last_event_at,
    event_count, dropped_events, last_event_type, last_service, expected_next, deviations, event_types, partition,
    state_since, updated_at, version, step_offsets, step_causes, is_deleted)
SELECT correlation_id, linked_ids, flow, state, reason, started_at, last_event_at, event_count, dropped_events,
    last_event_type, last_service, expected_next, deviations, event_types, partition, state_since, updated_at, version,
    step_offsets, step_causes, 0
FROM ${database}.instances FINAL
SETTINGS throw_on_max_partitions_per_insert_block = 0;

OPTIMIZE TABLE ${database}.instances_by_day FINAL;
