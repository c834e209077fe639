package io.choreoscope.alerts;

import io.choreoscope.model.EventReader;
import io.choreoscope.model.FlowKpiReader;
import io.choreoscope.model.FlowModelReader;
import io.choreoscope.services.ConsumerLags;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

/** The KPI source alerts read: the stored events, instance states and flow models, and consumer lag as the dependency map reads it. */
@Factory
public class AlertsFactory {

    @Singleton
    StoredKpiSource flowKpiSource(EventReader events, FlowKpiReader kpis, FlowModelReader models, ConsumerLags lags) {
        return new StoredKpiSource(events, kpis, models, lags);
    }
}
