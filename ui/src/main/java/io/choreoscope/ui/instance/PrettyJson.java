package io.choreoscope.ui.instance;

/**
 * Indents JSON for reading. Works on a stream of characters, so it also formats JSON that was cut in
 * the middle (a truncated payload) and leaves anything that is not JSON as it was. Control characters
 * outside strings are kept; inside strings they stay escaped as the producer wrote them.
 */
public final class PrettyJson {

    /** Indentation per level, in spaces. */
    public static final int INDENT = 2;

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

    /** The indented text, or {@code text} unchanged when it does not look like JSON. */
    public static String format(String text) {
        if (!looksLikeJson(text)) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + text.length() / 4);
        int depth = 0;
        boolean inString = false;
        boolean escaped = false;
        for (int i = 0; i < text.length(); i++) {
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
        return out.toString();
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
        out.append(" ".repeat(depth * INDENT));
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
