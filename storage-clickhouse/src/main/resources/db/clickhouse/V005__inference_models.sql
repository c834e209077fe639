-- Flow models and dependency maps as learned by each inference owner (the embedded engine, or one
-- partition of a remote worker), as JSON. The API merges the owners' rows: counts add up; latency
-- percentiles are count-weighted means of the owners' percentiles (exact with one owner).
CREATE TABLE IF NOT EXISTS ${database}.flow_models
(
    flow       String,
    owner      String,
    instances  UInt64,
    model      String CODEC(ZSTD(3)),
    updated_at DateTime64(3, 'UTC'),
    version    UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (flow, owner);

CREATE TABLE IF NOT EXISTS ${database}.dependency_maps
(
    owner      String,
    map        String CODEC(ZSTD(3)),
    updated_at DateTime64(3, 'UTC'),
    version    UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY owner
