package io.choreoscope.live;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.choreoscope.model.Observation;
import io.choreoscope.model.Span;

/**
 * Where the {@link LiveLoop} gets its input: the in-process queue of the embedded layout ({@link InProcessSource})
 * or the partitions of the observations topic an inference worker owns ({@link KafkaPartitionSource}). The source
 * decides which partitions the loop holds an engine for (it tells the loop through {@link Assignments}), what it
 * delivers, whether more is already waiting, what "persisted" lets it acknowledge, and whether a failed step is
 * retried. Every method is called on the loop's thread.
 */
interface InferenceSource {
    /**
     * The key of the one engine of the embedded layout, which owns every partition of the correlation-ID space
     * (partitions of the observations topic are 0 and up).
     */
    int ALL_PARTITIONS = -1;

    /**
     * Starts delivering, once, before the first {@link #poll}. A source that owns partitions from the start
     * assigns them here; a Kafka source assigns them later, from inside {@link #poll}. Throws when the source
     * cannot start at all; the loop then stops.
     */
    void open(Assignments assignments);

    /**
     * Waits at most {@code maxWait} (the loop's next tick) for input and returns what came, in order; empty when
     * nothing came.
     */
    List<Input> poll(Duration maxWait) throws InterruptedException;

    /**
     * Whether more observations already wait behind what the last {@link #poll} returned. The loop persists the
     * instances it applied only once nothing waits (caught up), so a backlog is written in one insert.
     */
    boolean behind();

    /**
     * Every engine listed has persisted, as of {@code now}, what it was given so far: called after each tick and
     * after the final flush of a clean stop, never after a failed write. A Kafka source commits those partitions'
     * positions here, so a committed offset never runs ahead of persisted state.
     */
    void persisted(Collection<Integer> partitions, Instant now);

    /**
     * For a loop whose writes are stored later by another thread ({@link InstanceWriteBehind}): what
     * {@link #persisted} would acknowledge now, captured now, to run on the loop thread once the writes handed over
     * until now are stored. Input delivered after this call is not covered by it. The default runs
     * {@link #persisted} when called, which covers what was delivered by then: only right for a source whose loop
     * runs it at once (a loop that writes itself).
     */
    default Runnable acknowledgement(Collection<Integer> partitions, Instant now) {
        return () -> persisted(partitions, now);
    }

    /** Whether input was accepted that a stopping loop must still apply (the in-process queue); else false. */
    boolean pending();

    /**
     * A step failed (a write or a read of ClickHouse, an error of the source). The source logs it and decides:
     * true to go on (what was not persisted stays pending for the next tick), false to stop the loop without
     * persisting further.
     */
    boolean continueAfter(RuntimeException failure);

    /** Stops delivering; the last call. {@code crashed}: the loop stopped as a crash would, persisting nothing. */
    void close(boolean crashed);

    /**
     * What the loop holds an engine for, as the source assigns it. Called on the loop thread, from
     * {@link #open} or from inside {@link #poll} (Kafka rebalance callbacks).
     */
    interface Assignments {
        /**
         * The source now owns {@code partition}: the loop rebuilds its engine from ClickHouse and holds it.
         * Returns the instances recovered; throws (and holds nothing) if recovery failed.
         */
        int assigned(int partition);

        /**
         * The source now owns all of {@code partitions} at once (one rebalance, or a retry): as {@link #assigned(int)}
         * for each, but the loop may rebuild them side by side. Returns the instances recovered in all; throws if any
         * recovery failed (the source then drops and rebuilds every engine, as after any failed step).
         */
        default int assigned(Collection<Integer> partitions) {
            int recovered = 0;
            for (int p : partitions) {
                recovered += assigned(p);
            }
            return recovered;
        }

        /**
         * The source now owns {@code partitions} and keeps consuming the others while they are rebuilt: the loop
         * rebuilds them beside itself, writing nothing, and the future gives, per partition, what holds its engine
         * (to run on the loop thread, for the partitions the source still owns then; the engine's pending rows are
         * written with the owner's next write). Fails if any recovery failed.
         */
        CompletableFuture<Map<Integer, Runnable>> assignedBeside(Collection<Integer> partitions);

        /**
         * The source gives {@code partition} up: the loop persists its engine (unless it is crashing) and drops it.
         * Returns whether everything applied to it is persisted, so that its position may be committed.
         */
        boolean revoked(int partition);

        /** The partition was taken away (the worker was thrown out of its group): dropped without persisting. */
        void lost(int partition);
    }

    /** One piece of input, applied to the engines in the order the source delivered it. */
    sealed interface Input permits Observations, Spans, ReplayOver {
        /** Applies this input to the engines the loop holds, by partition; input for a partition not held is dropped. */
        void applyTo(Map<Integer, LiveEngine> engines);

        /** Whether applying it may move instance states, which the loop then persists once the source caught up. */
        boolean touchesInstances();
    }

    /** A batch of observations of one partition (or {@link #ALL_PARTITIONS}). */
    record Observations(int partition, List<Observation> batch) implements Input {
        @Override
        public void applyTo(Map<Integer, LiveEngine> engines) {
            LiveEngine engine = engines.get(partition);
            if (engine != null) {
                engine.apply(batch);
            }
        }

        @Override
        public boolean touchesInstances() {
            return true;
        }
    }

    /** Spans, for the dependency map (consumer spans name consumers) of every engine held. */
    record Spans(List<Span> spans) implements Input {
        @Override
        public void applyTo(Map<Integer, LiveEngine> engines) {
            engines.values().forEach(e -> e.applySpans(spans));
        }

        @Override
        public boolean touchesInstances() {
            return false;
        }
    }

    /**
     * Redeliveries of what the last recovery of a partition replayed are over: its engine stops skipping them
     * ({@link LiveEngine#forgetReplayed()}).
     */
    record ReplayOver(int partition) implements Input {
        @Override
        public void applyTo(Map<Integer, LiveEngine> engines) {
            LiveEngine engine = engines.get(partition);
            if (engine != null) {
                engine.forgetReplayed();
            }
        }

        @Override
        public boolean touchesInstances() {
            return false;
        }
    }
}
