package io.choreoscope.inference;

import java.util.Arrays;

/**
 * Compact state of one live instance. Each kept event is 4 longs (32 bytes) in one array, in time order
 * (timestamp, partition, offset, topic name):
 * <ol>
 *   <li>timestamp, epoch ms</li>
 *   <li>type id &lt;&lt; 48 | service id &lt;&lt; 32 | topic id &lt;&lt; 16 | partition (low 16 bits)</li>
 *   <li>offset</li>
 *   <li>64-bit hash of the event ID, 0 when the record had none</li>
 * </ol>
 * No per-event object is kept. An instance whose records carry causation IDs also keeps one {@code int} per
 * event slot ({@link #causes}: a 32-bit hash of the causation ID, 0 = none), allocated on the first such
 * event, so that the root (the event whose cause is not in the instance) can be found. Not thread-safe.
 */
final class Instance {
    static final int STRIDE = 4;
    static final int ADDED = 0;
    static final int DUPLICATE = 1;
    static final int DROPPED = 2;

    long[] ev = new long[STRIDE * 2];
    int size;
    /** Correlation ID carried by the earliest event. */
    String primary;
    /** Every ID that maps to this instance; ids[0] is the one it was created under. */
    String[] ids;
    int duplicates;
    int dropped;
    int lastDuplicateType = -1;
    /** Ordinal of the state last reported by evaluate, -1 before the first evaluate. */
    byte state = -1;
    /**
     * Epoch ms from which the next evaluate may find it changed by time alone (settling, stuck, eviction), as last
     * classified; {@link Long#MIN_VALUE} once it is no longer live. See the engine's deadline index.
     */
    long deadline = Long.MAX_VALUE;
    /** The topic of the copy the last {@link #insert} that returned DUPLICATE found (before any replacement). */
    int lastMatchedTopic;
    /** True when the last {@link #insert} returned DUPLICATE and replaced the kept copy (its events changed). */
    boolean lastReplaced;
    /** True while its settled statistics are counted in the learning tables. */
    boolean settled;
    /** Per event slot, {@link #cause32} of its causation ID (0 = none); null while no event had one. */
    int[] causes;
    /**
     * Non-zero while the instance waits for its first events (seen from the middle: its earliest event names a cause
     * not in it, see {@link InferenceSettings#startGrace}): the event time (epoch ms) until which it stays without a
     * flow. 0 once named.
     */
    long unnamedUntil;

    Instance(String id) {
        this.ids = new String[] {id};
        this.primary = id;
    }

    long ts(int i) { return ev[i * STRIDE]; }
    long meta(int i) { return ev[i * STRIDE + 1]; }
    int type(int i) { return (int) (ev[i * STRIDE + 1] >>> 48); }
    int service(int i) { return (int) (ev[i * STRIDE + 1] >>> 32) & 0xFFFF; }
    int topic(int i) { return (int) (ev[i * STRIDE + 1] >>> 16) & 0xFFFF; }
    int partition(int i) { return (int) ev[i * STRIDE + 1] & 0xFFFF; }
    long offset(int i) { return ev[i * STRIDE + 2]; }
    long idHash(int i) { return ev[i * STRIDE + 3]; }
    long lastTs() { return ev[(size - 1) * STRIDE]; }
    int lastType() { return type(size - 1); }
    int cause(int i) { return causes == null ? 0 : causes[i]; }

    /** 32-bit fold of an ID hash, never 0: what {@link #causes} holds and what an event ID is matched with. */
    static int cause32(long idHash) {
        int c = (int) (idHash ^ (idHash >>> 32));
        return c == 0 ? 1 : c;
    }

    /**
     * Index of the root: the earliest event (time order) with no cause inside the instance, i.e. no causation
     * ID, or one that matches no other kept event's ID. 0 when the records carry no causation IDs (the common
     * case costs nothing) and when every event has its cause inside (a cycle: bad data).
     */
    int rootIndex() {
        if (causes == null) {
            return 0;
        }
        for (int i = 0; i < size; i++) {
            int c = causes[i];
            if (c == 0) {
                return i;
            }
            boolean causedInside = false;
            for (int j = 0; j < size && !causedInside; j++) {
                long h = idHash(j);
                causedInside = j != i && h != 0 && cause32(h) == c;
            }
            if (!causedInside) {
                return i;
            }
        }
        return 0;
    }

    /** Whether event {@code i} names a cause that is another kept event of this instance. Linear in its events. */
    boolean causedInside(int i) {
        int c = cause(i);
        if (c == 0) {
            return false;
        }
        for (int j = 0; j < size; j++) {
            long h = idHash(j);
            if (j != i && h != 0 && cause32(h) == c) {
                return true;
            }
        }
        return false;
    }

    /**
     * Per kept event, the index of the event that caused it, or -1: as {@link InstanceGraphBuilder} draws a graph
     * without spans. First every event whose causation ID names another kept event's ID (in time order; a link that
     * would close a cycle is left out), then every event still without a cause follows the one before it, unless that
     * closes a cycle (a cause stamped after its effect). Linear in the events for records without causation IDs; with
     * them, event IDs are looked up in a map, and a cycle is only looked for above an event that already caused
     * another (only then can a new link close one), so a long chain costs no more than its length per such event.
     */
    int[] causeSteps() {
        int[] parent = new int[size];
        java.util.Arrays.fill(parent, -1);
        boolean[] causedAny = new boolean[size];
        if (causes != null) {
            java.util.Map<Integer, Integer> byId = new java.util.HashMap<>();
            for (int a = 0; a < size; a++) {
                long h = idHash(a);
                if (h != 0) {
                    byId.putIfAbsent(cause32(h), a);
                }
            }
            for (int b = 0; b < size; b++) {
                int c = causes[b];
                Integer a = c == 0 ? null : byId.get(c);
                if (a != null && a != b && !(causedAny[b] && reaches(parent, a, b))) {
                    parent[b] = a;
                    causedAny[a] = true;
                }
            }
        }
        for (int b = 1; b < size; b++) {
            if (parent[b] < 0 && !(causedAny[b] && reaches(parent, b - 1, b))) {
                parent[b] = b - 1;
                causedAny[b - 1] = true;
            }
        }
        return parent;
    }

    /** Whether {@code b} is {@code a} or one of its causes along {@code parent}. */
    private static boolean reaches(int[] parent, int a, int b) {
        for (int x = a, steps = 0; x >= 0 && steps <= parent.length; x = parent[x], steps++) {
            if (x == b) {
                return true;
            }
        }
        return false;
    }

    static long meta(int type, int service, int topic, int partition) {
        return ((long) type << 48) | ((long) service << 32) | ((long) topic << 16) | (partition & 0xFFFFL);
    }

    void addId(String id) {
        ids = Arrays.copyOf(ids, ids.length + 1);
        ids[ids.length - 1] = id;
    }

    /** Compares stored event {@code i} with an event given by its fields; topic names break the last tie. */
    int compare(int i, long ts, long meta, long offset, Interner topics) {
        int c = Long.compare(ts(i), ts);
        if (c != 0) return c;
        c = Integer.compare(partition(i), (int) meta & 0xFFFF);
        if (c != 0) return c;
        c = Long.compare(offset(i), offset);
        if (c != 0) return c;
        return topics.name(topic(i)).compareTo(topics.name((int) (meta >>> 16) & 0xFFFF));
    }

    /**
     * Inserts an event at its place in time order. A duplicate (same non-zero event ID hash, or same
     * topic/partition/offset) is not added; of two copies the one that sorts first is kept, so the
     * result does not depend on arrival order. The caller counts a duplicate ({@link #countDuplicate}): a dead-letter
     * copy of an event is left out like one, but it is not a second delivery.
     *
     * @return ADDED, DUPLICATE, or DROPPED when the instance holds {@code cap} events already
     */
    int insert(long ts, long meta, long offset, long idHash, int cause, int cap, Interner topics) {
        int topic = (int) (meta >>> 16) & 0xFFFF;
        int partition = (int) meta & 0xFFFF;
        lastReplaced = false;
        for (int i = 0; i < size; i++) {
            if ((idHash != 0 && idHash(i) == idHash)
                    || (topic(i) == topic && partition(i) == partition && offset(i) == offset)) {
                lastMatchedTopic = topic(i);
                if (compare(i, ts, meta, offset, topics) > 0) {
                    remove(i);
                    place(ts, meta, offset, idHash, cause, topics);
                    lastReplaced = true;
                }
                return DUPLICATE;
            }
        }
        if (size >= cap) {
            dropped++;
            return DROPPED;
        }
        place(ts, meta, offset, idHash, cause, topics);
        return ADDED;
    }

    /** Counts a duplicate delivery of an event of type {@code type}. */
    void countDuplicate(int type) {
        duplicates++;
        lastDuplicateType = type;
    }

    /** Position the last {@link #insert} placed an event at; valid right after an ADDED insert. */
    int lastPlaced;

    private void place(long ts, long meta, long offset, long idHash, int cause, Interner topics) {
        int pos = size;
        while (pos > 0 && compare(pos - 1, ts, meta, offset, topics) > 0) {
            pos--;
        }
        if ((size + 1) * STRIDE > ev.length) {
            ev = Arrays.copyOf(ev, Math.max(ev.length * 2, STRIDE * 2));
        }
        if (causes == null && cause != 0) {
            causes = new int[ev.length / STRIDE];
        }
        if (causes != null) {
            if (causes.length < ev.length / STRIDE) {
                causes = Arrays.copyOf(causes, ev.length / STRIDE);
            }
            System.arraycopy(causes, pos, causes, pos + 1, size - pos);
            causes[pos] = cause;
        }
        System.arraycopy(ev, pos * STRIDE, ev, (pos + 1) * STRIDE, (size - pos) * STRIDE);
        int b = pos * STRIDE;
        ev[b] = ts;
        ev[b + 1] = meta;
        ev[b + 2] = offset;
        ev[b + 3] = idHash;
        size++;
        lastPlaced = pos;
    }

    private void remove(int i) {
        System.arraycopy(ev, (i + 1) * STRIDE, ev, i * STRIDE, (size - i - 1) * STRIDE);
        if (causes != null) {
            System.arraycopy(causes, i + 1, causes, i, size - i - 1);
        }
        size--;
    }

    /** 64-bit FNV-1a of the string's chars; 0 for null or empty (0 means "no event ID"). */
    static long hash(String s) {
        if (s == null || s.isEmpty()) {
            return 0;
        }
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return h == 0 ? 1 : h;
    }
}
