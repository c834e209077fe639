package io.choreoscope.inference;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * Maps names (event types, services, topics) to small ints so that per-event state is a few longs.
 * Id 0 is reserved for "none"; at most {@code maxNames} names get an id of their own (at most 65 534: ids are 16
 * bits), names beyond them share the overflow id {@code maxNames + 1}, shown as the overflow name.
 */
final class Interner {
    /** The most names an interner can hold: ids 1..65 534, and 65 535 for the overflow. */
    static final int MAX_NAMES = 0xFFFF - 1;
    private final HashMap<String, Integer> ids = new HashMap<>();
    private final List<String> names = new ArrayList<>();
    private final int overflowId;
    private final String overflowName;

    /** An interner of {@value #MAX_NAMES} names, the rest shown as {@code (too many names)}. */
    Interner(String noneName) {
        this(noneName, MAX_NAMES, "(too many names)");
    }

    Interner(String noneName, int maxNames, String overflowName) {
        if (maxNames < 1 || maxNames > MAX_NAMES) {
            throw new IllegalArgumentException("an interner holds 1.." + MAX_NAMES + " names, was " + maxNames);
        }
        names.add(noneName);
        this.overflowId = maxNames + 1;
        this.overflowName = overflowName;
    }

    /** The id of {@code name}; 0 for null; the overflow id once the names are full. */
    int id(String name) {
        if (name == null) {
            return 0;
        }
        Integer id = ids.get(name);
        if (id != null) {
            return id;
        }
        if (names.size() >= overflowId) {
            return overflowId;
        }
        int next = names.size();
        ids.put(name, next);
        names.add(name);
        return next;
    }

    /** True for the id names past the bound share. */
    boolean isOverflow(int id) {
        return id == overflowId;
    }

    /** Id of a name already known, or -1. */
    int find(String name) {
        Integer id = name == null ? null : ids.get(name);
        return id == null ? -1 : id;
    }

    String name(int id) {
        return id == overflowId ? overflowName : names.get(id);
    }

    int size() {
        return names.size();
    }
}
