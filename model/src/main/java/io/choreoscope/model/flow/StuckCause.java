package io.choreoscope.model.flow;

import java.util.List;

/**
 * Why an instance is stuck, from the evidence choreoscope has, most specific kind first (docs/INFERENCE.md, "Why it
 * is stuck").
 *
 * @param kind     what the evidence shows
 * @param service  the service the cause is about (the one that dead-lettered, failed, stayed silent or is waited on),
 *                 or null when unknown
 * @param detail   one sentence for people, e.g. {@code shipping consumed StockReserved at 06:52:04.8 and produced
 *                 nothing since}
 * @param evidence what it rests on, each item short and self-describing (a record's coordinates, a span ID, a count)
 */
public record StuckCause(Kind kind, String service, String detail, List<String> evidence) {
    public StuckCause {
        evidence = evidence == null ? List.of() : List.copyOf(evidence);
    }

    /** Kinds of cause, most specific first: the first that the evidence supports is the cause. */
    public enum Kind {
        /** The record that should have triggered the next step has a copy on a dead-letter topic. */
        DEAD_LETTERED,
        /** The waiting service's consumer span for the last event ended with an error status. */
        ERROR_SPAN,
        /** The waiting service consumed the last event and produced nothing since. */
        CONSUMED_NO_OUTPUT,
        /** The waiting service shows no consumer activity on the last event's topic since it (down or lagging). */
        NO_CONSUMER_ACTIVITY,
        /** Nothing explains it. */
        NO_EVIDENCE
    }

    /** The text stuck instances are grouped by: the kind and the service, e.g. {@code CONSUMED_NO_OUTPUT shipping}. */
    public String groupKey() {
        return kind + (service == null ? "" : " " + service);
    }

    /** The group's words for people, e.g. {@code shipping consumed and produced nothing}. */
    public String groupLabel() {
        String who = service == null ? "an unknown service" : service;
        return switch (kind) {
            case DEAD_LETTERED -> "dead-lettered by " + who;
            case ERROR_SPAN -> who + " failed (error span)";
            case CONSUMED_NO_OUTPUT -> who + " consumed and produced nothing";
            case NO_CONSUMER_ACTIVITY -> who + " shows no consumer activity";
            case NO_EVIDENCE -> "no evidence" + (service == null ? "" : " (waiting on " + service + ")");
        };
    }
}
