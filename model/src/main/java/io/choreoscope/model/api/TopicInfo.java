package io.choreoscope.model.api;

import java.util.List;

/**
 * A Kafka topic with its consumer groups and their lag, from the Kafka admin API.
 *
 * @param endOffsetSum     sum of the partitions' end offsets
 * @param eventsPerSecond  events per second tapped over the last 5 minutes
 */
public record TopicInfo(String name, int partitions, long endOffsetSum, double eventsPerSecond,
                        List<ConsumerGroupLag> consumerGroups) {

    /** Lag of one consumer group on this topic: records not yet consumed, summed over partitions. */
    public record ConsumerGroupLag(String groupId, String state, long lag) {
    }
}
