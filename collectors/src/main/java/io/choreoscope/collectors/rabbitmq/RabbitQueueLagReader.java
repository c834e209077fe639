package io.choreoscope.collectors.rabbitmq;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.function.Supplier;

import io.choreoscope.model.Topics;
import io.choreoscope.model.lag.ConsumerLag;
import io.choreoscope.model.lag.ConsumerLagReader;

/**
 * RabbitMQ's side of consumer lag, from the management API: for every exchange of the tapped virtual hosts (excluded
 * ones left out) and every queue bound to it (the tap's own queue left out), the queue's depth (ready plus
 * unacknowledged) and, when the broker reports the head message's {@code timestamp} property, its age; and the
 * client-provided connection names of the queue's consumers, which name the consuming service. A queue bound to two
 * exchanges is reported under both.
 */
public final class RabbitQueueLagReader implements ConsumerLagReader {
    private final ManagementClient management;
    private final Supplier<List<String>> vhosts;
    private final Predicate<String> excluded;
    private final String tapQueue;

    /**
     * @param vhosts   the virtual hosts tapped now
     * @param excluded exchanges left out by configuration
     * @param tapQueue the tap's own queue, no service's
     */
    public RabbitQueueLagReader(ManagementClient management, Supplier<List<String>> vhosts, Predicate<String> excluded,
                                String tapQueue) {
        this.management = management;
        this.vhosts = vhosts;
        this.excluded = excluded;
        this.tapQueue = tapQueue;
    }

    @Override
    public String bus() {
        return Topics.RABBITMQ;
    }

    @Override
    public List<ConsumerLag> read(Instant now) {
        List<ConsumerLag> out = new ArrayList<>();
        try {
            for (String vhost : vhosts.get()) {
                Map<String, ManagementClient.QueueDepth> queues = new HashMap<>();
                for (ManagementClient.QueueDepth q : management.queueDepths(vhost)) {
                    queues.put(q.name(), q);
                }
                Map<String, String> names = management.connectionNames(vhost);
                Map<String, Set<String>> clients = new HashMap<>();
                for (ManagementClient.Consumer c : management.consumers(vhost)) {
                    String name = names.get(c.connection());
                    Set<String> set = clients.computeIfAbsent(c.queue(), q -> new TreeSet<>());
                    if (name != null) {
                        set.add(name);
                    }
                }
                Map<String, Set<String>> bound = new LinkedHashMap<>();
                for (ManagementClient.Binding b : management.bindings(vhost)) {
                    if (b.queue().equals(tapQueue) || excluded.test(b.exchange())) {
                        continue;
                    }
                    bound.computeIfAbsent(b.exchange(), x -> new TreeSet<>()).add(b.queue());
                }
                bound.forEach((exchange, qs) -> {
                    String topic = Topics.rabbitMq(vhost, exchange);
                    for (String queue : qs) {
                        ManagementClient.QueueDepth q = queues.get(queue);
                        if (q == null) {
                            continue; // deleted between the two calls
                        }
                        out.add(ConsumerLag.ofQueue(topic, queue, clients.getOrDefault(queue, Set.of()), q.messages(),
                                q.messagesUnacknowledged(), q.headTimestamp(), now));
                    }
                });
            }
        } catch (IOException | RuntimeException e) {
            throw new LagUnavailableException("the RabbitMQ management API did not answer a queue-depth read: " + e, e);
        }
        return out;
    }
}
