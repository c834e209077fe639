package io.choreoscope.model.flow;

/**
 * Running totals of an inference engine, for metrics and for the "nothing silently dropped" rule.
 *
 * @param observations     observations applied, all of them
 * @param uncorrelated     observations without a correlation ID: counted (and used for the dependency map)
 *                         but not part of any instance
 * @param duplicates       observations recognised as a duplicate delivery (same event ID, or same
 *                         topic/partition/offset) of an event already in its instance
 * @param droppedOverCap   distinct events not kept because their instance had reached the event cap
 * @param lateEvents       events inserted before an already-seen event of their instance (arrived out of
 *                         timestamp order). Depends on arrival order, unlike every other figure.
 * @param liveInstances    instances held now
 * @param evictedInstances instances evicted so far (their counts stay in the flow models)
 * @param merges           instance merges made by linking rules
 * @param evictedOverCap   of the evicted instances, those evicted because the live-instance cap was reached (least
 *                         recently active first), not by time
 * @param overTypeLimit    observations whose event type came after the engine's bound on distinct event types had
 *                         been reached: counted as one type, {@code (too many event types)}
 */
public record InferenceCounters(long observations, long uncorrelated, long duplicates, long droppedOverCap,
                                long lateEvents, long liveInstances, long evictedInstances, long merges,
                                long evictedOverCap, long overTypeLimit) {
}
