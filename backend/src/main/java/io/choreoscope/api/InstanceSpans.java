package io.choreoscope.api;

import java.util.List;

import io.choreoscope.model.Observation;
import io.choreoscope.model.Span;
import jakarta.inject.Singleton;

/**
 * The spans that belong to an instance: those of the traces its events carry. Empty until span storage
 * is wired in.
 */
@Singleton
public class InstanceSpans {
    public List<Span> of(List<Observation> events) {
        return List.of();
    }
}
