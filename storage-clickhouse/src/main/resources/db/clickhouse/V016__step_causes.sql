-- Each step's cause, beside its type and time (event_types, step_offsets): step_causes[i] is the 1-based position of the
-- step whose event ID the i-th step's causation ID names, else of the step right before it (0: none, the first step
-- or a root), as the instance graph draws its CAUSATION and ORDER edges. The causal flow map (`?edges=causes`) counts
-- cause -> effect pairs from it, so a fan-out (one event consumed by four services) is drawn as one event with four
-- arrows, not as the sixteen orders its reactions happened to arrive in. Empty in rows written before this migration:
-- the reader takes each such step as caused by the one before it.
ALTER TABLE ${database}.instances ADD COLUMN IF NOT EXISTS step_causes Array(UInt16) CODEC(ZSTD(1))
