package io.choreoscope.collectors.schema;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;

/**
 * Turns a decoded Avro datum or a Protobuf message (as wire-schema decodes it: maps, lists and scalars) into a
 * Jackson tree, so that JSON pointers, value search and the payload viewer read one shape whatever the wire format.
 * Unions are unwrapped (the value, not {@code {"string": ...}} as Avro's own JSON encoding writes it), bytes and
 * fixed become base64 text, enums their symbol, non-finite floats their text. Bounded: deeper than
 * {@code maxDepth} or more than {@code maxNodes} values throws {@link IllegalArgumentException}.
 */
final class PayloadJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private final int maxDepth;
    private final int maxNodes;
    private int nodes;

    PayloadJson(int maxDepth, int maxNodes) {
        this.maxDepth = maxDepth;
        this.maxNodes = maxNodes;
    }

    JsonNode toJson(Object v) {
        return node(v, 0);
    }

    private JsonNode node(Object v, int depth) {
        if (++nodes > maxNodes) {
            throw new IllegalArgumentException("more than " + maxNodes + " values");
        }
        if (depth > maxDepth) {
            throw new IllegalArgumentException("nested deeper than " + maxDepth);
        }
        if (v == null) {
            return F.nullNode();
        }
        if (v instanceof CharSequence s) {
            return F.textNode(s.toString());
        }
        if (v instanceof Boolean b) {
            return F.booleanNode(b);
        }
        if (v instanceof Integer i) {
            return F.numberNode(i);
        }
        if (v instanceof Long l) {
            return F.numberNode(l);
        }
        if (v instanceof Double d) {
            return d.isNaN() || d.isInfinite() ? F.textNode(d.toString()) : F.numberNode(d);
        }
        if (v instanceof Float f) {
            return f.isNaN() || f.isInfinite() ? F.textNode(f.toString()) : F.numberNode(f);
        }
        if (v instanceof Number n) {
            return F.textNode(n.toString());
        }
        if (v instanceof IndexedRecord r) {
            ObjectNode o = F.objectNode();
            for (org.apache.avro.Schema.Field f : r.getSchema().getFields()) {
                o.set(f.name(), node(r.get(f.pos()), depth + 1));
            }
            return o;
        }
        if (v instanceof GenericEnumSymbol<?> e) {
            return F.textNode(e.toString());
        }
        if (v instanceof GenericFixed fixed) {
            return F.textNode(Base64.getEncoder().encodeToString(fixed.bytes()));
        }
        if (v instanceof ByteBuffer buf) {
            ByteBuffer b = buf.duplicate();
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            return F.textNode(Base64.getEncoder().encodeToString(bytes));
        }
        if (v instanceof okio.ByteString bs) {
            return F.textNode(bs.base64());
        }
        if (v instanceof Map<?, ?> m) {
            ObjectNode o = F.objectNode();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                o.set(String.valueOf(e.getKey()), node(e.getValue(), depth + 1));
            }
            return o;
        }
        if (v instanceof Collection<?> c) {
            ArrayNode a = F.arrayNode(c.size());
            for (Object item : c) {
                a.add(node(item, depth + 1));
            }
            return a;
        }
        return F.textNode(v.toString());
    }
}
