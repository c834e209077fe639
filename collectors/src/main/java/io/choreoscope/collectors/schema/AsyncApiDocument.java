package io.choreoscope.collectors.schema;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.choreoscope.model.SchemaRef;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.representer.Representer;

/**
 * The message payload schemas of one AsyncAPI document (2.x or 3.0, YAML or JSON), as schema texts a
 * {@link ResolvedSchema} compiles.
 *
 * <p>Read: the messages under {@code components.messages}, and those of the channels (2.x: {@code publish} and
 * {@code subscribe} operations' {@code message}, also {@code oneOf} lists; 3.0: {@code channels.*.messages}), each
 * counted once however often it is referenced. A message's payload schema format is its {@code schemaFormat} (2.x) or
 * the payload's Multi Format Schema Object (3.0: {@code payload.schemaFormat} and {@code payload.schema}):
 * <ul>
 *   <li>{@code application/vnd.apache.avro...} (any version, {@code +json} or {@code +yaml}): an Avro schema, whose
 *       CRC-64-AVRO fingerprint answers Avro single-object encoding;</li>
 *   <li>none, {@code application/vnd.aai.asyncapi...} or {@code application/schema+json|yaml...}: a JSON Schema (the
 *       AsyncAPI default), given the message's name as its {@code title} when it has none;</li>
 *   <li>{@code application/vnd.google.protobuf...}: the payload is {@code .proto} text.</li>
 * </ul>
 * Other formats (RAML, OpenAPI) are listed as problems. {@code $ref}s inside the document ({@code #/...}) are
 * resolved by inlining; a {@code $ref} to another file or a URL is not followed and the message is refused with the
 * reason, as is one whose refs form a cycle (a recursive schema cannot be inlined) or expand past
 * {@link #MAX_EXPANDED_NODES} values.
 *
 * <p>Bounded: the caller limits the text's size; YAML nesting is limited to {@link #MAX_DEPTH}, aliases to
 * {@link #MAX_ALIASES} (no "billion laughs"), the document to {@link #MAX_NODES} values. Parsing is with SnakeYAML's
 * safe constructor (no custom tags, no object instantiation) or Jackson for {@code .json}.
 */
public final class AsyncApiDocument {
    static final int MAX_DEPTH = 64;
    static final int MAX_ALIASES = 50;
    static final int MAX_NODES = 200_000;
    static final int MAX_EXPANDED_NODES = 100_000;
    /** Deepest chain of {@code $ref}s followed while inlining one payload. */
    static final int MAX_REF_DEPTH = 64;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build());
    }

    /** One message payload schema: its format, its text, the message's name. */
    public record Payload(String messageName, String format, String schemaText) {
    }

    private final List<Payload> payloads = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private final String asyncapiVersion;

    private AsyncApiDocument(String version) {
        this.asyncapiVersion = version;
    }

    /** The payload schemas read, in document order. */
    public List<Payload> payloads() {
        return List.copyOf(payloads);
    }

    /** Messages that were not read, each with its reason. */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** The document's {@code asyncapi} field, e.g. {@code 2.6.0} or {@code 3.0.0}. */
    public String asyncapiVersion() {
        return asyncapiVersion;
    }

    /**
     * Reads a document.
     *
     * @param text the file's text (the caller bounds its size)
     * @param json true for a {@code .json} file (read with Jackson), false for YAML
     * @return the document, or null when the text parses but is not an AsyncAPI document (no {@code asyncapi} field)
     * @throws IllegalArgumentException when the text does not parse, passes a bound, or names an AsyncAPI version
     *                                  other than 2.x or 3.x; the message says why
     */
    public static AsyncApiDocument parse(String text, boolean json) {
        JsonNode root = json ? readJson(text) : readYaml(text);
        if (root == null || !root.isObject() || !root.has("asyncapi")) {
            return null;
        }
        String version = root.get("asyncapi").asText("");
        if (!version.startsWith("2.") && !version.startsWith("3.")) {
            throw new IllegalArgumentException("AsyncAPI version '" + version + "' is not read (2.x and 3.x are)");
        }
        AsyncApiDocument doc = new AsyncApiDocument(version);
        doc.read(root, version.startsWith("3."));
        return doc;
    }

    private static JsonNode readJson(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage());
        }
    }

    private static JsonNode readYaml(String text) {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(MAX_ALIASES);
        options.setNestingDepthLimit(MAX_DEPTH);
        options.setAllowDuplicateKeys(false);
        options.setAllowRecursiveKeys(false);
        options.setCodePointLimit((int) Math.min(Integer.MAX_VALUE, DirectorySchemaSource.MAX_FILE_BYTES + 1));
        DumperOptions dumper = new DumperOptions();
        Yaml yaml = new Yaml(new SafeConstructor(options), new Representer(dumper), dumper, options);
        Object loaded;
        try {
            loaded = yaml.load(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not YAML: " + String.valueOf(e.getMessage()).replace('\n', ' '));
        }
        return toJson(loaded, 0, new int[] {0});
    }

    /**
     * SnakeYAML's maps, lists and scalars as a Jackson tree. Depth and values are counted, so a document whose
     * aliases make a recursive structure is refused instead of looping.
     */
    private static JsonNode toJson(Object v, int depth, int[] count) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("nested deeper than " + MAX_DEPTH + " levels (or a recursive alias)");
        }
        if (++count[0] > MAX_NODES) {
            throw new IllegalArgumentException("more than " + MAX_NODES + " values");
        }
        if (v == null) {
            return NODES.nullNode();
        } else if (v instanceof Map<?, ?> m) {
            ObjectNode o = NODES.objectNode();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                o.set(String.valueOf(e.getKey()), toJson(e.getValue(), depth + 1, count));
            }
            return o;
        } else if (v instanceof List<?> l) {
            ArrayNode a = NODES.arrayNode();
            for (Object item : l) {
                a.add(toJson(item, depth + 1, count));
            }
            return a;
        } else if (v instanceof String s) {
            return NODES.textNode(s);
        } else if (v instanceof Boolean b) {
            return NODES.booleanNode(b);
        } else if (v instanceof Integer i) {
            return NODES.numberNode(i);
        } else if (v instanceof Long l) {
            return NODES.numberNode(l);
        } else if (v instanceof BigInteger b) {
            return NODES.numberNode(b);
        } else if (v instanceof Double d) {
            return NODES.numberNode(d);
        } else if (v instanceof BigDecimal d) {
            return NODES.numberNode(d);
        } else if (v instanceof Date d) {
            return NODES.textNode(d.toInstant().toString());
        } else if (v instanceof byte[] b) {
            return NODES.textNode(Base64.getEncoder().encodeToString(b));
        } else if (v instanceof Set<?> s) {
            ArrayNode a = NODES.arrayNode();
            for (Object item : s) {
                a.add(toJson(item, depth + 1, count));
            }
            return a;
        }
        return NODES.textNode(String.valueOf(v));
    }

    private void read(JsonNode root, boolean v3) {
        // Messages by the JSON pointer they resolve to, so one referenced from several places is read once.
        Map<String, String> seen = new LinkedHashMap<>();
        JsonNode components = root.path("components").path("messages");
        components.properties().forEach(e ->
                message(root, e.getValue(), "/components/messages/" + escape(e.getKey()), e.getKey(), seen));
        root.path("channels").properties().forEach(ch -> {
            String where = "/channels/" + escape(ch.getKey());
            if (v3) {
                ch.getValue().path("messages").properties().forEach(m ->
                        message(root, m.getValue(), where + "/messages/" + escape(m.getKey()), m.getKey(), seen));
            } else {
                for (String op : List.of("publish", "subscribe")) {
                    JsonNode msg = ch.getValue().path(op).path("message");
                    if (msg.isMissingNode()) {
                        continue;
                    }
                    String fallback = ch.getKey() + " " + op;
                    JsonNode oneOf = msg.get("oneOf");
                    if (oneOf != null && oneOf.isArray()) {
                        for (int i = 0; i < oneOf.size(); i++) {
                            message(root, oneOf.get(i), where + "/" + op + "/message/oneOf/" + i, fallback, seen);
                        }
                    } else {
                        message(root, msg, where + "/" + op + "/message", fallback, seen);
                    }
                }
            }
        });
    }

    /** Reads one message (or a {@code $ref} to one) at {@code pointer}; {@code fallbackName} when it has no name. */
    private void message(JsonNode root, JsonNode node, String pointer, String fallbackName, Map<String, String> seen) {
        String label = fallbackName;
        try {
            JsonNode msg = node;
            String at = pointer;
            Set<String> chain = new LinkedHashSet<>();
            while (msg != null && msg.isObject() && msg.has("$ref")) {
                String ref = msg.get("$ref").asText("");
                if (!chain.add(ref)) {
                    throw new IllegalArgumentException("$ref cycle " + String.join(" -> ", chain) + " -> " + ref);
                }
                at = ref.startsWith("#") ? ref.substring(1) : ref;
                msg = target(root, ref);
            }
            if (msg == null || !msg.isObject()) {
                return;
            }
            if (seen.containsKey(at)) {
                return;
            }
            String name = msg.path("name").asText(null);
            if (name == null || name.isBlank()) {
                name = msg.path("messageId").asText(null);
            }
            if (name == null || name.isBlank()) {
                name = fallbackName;
            }
            label = name;
            seen.put(at, name);
            JsonNode payload = msg.get("payload");
            if (payload == null || payload.isNull()) {
                return; // a message with headers only: nothing to decode with
            }
            String schemaFormat = msg.path("schemaFormat").asText(null);
            JsonNode schema = resolve(root, payload, new ArrayDeque<>(), new int[] {0});
            if (schema.isObject() && schema.has("schemaFormat") && schema.has("schema")) {
                // AsyncAPI 3.0 Multi Format Schema Object
                schemaFormat = schema.get("schemaFormat").asText(null);
                schema = resolve(root, schema.get("schema"), new ArrayDeque<>(), new int[] {0});
            }
            String format = format(schemaFormat);
            String text;
            if (SchemaRef.PROTOBUF.equals(format)) {
                if (!schema.isTextual()) {
                    throw new IllegalArgumentException("a Protobuf payload must be .proto text");
                }
                text = schema.asText();
            } else if (SchemaRef.JSON.equals(format)) {
                if (schema.isObject() && !schema.has("title")) {
                    ((ObjectNode) schema).put("title", name);
                }
                text = JSON.writeValueAsString(schema);
            } else {
                text = JSON.writeValueAsString(schema);
            }
            payloads.add(new Payload(name, format, text));
        } catch (IllegalArgumentException e) {
            problems.add("message " + label + " (" + pointer + "): " + e.getMessage());
        } catch (Exception e) {
            problems.add("message " + label + " (" + pointer + "): " + e);
        }
    }

    /** The choreoscope format of an AsyncAPI {@code schemaFormat}, or an exception naming one that is not read. */
    static String format(String schemaFormat) {
        if (schemaFormat == null || schemaFormat.isBlank()) {
            return SchemaRef.JSON;
        }
        String f = schemaFormat.strip().toLowerCase(Locale.ROOT);
        if (f.startsWith("application/vnd.apache.avro")) {
            return SchemaRef.AVRO;
        }
        if (f.startsWith("application/vnd.aai.asyncapi") || f.startsWith("application/schema+json")
                || f.startsWith("application/schema+yaml")) {
            return SchemaRef.JSON;
        }
        if (f.startsWith("application/vnd.google.protobuf")) {
            return SchemaRef.PROTOBUF;
        }
        throw new IllegalArgumentException("schemaFormat " + schemaFormat + " is not read (Avro, JSON Schema and Protobuf are)");
    }

    /**
     * A copy of {@code node} with every {@code $ref} inside the document replaced by what it points to.
     *
     * @param active the refs being inlined (a ref met again inside itself is a cycle)
     * @param count  values produced so far, bounded by {@link #MAX_EXPANDED_NODES}
     */
    private JsonNode resolve(JsonNode root, JsonNode node, Deque<String> active, int[] count) {
        if (++count[0] > MAX_EXPANDED_NODES) {
            throw new IllegalArgumentException("its $refs expand to more than " + MAX_EXPANDED_NODES + " values");
        }
        if (node.isObject()) {
            JsonNode ref = node.get("$ref");
            if (ref != null && ref.isTextual()) {
                String r = ref.asText();
                if (active.contains(r)) {
                    List<String> chain = new ArrayList<>(active);
                    java.util.Collections.reverse(chain);
                    chain.add(r);
                    throw new IllegalArgumentException("$ref cycle " + String.join(" -> ", chain.subList(chain.indexOf(r), chain.size()))
                            + " (a recursive schema cannot be inlined)");
                }
                if (active.size() >= MAX_REF_DEPTH) {
                    throw new IllegalArgumentException("$refs nested deeper than " + MAX_REF_DEPTH);
                }
                active.push(r);
                JsonNode resolved = resolve(root, target(root, r), active, count);
                active.pop();
                return resolved;
            }
            ObjectNode copy = NODES.objectNode();
            node.properties().forEach(e -> copy.set(e.getKey(), resolve(root, e.getValue(), active, count)));
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = NODES.arrayNode();
            node.forEach(item -> copy.add(resolve(root, item, active, count)));
            return copy;
        }
        return node;
    }

    /** What a {@code $ref} inside the document points to; refuses other files and URLs. */
    private static JsonNode target(JsonNode root, String ref) {
        if (!ref.startsWith("#")) {
            throw new IllegalArgumentException("external $ref '" + ref
                    + "' not followed (only $refs inside the document, #/..., are read)");
        }
        String pointer = URLDecoder.decode(ref.substring(1).replace("+", "%2B"), StandardCharsets.UTF_8);
        JsonNode t;
        try {
            t = root.at(pointer);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("$ref '" + ref + "' is not a JSON pointer");
        }
        if (t.isMissingNode()) {
            throw new IllegalArgumentException("$ref '" + ref + "' points to nothing in the document");
        }
        return t;
    }

    private static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }
}
