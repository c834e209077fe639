package io.choreoscope.model.flow;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The steps of one instance as inference keeps them: the event type and timestamp (epoch ms) of each kept event, in
 * time order (timestamp, then partition, offset, topic), duplicates left out. What a windowed flow model and the
 * variants are computed from ({@code instances.event_types} and {@code instances.step_offsets}). Bounded by inference's
 * cap on events per instance ({@code maxEventsPerInstance}, at most 65,535); the snapshot's {@code droppedEvents} says
 * when events beyond it were left out. Each step also names its <b>cause</b> ({@link #cause(int)}, kept in
 * {@code instances.step_causes}): the step whose event ID its causation ID names, else the step before it, as the
 * instance graph draws its CAUSATION and ORDER edges; what the causal flow map counts ({@code ?edges=causes}). Immutable.
 */
public final class StepSequence {
    /** No steps. */
    public static final StepSequence EMPTY = new StepSequence(List.of(), new long[0], new int[0]);

    private final List<String> types;
    private final long[] times;
    private final int[] causes;

    private StepSequence(List<String> types, long[] times, int[] causes) {
        this.types = types;
        this.times = times;
        this.causes = causes;
    }

    /** Each step caused by the one before it (no causation known): cause(i) = i - 1. */
    private static int[] inOrder(int n) {
        int[] c = new int[n];
        for (int i = 0; i < n; i++) {
            c[i] = i - 1;
        }
        return c;
    }

    /**
     * @param types event types in time order
     * @param times their timestamps, epoch ms, as many as types, not decreasing
     * @throws IllegalArgumentException when the lengths differ or a time is before the one before it
     */
    public static StepSequence of(List<String> types, long[] times) {
        return of(types, times, inOrder(times.length));
    }

    /**
     * @param types  event types in time order
     * @param times  their timestamps, epoch ms, as many as types, not decreasing
     * @param causes per step, the index of the step that caused it, or -1 for none (a root); a step may name a later
     *               step (a cause stamped after its effect: a producer's clock behind), never itself
     * @throws IllegalArgumentException when the lengths differ, a time is before the one before it, or a cause is out
     *                                  of range
     */
    public static StepSequence of(List<String> types, long[] times, int[] causes) {
        if (causes.length != times.length) {
            throw new IllegalArgumentException("steps: " + times.length + " times but " + causes.length + " causes");
        }
        for (int i = 0; i < causes.length; i++) {
            if (causes[i] < -1 || causes[i] >= causes.length || causes[i] == i) {
                throw new IllegalArgumentException("steps: step " + i + " names step " + causes[i] + " as its cause");
            }
        }
        if (types.size() != times.length) {
            throw new IllegalArgumentException("steps: " + types.size() + " types but " + times.length + " times");
        }
        for (int i = 1; i < times.length; i++) {
            if (times[i] < times[i - 1]) {
                throw new IllegalArgumentException("steps: time " + i + " is before the one before it");
            }
        }
        return new StepSequence(List.copyOf(types), times.clone(), causes.clone());
    }

    /** Steps of the given types, all at {@code at}: for rows whose times do not matter (tests of other reads). */
    public static StepSequence at(Instant at, List<String> types) {
        long[] t = new long[types.size()];
        Arrays.fill(t, at.toEpochMilli());
        return new StepSequence(List.copyOf(types), t, inOrder(t.length));
    }

    /** Event types in time order. */
    public List<String> types() {
        return types;
    }

    public int size() {
        return times.length;
    }

    /** Timestamp of step {@code i}, epoch ms. */
    public long time(int i) {
        return times[i];
    }

    /** Index of the step that caused step {@code i}, or -1 when none did (the first step, or a root). */
    public int cause(int i) {
        return causes[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StepSequence s && types.equals(s.types) && Arrays.equals(times, s.times)
                && Arrays.equals(causes, s.causes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(types, Arrays.hashCode(times), Arrays.hashCode(causes));
    }

    @Override
    public String toString() {
        return "StepSequence" + types + Arrays.toString(times) + " causes " + Arrays.toString(causes);
    }
}
