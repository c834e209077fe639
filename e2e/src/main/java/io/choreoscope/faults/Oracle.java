package io.choreoscope.faults;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What choreoscope should show, computed only from what the broker acknowledged: per correlation ID the records
 * (coordinates and event IDs) and the final state that the produced events imply. Thread-safe: producer callbacks
 * add to it while the checker reads it.
 */
public final class Oracle {
    /** One acknowledged record. */
    public record Produced(String topic, int partition, long offset, String eventId, String eventType, byte[] payload,
                           long ackedAtNanos) {
    }

    /**
     * One instance as produced.
     *
     * @param hostile true for the hostile burst: its state is not judged (a one-event instance of an unknown flow is
     *                RUNNING until choreoscope learns an end, which is learning, not loss), its records and bytes are
     */
    public static final class Instance {
        private final String correlationId;
        private final Outcome planned;
        private final int plannedRecords;
        private final boolean hostile;
        private final List<Produced> records = new ArrayList<>();
        private int failedSends;

        Instance(String correlationId, Outcome planned, int plannedRecords, boolean hostile) {
            this.correlationId = correlationId;
            this.planned = planned;
            this.plannedRecords = plannedRecords;
            this.hostile = hostile;
        }

        public String correlationId() {
            return correlationId;
        }

        public boolean hostile() {
            return hostile;
        }

        public synchronized List<Produced> records() {
            return List.copyOf(records);
        }

        /** All its records acknowledged (a send that failed for good makes the expected state unknowable). */
        public synchronized boolean complete() {
            return failedSends == 0 && records.size() == plannedRecords;
        }

        /** Every record was acknowledged before {@code nanos} ({@link System#nanoTime()}). */
        public synchronized boolean ackedBefore(long nanos) {
            return complete() && records.stream().allMatch(r -> r.ackedAtNanos() <= nanos);
        }

        /** The state the produced events imply: the planned outcome once every record was acknowledged. */
        public String expectedState() {
            return planned.state();
        }

        synchronized void acked(Produced p) {
            records.add(p);
        }

        synchronized void failed() {
            failedSends++;
        }

        public synchronized int failedSends() {
            return failedSends;
        }
    }

    /** How a generated instance ends, and the state choreoscope must then show. */
    public enum Outcome {
        COMPLETED("COMPLETED"), COMPENSATED("COMPENSATED"), STUCK("STUCK"), HOSTILE("(not judged)");

        private final String state;

        Outcome(String state) {
            this.state = state;
        }

        public String state() {
            return state;
        }
    }

    private final Map<String, Instance> instances = new ConcurrentHashMap<>();
    private final AtomicLong failedSends = new AtomicLong();

    Instance plan(String correlationId, Outcome outcome, int records, boolean hostile) {
        Instance i = new Instance(correlationId, outcome, records, hostile);
        if (instances.putIfAbsent(correlationId, i) != null) {
            throw new IllegalStateException("correlation ID planned twice: " + correlationId);
        }
        return i;
    }

    void failed(Instance instance) {
        instance.failed();
        failedSends.incrementAndGet();
    }

    public Collection<Instance> instances() {
        return List.copyOf(instances.values());
    }

    public Instance instance(String correlationId) {
        return instances.get(correlationId);
    }

    /** Records the broker acknowledged. */
    public long producedRecords() {
        return instances.values().stream().mapToLong(i -> i.records().size()).sum();
    }

    /** Sends that failed for good (after the producer's own retries). */
    public long failedSends() {
        return failedSends.get();
    }
}
