package io.choreoscope.api;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.choreoscope.model.Span;
import io.choreoscope.model.SpanReader;
import jakarta.inject.Singleton;

/**
 * The spans that belong to an instance: those joined to any of its IDs by the {@link SpanReader}
 * (trace context, messaging attributes, correlation attribute), each once, ordered by start.
 */
@Singleton
public class InstanceSpans {
    private final SpanReader spans;

    public InstanceSpans(SpanReader spans) {
        this.spans = spans;
    }

    public List<Span> of(Collection<String> correlationIds) {
        Map<String, Span> out = new LinkedHashMap<>();
        for (String id : correlationIds) {
            for (Span s : spans.spansOf(id)) {
                out.putIfAbsent(s.traceId() + "/" + s.spanId(), s);
            }
        }
        List<Span> list = new ArrayList<>(out.values());
        list.sort(java.util.Comparator.comparing(Span::start).thenComparing(Span::traceId).thenComparing(Span::spanId));
        return list;
    }
}
