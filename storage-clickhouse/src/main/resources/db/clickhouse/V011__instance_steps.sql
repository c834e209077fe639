-- Each instance's step times, beside its step types (event_types): step_offsets[i] is the time of the i-th kept event
-- in ms after started_at (the first event), so the windowed flow model and the variants are read from the window's
-- instance rows alone instead of grouping the window's events per correlation ID at every query (issue 15). Written
-- by the inference writer with the row (ClickHouseInstanceWriter); as long as event_types, bounded like it by the
-- engine's events-per-instance cap (dropped_events > 0 when events were left out). Empty in rows written before this
-- migration and when a time cannot be represented (an instance longer than 49 days): the windowed reader reads such
-- instances from `events` as before. Delta: offsets grow along each instance.
ALTER TABLE ${database}.instances ADD COLUMN IF NOT EXISTS step_offsets Array(UInt32) CODEC(Delta, ZSTD(1))
