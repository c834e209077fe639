package io.choreoscope.storage.clickhouse;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;

import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;

/** Health of ClickHouse: UP with its version when {@code SELECT version()} answers. */
@Singleton
public class ClickHouseHealthIndicator implements HealthIndicator {
    private final ClickHouseStore store;

    public ClickHouseHealthIndicator(ClickHouseStore store) {
        this.store = store;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        try (Connection c = store.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version()")) {
            rs.next();
            return Publishers.just(HealthResult.builder("clickhouse", HealthStatus.UP)
                    .details(Map.of("url", store.config().getUrl(), "version", rs.getString(1))).build());
        } catch (Exception e) {
            return Publishers.just(HealthResult.builder("clickhouse", HealthStatus.DOWN)
                    .details(Map.of("url", store.config().getUrl(), "error", String.valueOf(e.getMessage()))).build());
        }
    }
}
