package io.choreoscope.auth;

import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * The three roles and what each includes: an admin is also an operator, an operator also a viewer. Roles
 * are expanded once, when a user signs in, so every check on an endpoint names a single role.
 */
public final class Roles {
    /** Reads everything: flows, instances, alert rules and firings, the replay audit. */
    public static final String VIEWER = "viewer";
    /** Also replays events. */
    public static final String OPERATOR = "operator";
    /** Also creates, edits, test-fires, silences and deletes alert rules. */
    public static final String ADMIN = "admin";

    private Roles() {
    }

    /**
     * The roles {@code granted} imply, in order viewer, operator, admin; unknown names are ignored.
     */
    public static List<String> expand(Collection<String> granted) {
        int level = 0;
        for (String r : granted) {
            level = Math.max(level, level(r));
        }
        return switch (level) {
            case 3 -> List.of(VIEWER, OPERATOR, ADMIN);
            case 2 -> List.of(VIEWER, OPERATOR);
            case 1 -> List.of(VIEWER);
            default -> List.of();
        };
    }

    /** True for viewer, operator and admin in any case. */
    public static boolean isRole(String name) {
        return level(name) > 0;
    }

    private static int level(String role) {
        if (role == null) {
            return 0;
        }
        return switch (role.strip().toLowerCase(Locale.ROOT)) {
            case VIEWER -> 1;
            case OPERATOR -> 2;
            case ADMIN -> 3;
            default -> 0;
        };
    }
}
