package io.choreoscope.api;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import io.choreoscope.collectors.kafka.KafkaConfig;
import io.choreoscope.model.api.TopicInfo;
import io.choreoscope.model.lag.ConsumerLag;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * Topics and end offsets from the Kafka admin API of the tapped cluster, with consumer-group lag
 * ({@code choreoscope.kafka}). The admin client is created on first use, so the API
 * starts without Kafka; each call waits at most {@value #TIMEOUT_SECONDS} s.
 */
@Singleton
public class KafkaTopics implements AutoCloseable {
    public static final int TIMEOUT_SECONDS = 10;
    private final KafkaConfig kafka;
    private Admin admin;

    public KafkaTopics(KafkaConfig kafka) {
        this.kafka = kafka;
    }

    private synchronized Admin admin() {
        if (admin == null) {
            Map<String, Object> p = kafka.clientProperties();
            p.put(AdminClientConfig.CLIENT_ID_CONFIG, "choreoscope-api");
            p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, TIMEOUT_SECONDS * 1000);
            p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, TIMEOUT_SECONDS * 1000);
            admin = Admin.create(p);
        }
        return admin;
    }

    /**
     * Every non-internal topic with partitions, end offsets, and each consumer group's lag on it: the records figure of
     * {@code lags} (the {@link io.choreoscope.services.ConsumerLags} reading the dependency map and the lag alert use),
     * so the three never disagree.
     */
    public List<TopicInfo> topics(Map<String, Double> eventsPerSecond, List<ConsumerLag> lags) throws Exception {
        Admin a = admin();
        Set<String> names = a.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        Map<String, TopicDescription> descriptions = a.describeTopics(names).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        descriptions.values().forEach(d -> d.partitions().forEach(p -> latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = latest.isEmpty() ? Map.of()
                : a.listOffsets(latest).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        Map<String, List<ConsumerLag>> byTopic = new HashMap<>();
        Set<String> groups = new java.util.TreeSet<>();
        for (ConsumerLag l : lags) {
            if (l.queue() == null) {
                byTopic.computeIfAbsent(l.topic(), t -> new ArrayList<>()).add(l);
                groups.add(l.consumer());
            }
        }
        Map<String, String> states = new HashMap<>();
        if (!groups.isEmpty()) {
            for (Map.Entry<String, ConsumerGroupDescription> d : a.describeConsumerGroups(groups).all()
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS).entrySet()) {
                states.put(d.getKey(), String.valueOf(d.getValue().state()));
            }
        }
        List<TopicInfo> out = new ArrayList<>();
        for (TopicDescription d : new TreeMap<>(descriptions).values()) {
            long endSum = 0;
            for (var p : d.partitions()) {
                var info = ends.get(new TopicPartition(d.name(), p.partition()));
                endSum += info == null ? 0 : info.offset();
            }
            List<TopicInfo.ConsumerGroupLag> groupLags = new ArrayList<>();
            for (ConsumerLag l : byTopic.getOrDefault(d.name(), List.of())) {
                groupLags.add(new TopicInfo.ConsumerGroupLag(l.consumer(), states.getOrDefault(l.consumer(), "UNKNOWN"),
                        l.records()));
            }
            out.add(new TopicInfo(d.name(), d.partitions().size(), endSum, eventsPerSecond.getOrDefault(d.name(), 0.0), groupLags));
        }
        return out;
    }

    @PreDestroy
    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close(java.time.Duration.ofSeconds(2));
        }
    }
}
