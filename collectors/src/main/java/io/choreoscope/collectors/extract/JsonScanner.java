package io.choreoscope.collectors.extract;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.StreamReadConstraints;

/**
 * Checks in one pass that a payload is exactly one JSON document (RFC 8259, UTF-8) and keeps the scalar
 * members of a top-level object as text. The tap runs it on every record, so it allocates only for the
 * members it keeps and skips plain string content eight bytes at a time: Jackson's streaming parser, which it
 * replaces there, took most of the tap's normalising time tokenising values nobody reads (docs/BENCHMARKS.md).
 * <p>
 * It accepts what Jackson's strict parser accepts on valid UTF-8 (the test compares the two on generated and
 * mutated documents), with Jackson's default limits on nesting depth, number and string length, so that a tree
 * the rules build later from an accepted payload never fails. Stricter only in one respect: a string must be
 * well-formed UTF-8 (RFC 8259 section 8.1), so such a payload is flagged as not JSON.
 */
final class JsonScanner {
    private static final StreamReadConstraints LIMITS = StreamReadConstraints.defaults();

    /** The bytes are not one JSON document; the message says what was found where. */
    static final class MalformedJson extends Exception {
        MalformedJson(String message) {
            super(message, null, false, false); // no stack trace: thrown for every malformed record
        }
    }

    /**
     * The top-level member names a scan keeps, matched against the payload's bytes: a name that is not kept costs
     * a hash of its length and end bytes and (mostly) one empty probe, and a kept one yields this set's own string
     * (no decoding, no allocation).
     */
    static final class Members {
        /** Keeps every member. */
        static final Members ALL = new Members(null);

        private final Set<String> names;
        private final String[] table;
        private final byte[][] bytes;
        private final int mask;

        private Members(Set<String> names) {
            this.names = names;
            // Mostly empty, so that a name that is not kept usually ends at an empty slot.
            int size = Integer.highestOneBit(Math.max(1, names == null ? 1 : names.size()) * 16);
            table = new String[size];
            bytes = new byte[size][];
            mask = size - 1;
            if (names != null) {
                for (String name : names) {
                    byte[] b = name.getBytes(StandardCharsets.UTF_8);
                    int slot = b.length == 0 ? 0 : hash(b.length, b[0], b[b.length - 1]) & mask;
                    while (table[slot] != null) {
                        slot = (slot + 1) & mask;
                    }
                    table[slot] = name;
                    bytes[slot] = b;
                }
            }
        }

        static Members of(Set<String> names) {
            return new Members(Set.copyOf(names));
        }

        /** The names kept; null: all. */
        Set<String> names() {
            return names;
        }

        boolean contains(String name) {
            if (names == null) {
                return true;
            }
            // Rules ask with the very strings this set was built from: find those by identity first.
            int len = name.length();
            int slot = len == 0 ? 0 : hash(len, name.charAt(0), name.charAt(len - 1)) & mask;
            for (; table[slot] != null; slot = (slot + 1) & mask) {
                if (table[slot] == name) {
                    return true;
                }
            }
            return names.contains(name);
        }

        /** The kept name spelled by the unescaped bytes {@code v[from, to)}, or null when it is not kept. */
        private String match(byte[] v, int from, int to) {
            if (names == null) {
                return new String(v, from, to - from, StandardCharsets.UTF_8);
            }
            int slot = from == to ? 0 : hash(to - from, v[from], v[to - 1]) & mask;
            for (; table[slot] != null; slot = (slot + 1) & mask) {
                if (java.util.Arrays.equals(bytes[slot], 0, bytes[slot].length, v, from, to)) {
                    return table[slot];
                }
            }
            return null;
        }

        /**
         * Length, first and last byte (for an ASCII name, its chars): enough to tell a handful of names apart
         * without reading each name whole.
         */
        private static int hash(int length, int first, int last) {
            int h = length * 0x9E3779B1 + first * 31 + last * 961;
            return h ^ (h >>> 15);
        }
    }

    private final byte[] v;
    private final int n;
    /** Whether the string just scanned held escapes / only ASCII. */
    private boolean escaped;
    private boolean ascii;

    private JsonScanner(byte[] v) {
        this.v = v;
        this.n = v.length;
    }

    /**
     * Validates the whole document and returns a top-level object's scalar members (numbers and booleans in
     * their source form; null members left out; a repeated name keeps its last value, as in a tree), or null for
     * a valid document that is not an object.
     *
     * @param keep the member names to keep
     */
    static Map<String, String> scan(byte[] v, Members keep) throws MalformedJson {
        return new JsonScanner(v).document(keep);
    }

    private Map<String, String> document(Members keep) throws MalformedJson {
        int i = ws(0);
        Map<String, String> fields = null;
        if (i < n && v[i] == '{') {
            fields = new HashMap<>();
            i = object(i, 1, fields, keep);
        } else {
            i = value(i, 0);
        }
        i = ws(i);
        if (i < n) {
            throw new MalformedJson("trailing content after the JSON document at byte " + i);
        }
        return fields;
    }

    private int value(int i, int depth) throws MalformedJson {
        if (i >= n) {
            throw unexpected(i, "a value");
        }
        return switch (v[i]) {
            case '"' -> string(i);
            case '{' -> object(i, depth + 1, null, null);
            case '[' -> array(i, depth + 1);
            case 't' -> literal(i, "true");
            case 'f' -> literal(i, "false");
            case 'n' -> literal(i, "null");
            case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9' -> number(i);
            default -> throw unexpected(i, "a value");
        };
    }

    /** An object at {@code v[i] == '{'}; with {@code fields}, its scalar members named in {@code keep} go there. */
    private int object(int i, int depth, Map<String, String> fields, Members keep) throws MalformedJson {
        checkDepth(i, depth);
        i = ws(i + 1);
        if (i < n && v[i] == '}') {
            return i + 1;
        }
        while (true) {
            if (i >= n || v[i] != '"') {
                throw unexpected(i, "a member name in double quotes");
            }
            int nameEnd = string(i);
            String name = null;
            if (fields != null) {
                if (escaped) {
                    name = text(i, nameEnd);
                    name = keep.contains(name) ? name : null;
                } else {
                    name = keep.match(v, i + 1, nameEnd - 1);
                }
            }
            i = ws(nameEnd);
            if (i >= n || v[i] != ':') {
                throw unexpected(i, "':' after a member name");
            }
            i = ws(i + 1);
            int valueStart = i;
            i = value(i, depth);
            if (name != null) {
                byte first = v[valueStart];
                if (first == '{' || first == '[' || first == 'n') {
                    fields.remove(name); // not scalar, or null: absent, as the tree reads it
                } else {
                    fields.put(name, text(valueStart, i));
                }
            }
            i = ws(i);
            if (i < n && v[i] == ',') {
                i = ws(i + 1);
            } else if (i < n && v[i] == '}') {
                return i + 1;
            } else {
                throw unexpected(i, "',' or '}' in an object");
            }
        }
    }

    private int array(int i, int depth) throws MalformedJson {
        checkDepth(i, depth);
        i = ws(i + 1);
        if (i < n && v[i] == ']') {
            return i + 1;
        }
        while (true) {
            i = ws(value(i, depth));
            if (i < n && v[i] == ',') {
                i = ws(i + 1);
            } else if (i < n && v[i] == ']') {
                return i + 1;
            } else {
                throw unexpected(i, "',' or ']' in an array");
            }
        }
    }

    private void checkDepth(int i, int depth) throws MalformedJson {
        if (depth > LIMITS.getMaxNestingDepth()) {
            throw new MalformedJson("nested deeper than " + LIMITS.getMaxNestingDepth() + " levels at byte " + i);
        }
    }

    /** A string at {@code v[i] == '"'}; returns the index after its closing quote. */
    private int string(int i) throws MalformedJson {
        escaped = false;
        ascii = true;
        int j = i + 1;
        while (true) {
            // Plain printable ASCII is the common case: skip it eight bytes at a time while no byte is special.
            j = PlainAscii.skipWords(v, j, n);
            byte b;
            while (j < n && (b = v[j]) >= 0x20 && b != '"' && b != '\\') {
                j++;
            }
            if (j >= n) {
                throw new MalformedJson("unterminated string starting at byte " + i);
            }
            b = v[j];
            if (b == '"') {
                if (j - i - 1 > LIMITS.getMaxStringLength()) {
                    throw new MalformedJson("string longer than " + LIMITS.getMaxStringLength() + " bytes at byte " + i);
                }
                return j + 1;
            } else if (b == '\\') {
                escaped = true;
                j = escape(j);
            } else if (b >= 0) {
                throw new MalformedJson(String.format("control character 0x%02x in a string at byte %d (must be escaped)", b, j));
            } else {
                ascii = false;
                j = utf8(j);
            }
        }
    }

    private int escape(int j) throws MalformedJson {
        if (j + 1 >= n) {
            throw unexpected(j + 1, "an escaped character");
        }
        switch (v[j + 1]) {
            case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> {
                return j + 2;
            }
            case 'u' -> {
                for (int k = j + 2; k < j + 6; k++) {
                    if (k >= n || Character.digit(v[k], 16) < 0) {
                        throw unexpected(k, "four hex digits after \\u");
                    }
                }
                return j + 6;
            }
            default -> throw unexpected(j + 1, "one of \"\\/bfnrtu after a backslash");
        }
    }

    /** One well-formed UTF-8 sequence of two to four bytes at {@code j} (no overlong forms, no surrogates). */
    private int utf8(int j) throws MalformedJson {
        int b = v[j] & 0xFF;
        int more;
        int lo = 0x80;
        int hi = 0xBF;
        if (b >= 0xC2 && b <= 0xDF) {
            more = 1;
        } else if (b >= 0xE0 && b <= 0xEF) {
            more = 2;
            lo = b == 0xE0 ? 0xA0 : 0x80;
            hi = b == 0xED ? 0x9F : 0xBF;
        } else if (b >= 0xF0 && b <= 0xF4) {
            more = 3;
            lo = b == 0xF0 ? 0x90 : 0x80;
            hi = b == 0xF4 ? 0x8F : 0xBF;
        } else {
            throw new MalformedJson("invalid UTF-8 at byte " + j);
        }
        for (int k = 1; k <= more; k++) {
            int c = j + k < n ? v[j + k] & 0xFF : -1;
            if (c < lo || c > hi) {
                throw new MalformedJson("invalid UTF-8 at byte " + j);
            }
            lo = 0x80;
            hi = 0xBF;
        }
        return j + 1 + more;
    }

    private int number(int i) throws MalformedJson {
        int j = v[i] == '-' ? i + 1 : i;
        int digits = j;
        if (j < n && v[j] == '0') {
            j++;
        } else {
            j = digits(j);
        }
        if (j - digits > LIMITS.getMaxNumberLength()) {
            throw new MalformedJson("number longer than " + LIMITS.getMaxNumberLength() + " digits at byte " + i);
        }
        boolean fraction = false;
        if (j < n && v[j] == '.') {
            fraction = true;
            j = digits(j + 1);
        }
        if (j < n && (v[j] == 'e' || v[j] == 'E')) {
            fraction = true;
            j++;
            if (j < n && (v[j] == '+' || v[j] == '-')) {
                j++;
            }
            j = digits(j);
        }
        if (fraction && j - i > LIMITS.getMaxNumberLength()) {
            throw new MalformedJson("number longer than " + LIMITS.getMaxNumberLength() + " characters at byte " + i);
        }
        return j;
    }

    /** One or more digits at {@code j}. */
    private int digits(int j) throws MalformedJson {
        if (j >= n || v[j] < '0' || v[j] > '9') {
            throw unexpected(j, "a digit");
        }
        while (j < n && v[j] >= '0' && v[j] <= '9') {
            j++;
        }
        return j;
    }

    private int literal(int i, String word) throws MalformedJson {
        for (int k = 0; k < word.length(); k++) {
            if (i + k >= n || v[i + k] != word.charAt(k)) {
                throw unexpected(i + k, "'" + word + "'");
            }
        }
        return i + word.length();
    }

    private int ws(int i) {
        while (i < n) {
            byte b = v[i];
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                break;
            }
            i++;
        }
        return i;
    }

    /** The text of the scalar in {@code v[start, end)}: a string's decoded content, a number's or boolean's source. */
    private String text(int start, int end) {
        if (v[start] != '"') {
            return new String(v, start, end - start, StandardCharsets.ISO_8859_1); // ASCII by the grammar
        }
        int from = start + 1;
        int to = end - 1;
        if (!escaped) {
            return new String(v, from, to - from, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        }
        StringBuilder sb = new StringBuilder(to - from);
        int run = from;
        for (int j = from; j < to; ) {
            if (v[j] != '\\') {
                j++;
                continue;
            }
            sb.append(new String(v, run, j - run, StandardCharsets.UTF_8));
            byte e = v[j + 1];
            switch (e) {
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> sb.append((char) Integer.parseInt(new String(v, j + 2, 4, StandardCharsets.ISO_8859_1), 16));
                default -> sb.append((char) e); // " \ /
            }
            j += e == 'u' ? 6 : 2;
            run = j;
        }
        return sb.append(new String(v, run, to - run, StandardCharsets.UTF_8)).toString();
    }

    private MalformedJson unexpected(int i, String expected) {
        if (i >= n) {
            return new MalformedJson("unexpected end of input at byte " + i + ", expected " + expected);
        }
        int b = v[i] & 0xFF;
        String found = b > 0x20 && b < 0x7F ? "'" + (char) b + "'" : String.format("byte 0x%02x", b);
        return new MalformedJson("unexpected " + found + " at byte " + i + ", expected " + expected);
    }
}
