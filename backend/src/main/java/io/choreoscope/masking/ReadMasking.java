package io.choreoscope.masking;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import io.choreoscope.auth.AuthConfig;
import io.choreoscope.auth.Roles;
import io.choreoscope.model.EventReader;
import io.choreoscope.model.Header;
import io.choreoscope.model.Observation;
import io.choreoscope.model.api.SearchHit;
import io.choreoscope.model.masking.PayloadMasker;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.authentication.Authentication;
import jakarta.inject.Singleton;

/**
 * The read path's masking: decides from the signed-in principal whether a caller sees values masked, and masks
 * what the API answers them ({@link MaskingFilter} applies it to every response of {@code /api/v1}). Webhooks are
 * masked always: their receivers have no role.
 */
@Singleton
public class ReadMasking {
    /**
     * Characters (or bytes) dropped from the end of a payload the API shows cut: a value a pattern would find may
     * straddle the cut, and its visible half would match nothing.
     */
    public static final int CUT_TAIL = 64;

    private final PayloadMasker masker;
    private final Set<String> unmaskedRoles;
    private final boolean authEnabled;
    private final ObjectMapper json;

    public ReadMasking(MaskingConfig config, AuthConfig auth, ObjectMapper json) {
        try {
            this.masker = PayloadMasker.of(config.getJsonPointers(), config.getHeaders(), config.getPatterns(), config.getMaxScanChars());
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(MaskingConfig.PREFIX + ": " + e.getMessage(), e);
        }
        for (String r : config.getUnmaskedRoles()) {
            if (!Roles.isRole(r)) {
                throw new ConfigurationException(MaskingConfig.PREFIX + ".unmasked-roles: '" + r
                        + "' is not a role (viewer, operator, admin)");
            }
        }
        this.unmaskedRoles = config.getUnmaskedRoles().stream().map(r -> r.strip().toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
        this.authEnabled = auth.isEnabled();
        this.json = json;
    }

    public PayloadMasker masker() {
        return masker;
    }

    /**
     * True when the request's caller sees values masked: some rule is configured, sign-in is on, and the caller
     * holds none of the unmasked roles (a caller who is not signed in holds none). With sign-in off every caller may
     * do everything, so nothing is masked.
     */
    public boolean masks(HttpRequest<?> request) {
        if (!masker.active() || !authEnabled) {
            return false;
        }
        Optional<Authentication> a = request.getUserPrincipal(Authentication.class);
        if (a.isEmpty()) {
            return true;
        }
        for (String r : a.get().getRoles()) {
            if (r != null && unmaskedRoles.contains(r.toLowerCase(Locale.ROOT))) {
                return false;
            }
        }
        return true;
    }

    /** The first value of the request (a path segment or query value) that a pattern finds something in, or null. */
    public String maskedValueIn(HttpRequest<?> request) {
        for (String segment : (request.getPath() + "/" + request.getUri().getRawPath()).split("/")) {
            String v;
            try {
                v = java.net.URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException notEncoded) {
                v = segment;
            }
            if (!v.equals(masker.text(v)) || !segment.equals(masker.text(segment))) {
                return v;
            }
        }
        for (Map.Entry<String, List<String>> e : request.getParameters()) {
            for (String v : e.getValue()) {
                if (v != null && !v.equals(masker.text(v))) {
                    return v;
                }
            }
        }
        return null;
    }

    /**
     * What a masked caller receives instead of {@code body}: raw bytes as a payload, text by the patterns, anything
     * else through its JSON form, where event views get the payload and header rules and every other string (field
     * names included) the patterns.
     */
    public Object body(Object body) {
        if (body == null) {
            return null;
        }
        if (body instanceof byte[] b) {
            return masker.payload(b);
        }
        if (body instanceof CharSequence s) {
            return masker.text(s.toString());
        }
        return tree(json.valueToTree(body));
    }

    /**
     * One item of a stream (the live feed's updates) as a masked caller sees it, of its own type: the stream's
     * encoder expects the type the endpoint declares.
     */
    public Object item(Object item) {
        if (item == null || item instanceof byte[] || item instanceof CharSequence) {
            return body(item);
        }
        try {
            return json.treeToValue(tree(json.valueToTree(item)), item.getClass());
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot mask a " + item.getClass().getSimpleName(), e);
        }
    }

    /** A JSON document as a masked caller sees it. */
    public JsonNode tree(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (node.isTextual()) {
            String t = node.textValue();
            String m = masker.text(t);
            return m.equals(t) ? node : TextNode.valueOf(m);
        }
        if (node.isArray()) {
            ArrayNode a = (ArrayNode) node;
            for (int i = 0; i < a.size(); i++) {
                a.set(i, tree(a.get(i)));
            }
            return a;
        }
        if (node.isObject()) {
            ObjectNode o = (ObjectNode) node;
            boolean eventView = o.has("payloadEncoding") && o.has("payload") && o.has("headers");
            ObjectNode out = o.objectNode();
            Iterator<Map.Entry<String, JsonNode>> fields = o.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                String name = masker.text(f.getKey());
                JsonNode v = f.getValue();
                if (eventView && f.getKey().equals("payload") && v.isTextual() && o.path("decodedPayload").isTextual()) {
                    // Avro or Protobuf bytes cannot be masked field by field: the masked decoded JSON stands for them.
                    out.put(name, PayloadMasker.MASK);
                } else if (eventView && f.getKey().equals("payload") && v.isTextual()) {
                    out.put(name, eventPayload(v.textValue(), o.path("payloadEncoding").asText(), o.path("payloadTruncated").asBoolean()));
                } else if (eventView && f.getKey().equals("decodedPayload") && v.isTextual()) {
                    // A schema-decoded payload is JSON text: the same pointer and pattern rules as a JSON payload.
                    out.put(name, masker.payloadText(v.textValue()));
                } else if (eventView && f.getKey().equals("key") && v.isTextual()) {
                    out.put(name, key(v.textValue()));
                } else if (eventView && f.getKey().equals("headers") && v.isArray()) {
                    out.set(name, headers((ArrayNode) v));
                } else {
                    out.set(name, tree(v));
                }
            }
            return out;
        }
        return node;
    }

    private String eventPayload(String payload, String encoding, boolean truncated) {
        if ("base64".equals(encoding)) {
            byte[] b = decode(payload);
            if (b == null) {
                return PayloadMasker.MASK;
            }
            if (truncated) {
                b = java.util.Arrays.copyOf(b, Math.max(0, b.length - CUT_TAIL));
            }
            return Base64.getEncoder().encodeToString(masker.binary(b));
        }
        String text = payload;
        if (truncated) {
            int end = Math.max(0, text.length() - CUT_TAIL);
            if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
                end--;
            }
            text = text.substring(0, end);
        }
        return masker.payloadText(text);
    }

    private String key(String key) {
        if (key.startsWith("base64:")) {
            byte[] b = decode(key.substring("base64:".length()));
            return b == null ? PayloadMasker.MASK : "base64:" + Base64.getEncoder().encodeToString(masker.binary(b));
        }
        return masker.text(key);
    }

    private ArrayNode headers(ArrayNode headers) {
        ArrayNode out = headers.arrayNode();
        for (JsonNode h : headers) {
            if (!h.isObject() || !h.path("value").isTextual()) {
                out.add(tree(h));
                continue;
            }
            ObjectNode m = ((ObjectNode) h).deepCopy();
            String name = h.path("name").asText();
            String value = h.path("value").textValue();
            m.put("name", masker.text(name));
            if (masker.maskedHeader(name)) {
                m.put("value", PayloadMasker.MASK);
                m.put("encoding", "text");
            } else if ("base64".equals(h.path("encoding").asText())) {
                byte[] b = decode(value);
                m.put("value", b == null ? PayloadMasker.MASK : Base64.getEncoder().encodeToString(masker.binary(b)));
            } else {
                m.put("value", masker.text(value));
            }
            out.add(m);
        }
        return out;
    }

    private static byte[] decode(String base64) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * The search hits a masked caller may see: only those where what they searched for is still there once masked.
     * Otherwise a hit would say that a record holds a masked value (searching a card number, or its first digits, would
     * tell which records hold it). Hits by ID are checked on the matched ID; hits by value on the event itself, read
     * again and masked whole (one read per hit), with the excerpt taken from the masked value.
     */
    public List<SearchHit> visibleHits(String q, List<SearchHit> hits, EventReader events) {
        String needle = q.toLowerCase(Locale.ROOT);
        List<SearchHit> out = new ArrayList<>(hits.size());
        for (SearchHit h : hits) {
            if (h.topic() == null || h.partition() == null || h.offset() == null) {
                if (contains(masker.text(h.matchedValue()), needle)) {
                    out.add(h);
                }
                continue;
            }
            // By correlation ID too: the events table's key, so a masked search reads a granule per hit, not the table.
            Optional<Observation> o = events.event(h.correlationId() == null ? "" : h.correlationId(), h.topic(), h.partition(), h.offset());
            if (o.isEmpty()) {
                continue;
            }
            String seen = maskedField(o.get(), h.matchedField(), needle);
            if (seen != null) {
                int at = seen.toLowerCase(Locale.ROOT).indexOf(needle);
                int from = h.matchedField().equals("payload") ? Math.max(0, at - 80) : 0;
                out.add(h.withMatchedValue(seen.substring(from, Math.min(seen.length(), from + 200))));
            }
        }
        return out;
    }

    /** The field of the event a hit names, as a masked caller sees it, when it still holds the needle; else null. */
    private String maskedField(Observation o, String field, String needle) {
        String seen = null;
        if (field.equals("eventId")) {
            seen = masker.text(o.eventId());
        } else if (field.equals("key")) {
            seen = o.key() == null ? null : masker.text(new String(o.key(), StandardCharsets.UTF_8));
        } else if (field.equals("payload")) {
            // Value search matched the decoded JSON of a schema-framed payload, else the payload itself.
            seen = o.decodedPayload() != null ? masker.payloadText(o.decodedPayload())
                    : o.payload() == null ? null : new String(masker.payload(o.payload()), StandardCharsets.UTF_8);
        } else if (field.startsWith("header:")) {
            String name = field.substring("header:".length());
            for (Header hd : o.headers()) {
                if (hd.name().equals(name)) {
                    String v = masker.header(name, hd.text());
                    if (contains(v, needle)) {
                        return v;
                    }
                }
            }
            return null;
        }
        return contains(seen, needle) ? seen : null;
    }

    private static boolean contains(String text, String lowerCaseNeedle) {
        return text != null && text.toLowerCase(Locale.ROOT).contains(lowerCaseNeedle);
    }

    /** A webhook's JSON body with every string masked: a webhook's receiver has no role. */
    public String webhook(String jsonBody) {
        if (!masker.active()) {
            return jsonBody;
        }
        try {
            return json.writeValueAsString(tree(json.readTree(jsonBody)));
        } catch (java.io.IOException e) {
            return masker.text(jsonBody);
        }
    }
}
