package io.choreoscope.model.flow;

import java.util.List;
import java.util.Map;

/**
 * One variant of a flow in a time window: the instances whose event types, in order (timestamp, then partition,
 * offset, topic), form the same sequence.
 *
 * @param id        stable identifier of the sequence (a hash of it), to list the variant's instances
 * @param steps     event types in order; at most {@link #MAX_STEPS} (see {@code length})
 * @param length    number of events in the sequence; more than {@code steps.size()} when the list was cut
 * @param count     instances with this sequence
 * @param share     {@code count} over the instances of the window, 0..1
 * @param p50Ms     median duration of these instances (last event - first event), in ms
 * @param p95Ms     95th percentile of that duration, in ms
 * @param outcomes  instances by their current state
 */
public record Variant(String id, List<String> steps, int length, long count, double share, double p50Ms, double p95Ms,
                      Map<InstanceState, Long> outcomes) {
    /** Longest step list answered per variant; longer sequences are cut (their {@code length} says so). */
    public static final int MAX_STEPS = 200;

    public Variant {
        steps = List.copyOf(steps);
        outcomes = Map.copyOf(outcomes);
    }

    /** Whether {@code steps} holds the whole sequence. */
    public boolean complete() {
        return steps.size() == length;
    }
}
