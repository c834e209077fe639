package io.choreoscope.ingest;

import io.choreoscope.model.EventReader;
import io.choreoscope.model.ObservationSink;
import io.choreoscope.model.SinkUnavailableException;
import io.choreoscope.storage.clickhouse.ClickHouseConfig;
import io.choreoscope.storage.clickhouse.ClickHouseEventReader;
import io.choreoscope.storage.clickhouse.ClickHouseEventWriter;
import io.choreoscope.storage.clickhouse.ClickHouseStore;
import io.choreoscope.storage.clickhouse.SchemaMigrator;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Primary;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires ClickHouse storage behind the model's sink and reader interfaces. */
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
    @Primary
    ObservationSink observationSink(MigratingSink sink) {
        return sink;
    }

    @Singleton
    EventReader eventReader(ClickHouseStore store) {
        return new ClickHouseEventReader(store);
    }
}
