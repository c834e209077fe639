package io.choreoscope.ingest;

import io.choreoscope.model.EventReader;
import io.choreoscope.model.ObservationSink;
import io.choreoscope.model.SinkUnavailableException;
import io.choreoscope.storage.clickhouse.ClickHouseConfig;
import io.choreoscope.storage.clickhouse.ClickHouseEventReader;
import io.choreoscope.storage.clickhouse.ClickHouseEventWriter;
import io.choreoscope.storage.clickhouse.ClickHouseStore;
import io.choreoscope.storage.clickhouse.SchemaMigrator;
import java.time.Clock;

import io.choreoscope.collectors.kafka.TapConfig;
import io.choreoscope.live.InferenceSettings;
import io.choreoscope.live.InferenceWorker;
import io.choreoscope.live.LiveInference;
import io.choreoscope.live.ObservationPublisher;
import io.choreoscope.storage.clickhouse.ClickHouseInstanceReader;
import io.choreoscope.storage.clickhouse.ClickHouseInstanceWriter;
import io.choreoscope.storage.clickhouse.SqlRunner;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Primary;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires ClickHouse storage behind the model's sink and reader interfaces, and live inference behind the sink. */
@Factory
public class StorageFactory {
    private static final Logger LOG = LoggerFactory.getLogger(StorageFactory.class);

    @Singleton
    @Bean(preDestroy = "close")
    ClickHouseStore clickHouseStore(ClickHouseConfig config) {
        return new ClickHouseStore(config);
    }

    @Singleton
    MigratingSink migratingSink(ClickHouseStore store) {
        MigratingSink sink = new MigratingSink(new SchemaMigrator(store), new ClickHouseEventWriter(store));
        try {
            sink.ensureMigrated();
        } catch (SinkUnavailableException e) {
            // Not fatal: the tap retries writes, and each retry tries the migration again.
            LOG.warn("ClickHouse not ready at start ({}); will retry on first write", e.getMessage());
        }
        return sink;
    }

    @Singleton
    @Bean(preDestroy = "close")
    SqlRunner sqlRunner(ClickHouseStore store) {
        return new SqlRunner(store);
    }

    /**
     * The sink the collectors write to: ClickHouse first (the batch is durable), then live inference in
     * this process (role {@code all}) and/or the observations topic for remote workers (role {@code collector}).
     */
    @Singleton
    @Primary
    ObservationSink observationSink(MigratingSink sink, @Nullable LiveInference live, @Nullable ObservationPublisher publisher) {
        if (live == null && publisher == null) {
            return sink;
        }
        return batch -> {
            sink.accept(batch);
            if (publisher != null) {
                publisher.publish(batch);
            }
            if (live != null) {
                try {
                    live.offer(batch);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SinkUnavailableException("interrupted while handing a batch to live inference", e);
                }
            }
        };
    }

    @Singleton
    ClickHouseEventReader clickHouseEventReader(SqlRunner sql) {
        return new ClickHouseEventReader(sql);
    }

    @Singleton
    EventReader eventReader(ClickHouseEventReader reader) {
        return reader;
    }

    @Singleton
    ClickHouseInstanceWriter instanceWriter(ClickHouseStore store, SqlRunner sql) {
        return new ClickHouseInstanceWriter(store, sql);
    }

    @Singleton
    ClickHouseInstanceReader instanceReader(SqlRunner sql) {
        return new ClickHouseInstanceReader(sql);
    }

    /** Live inference in this process: role {@code all} (choreoscope.inference.embedded, default true). */
    @Singleton
    @Bean(preDestroy = "close")
    @Requires(property = InferenceSettings.PREFIX + ".embedded", notEquals = "false")
    LiveInference liveInference(InferenceSettings settings, MigratingSink migrated, ClickHouseInstanceWriter writer,
                                ClickHouseInstanceReader instances, ClickHouseEventReader events) {
        LiveInference live = new LiveInference(settings, writer, instances, events, Clock.systemUTC());
        live.start();
        return live;
    }

    /** Publishing observations for remote inference workers: role {@code collector}. */
    @Singleton
    @Bean(preDestroy = "close")
    @Requires(property = InferenceSettings.PREFIX + ".publish", value = "true")
    ObservationPublisher observationPublisher(InferenceSettings settings, TapConfig tap) {
        return new ObservationPublisher(settings.getBootstrapServers() == null ? tap.getBootstrapServers()
                : settings.getBootstrapServers(), settings.getTopic(), settings.getTopicPartitions());
    }

    /** A remote inference worker: role {@code inference}. */
    @Context
    @Bean(preDestroy = "close")
    @Requires(property = InferenceSettings.PREFIX + ".worker", value = "true")
    InferenceWorker inferenceWorker(InferenceSettings settings, TapConfig tap, MigratingSink migrated,
                                    ClickHouseInstanceWriter writer, ClickHouseInstanceReader instances,
                                    ClickHouseEventReader events) {
        InferenceWorker worker = new InferenceWorker(settings, settings.getBootstrapServers() == null
                ? tap.getBootstrapServers() : settings.getBootstrapServers(), java.util.UUID.randomUUID().toString().substring(0, 8),
                writer, instances, events, Clock.systemUTC());
        worker.start();
        return worker;
    }
}
