package io.choreoscope.ingest;

import io.choreoscope.model.EventReader;
import io.choreoscope.model.ObservationSink;
import io.choreoscope.model.SinkUnavailableException;
import io.choreoscope.model.SpanReader;
import io.choreoscope.model.SpanSink;
import io.choreoscope.selftracing.SelfTracing;
import io.choreoscope.storage.clickhouse.ClickHouseConfig;
import io.choreoscope.storage.clickhouse.ClickHouseEventReader;
import io.choreoscope.storage.clickhouse.ClickHouseEventWriter;
import io.choreoscope.storage.clickhouse.ClickHouseSpanReader;
import io.choreoscope.storage.clickhouse.ClickHouseSpanWriter;
import io.choreoscope.storage.clickhouse.ClickHouseStore;
import io.choreoscope.storage.clickhouse.SchemaMigrator;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires ClickHouse storage behind the model's sink and reader interfaces. Both sinks sit behind one
 * {@link MigrationGuard} and write inside a self-tracing span. The {@link SpanSink} bean is what
 * starts the OTLP receiver.
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
    ObservationSink observationSink(MigrationGuard guard, ClickHouseStore store, SelfTracing tracing) {
        ClickHouseEventWriter writer = new ClickHouseEventWriter(store);
        return guard.guardEvents(batch -> tracing.traceWrite("events", batch.size(), () -> writer.accept(batch)));
    }

    @Singleton
    SpanSink spanSink(MigrationGuard guard, ClickHouseStore store, SelfTracing tracing) {
        ClickHouseSpanWriter writer = new ClickHouseSpanWriter(store);
        return guard.guardSpans(batch -> tracing.traceWrite("spans", batch.size(), () -> writer.accept(batch)));
    }

    @Singleton
    EventReader eventReader(ClickHouseStore store) {
        return new ClickHouseEventReader(store);
    }

    @Singleton
    SpanReader spanReader(ClickHouseStore store) {
        return new ClickHouseSpanReader(store);
    }
}
