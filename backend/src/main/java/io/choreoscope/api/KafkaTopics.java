package io.choreoscope.api;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import io.choreoscope.collectors.kafka.KafkaConfig;
import io.choreoscope.model.api.TopicInfo;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Topics, end offsets and consumer-group lag from the Kafka admin API of the tapped cluster
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

    /** Topic -> consumer groups with committed offsets on it. */
    public Map<String, Set<String>> consumerGroupsByTopic() throws Exception {
        Map<String, Set<String>> out = new HashMap<>();
        for (Map.Entry<String, Map<TopicPartition, OffsetAndMetadata>> g : groupOffsets().entrySet()) {
            for (TopicPartition tp : g.getValue().keySet()) {
                out.computeIfAbsent(tp.topic(), k -> new java.util.TreeSet<>()).add(g.getKey());
            }
        }
        return out;
    }

    private Map<String, Map<TopicPartition, OffsetAndMetadata>> groupOffsets() throws Exception {
        Admin a = admin();
        Collection<ConsumerGroupListing> groups = a.listConsumerGroups().all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        Map<String, Map<TopicPartition, OffsetAndMetadata>> out = new TreeMap<>();
        for (ConsumerGroupListing g : groups) {
            Map<TopicPartition, OffsetAndMetadata> offsets = a.listConsumerGroupOffsets(g.groupId())
                    .partitionsToOffsetAndMetadata().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetAndMetadata> present = new HashMap<>();
            offsets.forEach((tp, o) -> {
                if (o != null) {
                    present.put(tp, o);
                }
            });
            out.put(g.groupId(), present);
        }
        return out;
    }

    /** Every non-internal topic with partitions, end offsets, and each consumer group's lag on it. */
    public List<TopicInfo> topics(Map<String, Double> eventsPerSecond) throws Exception {
        Admin a = admin();
        Set<String> names = a.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        Map<String, TopicDescription> descriptions = a.describeTopics(names).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        descriptions.values().forEach(d -> d.partitions().forEach(p -> latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = latest.isEmpty() ? Map.of()
                : a.listOffsets(latest).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        Map<String, Map<TopicPartition, OffsetAndMetadata>> groups = groupOffsets();
        Map<String, String> states = new HashMap<>();
        if (!groups.isEmpty()) {
            for (Map.Entry<String, ConsumerGroupDescription> d : a.describeConsumerGroups(groups.keySet()).all()
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
            List<TopicInfo.ConsumerGroupLag> lags = new ArrayList<>();
            for (Map.Entry<String, Map<TopicPartition, OffsetAndMetadata>> g : groups.entrySet()) {
                long lag = 0;
                boolean consumes = false;
                for (Map.Entry<TopicPartition, OffsetAndMetadata> e : g.getValue().entrySet()) {
                    if (e.getKey().topic().equals(d.name())) {
                        consumes = true;
                        var end = ends.get(e.getKey());
                        lag += Math.max(0, (end == null ? 0 : end.offset()) - e.getValue().offset());
                    }
                }
                if (consumes) {
                    lags.add(new TopicInfo.ConsumerGroupLag(g.getKey(), states.getOrDefault(g.getKey(), "UNKNOWN"), lag));
                }
            }
            out.add(new TopicInfo(d.name(), d.partitions().size(), endSum, eventsPerSecond.getOrDefault(d.name(), 0.0), lags));
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
