package io.choreoscope.model.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.choreoscope.model.FlowSchemaReader.StepSchema;

/**
 * The schemas each step of a flow was written with over a window: per step, every schema version seen (by the ID or
 * fingerprint the records named), how many records and when the first and last appeared; a step whose records named
 * more than one schema in the window is {@code changed}, and {@code changedAt} is when the last version to appear
 * first appeared (a likely cause when a flow's behaviour changes).
 *
 * @param steps       steps with at least one record decoded through a schema, the changed ones first, then by name
 * @param truncated   true when the store answered the most rows asked for: some versions may be missing
 */
public record FlowSchemas(String flow, Instant from, Instant to, List<Step> steps, boolean truncated) {
    public FlowSchemas {
        steps = List.copyOf(steps);
    }

    /**
     * One step's schemas.
     *
     * @param step      the event type
     * @param changed   more than one schema was seen at this step in the window
     * @param changedAt when the newest-appearing schema first appeared; null unless changed
     * @param versions  the schemas seen, in the order they first appeared
     */
    public record Step(String step, boolean changed, Instant changedAt, List<Version> versions) {
        public Step {
            versions = List.copyOf(versions);
        }
    }

    /**
     * One schema seen at a step.
     *
     * @param format    {@code avro}, {@code protobuf} or {@code json}
     * @param id        how the records named it: registry ID, {@code global:}/{@code content:} ID, or {@code fp:} fingerprint
     * @param name      Avro record or Protobuf message full name, JSON Schema title; may be null
     * @param subject   registry subject or schema file; may be null
     * @param version   subject version, 0 when the source did not say
     * @param records   records that named it
     * @param firstSeen first of them
     * @param lastSeen  last of them
     */
    public record Version(String format, String id, String name, String subject, int version, long records,
                          Instant firstSeen, Instant lastSeen) {
    }

    /** Groups the store's rows by step (plain Java, shared by the API and its tests). */
    public static FlowSchemas of(String flow, Instant from, Instant to, List<StepSchema> rows, boolean truncated) {
        Map<String, List<StepSchema>> bySteps = new LinkedHashMap<>();
        for (StepSchema r : rows) {
            bySteps.computeIfAbsent(r.step(), k -> new ArrayList<>()).add(r);
        }
        List<Step> steps = new ArrayList<>();
        bySteps.forEach((step, list) -> {
            List<StepSchema> sorted = new ArrayList<>(list);
            sorted.sort(Comparator.comparing(StepSchema::firstSeen).thenComparingInt(r -> r.schema().version())
                    .thenComparing(r -> r.schema().id()));
            List<Version> versions = sorted.stream().map(r -> new Version(r.schema().format(), r.schema().id(),
                    r.schema().name(), r.schema().subject(), r.schema().version(), r.records(), r.firstSeen(),
                    r.lastSeen())).toList();
            boolean changed = versions.size() > 1;
            steps.add(new Step(step, changed, changed ? versions.get(versions.size() - 1).firstSeen() : null, versions));
        });
        steps.sort(Comparator.comparing((Step s) -> !s.changed()).thenComparing(Step::step));
        return new FlowSchemas(flow, from, to, steps, truncated);
    }
}
