package io.choreoscope.storage.clickhouse;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.function.LongSupplier;

import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;

/**
 * Health of ClickHouse: UP with its version when {@code SELECT version()} answers. {@code /health} is open to anyone, so
 * one check answers every call for {@link ClickHouseConfig#getHealthCheckInterval()} (default 5 s): however often it is
 * called, ClickHouse sees at most one connection and one query per interval, and concurrent callers wait for the one
 * check under way rather than start their own.
 */
@Singleton
public class ClickHouseHealthIndicator implements HealthIndicator {
    private final ClickHouseStore store;
    private final long intervalNanos;
    private final LongSupplier nanos;
    private HealthResult last;
    private long checkedAt;

    @Inject
    public ClickHouseHealthIndicator(ClickHouseStore store) {
        this(store, System::nanoTime);
    }

    ClickHouseHealthIndicator(ClickHouseStore store, LongSupplier nanos) {
        this.store = store;
        this.intervalNanos = store.config().getHealthCheckInterval().toNanos();
        this.nanos = nanos;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        return Publishers.just(current());
    }

    private synchronized HealthResult current() {
        long now = nanos.getAsLong();
        if (last == null || now - checkedAt >= intervalNanos) {
            last = check();
            checkedAt = nanos.getAsLong();
        }
        return last;
    }

    private HealthResult check() {
        try (Connection c = store.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version()")) {
            rs.next();
            return HealthResult.builder("clickhouse", HealthStatus.UP)
                    .details(Map.of("url", store.config().getUrl(), "version", rs.getString(1))).build();
        } catch (Exception e) {
            return HealthResult.builder("clickhouse", HealthStatus.DOWN)
                    .details(Map.of("url", store.config().getUrl(), "error", String.valueOf(e.getMessage()))).build();
        }
    }
}
