package io.choreoscope.inference;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** Case-insensitive whole-name globs ({@code *} = any run of characters), compiled once. */
final class NameRules {
    private final Pattern pattern;

    NameRules(List<String> globs) {
        if (globs.isEmpty()) {
            pattern = null;
            return;
        }
        StringBuilder sb = new StringBuilder();
        for (String g : globs) {
            if (sb.length() > 0) {
                sb.append('|');
            }
            sb.append("(?:");
            for (String part : g.split("\\*", -1)) {
                sb.append(Pattern.quote(part.toLowerCase(Locale.ROOT))).append(".*");
            }
            sb.setLength(sb.length() - 2); // the split adds one part more than there are stars
            sb.append(')');
        }
        pattern = Pattern.compile(sb.toString());
    }

    boolean matches(String name) {
        return pattern != null && name != null && pattern.matcher(name.toLowerCase(Locale.ROOT)).matches();
    }
}
