package io.choreoscope.services;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.choreoscope.api.KafkaTopics;
import io.choreoscope.collectors.kafka.TapConfig;
import io.choreoscope.live.InferenceConfig;
import io.choreoscope.model.DependencyReader;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.service.ServiceIdentity;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service dependency map as served: one node per service ({@link ServiceIdentity}), every edge with all its
 * evidence kinds, and every rate on one basis, records per second over the selected window
 * ({@link DependencyReader#windowSeconds}):
 * <ul>
 *   <li>{@code observation}: PRODUCES edges counted from the stored records of the window (source service);</li>
 *   <li>{@code span}: PRODUCES and CONSUMES edges counted from the stored PRODUCER and CONSUMER spans of the window;</li>
 *   <li>{@code consumer-group}: a CONSUMES edge for each Kafka consumer group with committed offsets on a topic,
 *       shown under the service whose consumer spans report that group (else under the group's name, through the
 *       aliases), counting every record produced to the topic in the window (a group reads them all). The tap's and
 *       inference's own groups are left out. Kafka's group listing is cached for {@value #GROUPS_TTL_MS} ms; when
 *       Kafka does not answer the map is served without this evidence (and says nothing false).</li>
 * </ul>
 * Live inference's learned CONSUMES edges add only their delay percentiles (p50/p99 from the record's timestamp to
 * the consumer span's start) and event types; their counts are since the engine started, another basis, and are not
 * used. Edges that share role, service and topic after renaming are merged ({@link ServiceIdentity#canonical}).
 */
@Singleton
public class ServiceMap {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceMap.class);
    /** How long a consumer-group listing from Kafka is reused, ms. */
    public static final long GROUPS_TTL_MS = 10_000;

    private final DependencyReader reader;
    private final ServiceIdentity identity;
    private final KafkaTopics kafka;
    private final Set<String> ownGroups;
    private Map<String, Set<String>> groups = Map.of();
    private long groupsAt; // 0: never listed (now - 0 is far beyond the TTL)

    public ServiceMap(DependencyReader reader, ServiceIdentity identity, KafkaTopics kafka, TapConfig tap,
                      InferenceConfig inference) {
        this.reader = reader;
        this.identity = identity;
        this.kafka = kafka;
        this.ownGroups = Set.of(tap.getGroupId(), inference.getGroupId());
    }

    /** The map of [{@code from}, {@code to}). */
    public DependencyMap dependencies(Instant from, Instant to) {
        double window = DependencyReader.windowSeconds(from, to);
        DependencyMap stored = reader.dependencies(from, to);
        DependencyMap spans = reader.spanDependencies(from, to);
        Map<String, String> groupServices = reader.consumerGroupServices(from, to);
        List<DependencyMap.Edge> edges = new ArrayList<>();
        Set<DependencyMap.Node> topics = new HashSet<>();
        Map<String, Long> producedPerTopic = new HashMap<>();
        Map<String, Set<String>> typesPerTopic = new HashMap<>();
        for (DependencyMap.Edge e : stored.edges()) {
            if (e.role() == DependencyMap.EdgeRole.PRODUCES) {
                edges.add(e);
                topics.add(new DependencyMap.Node(DependencyMap.NodeKind.TOPIC, e.topic()));
                producedPerTopic.merge(e.topic(), e.count(), Long::sum);
                typesPerTopic.computeIfAbsent(e.topic(), t -> new TreeSet<>()).addAll(e.eventTypes());
            } else {
                // delays and types only: counted since the engine started, not over this window
                edges.add(new DependencyMap.Edge(e.role(), e.service(), e.topic(), e.eventTypes(), 0, 0, e.p50Ms(),
                        e.p99Ms(), Set.of()));
            }
        }
        for (DependencyMap.Edge e : spans.edges()) {
            topics.add(new DependencyMap.Node(DependencyMap.NodeKind.TOPIC, e.topic()));
            Set<String> types = e.role() == DependencyMap.EdgeRole.CONSUMES
                    ? typesPerTopic.getOrDefault(e.topic(), Set.of()) : e.eventTypes();
            edges.add(new DependencyMap.Edge(e.role(), e.service(), e.topic(), types, e.count(), e.ratePerSecond(),
                    e.p50Ms(), e.p99Ms(), e.evidence()));
        }
        consumerGroups().forEach((topic, groupIds) -> {
            Long produced = producedPerTopic.get(topic);
            if (produced == null) {
                return; // nothing produced to it in the window: no traffic to show
            }
            for (String group : groupIds) {
                if (ownGroups.contains(group)) {
                    continue;
                }
                String service = groupServices.getOrDefault(group, group);
                edges.add(new DependencyMap.Edge(DependencyMap.EdgeRole.CONSUMES, service, topic,
                        typesPerTopic.getOrDefault(topic, Set.of()), produced, produced / window, Double.NaN, Double.NaN,
                        Set.of("consumer-group")));
            }
        });
        return identity.canonical(new DependencyMap(new ArrayList<>(topics), edges), window);
    }

    private synchronized Map<String, Set<String>> consumerGroups() {
        long now = System.currentTimeMillis();
        if (now - groupsAt < GROUPS_TTL_MS) {
            return groups;
        }
        try {
            groups = kafka.consumerGroupsByTopic();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of();
        } catch (Exception e) {
            LOG.warn("Kafka did not list consumer groups; the dependency map is served without consumer-group "
                    + "evidence: {}", e.toString());
            groups = Map.of();
        }
        groupsAt = now;
        return groups;
    }
}
