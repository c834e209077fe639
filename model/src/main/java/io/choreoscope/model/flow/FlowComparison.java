package io.choreoscope.model.flow;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Two windows of one flow side by side: steps and transitions that appeared or disappeared, and those whose share of
 * instances or p95 latency changed by more than a threshold. Computed by {@link #of} from two windowed models (plain
 * Java; the API and the UI read the same answer).
 *
 * @param flow              the flow
 * @param before            the first window's model (unfiltered)
 * @param after             the second window's model
 * @param steps             every step of either window with its change, biggest share change first
 * @param transitions       every transition of either window with its change, biggest share change first
 * @param minShareChange    share changes at least this (absolute, 0..1) are {@link Change#CHANGED}
 * @param minP95Change      p95 changes at least this factor (e.g. 0.5 = 50% slower or faster) and at least
 *                          {@link #MIN_P95_CHANGE_MS} are {@link Change#CHANGED}
 */
public record FlowComparison(String flow, Window before, Window after, List<Item> steps, List<Item> transitions,
                             double minShareChange, double minP95Change) {
    /** Default: a share change of 5 percentage points. */
    public static final double DEFAULT_MIN_SHARE_CHANGE = 0.05;
    /** Default: p95 at least 50% higher or lower. */
    public static final double DEFAULT_MIN_P95_CHANGE = 0.5;
    /**
     * A p95 change must also be at least this many ms to count: latencies of a few ms double from one window to the
     * next by noise alone (a 4 ms p95 becoming 9 ms is not a change anyone should be shown).
     */
    public static final double MIN_P95_CHANGE_MS = 100;

    public FlowComparison {
        steps = List.copyOf(steps);
        transitions = List.copyOf(transitions);
    }

    /** One window: its bounds and instance count. */
    public record Window(Instant from, Instant to, long instances) {
    }

    /** What happened to a step or transition from the first window to the second. */
    public enum Change {
        /** Only in the second window. */
        ADDED,
        /** Only in the first window. */
        GONE,
        /** In both, share or p95 moved by more than the thresholds. */
        CHANGED,
        /** In both, within the thresholds. */
        SAME
    }

    /**
     * A step ({@code to} null) or a transition with its figures in both windows (0 where absent).
     *
     * @param shareBefore instances that have it over the window's instances, 0..1
     * @param p95Before   p95 latency in ms (transitions; 0 for steps)
     */
    public record Item(String from, String to, Change change, long countBefore, long countAfter, double shareBefore,
                       double shareAfter, double p95Before, double p95After) {
        /** Share after minus share before. */
        public double shareDelta() {
            return shareAfter - shareBefore;
        }
    }

    /** The items that are not {@link Change#SAME}. */
    public List<Item> differences() {
        List<Item> out = new ArrayList<>();
        steps.stream().filter(i -> i.change() != Change.SAME).forEach(out::add);
        transitions.stream().filter(i -> i.change() != Change.SAME).forEach(out::add);
        return out;
    }

    /** Compares two models of one flow. Thresholds must be 0..1 and at least 0 ({@link IllegalArgumentException}). */
    public static FlowComparison of(FlowModel before, FlowModel after, double minShareChange, double minP95Change) {
        if (!(minShareChange >= 0 && minShareChange <= 1) || !(minP95Change >= 0 && minP95Change <= 100)) {
            throw new IllegalArgumentException("minShareChange must be 0..1 and minP95Change 0..100, were "
                    + minShareChange + " and " + minP95Change);
        }
        Map<String, FlowModel.Node> nb = new HashMap<>();
        before.nodes().forEach(n -> nb.put(n.eventType(), n));
        Map<String, FlowModel.Node> na = new HashMap<>();
        after.nodes().forEach(n -> na.put(n.eventType(), n));
        List<Item> steps = new ArrayList<>();
        for (String type : new TreeSet<>(union(nb.keySet(), na.keySet()))) {
            FlowModel.Node b = nb.get(type);
            FlowModel.Node a = na.get(type);
            double sb = b == null ? 0 : share(b.instances(), b.count(), before.instances());
            double sa = a == null ? 0 : share(a.instances(), a.count(), after.instances());
            Change c = b == null ? Change.ADDED : a == null ? Change.GONE
                    : Math.abs(sa - sb) >= minShareChange && minShareChange > 0 ? Change.CHANGED : Change.SAME;
            steps.add(new Item(type, null, c, b == null ? 0 : b.count(), a == null ? 0 : a.count(), sb, sa, 0, 0));
        }
        Map<List<String>, FlowModel.Transition> tb = new HashMap<>();
        before.transitions().forEach(t -> tb.put(List.of(t.from(), t.to()), t));
        Map<List<String>, FlowModel.Transition> ta = new HashMap<>();
        after.transitions().forEach(t -> ta.put(List.of(t.from(), t.to()), t));
        List<Item> transitions = new ArrayList<>();
        TreeSet<List<String>> keys = new TreeSet<>((x, y) -> (x.get(0) + "\u0000" + x.get(1)).compareTo(y.get(0) + "\u0000" + y.get(1)));
        keys.addAll(tb.keySet());
        keys.addAll(ta.keySet());
        for (List<String> k : keys) {
            FlowModel.Transition b = tb.get(k);
            FlowModel.Transition a = ta.get(k);
            double sb = b == null ? 0 : share(b.instances(), b.count(), before.instances());
            double sa = a == null ? 0 : share(a.instances(), a.count(), after.instances());
            Change c;
            if (b == null) {
                c = Change.ADDED;
            } else if (a == null) {
                c = Change.GONE;
            } else {
                boolean share = minShareChange > 0 && Math.abs(sa - sb) >= minShareChange;
                double lo = Math.max(1, Math.min(a.p95Ms(), b.p95Ms()));
                double moved = Math.abs(a.p95Ms() - b.p95Ms());
                boolean p95 = minP95Change > 0 && moved >= MIN_P95_CHANGE_MS && moved / lo >= minP95Change;
                c = share || p95 ? Change.CHANGED : Change.SAME;
            }
            transitions.add(new Item(k.get(0), k.get(1), c, b == null ? 0 : b.count(), a == null ? 0 : a.count(), sb, sa,
                    b == null ? 0 : b.p95Ms(), a == null ? 0 : a.p95Ms()));
        }
        java.util.Comparator<Item> biggest = java.util.Comparator.comparingDouble((Item i) -> -Math.abs(i.shareDelta()));
        steps.sort(biggest);
        transitions.sort(biggest);
        return new FlowComparison(before.flow(), new Window(before.from(), before.to(), before.instances()),
                new Window(after.from(), after.to(), after.instances()), steps, transitions, minShareChange, minP95Change);
    }

    private static TreeSet<String> union(java.util.Set<String> a, java.util.Set<String> b) {
        TreeSet<String> s = new TreeSet<>(a);
        s.addAll(b);
        return s;
    }

    private static double share(long instances, long count, long n) {
        if (n <= 0) {
            return 0;
        }
        return Math.min(1.0, (double) (instances > 0 ? instances : count) / n);
    }
}
