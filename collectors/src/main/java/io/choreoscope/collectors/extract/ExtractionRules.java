package io.choreoscope.collectors.extract;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Ordered rules per field: the first source that finds a non-empty value wins.
 * Immutable; build with {@link #defaults()} and {@link #withRules(Field, List)}.
 */
public final class ExtractionRules {

    /** Default correlation rules: common headers, CloudEvents extension, payload field, then trace ID. */
    public static final List<String> DEFAULT_CORRELATION_ID = List.of(
            "header:correlationId", "header:correlation-id", "header:X-Correlation-ID", "header:correlation_id",
            "cloudevents:correlationid", "json:/correlationId", "json:/correlation_id", "json:/data/correlationId",
            "traceparent");
    /** Default event ID rules. */
    public static final List<String> DEFAULT_EVENT_ID = List.of(
            "header:eventId", "header:event-id", "header:messageId", "cloudevents:id", "json:/eventId", "json:/id");
    /**
     * Default event type rules. Without a header or CloudEvents type, a payload decoded through a schema takes the
     * Avro record's (or Protobuf message's) full name before any payload field.
     */
    public static final List<String> DEFAULT_EVENT_TYPE = List.of(
            "header:eventType", "header:event-type", "header:type", "cloudevents:type", "schema:name",
            "json:/eventType", "json:/type");
    /** Default source service rules. */
    public static final List<String> DEFAULT_SOURCE_SERVICE = List.of(
            "header:sourceService", "header:source-service", "header:service", "header:source",
            "cloudevents:source", "json:/sourceService", "json:/source", "json:/service");
    /** Default causation ID rules. */
    public static final List<String> DEFAULT_CAUSATION_ID = List.of(
            "header:causationId", "header:causation-id", "cloudevents:causationid", "json:/causationId",
            "json:/causation_id");

    /** Top-level fields read to recognise a structured CloudEvent in a plain JSON payload. */
    static final Set<String> CLOUD_EVENT_FIELDS = Set.of("specversion", "id", "type");

    private final Map<Field, List<Source>> rules;
    private final JsonScanner.Members topLevelNames;

    private ExtractionRules(Map<Field, List<Source>> rules) {
        this.rules = rules;
        Set<String> names = new HashSet<>(CLOUD_EVENT_FIELDS);
        for (List<Source> sources : rules.values()) {
            for (Source s : sources) {
                if (s instanceof Source.JsonSource j && j.topLevelName() != null) {
                    names.add(j.topLevelName());
                }
            }
        }
        this.topLevelNames = JsonScanner.Members.of(names);
    }

    /**
     * The top-level JSON fields any rule (or CloudEvents detection) reads: the payload scan keeps the text of
     * these only. Any other field is still answered, from the parsed tree.
     */
    JsonScanner.Members topLevelNames() {
        return topLevelNames;
    }

    public static ExtractionRules defaults() {
        Map<Field, List<Source>> m = new EnumMap<>(Field.class);
        m.put(Field.CORRELATION_ID, parseAll(DEFAULT_CORRELATION_ID));
        m.put(Field.EVENT_ID, parseAll(DEFAULT_EVENT_ID));
        m.put(Field.EVENT_TYPE, parseAll(DEFAULT_EVENT_TYPE));
        m.put(Field.SOURCE_SERVICE, parseAll(DEFAULT_SOURCE_SERVICE));
        m.put(Field.CAUSATION_ID, parseAll(DEFAULT_CAUSATION_ID));
        return new ExtractionRules(Collections.unmodifiableMap(m));
    }

    /**
     * A copy whose rules for {@code field} are {@code specs}, in order (replacing the previous ones).
     *
     * @throws IllegalArgumentException naming the bad spec
     */
    public ExtractionRules withRules(Field field, List<String> specs) {
        Map<Field, List<Source>> m = new EnumMap<>(rules);
        m.put(field, parseAll(specs));
        return new ExtractionRules(Collections.unmodifiableMap(m));
    }

    /** A copy with {@code specs} tried before the existing rules of {@code field}. */
    public ExtractionRules withRulesFirst(Field field, List<String> specs) {
        List<Source> merged = new ArrayList<>(parseAll(specs));
        merged.addAll(rules(field));
        Map<Field, List<Source>> m = new EnumMap<>(rules);
        m.put(field, List.copyOf(merged));
        return new ExtractionRules(Collections.unmodifiableMap(m));
    }

    public List<Source> rules(Field field) {
        return rules.getOrDefault(field, List.of());
    }

    /** The first non-null value the field's rules find, or null. */
    public String extract(Field field, RecordView view) {
        for (Source s : rules(field)) {
            String v = s.extract(view);
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    private static List<Source> parseAll(List<String> specs) {
        List<Source> out = new ArrayList<>(specs.size());
        for (String s : specs) {
            out.add(Source.parse(s));
        }
        return List.copyOf(out);
    }
}
