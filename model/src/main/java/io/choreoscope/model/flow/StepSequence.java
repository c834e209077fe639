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
 * when events beyond it were left out. Immutable.
 */
public final class StepSequence {
    /** No steps. */
    public static final StepSequence EMPTY = new StepSequence(List.of(), new long[0]);

    private final List<String> types;
    private final long[] times;

    private StepSequence(List<String> types, long[] times) {
        this.types = types;
        this.times = times;
    }

    /**
     * @param types event types in time order
     * @param times their timestamps, epoch ms, as many as types, not decreasing
     * @throws IllegalArgumentException when the lengths differ or a time is before the one before it
     */
    public static StepSequence of(List<String> types, long[] times) {
        if (types.size() != times.length) {
            throw new IllegalArgumentException("steps: " + types.size() + " types but " + times.length + " times");
        }
        for (int i = 1; i < times.length; i++) {
            if (times[i] < times[i - 1]) {
                throw new IllegalArgumentException("steps: time " + i + " is before the one before it");
            }
        }
        return new StepSequence(List.copyOf(types), times.clone());
    }

    /** Steps of the given types, all at {@code at}: for rows whose times do not matter (tests of other reads). */
    public static StepSequence at(Instant at, List<String> types) {
        long[] t = new long[types.size()];
        Arrays.fill(t, at.toEpochMilli());
        return new StepSequence(List.copyOf(types), t);
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

    @Override
    public boolean equals(Object o) {
        return o instanceof StepSequence s && types.equals(s.types) && Arrays.equals(times, s.times);
    }

    @Override
    public int hashCode() {
        return Objects.hash(types, Arrays.hashCode(times));
    }

    @Override
    public String toString() {
        return "StepSequence" + types + Arrays.toString(times);
    }
}
