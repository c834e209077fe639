-- Dead-letter records a redrive already sent (issue 20, item 14): the idempotency key of each is the
-- dead-lettered record's own coordinates (topic/partition/offset), so a second redrive of the same
-- dead-letter topic sends only the records not sent before. Portable SQL: H2 2.x and PostgreSQL 10+.
CREATE TABLE replay_redriven (
    source            VARCHAR(300) NOT NULL PRIMARY KEY,
    dead_letter_topic VARCHAR(249) NOT NULL,
    replay_id         VARCHAR(36)  NOT NULL,
    redriven_at       TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX replay_redriven_topic ON replay_redriven (dead_letter_topic);
