package io.choreoscope.collectors.rabbitmq;

import java.time.Clock;

import io.choreoscope.collectors.extract.ExtractionConfig;
import io.choreoscope.collectors.schema.PayloadDecoder;
import io.choreoscope.model.ObservationSink;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link RabbitMqTap} for the application's lifetime when {@code choreoscope.rabbitmq.uri} is set and an
 * {@link ObservationSink} exists, with the same extraction rules as the Kafka tap plus the AMQP defaults.
 */
@Context
@Requires(property = RabbitMqConfig.PREFIX + ".uri")
@Requires(beans = ObservationSink.class)
public class RabbitMqTapService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RabbitMqTapService.class);
    private final RabbitMqTap tap;

    public RabbitMqTapService(RabbitMqConfig config, ExtractionConfig extraction, PayloadDecoder decoder,
                              ObservationSink sink, MeterRegistry meters) {
        RabbitTapSettings settings = config.toSettings();
        this.tap = new RabbitMqTap(settings, new AmqpNormalizer(extraction.toRules(), decoder), sink, meters,
                Clock.systemUTC());
        tap.start();
        LOG.info("RabbitMQ tap started: {}", settings);
    }

    public RabbitTapStatus status() {
        return tap.status();
    }

    /** The virtual hosts tapped now. */
    public java.util.List<String> tappedVhosts() {
        return tap.vhosts();
    }

    /** Whether messages of this exchange are left out by configuration. */
    public boolean excluded(String exchange) {
        return tap.excluded(exchange);
    }

    /** The tap's own queue (left out of listings: it is no service's). */
    public String tapQueue() {
        return tap.queue();
    }

    public ManagementClient management() {
        return tap.management();
    }

    /** Stops as a crash would (nothing more written or acknowledged). For tests and the fault suite. */
    public void abort() {
        tap.abort();
    }

    @PreDestroy
    @Override
    public void close() {
        tap.close();
    }
}
