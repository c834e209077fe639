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
 * Health of ClickHouse: UP with its version when {@code SELECT version()} answers; on a cluster, when every shard
 * answers it (through {@code cluster(...)}, over the same connections {@code Distributed} tables use), with the number
 * of shards, and DOWN naming the shard that does not. {@code /health} is open to anyone, so
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
        ClickHouseConfig config = store.config();
        // On a cluster, every shard must answer: an insert waits for all of them and a read asks them.
        String sql = config.isClustered()
                ? "SELECT min(version()), count() FROM cluster('" + config.getClusterName() + "', system.one)"
                : "SELECT version(), 1";
        Map<String, Object> details = new java.util.LinkedHashMap<>();
        details.put("url", config.getUrl());
        if (config.isClustered()) {
            details.put("cluster", config.getClusterName());
        }
        try (Connection c = store.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            details.put("version", rs.getString(1));
            if (config.isClustered()) {
                details.put("shards", rs.getLong(2));
            }
            return HealthResult.builder("clickhouse", HealthStatus.UP).details(details).build();
        } catch (Exception e) {
            details.put("error", String.valueOf(e.getMessage()));
            return HealthResult.builder("clickhouse", HealthStatus.DOWN).details(details).build();
        }
    }
}
