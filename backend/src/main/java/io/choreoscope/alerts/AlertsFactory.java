package io.choreoscope.alerts;

import io.choreoscope.collectors.kafka.KafkaConfig;
import io.choreoscope.model.EventReader;
import io.choreoscope.model.FlowKpiReader;
import io.choreoscope.model.FlowModelReader;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

/** The KPI source alerts read: the stored events, instance states and flow models, and Kafka for consumer lag. */
@Factory
public class AlertsFactory {

    @Singleton
    @Bean(preDestroy = "close")
    StoredKpiSource flowKpiSource(EventReader events, FlowKpiReader kpis, FlowModelReader models, KafkaConfig kafka) {
        return new StoredKpiSource(events, kpis, models, kafka);
    }
}
