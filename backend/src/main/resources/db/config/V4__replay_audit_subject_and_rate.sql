-- What a replay sent and at what rate, kept with its audit row. Portable SQL: H2 2.x and PostgreSQL 10+.
-- subject: ReplayRequest.subject() ("dead-letter queue rabbitmq:...", "last events of 12 instances: ..."), at most
-- 200 characters; until now it was parsed back from the stored request, which a request longer than the 4,000
-- characters kept (thousands of IDs) did not allow. rate_per_second: the rate the replay was sent at (the request's
-- or the default), until now known only while it ran. Both null for rows written before this migration and for
-- refused requests that never got that far.
ALTER TABLE replay_audit ADD COLUMN subject VARCHAR(400);
ALTER TABLE replay_audit ADD COLUMN rate_per_second DOUBLE PRECISION;
