package io.choreoscope.model.flow;

/**
 * A next event type the flow model expects for a running instance.
 *
 * @param eventType   the expected event type
 * @param probability share of the transitions out of the current event type that go to this one, 0..1
 * @param boundMs     how long the instance may stay idle waiting for this step before it is STUCK, in ms
 * @param learned     true when {@code boundMs} comes from learned latency (enough samples), false when it
 *                    comes from the configured SLA or the default bound
 */
public record ExpectedStep(String eventType, double probability, long boundMs, boolean learned) {
}
