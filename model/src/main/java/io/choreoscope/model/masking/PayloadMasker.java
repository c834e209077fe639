package io.choreoscope.model.masking;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/**
 * Hides values from callers who may not see them: values at JSON pointers in a payload, the values of named
 * headers, and whatever a regular expression finds in any text (card numbers, e-mail addresses). Plain Java,
 * no state but its rules: one instance serves every thread.
 *
 * <p>Hostile input is bounded: at most {@code maxScanChars} characters of one text are scanned (the rest is
 * withheld, never shown unscanned), every pattern is precompiled, and each pattern may read at most
 * {@link #STEPS_PER_CHAR} characters per scanned character (plus {@link #STEPS_BASE}); a pattern that needs more
 * (catastrophic backtracking) withholds the whole text. The JSON pointer scan is one linear pass with no recursion,
 * so deep nesting costs memory proportional to the input only, and a cut or malformed document is scanned as far
 * as it goes (a masked value cut by the end is masked to the end).
 */
public final class PayloadMasker {
    /** What a masked value becomes. In a JSON payload, a value at a masked pointer becomes the string {@code "***"}. */
    public static final String MASK = "***";
    /** Shown instead of a text a pattern could not scan within its budget. */
    public static final String GAVE_UP = "[masked: too costly to scan]";
    /** Reads of characters a pattern may make per scanned character. */
    public static final long STEPS_PER_CHAR = 256;
    /** Reads of characters a pattern may make on top of {@link #STEPS_PER_CHAR}. */
    public static final long STEPS_BASE = 1_000_000;
    /** Default largest number of characters of one text that is scanned: 1 MiB (Kafka's default largest record). */
    public static final int DEFAULT_MAX_SCAN_CHARS = 1 << 20;

    /**
     * Patterns that ship, by name ({@code builtin:card-number}, {@code builtin:email}); none is on by default.
     * Both are linear on any input: every repetition is bounded and no two quantifiers compete for the same text.
     */
    public static final Map<String, String> BUILTIN = Map.of(
            // 13..19 digits, optionally grouped by single spaces or dashes, not inside a longer run of digits, and
            // passing the Luhn check (card numbers do; most other runs of digits, e.g. in UUIDs, do not)
            "card-number", "(?<![0-9])(?:[0-9][ -]?){12,18}[0-9](?![0-9])",
            // a whole run of local-part characters, '@', then a domain of 2..10 labels; the run is taken whole and
            // only where it starts (possessive, after a lookbehind), so a megabyte of letters costs one pass
            "email", "(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]++@[A-Za-z0-9-]{1,63}(?:\\.[A-Za-z0-9-]{1,63}){1,9}");

    /** No rules: shows everything. */
    public static final PayloadMasker NONE = new PayloadMasker(List.of(), Set.of(), List.of(), Set.of(), DEFAULT_MAX_SCAN_CHARS);

    private final List<String[]> pointers;
    private final Set<String> headers;
    private final List<Pattern> patterns;
    /** The patterns whose matches are masked only when their digits pass the Luhn check ({@code builtin:card-number}). */
    private final Set<Pattern> luhnChecked;
    private final int maxScanChars;
    private final int maxPointerDepth;

    private PayloadMasker(List<String[]> pointers, Set<String> headers, List<Pattern> patterns, Set<Pattern> luhnChecked,
                          int maxScanChars) {
        this.pointers = pointers;
        this.headers = headers;
        this.patterns = patterns;
        this.luhnChecked = luhnChecked;
        this.maxScanChars = maxScanChars;
        this.maxPointerDepth = pointers.stream().mapToInt(p -> p.length).max().orElse(0);
    }

    /**
     * A masker with these rules; a rule that is not valid is refused with the reason.
     *
     * @param jsonPointers RFC 6901 pointers ({@code /card/number}); a segment {@code *} stands for any one key or index
     * @param headerNames  header names whose values are hidden, in any case
     * @param patterns     regular expressions (Java syntax) or {@code builtin:NAME} (see {@link #BUILTIN})
     * @param maxScanChars characters of one text that are scanned, at least 1; the rest is withheld
     */
    public static PayloadMasker of(List<String> jsonPointers, List<String> headerNames, List<String> patterns, int maxScanChars) {
        if (maxScanChars < 1) {
            throw new IllegalArgumentException("max-scan-chars must be at least 1, was " + maxScanChars);
        }
        List<String[]> ptrs = new ArrayList<>();
        for (String p : nonNull(jsonPointers)) {
            ptrs.add(parsePointer(p));
        }
        Set<String> hs = nonNull(headerNames).stream().map(h -> {
            if (h == null || h.isBlank()) {
                throw new IllegalArgumentException("a masked header name must not be blank");
            }
            return h.strip().toLowerCase(Locale.ROOT);
        }).collect(Collectors.toUnmodifiableSet());
        List<Pattern> ps = new ArrayList<>();
        Set<Pattern> luhn = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (String p : nonNull(patterns)) {
            if (p == null || p.isEmpty()) {
                throw new IllegalArgumentException("a masking pattern must not be empty");
            }
            String regex = p;
            if (p.startsWith("builtin:")) {
                regex = BUILTIN.get(p.substring("builtin:".length()));
                if (regex == null) {
                    throw new IllegalArgumentException("no built-in masking pattern '" + p + "'; known: " + BUILTIN.keySet());
                }
            }
            try {
                Pattern compiled = Pattern.compile(regex);
                if (compiled.matcher("").matches()) {
                    throw new IllegalArgumentException("masking pattern '" + p + "' matches the empty text");
                }
                ps.add(compiled);
                if (p.equals("builtin:card-number")) {
                    luhn.add(compiled);
                }
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("masking pattern '" + p + "' is not a valid regex: " + e.getDescription(), e);
            }
        }
        return new PayloadMasker(List.copyOf(ptrs), hs, List.copyOf(ps), luhn, maxScanChars);
    }

    private static <T> List<T> nonNull(List<T> l) {
        return l == null ? List.of() : l;
    }

    private static String[] parsePointer(String p) {
        if (p == null || !p.startsWith("/") || p.length() < 2) {
            throw new IllegalArgumentException("masking JSON pointer '" + p + "' must start with '/' and name a member, like /card/number");
        }
        String[] segs = p.substring(1).split("/", -1);
        for (int i = 0; i < segs.length; i++) {
            String s = segs[i];
            if (s.matches(".*~[^01].*|.*~$")) {
                throw new IllegalArgumentException("masking JSON pointer '" + p + "' has a bad escape (only ~0 and ~1)");
            }
            segs[i] = s.replace("~1", "/").replace("~0", "~");
        }
        return segs;
    }

    /** True when some rule may hide something. */
    public boolean active() {
        return !pointers.isEmpty() || !headers.isEmpty() || !patterns.isEmpty();
    }

    /**
     * True when the value at {@code pointer} (an RFC 6901 pointer into a JSON payload, like {@code /customer/email}) is
     * hidden: a masking pointer names it or one of its ancestors ({@code *} matching any one key). A pointer that does
     * not parse counts as hidden.
     */
    public boolean maskedPointer(String pointer) {
        if (pointers.isEmpty()) {
            return false;
        }
        String[] path;
        try {
            path = parsePointer(pointer);
        } catch (IllegalArgumentException e) {
            return true;
        }
        for (String[] p : pointers) {
            if (p.length > path.length) {
                continue;
            }
            boolean match = true;
            for (int i = 0; i < p.length && match; i++) {
                match = p[i].equals("*") || p[i].equals(path[i]);
            }
            if (match) {
                return true;
            }
        }
        return false;
    }

    /** True when the value of a header of this name (any case) is hidden whole. */
    public boolean maskedHeader(String name) {
        return name != null && headers.contains(name.strip().toLowerCase(Locale.ROOT));
    }

    /** {@code s} with everything the patterns find replaced by {@link #MASK}; null stays null. */
    public String text(String s) {
        if (s == null || patterns.isEmpty() || s.isEmpty()) {
            return s;
        }
        String scanned = s.length() > maxScanChars ? s.substring(0, maxScanChars) : s;
        for (Pattern p : patterns) {
            scanned = replaceBounded(p, luhnChecked.contains(p), scanned);
            if (scanned == null) {
                return GAVE_UP;
            }
        }
        return s.length() > maxScanChars ? scanned + withheld(s.length() - maxScanChars) : scanned;
    }

    private static String withheld(long chars) {
        return "[masked: " + chars + " more characters not scanned]";
    }

    /** The value of a header named {@code name}: {@link #MASK} when the name is masked, else {@link #text}. */
    public String header(String name, String value) {
        if (value == null) {
            return null;
        }
        return maskedHeader(name) ? MASK : text(value);
    }

    /**
     * A text payload: values at the JSON pointers become {@code "***"} (when it is JSON, even cut or malformed after
     * the value), then the patterns apply to the whole text.
     */
    public String payloadText(String s) {
        if (s == null) {
            return null;
        }
        return text(pointers.isEmpty() ? s : pointerMasked(s));
    }

    /**
     * Bytes that are not text (binary, or a header value that is not UTF-8): the patterns see each byte as one
     * character (ISO-8859-1), so ASCII secrets inside binary encodings (Avro, Protobuf strings) are found and
     * every other byte is kept as it was.
     */
    public byte[] binary(byte[] b) {
        if (b == null || patterns.isEmpty()) {
            return b;
        }
        return text(new String(b, StandardCharsets.ISO_8859_1)).getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A raw payload: as {@link #payloadText} when it is UTF-8, else as {@link #binary}. */
    public byte[] payload(byte[] b) {
        if (b == null || !active()) {
            return b;
        }
        String text = Utf8.strict(b);
        return text != null ? payloadText(text).getBytes(StandardCharsets.UTF_8) : binary(b);
    }

    // ---- bounded regex ----

    /** Thrown when a pattern read more characters than its budget; no stack trace (it is control flow). */
    private static final class OverBudget extends RuntimeException {
        OverBudget() {
            super(null, null, false, false);
        }
    }

    /** A text that counts the characters a matcher reads and stops it past a budget. */
    private static final class Budgeted implements CharSequence {
        private final String s;
        private final long[] left;

        Budgeted(String s, long[] left) {
            this.s = s;
            this.left = left;
        }

        @Override
        public int length() {
            return s.length();
        }

        @Override
        public char charAt(int index) {
            if (--left[0] < 0) {
                throw new OverBudget();
            }
            return s.charAt(index);
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new Budgeted(s.substring(start, end), left);
        }

        @Override
        public String toString() {
            return s;
        }
    }

    /**
     * {@code s} with the matches of {@code p} replaced by {@link #MASK} (with {@code luhn}, only those whose digits pass
     * the Luhn check), or null when the pattern went over budget.
     */
    private static String replaceBounded(Pattern p, boolean luhn, String s) {
        long[] budget = {STEPS_BASE + STEPS_PER_CHAR * s.length()};
        try {
            Matcher m = p.matcher(new Budgeted(s, budget));
            StringBuilder out = null;
            int last = 0;
            while (m.find()) {
                if (m.end() == m.start() || (luhn && !luhnValid(s, m.start(), m.end()))) {
                    continue; // an empty match hides nothing; digits failing the check are no card number
                }
                if (out == null) {
                    out = new StringBuilder(s.length());
                }
                out.append(s, last, m.start()).append(MASK);
                last = m.end();
            }
            return out == null ? s : out.append(s, last, s.length()).toString();
        } catch (OverBudget | StackOverflowError e) {
            return null;
        }
    }

    /** Whether the digits of {@code s[from, to)} (other characters skipped) pass the Luhn check. */
    static boolean luhnValid(CharSequence s, int from, int to) {
        int sum = 0;
        boolean twice = false;
        for (int i = to - 1; i >= from; i--) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                continue;
            }
            int d = c - '0';
            if (twice) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            twice = !twice;
        }
        return sum % 10 == 0;
    }

    // ---- JSON pointers ----

    /** The text with every value at a pointer replaced by {@code "***"}. One pass, no recursion. */
    String pointerMasked(String s) {
        List<int[]> spans = new PointerScan(s).run();
        if (spans.isEmpty()) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        int last = 0;
        for (int[] span : spans) {
            out.append(s, last, span[0]).append('"').append(MASK).append('"');
            last = span[1];
        }
        return out.append(s, last, s.length()).toString();
    }

    private boolean matches(List<String> path) {
        if (path.size() > maxPointerDepth) {
            return false;
        }
        for (String[] p : pointers) {
            if (p.length != path.size()) {
                continue;
            }
            boolean all = true;
            for (int i = 0; i < p.length && all; i++) {
                all = p[i].equals("*") || p[i].equals(path.get(i));
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    /** A tolerant JSON scanner that reports the spans of values at a pointer; it stops at the first syntax error. */
    private final class PointerScan {
        private final String s;
        private final int n;
        private int i;
        /** Per open container: its kind, whether its first member is still to come, the next index, and its name. */
        private boolean[] object = new boolean[16];
        private boolean[] first = new boolean[16];
        private int[] index = new int[16];
        private String[] name = new String[16];
        private int depth;
        private final List<int[]> spans = new ArrayList<>();

        PointerScan(String s) {
            this.s = s;
            this.n = s.length();
        }

        List<int[]> run() {
            try {
                scan();
            } catch (IndexOutOfBoundsException | IllegalStateException e) {
                // cut or malformed: keep what was found so far
            }
            return spans;
        }

        private void ws() {
            while (i < n && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private void expect(char c) {
            ws();
            if (i >= n || s.charAt(i) != c) {
                throw new IllegalStateException("'" + c + "' expected");
            }
            i++;
        }

        private void scan() {
            ws();
            if (i >= n) {
                return;
            }
            value(null); // the root: no pointer names it (a pointer has at least one segment)
            while (depth > 0) {
                ws();
                if (i >= n) {
                    return;
                }
                int top = depth - 1;
                char c = s.charAt(i);
                if (c == (object[top] ? '}' : ']')) {
                    i++;
                    depth--;
                    continue;
                }
                if (!first[top]) {
                    expect(',');
                    ws();
                }
                first[top] = false;
                String seg;
                if (object[top]) {
                    seg = string();
                    expect(':');
                } else {
                    seg = Integer.toString(index[top]++);
                }
                ws();
                if (i >= n) {
                    return;
                }
                value(seg);
            }
        }

        /** The value at {@code i}, a member named {@code seg} of the innermost container (null: the root). */
        private void value(String seg) {
            if (seg != null && depth <= maxPointerDepth && matches(path(seg))) {
                int start = i;
                skip();
                spans.add(new int[] {start, Math.min(i, n)});
                return;
            }
            char c = s.charAt(i);
            if (c == '{' || c == '[') {
                i++;
                if (depth == object.length) {
                    int size = depth * 2;
                    object = java.util.Arrays.copyOf(object, size);
                    first = java.util.Arrays.copyOf(first, size);
                    index = java.util.Arrays.copyOf(index, size);
                    name = java.util.Arrays.copyOf(name, size);
                }
                object[depth] = c == '{';
                first[depth] = true;
                index[depth] = 0;
                name[depth] = seg;
                depth++;
                return;
            }
            skip();
        }

        /** The names from the root's first member down to {@code seg}. */
        private List<String> path(String seg) {
            List<String> p = new ArrayList<>(depth);
            for (int k = 1; k < depth; k++) {
                p.add(name[k]);
            }
            p.add(seg);
            return p;
        }

        /** Skips one value whole (nested containers and strings included), to its end or to the end of the text. */
        private void skip() {
            char c = s.charAt(i);
            if (c == '"') {
                string();
                return;
            }
            if (c == '{' || c == '[') {
                int d = 0;
                while (i < n) {
                    char x = s.charAt(i);
                    if (x == '"') {
                        string();
                        continue;
                    }
                    i++;
                    if (x == '{' || x == '[') {
                        d++;
                    } else if ((x == '}' || x == ']') && --d == 0) {
                        return;
                    }
                }
                return;
            }
            int start = i;
            while (i < n && "{}[],: \t\r\n\"".indexOf(s.charAt(i)) < 0) {
                i++;
            }
            if (i == start) {
                throw new IllegalStateException("value expected");
            }
        }

        /** Reads a string at {@code i} (which must be a quote) and returns it unescaped; tolerant of a cut. */
        private String string() {
            if (s.charAt(i) != '"') {
                throw new IllegalStateException("string expected");
            }
            i++;
            StringBuilder b = null;
            int start = i;
            while (i < n) {
                char c = s.charAt(i);
                if (c == '"') {
                    String out = b == null ? s.substring(start, i) : b.append(s, start, i).toString();
                    i++;
                    return out;
                }
                if (c == '\\' && i + 1 < n) {
                    if (b == null) {
                        b = new StringBuilder();
                    }
                    b.append(s, start, i);
                    char e = s.charAt(i + 1);
                    i += 2;
                    switch (e) {
                        case 'n' -> b.append('\n');
                        case 't' -> b.append('\t');
                        case 'r' -> b.append('\r');
                        case 'b' -> b.append('\b');
                        case 'f' -> b.append('\f');
                        case 'u' -> {
                            if (i + 4 <= n) {
                                try {
                                    b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                                } catch (NumberFormatException x) {
                                    throw new IllegalStateException("bad \\u escape");
                                }
                                i += 4;
                            } else {
                                i = n;
                            }
                        }
                        default -> b.append(e);
                    }
                    start = i;
                    continue;
                }
                i++;
            }
            return b == null ? s.substring(start) : b.append(s, start, n).toString();
        }
    }

    /** Strict UTF-8 decoding, in the model so that the masker needs nothing else. */
    static final class Utf8 {
        private Utf8() {
        }

        static String strict(byte[] b) {
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(b)).toString();
            } catch (java.nio.charset.CharacterCodingException e) {
                return null;
            }
        }
    }

    @Override
    public String toString() {
        return "PayloadMasker[" + pointers.size() + " pointers, " + headers.size() + " headers, " + patterns.size() + " patterns]";
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(maxScanChars);
    }
}
