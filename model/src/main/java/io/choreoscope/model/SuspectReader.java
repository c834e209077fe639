package io.choreoscope.model;

import java.time.Instant;
import java.util.List;

/**
 * Reads, for one flow and window, how many stuck-or-failed and how many completed instances carry each value of each
 * payload field, header and producer-span attribute, per step: the counts {@code inference/Suspects} ranks. Reads that
 * cannot be answered throw {@link StorageException}.
 */
public interface SuspectReader {

    /** Where a value was found. */
    enum Source {
        /** a payload field: top-level or one level down, named by its JSON pointer ({@code /sku}, {@code /customer/tier}) */
        PAYLOAD,
        /** a record header, by name */
        HEADER,
        /** an attribute of the span that produced the step's record, by key */
        SPAN
    }

    /**
     * One value at one step: {@code bad} stuck or failed instances and {@code good} completed ones carry it (each
     * instance counted once however many of its records do).
     */
    record ValueCount(String step, Source source, String field, String value, long bad, long good) {
    }

    /**
     * @param bad     stuck or failed instances read
     * @param good    completed instances read
     * @param sampled true when the window held more instances of an outcome than were read (the newest were read)
     * @param values  the values carried by at least the asked number of bad instances
     */
    record Counts(long bad, long good, boolean sampled, List<ValueCount> values) {
        public Counts {
            values = List.copyOf(values);
        }
    }

    /**
     * The counts for the instances of {@code flow} started in [{@code from}, {@code to}) and now STUCK or FAILED (bad) or
     * COMPLETED (good): at most {@code maxPerOutcome} of each outcome, the newest; only values that at least
     * {@code minBad} bad instances carry, at most {@code maxValues} of them (most bad instances first). Records on topics
     * whose whole name matches {@code excludeTopicRegex} (RE2; dead-letter copies) are left out: their headers say how
     * the instance failed, not what it has in common with others. Payload fields are read from the decoded JSON (or the
     * JSON payload) of records of at most 64 KiB; values are JSON scalars as text (strings unquoted), objects and arrays
     * one level down are not values.
     */
    Counts valueCounts(String flow, Instant from, Instant to, int maxPerOutcome, long minBad, int maxValues,
                       String excludeTopicRegex);
}
