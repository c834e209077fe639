package io.choreoscope.alerts;

import io.choreoscope.storage.clickhouse.ClickHouseInstanceReader;

import io.choreoscope.collectors.kafka.TapConfig;
import io.choreoscope.storage.clickhouse.ClickHouseEventReader;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

/** The KPI source alerts read: ClickHouse and Kafka today; the flow KPIs are added at the API merge. */
@Factory
public class AlertsFactory {

    @Singleton
    @Bean(preDestroy = "close")
    ClickHouseKpiSource flowKpiSource(ClickHouseEventReader events, ClickHouseInstanceReader instances, TapConfig tap) {
        return new ClickHouseKpiSource(events, instances, tap.getBootstrapServers());
    }
}
