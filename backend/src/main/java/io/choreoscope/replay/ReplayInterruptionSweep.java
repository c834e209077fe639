package io.choreoscope.replay;

import io.micronaut.context.annotation.Requires;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At start, and every 15 s after, marks {@code INTERRUPTED} the replays whose process stopped while they ran
 * ({@link ReplayService#markInterrupted()}): without it a crash would leave them {@code RUNNING} in the audit forever.
 * A failing sweep is logged and the next one runs.
 */
@Singleton
@Requires(property = ReplayConfig.PREFIX + ".enabled", notEquals = "false")
public class ReplayInterruptionSweep {
    private static final Logger LOG = LoggerFactory.getLogger(ReplayInterruptionSweep.class);
    private final ReplayService replays;

    public ReplayInterruptionSweep(ReplayService replays) {
        this.replays = replays;
    }

    @Scheduled(fixedDelay = "15s", initialDelay = "0s")
    void sweep() {
        try {
            replays.markInterrupted();
        } catch (RuntimeException e) {
            LOG.warn("Replay audit: looking for interrupted replays failed: {}", e.toString());
        }
    }
}
