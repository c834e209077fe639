package io.choreoscope.ingest;

import java.sql.SQLException;
import java.util.List;

import io.choreoscope.model.Observation;
import io.choreoscope.model.ObservationSink;
import io.choreoscope.model.SinkUnavailableException;
import io.choreoscope.storage.clickhouse.SchemaMigrator;

/**
 * Makes sure the schema is migrated before the first write. The application starts even when
 * ClickHouse is down: the first batches are then refused (and retried by the tap) until the
 * migration succeeds.
 */
public final class MigratingSink implements ObservationSink {
    private final SchemaMigrator migrator;
    private final ObservationSink delegate;
    private volatile boolean migrated;

    public MigratingSink(SchemaMigrator migrator, ObservationSink delegate) {
        this.migrator = migrator;
        this.delegate = delegate;
    }

    /** Tries to migrate now; true when the schema is up to date. */
    public synchronized boolean ensureMigrated() throws SinkUnavailableException {
        if (!migrated) {
            try {
                migrator.migrate();
                migrated = true;
            } catch (SQLException | RuntimeException e) {
                throw new SinkUnavailableException("ClickHouse schema migration failed: " + e.getMessage(), e);
            }
        }
        return true;
    }

    @Override
    public void accept(List<Observation> batch) throws SinkUnavailableException {
        ensureMigrated();
        delegate.accept(batch);
    }
}
