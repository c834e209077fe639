package io.choreoscope.model.api;

import java.util.List;

import io.choreoscope.model.Span;
import io.choreoscope.model.flow.InstanceGraph;
import io.choreoscope.model.flow.InstanceSnapshot;

/**
 * Everything about one instance: its state (with reason, expected next steps and deviations), its
 * events in order, the spans joined to it, and its instance graph.
 */
public record InstanceDetail(InstanceSnapshot snapshot, List<EventView> events, List<Span> spans,
                             InstanceGraph graph) {
}
