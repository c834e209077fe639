package io.choreoscope.model.lag;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * How far one consumer is behind on one topic, now: the figure the dependency map shows on a CONSUMES edge and the
 * consumer-lag alert compares with its threshold (both read it through one {@link ConsumerLagReader}).
 *
 * @param bus      {@code kafka} or {@code rabbitmq} ({@link io.choreoscope.model.Topics})
 * @param topic    the stored topic name: a Kafka topic, or {@code rabbitmq:[vhost:]exchange} for an exchange
 * @param consumer a Kafka consumer group, or for RabbitMQ the queue the consumers read
 * @param queue    RabbitMQ: the queue bound to the exchange (the same as {@code consumer}); null for Kafka
 * @param clients  RabbitMQ: the client-provided connection names of the queue's consumers; empty for Kafka
 * @param records  records not consumed yet: for Kafka the sum over partitions of end offset minus committed offset;
 *                 for RabbitMQ the queue depth, ready plus delivered-and-unacknowledged messages
 * @param seconds  age of the oldest record not consumed yet, in seconds (0 when caught up); null when not known
 *                 (a RabbitMQ queue whose head message carries no timestamp, a Kafka record that could not be read)
 */
public record ConsumerLag(String bus, String topic, String consumer, String queue, Set<String> clients, long records,
                          Double seconds) {

    public ConsumerLag {
        Objects.requireNonNull(bus, "bus");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(consumer, "consumer");
        clients = clients == null ? Set.of() : Set.copyOf(clients);
        records = Math.max(0, records);
    }

    /**
     * Where one consumer group stands on one Kafka partition.
     *
     * @param committed        the group's committed offset (the next record it will read)
     * @param end              the partition's end offset (the offset the next record produced will get)
     * @param firstUnconsumed  the timestamp of the record at {@code committed} when {@code committed < end}, else
     *                         null (caught up, or the record could not be read)
     */
    public record PartitionPosition(String group, String topic, int partition, long committed, long end,
                                    Instant firstUnconsumed) {
        /** Records behind on this partition; never negative. */
        public long behind() {
            return Math.max(0, end - committed);
        }
    }

    /**
     * The one computation of Kafka lag: per (group, topic), records behind summed over its partitions, and seconds
     * from the oldest first-unconsumed record's timestamp to {@code now} (0 when no partition is behind; null when
     * some partition is behind and none of their records could be read; never negative, a record stamped in the
     * future counts as 0). Sorted by group, then topic.
     */
    public static List<ConsumerLag> ofKafka(List<PartitionPosition> positions, Instant now) {
        Map<String, Map<String, List<PartitionPosition>>> byGroup = new TreeMap<>();
        for (PartitionPosition p : positions) {
            byGroup.computeIfAbsent(p.group(), g -> new TreeMap<>())
                    .computeIfAbsent(p.topic(), t -> new ArrayList<>()).add(p);
        }
        List<ConsumerLag> out = new ArrayList<>();
        byGroup.forEach((group, topics) -> topics.forEach((topic, parts) -> {
            long records = 0;
            Instant oldest = null;
            boolean unknownAge = false;
            for (PartitionPosition p : parts) {
                records += p.behind();
                if (p.behind() > 0) {
                    if (p.firstUnconsumed() == null) {
                        unknownAge = true;
                    } else if (oldest == null || p.firstUnconsumed().isBefore(oldest)) {
                        oldest = p.firstUnconsumed();
                    }
                }
            }
            Double seconds;
            if (records == 0) {
                seconds = 0.0;
            } else if (oldest != null) {
                seconds = Math.max(0, Duration.between(oldest, now).toMillis() / 1000.0);
            } else {
                seconds = unknownAge ? null : 0.0;
            }
            out.add(new ConsumerLag(io.choreoscope.model.Topics.KAFKA, topic, group, null, Set.of(), records, seconds));
        }));
        return out;
    }

    /** A RabbitMQ queue's lag: its depth, and the age of its head message when the broker reports one. */
    public static ConsumerLag ofQueue(String topic, String queue, Set<String> clients, long ready, long unacked,
                                      Instant headTimestamp, Instant now) {
        long depth = Math.max(0, ready) + Math.max(0, unacked);
        Double seconds = depth == 0 ? Double.valueOf(0.0) : headTimestamp == null ? null
                : Double.valueOf(Math.max(0, Duration.between(headTimestamp, now).toMillis() / 1000.0));
        return new ConsumerLag(io.choreoscope.model.Topics.RABBITMQ, topic, queue, queue, clients, depth, seconds);
    }
}
