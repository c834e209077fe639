package io.choreoscope.services;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import io.choreoscope.collectors.kafka.KafkaConfig;
import io.choreoscope.collectors.kafka.KafkaLagReader;
import io.choreoscope.collectors.rabbitmq.RabbitMqTapService;
import io.choreoscope.collectors.rabbitmq.RabbitQueueLagReader;
import io.choreoscope.model.lag.ConsumerLag;
import io.choreoscope.model.lag.ConsumerLagReader;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place consumer lag is read: the dependency map's CONSUMES edges and the consumer-lag alert both take their
 * figures from {@link #current()}, so the map and the alert never disagree. Reads every bus's
 * {@link ConsumerLagReader} (Kafka always; RabbitMQ when its tap runs) at most once per {@link #ttl}; a bus that did
 * not answer is reported in {@link Snapshot#failures} and left out of {@link Snapshot#lags}, never shown as caught up.
 */
@Singleton
public class ConsumerLags implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConsumerLags.class);
    /** How long one reading is reused. */
    public static final Duration TTL = Duration.ofSeconds(5);

    /**
     * One reading of every bus.
     *
     * @param at       when it was read
     * @param lags     every consumer's lag on every topic, from the buses that answered
     * @param failures bus -> why it did not answer
     */
    public record Snapshot(Instant at, List<ConsumerLag> lags, Map<String, String> failures) {
        public Snapshot {
            lags = List.copyOf(lags);
            failures = Map.copyOf(failures);
        }

        /** True when the bus answered this reading. */
        public boolean answered(String bus) {
            return !failures.containsKey(bus);
        }
    }

    private final List<ConsumerLagReader> readers;
    private final Clock clock;
    private final Duration ttl;
    private Snapshot last;

    @Inject
    public ConsumerLags(KafkaConfig kafka, Optional<RabbitMqTapService> rabbit) {
        this(readers(kafka, rabbit), Clock.systemUTC(), TTL);
    }

    /** For tests: the given readers and clock; {@code ttl} zero reads on every call. */
    public ConsumerLags(List<ConsumerLagReader> readers, Clock clock, Duration ttl) {
        this.readers = List.copyOf(readers);
        this.clock = clock;
        this.ttl = ttl;
    }

    private static List<ConsumerLagReader> readers(KafkaConfig kafka, Optional<RabbitMqTapService> rabbit) {
        List<ConsumerLagReader> out = new ArrayList<>();
        out.add(new KafkaLagReader(kafka.clientProperties()));
        rabbit.ifPresent(tap -> out.add(new RabbitQueueLagReader(tap.management(), tap::tappedVhosts, tap::excluded,
                tap.tapQueue())));
        return out;
    }

    /** The latest reading, read anew when older than the TTL. Blocks for at most the readers' timeouts. */
    public synchronized Snapshot current() {
        Instant now = clock.instant();
        if (last != null && Duration.between(last.at(), now).compareTo(ttl) < 0) {
            return last;
        }
        List<ConsumerLag> lags = new ArrayList<>();
        Map<String, String> failures = new TreeMap<>();
        for (ConsumerLagReader r : readers) {
            try {
                lags.addAll(r.read(now));
            } catch (ConsumerLagReader.LagUnavailableException e) {
                LOG.warn("consumer lag of {} unavailable: {}", r.bus(), e.getMessage());
                failures.put(r.bus(), e.getMessage());
            }
        }
        last = new Snapshot(now, lags, failures);
        return last;
    }

    @PreDestroy
    @Override
    public void close() {
        for (ConsumerLagReader r : readers) {
            if (r instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    LOG.debug("closing {}: {}", r.bus(), e.toString());
                }
            }
        }
    }
}
