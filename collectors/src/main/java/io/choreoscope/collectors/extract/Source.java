package io.choreoscope.collectors.extract;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * One place a field value can come from. Written in configuration as a short spec string:
 * <ul>
 *   <li>{@code header:NAME}: the first header of that name, compared case-insensitively</li>
 *   <li>{@code json:/a/b}: a JSON pointer into the payload (a structured CloudEvent is the whole
 *       envelope, so its data is under {@code /data}); only scalar values count</li>
 *   <li>{@code cloudevents:ATTR}: a CloudEvents attribute ({@code id}, {@code type}, {@code source},
 *       {@code subject}...) or extension, in binary or structured mode</li>
 *   <li>{@code key}: the record key as UTF-8 text</li>
 *   <li>{@code key-regex:REGEX}, {@code topic-regex:REGEX}: the first capture group (or the whole
 *       match when the regex has no group) of a regex found in the key or topic</li>
 *   <li>{@code traceparent}: the W3C trace ID of the {@code traceparent} header</li>
 *   <li>{@code routing-key}, {@code routing-key-regex:REGEX}: RabbitMQ's routing key, which is the record key of a
 *       RabbitMQ message (the same as {@code key} and {@code key-regex})</li>
 *   <li>{@code schema:name}, {@code schema:subject}: the Avro record's or Protobuf message's full name (JSON
 *       Schema: its title), or the registry subject, of a payload decoded through a schema</li>
 * </ul>
 * A source that does not match answers null, and the next rule is tried. Empty values never match.
 */
public sealed interface Source {

    /** The value this source finds in the record, or null. */
    String extract(RecordView record);

    /** The spec string this source was parsed from. */
    String spec();

    /**
     * Parses a spec string.
     *
     * @throws IllegalArgumentException with a message naming the spec when it is not understood
     */
    static Source parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("empty extraction rule");
        }
        String s = spec.strip();
        int colon = s.indexOf(':');
        String kind = (colon < 0 ? s : s.substring(0, colon)).toLowerCase(Locale.ROOT);
        String arg = colon < 0 ? "" : s.substring(colon + 1);
        try {
            return switch (kind) {
                case "header" -> new HeaderSource(s, requireArg(s, arg));
                case "json" -> new JsonSource(s, JsonPointer.compile(requireArg(s, arg)));
                case "cloudevents", "ce" -> new CloudEventSource(s, requireArg(s, arg).toLowerCase(Locale.ROOT));
                case "key", "routing-key" -> new KeySource(s); // a RabbitMQ message's routing key is its key
                case "key-regex", "routing-key-regex" -> new KeyRegexSource(s, Pattern.compile(requireArg(s, arg)));
                case "topic-regex" -> new TopicRegexSource(s, Pattern.compile(requireArg(s, arg)));
                case "traceparent" -> new TraceparentSource(s);
                case "schema" -> new SchemaFieldSource(s, schemaField(s, requireArg(s, arg)));
                default -> throw new IllegalArgumentException("unknown extraction rule '" + spec
                        + "': use header:NAME, json:/POINTER, cloudevents:ATTR, key, key-regex:REGEX, routing-key, routing-key-regex:REGEX, topic-regex:REGEX, traceparent or schema:name|subject");
            };
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("bad regex in extraction rule '" + spec + "': " + e.getDescription(), e);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().contains(spec)) {
                throw e;
            }
            throw new IllegalArgumentException("bad extraction rule '" + spec + "': " + e.getMessage(), e);
        }
    }

    private static String requireArg(String spec, String arg) {
        if (arg.isEmpty()) {
            throw new IllegalArgumentException("extraction rule '" + spec + "' needs an argument after ':'");
        }
        return arg;
    }

    private static String schemaField(String spec, String arg) {
        String a = arg.toLowerCase(Locale.ROOT);
        if (!a.equals("name") && !a.equals("subject")) {
            throw new IllegalArgumentException("extraction rule '" + spec + "': use schema:name or schema:subject");
        }
        return a;
    }

    private static String nonEmpty(String v) {
        return v == null || v.isEmpty() ? null : v;
    }

    private static String firstGroup(Pattern p, String input) {
        if (input == null) {
            return null;
        }
        Matcher m = p.matcher(input);
        if (!m.find()) {
            return null;
        }
        return nonEmpty(m.groupCount() > 0 ? m.group(1) : m.group());
    }

    record HeaderSource(String spec, String name) implements Source {
        public HeaderSource {
            name = name.toLowerCase(java.util.Locale.ROOT); // header names compare case-insensitively
        }

        @Override
        public String extract(RecordView r) {
            return nonEmpty(r.lowerCaseHeaderText(name));
        }
    }

    record JsonSource(String spec, JsonPointer pointer) implements Source {
        /** The field name when the pointer names a top-level field (the common case), else null. */
        String topLevelName() {
            return pointer.tail() != null && pointer.tail().matches() ? pointer.getMatchingProperty() : null;
        }

        @Override
        public String extract(RecordView r) {
            String name = topLevelName();
            if (name != null && r.isJsonObject()) {
                // A top-level field of an object is read without building the tree.
                return nonEmpty(r.topLevelField(name));
            }
            JsonNode root = r.json();
            if (root == null) {
                return null;
            }
            JsonNode n = root.at(pointer);
            return n.isValueNode() && !n.isNull() ? nonEmpty(n.asText()) : null;
        }
    }

    record CloudEventSource(String spec, String attribute) implements Source {
        @Override
        public String extract(RecordView r) {
            return nonEmpty(r.cloudEventAttribute(attribute));
        }
    }

    record KeySource(String spec) implements Source {
        @Override
        public String extract(RecordView r) {
            return nonEmpty(r.keyText());
        }
    }

    record KeyRegexSource(String spec, Pattern pattern) implements Source {
        @Override
        public String extract(RecordView r) {
            return firstGroup(pattern, r.keyText());
        }
    }

    record TopicRegexSource(String spec, Pattern pattern) implements Source {
        @Override
        public String extract(RecordView r) {
            return firstGroup(pattern, r.record().topic());
        }
    }

    /** The decoded payload's schema name or subject. */
    record SchemaFieldSource(String spec, String field) implements Source {
        @Override
        public String extract(RecordView r) {
            io.choreoscope.model.SchemaRef ref = r.schema();
            if (ref == null) {
                return null;
            }
            return nonEmpty(field.equals("name") ? ref.name() : ref.subject());
        }
    }

    record TraceparentSource(String spec) implements Source {
        @Override
        public String extract(RecordView r) {
            return r.traceContext() == null ? null : r.traceContext().traceId();
        }
    }
}
