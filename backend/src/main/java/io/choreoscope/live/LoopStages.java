package io.choreoscope.live;

import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Where the live-inference loop spends its time, as Micrometer timers {@value #METER} tagged {@code stage} (issue 19
 * item 6: freshness is the sum of these). Always on: recording is a few {@link System#nanoTime()} calls per batch and
 * per tick; without a registry ({@link #NONE}, tests) nothing is recorded.
 */
public final class LoopStages {
    /** Timer name; the tag {@code stage} names a {@link Stage}. */
    public static final String METER = "choreoscope.inference.stage";

    /** Records nothing. */
    public static final LoopStages NONE = new LoopStages(null);

    /** The stages timed. */
    public enum Stage {
        /** How old a batch's newest record is (its timestamp to now) when the loop applies the batch. */
        AGE_NEWEST("age-newest", "Age of a batch's newest record (record timestamp to now) when inference applies it"),
        /** How old a batch's oldest record is when the loop applies the batch. */
        AGE_OLDEST("age-oldest", "Age of a batch's oldest record (record timestamp to now) when inference applies it"),
        /** How long a stored batch waited in the embedded layout's queue before the loop took it. */
        QUEUED("queued", "Time a stored batch waited for the inference loop (embedded layout)"),
        /** Applying one input (a batch of observations or spans) to the engines. */
        APPLY("apply", "Applying one batch to the inference engines"),
        /** Building the rows of the instances a batch or tick touched (their snapshots). */
        ROWS("rows", "Building the instance rows to write after a batch or at a tick"),
        /** One tick's evaluation (settling, states, stuck detection, eviction) of one engine. */
        EVALUATE("evaluate", "A tick's evaluation of one engine: settling, states, stuck detection, eviction"),
        /** Computing the flow models and the dependency map (every model interval). */
        MODELS("models", "Computing flow models and the dependency map of one engine"),
        /** One insert of instance rows into ClickHouse (on the writer thread in the embedded layout). */
        WRITE("write", "One insert of instance rows into ClickHouse");

        final String tag;
        final String description;

        Stage(String tag, String description) {
            this.tag = tag;
            this.description = description;
        }

        public String tag() {
            return tag;
        }
    }

    private final Timer[] timers;

    /** @param registry where the timers are registered; null records nothing */
    public LoopStages(MeterRegistry registry) {
        timers = new Timer[Stage.values().length];
        if (registry != null) {
            for (Stage s : Stage.values()) {
                timers[s.ordinal()] = Timer.builder(METER).tag("stage", s.tag).description(s.description)
                        .publishPercentiles(0.5, 0.95).register(registry);
            }
        }
    }

    /** Records {@code nanos} for {@code stage}. */
    void record(Stage stage, long nanos) {
        Timer t = timers[stage.ordinal()];
        if (t != null) {
            t.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
        }
    }

    /** Records the time since {@code startNanos} ({@link System#nanoTime()}) for {@code stage}. */
    void since(Stage stage, long startNanos) {
        if (timers[stage.ordinal()] != null) {
            record(stage, System.nanoTime() - startNanos);
        }
    }

    /** Whether anything is recorded (so that callers skip work done only for the timers). */
    boolean on() {
        return timers[0] != null;
    }
}
