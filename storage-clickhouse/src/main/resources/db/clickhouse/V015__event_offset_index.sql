-- Reading one event by its Kafka coordinates alone (the raw payload download, replay of named events) found it by
-- scanning all of `events`: the sorting key starts with correlation_id, and topic, partition and offset have no
-- index (the topic repeats everywhere). A bloom filter on the offset lets such a read skip every group of granules
-- that holds no record with that offset; an offset value repeats only once per topic partition, so a lookup reads
-- about as many granule groups as there are topic partitions instead of the whole table (measured in
-- docs/BENCHMARKS.md). New parts are written with the index; MATERIALIZE builds it for the parts already stored,
-- as a background mutation (the migration does not wait for it; until it is done those parts are scanned as before).
ALTER TABLE ${database}.events
    ADD INDEX IF NOT EXISTS idx_offset offset TYPE bloom_filter(0.01) GRANULARITY 4;
ALTER TABLE ${database}.events MATERIALIZE INDEX idx_offset
