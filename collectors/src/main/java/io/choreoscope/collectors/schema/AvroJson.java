package io.choreoscope.collectors.schema;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.choreoscope.collectors.extract.PlainAscii;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.util.Utf8;

/**
 * Reads an Avro binary body and writes its JSON view in one pass: no generic record, no Jackson tree, no second
 * parse. The text is byte for byte what the earlier path wrote (Avro's generic reader with {@link GenericData#get()},
 * which reads through Avro's fast reader by default, then {@link PayloadJson}'s tree and Jackson's default writer);
 * {@code AvroJsonTest} checks that against the earlier path on awkward and random values:
 * <ul>
 *   <li>unions are unwrapped, {@code null} is {@code null};</li>
 *   <li>strings as Java decodes their UTF-8 (malformed bytes become U+FFFD), escaped as Jackson escapes them (the
 *       short escapes, a six-character unicode escape in upper-case hex for other control characters and for each half
 *       of a surrogate pair, everything else raw UTF-8);</li>
 *   <li>numbers as {@link Integer#toString}, {@link Long#toString}, {@link Float#toString}, {@link Double#toString};
 *       NaN and the infinities as strings ({@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"});</li>
 *   <li>bytes and fixed (decimals included: {@code GenericData.get()} has no logical type conversions) as standard
 *       base64 with padding; enums as their symbol;</li>
 *   <li>map entries in the iteration order of the {@link HashMap} Avro reads a map into (same key class, same
 *       capacity, same insertions), a key repeated in the body keeping its first place and last value.</li>
 * </ul>
 * One difference: Avro's Java code-generation hints ({@code java-class}, {@code java-key-class}), which Avro's reader
 * follows by instantiating the named class from the string, are ignored: such values are plain strings.
 * A record at the root also yields its scalar fields as the rules' JSON scan would keep them, so that the rules need
 * not scan the JSON again.
 *
 * <p>Bounds: array items and map entries count as they are read, and the read stops when they alone pass
 * {@code maxNodes}; more than {@code maxNodes} values in all, or nesting deeper than {@code maxDepth}, fails the
 * record after the body was read whole (so a body that also does not match its schema is reported as such, as
 * before). Strings, bytes and block counts go through Avro's own decoder and its system limits ({@link AvroLimits}).
 *
 * <p>Not thread-safe: one instance per thread (it reuses its decoder and output buffer); {@link Plan}s are immutable
 * and shared.
 */
final class AvroJson {
    /** Output buffer kept between records, bytes; a larger one (a huge record's) is dropped after use. */
    private static final int KEPT_BUFFER_BYTES = 64 * 1024;
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    /** Per ASCII byte: 0 written as is, a letter for its short escape, -1 for a six-character unicode escape. */
    private static final int[] ESCAPES = new int[128];

    static {
        for (int i = 0; i < 0x20; i++) {
            ESCAPES[i] = -1;
        }
        ESCAPES['"'] = '"';
        ESCAPES['\\'] = '\\';
        ESCAPES['\b'] = 'b';
        ESCAPES['\t'] = 't';
        ESCAPES['\f'] = 'f';
        ESCAPES['\n'] = 'n';
        ESCAPES['\r'] = 'r';
    }

    private final int maxDepth;
    private final int maxNodes;
    private BinaryDecoder in;
    private final Utf8 scratch = new Utf8();
    private byte[] out = new byte[1024];
    private int len;
    private int nodes;
    private int items;
    /** The first node or depth bound passed, reported once the body has been read whole. */
    private String bound;
    private Plan lastPlan;
    private Set<String> lastKeep;
    private boolean[] lastKeepMask;

    /**
     * @param maxDepth deepest nesting of the JSON view
     * @param maxNodes most values in the JSON view
     */
    AvroJson(int maxDepth, int maxNodes) {
        this.maxDepth = maxDepth;
        this.maxNodes = maxNodes;
    }

    /**
     * The JSON view of a body, and the root record's scalar fields.
     *
     * @param json     UTF-8 JSON text
     * @param topLevel for a record at the root and a non-null {@code keep}: its scalar fields named in {@code keep},
     *                 as text (strings unescaped, numbers and booleans as written), null fields left out; else null
     */
    record Result(byte[] json, Map<String, String> topLevel) {
    }

    /**
     * Decodes {@code v[start..]} as one datum of the plan's schema.
     *
     * @param keep top-level field names to return as text, or null for none
     * @throws IOException              when the body ends early
     * @throws IllegalArgumentException when the body does not match the schema or passes a bound
     */
    Result read(Plan plan, byte[] v, int start, Set<String> keep) throws IOException {
        in = DecoderFactory.get().binaryDecoder(v, start, v.length - start, in);
        len = 0;
        nodes = 0;
        items = 0;
        bound = null;
        Map<String, String> topLevel = null;
        try {
            if (plan.root.kind == Kind.RECORD && keep != null) {
                topLevel = new HashMap<>();
                record(plan.root, 0, keepMask(plan, keep), topLevel);
            } else {
                value(plan.root, 0);
            }
            if (!in.isEnd()) {
                throw new IllegalArgumentException("bytes left over after the record: the body does not match its schema");
            }
            if (bound != null) {
                throw new IllegalArgumentException(bound);
            }
            return new Result(Arrays.copyOf(out, len), topLevel);
        } finally {
            if (out.length > KEPT_BUFFER_BYTES) {
                out = new byte[1024];
            }
        }
    }

    private boolean[] keepMask(Plan plan, Set<String> keep) {
        if (plan != lastPlan || keep != lastKeep) {
            boolean[] mask = new boolean[plan.root.fields.length];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = keep.contains(plan.root.fieldNames[i]);
            }
            lastPlan = plan;
            lastKeep = keep;
            lastKeepMask = mask;
        }
        return lastKeepMask;
    }

    /** Counts one value of the view at {@code depth}, noting the first bound passed (in the tree walk's order). */
    private void node(int depth) {
        if (bound != null) {
            return;
        }
        if (++nodes > maxNodes) {
            bound = "more than " + maxNodes + " values";
        } else if (depth > maxDepth) {
            bound = "nested deeper than " + maxDepth;
        }
    }

    /** Counts an array item or map entry: past the bound, the read stops (each is a value of the view too). */
    private void item() {
        if (++items > maxNodes) {
            throw new IllegalArgumentException("more than " + maxNodes + " values");
        }
    }

    /** Reads one value and writes its JSON; returns it as top-level text would be kept when {@code text} is set. */
    private String value(Node n, int depth, boolean text) throws IOException {
        while (n.kind == Kind.UNION) {
            int i = in.readIndex();
            if (i < 0 || i >= n.branches.length) {
                throw new IllegalArgumentException("union branch " + i + " of " + n.branches.length);
            }
            n = n.branches[i];
        }
        node(depth);
        switch (n.kind) {
            case NULL -> {
                in.readNull();
                raw(NULL);
                return null;
            }
            case BOOLEAN -> {
                boolean b = in.readBoolean();
                raw(b ? TRUE : FALSE);
                return text ? Boolean.toString(b) : null;
            }
            case INT -> {
                return number(Integer.toString(in.readInt()), text);
            }
            case LONG -> {
                return number(Long.toString(in.readLong()), text);
            }
            case FLOAT -> {
                float f = in.readFloat();
                String s = Float.toString(f);
                return Float.isFinite(f) ? number(s, text) : quotedAscii(s, text);
            }
            case DOUBLE -> {
                double d = in.readDouble();
                String s = Double.toString(d);
                return Double.isFinite(d) ? number(s, text) : quotedAscii(s, text);
            }
            case STRING -> {
                in.readString(scratch);
                return string(scratch.getBytes(), scratch.getByteLength(), text);
            }
            case BYTES -> {
                ByteBuffer b = in.readBytes(null);
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                return quotedAscii(Base64.getEncoder().encodeToString(bytes), text);
            }
            case FIXED -> {
                byte[] bytes = new byte[n.size];
                in.readFixed(bytes, 0, bytes.length);
                return quotedAscii(Base64.getEncoder().encodeToString(bytes), text);
            }
            case ENUM -> {
                int i = in.readEnum();
                if (i < 0 || i >= n.symbols.length) {
                    throw new IllegalArgumentException("enum symbol " + i + " of " + n.symbols.length);
                }
                raw(n.symbolJson[i]);
                return text ? n.symbols[i] : null;
            }
            case RECORD -> record(n, depth, null, null);
            case ARRAY -> array(n, depth);
            case MAP -> map(n, depth);
            default -> throw new IllegalStateException("no reader for " + n.kind);
        }
        return null;
    }

    private void value(Node n, int depth) throws IOException {
        value(n, depth, false);
    }

    private void record(Node n, int depth, boolean[] keep, Map<String, String> topLevel) throws IOException {
        if (keep != null) {
            node(depth); // the root record: counted here, as value() counts every other one
        }
        put((byte) '{');
        for (int i = 0; i < n.fields.length; i++) {
            raw(n.fieldJson[i]); // ',' (after the first) and the quoted name and ':'
            if (keep != null && keep[i]) {
                String t = value(n.fields[i], depth + 1, true);
                if (t != null) {
                    topLevel.put(n.fieldNames[i], t);
                }
            } else {
                value(n.fields[i], depth + 1);
            }
        }
        put((byte) '}');
    }

    private void array(Node n, int depth) throws IOException {
        put((byte) '[');
        boolean first = true;
        for (long count = in.readArrayStart(); count > 0; count = in.arrayNext()) {
            for (long i = 0; i < count; i++) {
                if (!first) {
                    put((byte) ',');
                }
                first = false;
                value(n.item, depth + 1);
                item();
            }
        }
        put((byte) ']');
    }

    /**
     * A map: its entries go through the same kind of {@link HashMap} Avro's reader fills (keys as it reads them, default
     * capacity) and then, keyed by their text, through an insertion-ordered map as Jackson's object node takes them, so
     * the order and the winner of a repeated key are the earlier path's.
     */
    private void map(Node n, int depth) throws IOException {
        Map<Object, byte[]> entries = new HashMap<>();
        int mark = len;
        for (long count = in.readMapStart(); count > 0; count = in.mapNext()) {
            for (long i = 0; i < count; i++) {
                Object key = n.javaStringKeys ? in.readString() : in.readString(null);
                value(n.item, depth + 1);
                entries.put(key, Arrays.copyOfRange(out, mark, len));
                len = mark;
                item();
            }
        }
        Map<String, byte[]> byText = new LinkedHashMap<>();
        for (Map.Entry<Object, byte[]> e : entries.entrySet()) {
            byText.put(String.valueOf(e.getKey()), e.getValue());
        }
        put((byte) '{');
        boolean first = true;
        for (Map.Entry<String, byte[]> e : byText.entrySet()) {
            if (!first) {
                put((byte) ',');
            }
            first = false;
            quoted(e.getKey());
            put((byte) ':');
            raw(e.getValue());
        }
        put((byte) '}');
    }

    private String number(String s, boolean text) {
        ascii(s); // digits, '-', '.', 'E'
        return text ? s : null;
    }

    private String quotedAscii(String s, boolean text) {
        put((byte) '"');
        ascii(s); // base64 or a non-finite number's name: nothing to escape
        put((byte) '"');
        return text ? s : null;
    }

    /** Text known to be ASCII, as is. */
    private void ascii(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            out[len + i] = (byte) s.charAt(i);
        }
        len += n;
    }

    /**
     * A string from its Avro UTF-8 bytes, as Java decodes them. Runs of plain ASCII (nothing to escape) are found eight
     * bytes at a time and copied in bulk; the first byte that is not plain ASCII sends the whole string to the slower
     * path that decodes it as Java does.
     */
    private String string(byte[] b, int n, boolean text) {
        ensure(n * 6 + 2);
        byte[] o = out;
        int p = len;
        o[p++] = '"';
        int i = 0;
        while (i < n) {
            int run = i;
            i = PlainAscii.skipWords(b, i, n);
            while (i < n && b[i] >= 0 && ESCAPES[b[i]] == 0) {
                i++;
            }
            System.arraycopy(b, run, o, p, i - run);
            p += i - run;
            if (i < n) {
                byte c = b[i];
                if (c < 0) {
                    // Not ASCII: decode as Java does (malformed input becomes U+FFFD) and write that string from the
                    // opening quote again.
                    String s = new String(b, 0, n, StandardCharsets.UTF_8);
                    quoted(s);
                    return text ? s : null;
                }
                p = escape(o, p, c);
                i++;
            }
        }
        o[p++] = '"';
        len = p;
        return text ? new String(b, 0, n, StandardCharsets.ISO_8859_1) : null;
    }

    /**
     * A JSON string, written as Jackson's UTF-8 generator writes it by default: ASCII escaped by {@link #ESCAPES},
     * other characters of the Basic Multilingual Plane as UTF-8, and each half of a surrogate pair (a character
     * beyond it) as its own six-character escape in upper-case hex.
     */
    private void quoted(String s) {
        int n = s.length();
        ensure(n * 6 + 2);
        byte[] o = out;
        int p = len;
        o[p++] = '"';
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                if (ESCAPES[c] == 0) {
                    o[p++] = (byte) c;
                } else {
                    p = escape(o, p, c);
                }
            } else if (c < 0x800) {
                o[p++] = (byte) (0xC0 | (c >> 6));
                o[p++] = (byte) (0x80 | (c & 0x3F));
            } else if (c >= 0xD800 && c <= 0xDFFF) {
                p = unicodeEscape(o, p, c);
            } else {
                o[p++] = (byte) (0xE0 | (c >> 12));
                o[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                o[p++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        o[p++] = '"';
        len = p;
    }

    /** An ASCII character that needs escaping, at {@code o[p]}; returns the position after it. */
    private static int escape(byte[] o, int p, int c) {
        int esc = ESCAPES[c];
        if (esc > 0) {
            o[p++] = '\\';
            o[p++] = (byte) esc;
            return p;
        }
        return unicodeEscape(o, p, c);
    }

    private static int unicodeEscape(byte[] o, int p, int c) {
        o[p++] = '\\';
        o[p++] = 'u';
        o[p++] = HEX[(c >> 12) & 0xF];
        o[p++] = HEX[(c >> 8) & 0xF];
        o[p++] = HEX[(c >> 4) & 0xF];
        o[p++] = HEX[c & 0xF];
        return p;
    }

    private static final byte[] NULL = {'n', 'u', 'l', 'l'};
    private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
    private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};

    private void raw(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, out, len, b.length);
        len += b.length;
    }

    private void put(byte b) {
        ensure(1);
        out[len++] = b;
    }

    private void ensure(int more) {
        if (len + more > out.length) {
            out = Arrays.copyOf(out, Math.max(out.length * 2, len + more));
        }
    }

    /** The kinds of value, Avro's types. */
    enum Kind { NULL, BOOLEAN, INT, LONG, FLOAT, DOUBLE, STRING, BYTES, FIXED, ENUM, RECORD, ARRAY, MAP, UNION }

    /** One schema node, with what writing its JSON needs precomputed. Recursive schemas make a cyclic graph. */
    static final class Node {
        final Kind kind;
        Node[] fields;
        String[] fieldNames;
        /** Per field: {@code "name":}, with a leading comma from the second field on. */
        byte[][] fieldJson;
        Node[] branches;
        /** Array item or map value. */
        Node item;
        String[] symbols;
        byte[][] symbolJson;
        int size;
        /** Map keys read as {@link String} ({@code "avro.java.string": "String"}) rather than {@link Utf8}. */
        boolean javaStringKeys;

        Node(Kind kind) {
            this.kind = kind;
        }
    }

    /** A schema compiled for reading once; immutable after construction, shared by all threads. */
    static final class Plan {
        final Node root;

        /**
         * @param schema the writer's schema (the body is read with it, no resolution)
         */
        Plan(Schema schema) {
            this.root = compile(schema, new IdentityHashMap<>());
        }

        private static Node compile(Schema s, Map<Schema, Node> done) {
            Node n = done.get(s);
            if (n != null) {
                return n;
            }
            n = new Node(Kind.valueOf(s.getType().name()));
            done.put(s, n);
            switch (n.kind) {
                case RECORD -> {
                    List<Schema.Field> fs = s.getFields();
                    n.fields = new Node[fs.size()];
                    n.fieldNames = new String[fs.size()];
                    n.fieldJson = new byte[fs.size()][];
                    for (int i = 0; i < fs.size(); i++) {
                        n.fieldNames[i] = fs.get(i).name();
                        byte[] name = jsonString(fs.get(i).name());
                        byte[] json = new byte[name.length + (i == 0 ? 1 : 2)];
                        int p = 0;
                        if (i > 0) {
                            json[p++] = ',';
                        }
                        System.arraycopy(name, 0, json, p, name.length);
                        json[json.length - 1] = ':';
                        n.fieldJson[i] = json;
                        n.fields[i] = compile(fs.get(i).schema(), done);
                    }
                }
                case UNION -> {
                    List<Schema> types = s.getTypes();
                    n.branches = new Node[types.size()];
                    for (int i = 0; i < types.size(); i++) {
                        n.branches[i] = compile(types.get(i), done);
                    }
                }
                case ARRAY -> n.item = compile(s.getElementType(), done);
                case MAP -> {
                    n.item = compile(s.getValueType(), done);
                    // As Avro's fast reader (its default) picks the key class; Java class hints are not followed.
                    n.javaStringKeys = GenericData.StringType.String.name().equals(s.getProp(GenericData.STRING_PROP));
                }
                case ENUM -> {
                    n.symbols = s.getEnumSymbols().toArray(new String[0]);
                    n.symbolJson = new byte[n.symbols.length][];
                    for (int i = 0; i < n.symbols.length; i++) {
                        n.symbolJson[i] = jsonString(n.symbols[i]);
                    }
                }
                case FIXED -> n.size = s.getFixedSize();
                default -> {
                    // scalars need nothing more
                }
            }
            return n;
        }

        private static byte[] jsonString(String s) {
            AvroJson w = new AvroJson(0, 0);
            w.quoted(s);
            return Arrays.copyOf(w.out, w.len);
        }
    }
}
