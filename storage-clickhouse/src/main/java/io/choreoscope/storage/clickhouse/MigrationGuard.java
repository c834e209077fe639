package io.choreoscope.storage.clickhouse;

import java.sql.SQLException;

import io.choreoscope.model.ObservationSink;
import io.choreoscope.model.SinkUnavailableException;
import io.choreoscope.model.SpanSink;

/**
 * Makes sure the schema is migrated before the first write through any sink it guards. The
 * application starts even when ClickHouse is down: the first batches are then refused (the tap
 * retries, the OTLP receiver answers 503 and exporters retry) until the migration succeeds. One
 * guard serves every sink, so the schema is migrated once whichever write comes first.
 */
public final class MigrationGuard {
    private final SchemaMigrator migrator;
    private volatile boolean migrated;

    public MigrationGuard(SchemaMigrator migrator) {
        this.migrator = migrator;
    }

    /** Migrates now unless already done; returns normally once the schema is up to date. */
    public void ensureMigrated() throws SinkUnavailableException {
        if (migrated) {
            return;
        }
        synchronized (this) {
            if (!migrated) {
                try {
                    migrator.migrate();
                    migrated = true;
                } catch (SQLException | RuntimeException e) {
                    throw new SinkUnavailableException("ClickHouse schema migration failed: " + e.getMessage(), e);
                }
            }
        }
    }

    /** The observation sink, writing only after the schema is migrated. */
    public ObservationSink guardEvents(ObservationSink delegate) {
        return batch -> {
            ensureMigrated();
            delegate.accept(batch);
        };
    }

    /** The span sink, writing only after the schema is migrated. */
    public SpanSink guardSpans(SpanSink delegate) {
        return batch -> {
            ensureMigrated();
            delegate.accept(batch);
        };
    }
}
