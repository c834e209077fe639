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
 * No per-event object is kept. Not thread-safe.
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
    /** True while its settled statistics are counted in the learning tables. */
    boolean settled;

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
     * result does not depend on arrival order.
     *
     * @return ADDED, DUPLICATE, or DROPPED when the instance holds {@code cap} events already
     */
    int insert(long ts, long meta, long offset, long idHash, int cap, Interner topics) {
        int topic = (int) (meta >>> 16) & 0xFFFF;
        int partition = (int) meta & 0xFFFF;
        for (int i = 0; i < size; i++) {
            if ((idHash != 0 && idHash(i) == idHash)
                    || (topic(i) == topic && partition(i) == partition && offset(i) == offset)) {
                duplicates++;
                lastDuplicateType = (int) (meta >>> 48);
                if (compare(i, ts, meta, offset, topics) > 0) {
                    remove(i);
                    place(ts, meta, offset, idHash, topics);
                }
                return DUPLICATE;
            }
        }
        if (size >= cap) {
            dropped++;
            return DROPPED;
        }
        place(ts, meta, offset, idHash, topics);
        return ADDED;
    }

    /** Position the last {@link #insert} placed an event at; valid right after an ADDED insert. */
    int lastPlaced;

    private void place(long ts, long meta, long offset, long idHash, Interner topics) {
        int pos = size;
        while (pos > 0 && compare(pos - 1, ts, meta, offset, topics) > 0) {
            pos--;
        }
        if ((size + 1) * STRIDE > ev.length) {
            ev = Arrays.copyOf(ev, Math.max(ev.length * 2, STRIDE * 2));
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
