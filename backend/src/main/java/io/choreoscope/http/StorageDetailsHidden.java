package io.choreoscope.http;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.FlowModel;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import jakarta.inject.Singleton;

/**
 * Keeps storage details out of the API's JSON: the latency sketches a flow model's transitions and a dependency
 * map's edges carry ({@code latency}, {@code delay}) exist so that the models of several inference owners merge
 * exactly when read; the API answers their percentiles (p50/p95/p99) as before, not the bins behind them. (The
 * OpenAPI document leaves them out through {@code @Hidden} on the record components; this keeps the JSON in step.)
 */
@Singleton
public class StorageDetailsHidden implements BeanCreatedEventListener<ObjectMapper> {

    @JsonIgnoreProperties({"latency"})
    private interface TransitionWithoutSketch {
    }

    @JsonIgnoreProperties({"delay"})
    private interface EdgeWithoutSketch {
    }

    @Override
    public ObjectMapper onCreated(BeanCreatedEvent<ObjectMapper> event) {
        ObjectMapper mapper = event.getBean();
        mapper.addMixIn(FlowModel.Transition.class, TransitionWithoutSketch.class);
        mapper.addMixIn(DependencyMap.Edge.class, EdgeWithoutSketch.class);
        return mapper;
    }
}
