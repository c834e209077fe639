package io.choreoscope.model.api;

import java.time.Instant;
import java.util.List;

/**
 * What a flow's stuck and failed instances have in common over a window: the suspects, best first within each step
 * (steps in order of their best suspect), with the figures and thresholds they were found with.
 *
 * @param stuckInstances     stuck or failed instances compared (the newest, at most {@code maxInstances})
 * @param completedInstances completed instances compared (likewise)
 * @param sampled            true when the window held more instances of an outcome than were compared
 * @param minInstances       a value counts only when at least this many stuck instances carry it
 * @param minStuckShare      ... and at least this share of the stuck instances
 * @param minLift            ... and its lift is at least this
 */
public record SuspectReport(String flow, Instant from, Instant to, long stuckInstances, long completedInstances,
                            boolean sampled, int maxInstances, int minInstances, double minStuckShare, double minLift,
                            List<Suspect> suspects) {
    public SuspectReport {
        suspects = List.copyOf(suspects);
    }
}
