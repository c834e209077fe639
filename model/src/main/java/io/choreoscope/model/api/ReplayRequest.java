package io.choreoscope.model.api;

import java.util.List;

/**
 * Body of {@code POST /api/v1/replays}.
 *
 * @param mode            required
 * @param events          for {@link ReplayMode#EVENT}: the records to re-publish (1..max)
 * @param correlationIds  for {@link ReplayMode#STUCK_LAST_EVENT}: the instances whose last event is re-published
 * @param deadLetterTopic for {@link ReplayMode#DEAD_LETTER}: the dead-letter topic to redrive
 * @param targetTopic     for DEAD_LETTER: where records go whose headers name no original topic; for the other
 *                        modes: optional override of every record's destination. Null: no override.
 * @param dryRun          true: nothing is sent; the answer lists exactly the records that would be
 * @param ratePerSecond   records per second, default {@code choreoscope.replay.default-rate}
 */
public record ReplayRequest(ReplayMode mode, List<EventRef> events, List<String> correlationIds,
                            String deadLetterTopic, String targetTopic, Boolean dryRun, Double ratePerSecond) {

    /** A stored record's coordinates. */
    public record EventRef(String topic, int partition, long offset) {
    }
}
