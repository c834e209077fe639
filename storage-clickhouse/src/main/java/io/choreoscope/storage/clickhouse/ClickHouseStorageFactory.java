package io.choreoscope.storage.clickhouse;

import java.util.concurrent.ExecutorService;

import io.choreoscope.model.DependencyReader;
import io.choreoscope.model.EventReader;
import io.choreoscope.model.FlaggedEventStore;
import io.choreoscope.model.FlowKpiReader;
import io.choreoscope.model.FlowModelReader;
import io.choreoscope.model.FlowWindowReader;
import io.choreoscope.model.InstanceReader;
import io.choreoscope.model.InstanceWriter;
import io.choreoscope.model.ObservationSink;
import io.choreoscope.model.SearchReader;
import io.choreoscope.model.SinkUnavailableException;
import io.choreoscope.model.SpanReader;
import io.choreoscope.model.SpanSink;
import io.choreoscope.model.StateChangeReader;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.scheduling.TaskExecutors;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts ClickHouse behind the model's seams: the sinks that store (named {@value ObservationSink#STORE}, so that the
 * server can wrap them) and one reader per purpose. Everything else talks to these interfaces only.
 * Every reader and writer depends on the {@link MigrationGuard}, so the schema migration is tried before
 * the first of them is used; the sinks try it again before every write until it succeeded.
 */
@Factory
public class ClickHouseStorageFactory {
    private static final Logger LOG = LoggerFactory.getLogger(ClickHouseStorageFactory.class);

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
    SqlRunner sqlRunner(ClickHouseStore store, MigrationGuard migrated) {
        return new SqlRunner(store);
    }

    @Singleton
    @Named(ObservationSink.STORE)
    ObservationSink storedObservations(MigrationGuard guard, ClickHouseStore store) {
        return guard.guardEvents(new ClickHouseEventWriter(store));
    }

    @Singleton
    @Named(ObservationSink.STORE)
    SpanSink storedSpans(MigrationGuard guard, ClickHouseStore store) {
        return guard.guardSpans(new ClickHouseSpanWriter(store));
    }

    @Singleton
    EventReader eventReader(SqlRunner sql) {
        return new ClickHouseEventReader(sql);
    }

    /** An instance's span lookup runs beside its trace read, on the blocking pool (unbounded: nothing queues behind it). */
    @Singleton
    SpanReader spanReader(SqlRunner sql, @Named(TaskExecutors.BLOCKING) ExecutorService beside) {
        return new ClickHouseSpanReader(sql, beside);
    }

    @Singleton
    InstanceWriter instanceWriter(ClickHouseStore store, SqlRunner sql) {
        return new ClickHouseInstanceWriter(store, sql);
    }

    /**
     * Named {@value ObservationSink#STORE}: the process with embedded live inference serves the API a reader in front
     * of it (rows not stored yet first); live inference's recovery reads this one.
     */
    @Singleton
    @Named(ObservationSink.STORE)
    InstanceReader instanceReader(SqlRunner sql) {
        return new ClickHouseInstanceReader(sql);
    }

    @Singleton
    FlowModelReader flowModelReader(SqlRunner sql) {
        return new ClickHouseFlowModelReader(sql);
    }

    @Singleton
    FlowWindowReader flowWindowReader(SqlRunner sql) {
        return new ClickHouseFlowWindowReader(sql);
    }

    @Singleton
    FlowKpiReader flowKpiReader(SqlRunner sql) {
        return new ClickHouseFlowKpiReader(sql);
    }

    @Singleton
    io.choreoscope.model.SuspectReader suspectReader(SqlRunner sql) {
        return new ClickHouseSuspectReader(sql);
    }

    @Singleton
    io.choreoscope.model.FlowSchemaReader flowSchemaReader(SqlRunner sql) {
        return new ClickHouseFlowSchemaReader(sql);
    }

    @Singleton
    DependencyReader dependencyReader(SqlRunner sql) {
        return new ClickHouseDependencyReader(sql);
    }

    @Singleton
    StateChangeReader stateChangeReader(SqlRunner sql) {
        return new ClickHouseStateChangeReader(sql);
    }

    @Singleton
    FlaggedEventStore flaggedEventStore(SqlRunner sql) {
        return new ClickHouseFlaggedEvents(sql);
    }

    @Singleton
    SearchReader searchReader(SqlRunner sql) {
        return new ClickHouseSearchReader(sql);
    }
}
