-- Payloads decoded through a schema (issue 18: Avro, Protobuf, JSON Schema). `payload` keeps the original bytes
-- (replay re-sends them, the viewer offers them for download); `decoded` holds the JSON view that value search and
-- the payload viewer read, '' when the payload was not schema-framed. The schema columns say which schema the
-- payload named and, when the source said, its subject and version: the per-step schema view groups on them.
-- Numbered after the issue (not the next free number) so that branches adding migrations at the same time do not
-- take the same version.
ALTER TABLE ${database}.events
    ADD COLUMN IF NOT EXISTS decoded String DEFAULT '' CODEC(ZSTD(3)),
    ADD COLUMN IF NOT EXISTS schema_format LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS schema_id String DEFAULT '',
    ADD COLUMN IF NOT EXISTS schema_name LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS schema_subject LowCardinality(String) DEFAULT '',
    ADD COLUMN IF NOT EXISTS schema_version UInt32 DEFAULT 0
