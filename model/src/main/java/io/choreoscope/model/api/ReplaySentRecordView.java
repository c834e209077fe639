package io.choreoscope.model.api;

/**
 * One record a replay sent and Kafka acknowledged, as the audit keeps it ({@code GET /api/v1/replays/{id}/records}).
 *
 * @param id              the audit row's number: pass the last one as {@code after} for the next page
 * @param source          {@code topic/partition/offset} of the stored record that was copied
 * @param targetTopic     where it was produced
 * @param targetPartition the partition Kafka put it in
 * @param targetOffset    its offset there
 * @param key             its key as text ({@code base64:} and the bytes when not UTF-8), cut to 300 characters; null when none
 */
public record ReplaySentRecordView(long id, String source, String targetTopic, int targetPartition, long targetOffset,
                                   String key) {
}
