package io.choreoscope.collectors.kafka;

import java.time.Clock;

import io.choreoscope.collectors.extract.ExtractionConfig;
import io.choreoscope.collectors.extract.RecordNormalizer;
import io.choreoscope.collectors.schema.PayloadDecoder;
import io.choreoscope.model.ObservationSink;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link KafkaTap} for the application's lifetime when {@code choreoscope.tap.enabled} is
 * true (the default, and whenever the collector role runs) and an {@link ObservationSink} exists. Writes go to the application's
 * {@link ObservationSink}.
 */
@Context
@Requires(property = TapConfig.PREFIX + ".enabled", notEquals = "false")
@Requires(beans = ObservationSink.class)
public class KafkaTapService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaTapService.class);
    private final KafkaTap tap;

    public KafkaTapService(TapConfig config, KafkaConfig kafka, ExtractionConfig extraction, PayloadDecoder decoder,
                           ObservationSink sink, MeterRegistry meters) {
        this.tap = new KafkaTap(config.toSettings(kafka), new RecordNormalizer(extraction.toRules(), decoder), sink, meters,
                Clock.systemUTC());
        tap.start();
        LOG.info("Kafka tap started against {}", kafka.getBootstrapServers());
    }

    public TapStatus status() {
        return tap.status();
    }

    /**
     * Stops as a crash would: nothing more is written or committed, uncommitted records are read again by the next
     * tap of the group. For tests and the fault suite.
     */
    public void abort() {
        tap.abort();
    }

    @PreDestroy
    @Override
    public void close() {
        tap.close();
    }
}
