package io.choreoscope.ingest;

import java.time.Clock;

import io.choreoscope.collectors.kafka.TapConfig;
import io.choreoscope.live.InferenceSettings;
import io.choreoscope.live.InferenceWorker;
import io.choreoscope.live.LiveInference;
import io.choreoscope.live.ObservationPublisher;
import io.choreoscope.model.EventReader;
import io.choreoscope.model.ObservationSink;
import io.choreoscope.model.SinkUnavailableException;
import io.choreoscope.model.SpanReader;
import io.choreoscope.model.SpanSink;
import io.choreoscope.selftracing.SelfTracing;
import io.choreoscope.storage.clickhouse.ClickHouseEventReader;
import io.choreoscope.storage.clickhouse.ClickHouseEventWriter;
import io.choreoscope.storage.clickhouse.ClickHouseInstanceReader;
import io.choreoscope.storage.clickhouse.ClickHouseInstanceWriter;
import io.choreoscope.storage.clickhouse.ClickHouseConfig;
import io.choreoscope.storage.clickhouse.ClickHouseSpanReader;
import io.choreoscope.storage.clickhouse.ClickHouseSpanWriter;
import io.choreoscope.storage.clickhouse.ClickHouseStore;
import io.choreoscope.storage.clickhouse.SchemaMigrator;
import io.choreoscope.storage.clickhouse.SqlRunner;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires ClickHouse storage behind the model's sink and reader interfaces, and live inference behind
 * the sinks. Both sinks sit behind one {@link MigrationGuard} and write inside a self-tracing span. The
 * {@link SpanSink} bean is what starts the OTLP receiver. After a batch is stored it goes on to live
 * inference in this process (role {@code all}) and/or to the observations topic for remote inference
 * workers (role {@code collector}).
 */
@Factory
public class StorageFactory {
    private static final Logger LOG = LoggerFactory.getLogger(StorageFactory.class);

    @Singleton
    @Bean(preDestroy = "close")
    ClickHouseStore clickHouseStore(ClickHouseConfig config) {
        return new ClickHouseStore(config);
    }

    @Singleton
    MigrationGuard migrationGuard(ClickHouseStore store) {
        MigrationGuard guard = new MigrationGuard(new SchemaMigrator(store));
        try {
            guard.ensureMigrated();
        } catch (SinkUnavailableException e) {
            // Not fatal: writers retry, and each retry tries the migration again.
            LOG.warn("ClickHouse not ready at start ({}); will retry on first write", e.getMessage());
        }
        return guard;
    }

    @Singleton
    @Bean(preDestroy = "close")
    SqlRunner sqlRunner(ClickHouseStore store) {
        return new SqlRunner(store);
    }

    @Singleton
    ObservationSink observationSink(MigrationGuard guard, ClickHouseStore store, SelfTracing tracing,
                                    @Nullable LiveInference live, @Nullable ObservationPublisher publisher) {
        ClickHouseEventWriter writer = new ClickHouseEventWriter(store);
        ObservationSink stored = guard.guardEvents(batch -> tracing.traceWrite("events", batch.size(), () -> writer.accept(batch)));
        if (live == null && publisher == null) {
            return stored;
        }
        return batch -> {
            stored.accept(batch);
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
    SpanSink spanSink(MigrationGuard guard, ClickHouseStore store, SelfTracing tracing, @Nullable LiveInference live) {
        ClickHouseSpanWriter writer = new ClickHouseSpanWriter(store);
        SpanSink stored = guard.guardSpans(batch -> tracing.traceWrite("spans", batch.size(), () -> writer.accept(batch)));
        if (live == null) {
            return stored;
        }
        // Spans feed the embedded engine's dependency map (consumer spans name consumers). In the distributed
        // layout spans are stored only; workers learn consumers from consumer groups. (Partial: see docs/API.md.)
        return batch -> {
            stored.accept(batch);
            try {
                live.offerSpans(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SinkUnavailableException("interrupted while handing spans to live inference", e);
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
    SpanReader spanReader(SqlRunner sql) {
        return new ClickHouseSpanReader(sql);
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
    LiveInference liveInference(InferenceSettings settings, MigrationGuard migrated, ClickHouseInstanceWriter writer,
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
    InferenceWorker inferenceWorker(InferenceSettings settings, TapConfig tap, MigrationGuard migrated,
                                    ClickHouseInstanceWriter writer, ClickHouseInstanceReader instances,
                                    ClickHouseEventReader events) {
        InferenceWorker worker = new InferenceWorker(settings, settings.getBootstrapServers() == null
                ? tap.getBootstrapServers() : settings.getBootstrapServers(), java.util.UUID.randomUUID().toString().substring(0, 8),
                writer, instances, events, Clock.systemUTC());
        worker.start();
        return worker;
    }
}
