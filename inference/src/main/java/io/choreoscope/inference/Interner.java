package io.choreoscope.inference;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * Maps names (event types, services, topics) to small ints so that per-event state is a few longs.
 * Id 0 is reserved for "none"; ids are capped at 65 535 (16 bits): names beyond that share the
 * overflow id 65 535, shown as {@code (too many names)}.
 */
final class Interner {
    static final int MAX_ID = 0xFFFF;
    private final HashMap<String, Integer> ids = new HashMap<>();
    private final List<String> names = new ArrayList<>();

    Interner(String noneName) {
        names.add(noneName);
    }

    /** The id of {@code name}; 0 for null. */
    int id(String name) {
        if (name == null) {
            return 0;
        }
        Integer id = ids.get(name);
        if (id != null) {
            return id;
        }
        if (names.size() >= MAX_ID) {
            return MAX_ID;
        }
        int next = names.size();
        ids.put(name, next);
        names.add(name);
        return next;
    }

    /** Id of a name already known, or -1. */
    int find(String name) {
        Integer id = name == null ? null : ids.get(name);
        return id == null ? -1 : id;
    }

    String name(int id) {
        return id == MAX_ID && names.size() <= MAX_ID ? "(too many names)" : names.get(id);
    }

    int size() {
        return names.size();
    }
}
