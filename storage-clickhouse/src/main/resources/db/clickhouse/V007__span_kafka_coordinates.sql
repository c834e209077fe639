-- The Kafka record a messaging span names, as one indexed value 'topic/partition/offset' (Kafka topic names
-- cannot contain '/'), empty when the span names none. Joining an instance's events to spans by coordinates
-- then reads the granules the bloom filter admits instead of every span of the topic (kafka_partition and
-- kafka_offset have no index, and topic names repeat across all spans). Parts written before this migration
-- compute the value on read and are scanned until merges rewrite them with the index.
ALTER TABLE ${database}.spans
    ADD COLUMN IF NOT EXISTS kafka_coordinates String MATERIALIZED
        if(kafka_offset >= 0 AND messaging_destination != '',
           concat(messaging_destination, '/', toString(kafka_partition), '/', toString(kafka_offset)), ''),
    ADD INDEX IF NOT EXISTS idx_kafka_coordinates kafka_coordinates TYPE bloom_filter(0.01) GRANULARITY 4
