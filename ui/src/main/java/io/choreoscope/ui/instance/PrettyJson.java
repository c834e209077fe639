package io.choreoscope.ui.instance;

/**
 * Indents JSON for reading. Works on a stream of characters, so it also formats JSON that was cut in
 * the middle (a truncated payload) and leaves anything that is not JSON as it was. Control characters
 * outside strings are kept; inside strings they stay escaped as the producer wrote them.
 *
 * <p>Memory is bounded whatever the input: indentation stops growing at {@link #MAX_INDENT_DEPTH}, and
 * once the output reaches {@link #MAX_FORMATTED_CHARS} the rest of the input follows as it was. Without
 * these bounds 64 KiB of {@code [} asked for about 4x10^9 characters and ran the server out of heap
 * when an instance page showed such a payload. Time is linear in the input's length.
 */
public final class PrettyJson {

    /** Indentation per level, in spaces. */
    public static final int INDENT = 2;

    /**
     * Deepest nesting level that is indented further (32, so at most 64 spaces of indentation a line):
     * values nested deeper are indented like this level. Their content is shown in full.
     */
    public static final int MAX_INDENT_DEPTH = 32;

    /**
     * Characters of indented output (1 Mi characters, about 1 MiB of ASCII): once the output is this long,
     * the rest of the input is appended as it was (raw). The result of {@link #format} is therefore shorter
     * than {@code MAX_FORMATTED_CHARS + text.length() + 2 * INDENT * MAX_INDENT_DEPTH + 8} characters.
     */
    public static final int MAX_FORMATTED_CHARS = 1 << 20;

    /**
     * The output of {@link #formatted}: {@code text} is the whole input, indented up to character
     * {@code rawFrom} of the input and as it was from there on; {@code rawFrom} is -1 when all of it is indented.
     */
    public record Formatted(String text, int rawFrom) {
        /** True when the end of the input is shown raw because the output reached {@link #MAX_FORMATTED_CHARS}. */
        public boolean partlyRaw() {
            return rawFrom >= 0;
        }
    }

    private PrettyJson() {
    }

    /** True when the text looks like a JSON object or array (first non-blank character). */
    public static boolean looksLikeJson(String text) {
        if (text == null) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Character.isWhitespace(c)) {
                return c == '{' || c == '[';
            }
        }
        return false;
    }

    /**
     * The indented text, or {@code text} unchanged when it does not look like JSON; bounded as the class
     * says. Null stays null.
     */
    public static String format(String text) {
        return formatted(text).text();
    }

    /** As {@link #format}, and whether the output reached {@link #MAX_FORMATTED_CHARS} (the rest shown raw). */
    public static Formatted formatted(String text) {
        if (!looksLikeJson(text)) {
            return new Formatted(text, -1);
        }
        StringBuilder out = new StringBuilder(Math.min(MAX_FORMATTED_CHARS, text.length() + text.length() / 4) + 16);
        int depth = 0;
        boolean inString = false;
        boolean escaped = false;
        for (int i = 0; i < text.length(); i++) {
            if (out.length() >= MAX_FORMATTED_CHARS) {
                out.append(text, i, text.length());
                return new Formatted(out.toString(), i);
            }
            char c = text.charAt(i);
            if (inString) {
                out.append(c);
                if (escaped) {
                    escaped = false;
                } else if (c == '\\') {
                    escaped = true;
                } else if (c == '"') {
                    inString = false;
                }
                continue;
            }
            switch (c) {
                case '"' -> {
                    inString = true;
                    out.append(c);
                }
                case '{', '[' -> {
                    out.append(c);
                    int next = nextNonBlank(text, i + 1);
                    if (next < text.length() && (text.charAt(next) == '}' || text.charAt(next) == ']')) {
                        out.append(text.charAt(next));
                        i = next;
                    } else {
                        depth++;
                        newline(out, depth);
                    }
                }
                case '}', ']' -> {
                    depth = Math.max(0, depth - 1);
                    newline(out, depth);
                    out.append(c);
                }
                case ',' -> {
                    out.append(c);
                    newline(out, depth);
                }
                case ':' -> out.append(": ");
                case ' ', '\t', '\n', '\r' -> { }
                default -> out.append(c);
            }
        }
        return new Formatted(out.toString(), -1);
    }

    private static int nextNonBlank(String s, int from) {
        int i = from;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    private static void newline(StringBuilder out, int depth) {
        out.append('\n');
        for (int n = Math.min(depth, MAX_INDENT_DEPTH) * INDENT; n > 0; n--) {
            out.append(' ');
        }
    }

    /**
     * Makes invisible characters visible: control characters other than newline and tab become
     * {@code \\uXXXX}, so a payload can never hide text from the person reading it.
     */
    public static String visible(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder b = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean control = (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f || (c >= 0x202a && c <= 0x202e)
                    || (c >= 0x2066 && c <= 0x2069);
            if (control) {
                if (b == null) {
                    b = new StringBuilder(text.length() + 16).append(text, 0, i);
                }
                b.append(String.format("\\u%04x", (int) c));
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? text : b.toString();
    }
}
