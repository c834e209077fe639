-- Records re-published by choreoscope's replay carry the header choreoscope-replay-id. The flag is
-- computed by ClickHouse at insert (and on read for parts written before this migration), so the
-- writer's column list does not change and the timeline can filter or mark replayed events.
-- (V004 and V005 are taken by the backend-api branch.)
ALTER TABLE ${database}.events ADD COLUMN IF NOT EXISTS replayed Bool MATERIALIZED has(header_keys, 'choreoscope-replay-id')
