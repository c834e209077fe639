package io.choreoscope.inference;

import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;

/**
 * What the settled (finished) instances of one flow taught: per event type, and per set of event types. An
 * instance is added when it settles and removed again if it gets another event. Cost per flow: one entry per
 * event type and one per distinct type set (at most {@link #MAX_TYPE_SETS}), not per instance.
 */
final class Settled {
    /** Distinct type sets tracked per flow; instances with further sets are counted in {@link #untracked}. */
    static final int MAX_TYPE_SETS = 256;

    static final int ENDED = 0;
    static final int CONTAINED = 1;
    static final int AFTER_FAILURE = 2;
    static final int REPEATED = 3;

    /**
     * type -> {settled instances ending at it, containing it, containing it after a failure event, containing it
     * more than once}.
     */
    final HashMap<Integer, long[]> byType = new HashMap<>();
    /** exact set of event types of a settled instance -> number of settled instances with exactly that set. */
    final HashMap<BitSet, long[]> byTypeSet = new HashMap<>();
    /** Settled instances whose type set was not tracked because {@link #MAX_TYPE_SETS} was reached. */
    long untracked;

    /** Adds (+1) or removes (-1) one settled instance. */
    void add(Instance in, boolean[] failureType, int sign) {
        byType.computeIfAbsent(in.lastType(), k -> new long[4])[ENDED] += sign;
        Set<Integer> seen = new HashSet<>();
        Set<Integer> repeated = new HashSet<>();
        Set<Integer> seenAfterFailure = new HashSet<>();
        BitSet set = new BitSet();
        boolean failed = false;
        for (int i = 0; i < in.size; i++) {
            int t = in.type(i);
            set.set(t);
            if (seen.add(t)) {
                byType.computeIfAbsent(t, k -> new long[4])[CONTAINED] += sign;
            } else if (repeated.add(t)) {
                byType.get(t)[REPEATED] += sign;
            }
            if (failed && seenAfterFailure.add(t)) {
                byType.computeIfAbsent(t, k -> new long[4])[AFTER_FAILURE] += sign;
            }
            failed |= failureType[t];
        }
        // Entries are never removed, so a set that was untracked when added is still untracked when removed.
        long[] n = byTypeSet.get(set);
        if (n == null && byTypeSet.size() < MAX_TYPE_SETS) {
            n = new long[1];
            byTypeSet.put(set, n);
        }
        if (n != null) {
            n[0] += sign;
        } else {
            untracked += sign;
        }
    }

    long get(int type, int what) {
        long[] v = byType.get(type);
        return v == null ? 0 : v[what];
    }

    /** True when every type of {@code subset} is in {@code set}. */
    static boolean covers(BitSet set, BitSet subset) {
        for (int i = subset.nextSetBit(0); i >= 0; i = subset.nextSetBit(i + 1)) {
            if (!set.get(i)) {
                return false;
            }
        }
        return true;
    }
}
