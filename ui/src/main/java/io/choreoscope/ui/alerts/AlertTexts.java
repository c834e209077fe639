package io.choreoscope.ui.alerts;

import java.util.Locale;

import io.choreoscope.model.api.AlertKind;
import io.choreoscope.model.api.AlertRuleView;

/** How rules, kinds and values are written in the alert screens. */
final class AlertTexts {

    private AlertTexts() {
    }

    /** {@code Completion rate below}. */
    static String kind(AlertKind k) {
        String l = k.label() + (k.direction() == AlertKind.Direction.BELOW ? " below" : " above");
        return Character.toUpperCase(l.charAt(0)) + l.substring(1);
    }

    /** What the value is, its unit, when it fires and what a series is. */
    static String explain(AlertKind k) {
        return switch (k) {
            case COMPLETION_RATE_BELOW -> "Percent (0–100) of the flow's instances started in the window that "
                    + "completed, among those that finished. Fires when the value is below the threshold.";
            case STUCK_INSTANCES_ABOVE -> "Number of the flow's instances that are stuck now. Fires when above "
                    + "the threshold. No window.";
            case COMPENSATION_RATE_ABOVE -> "Percent (0–100) of the flow's finished instances in the window that "
                    + "were compensated. Fires when above the threshold.";
            case P95_DURATION_ABOVE -> "95th percentile of the end-to-end duration of the flow's instances "
                    + "finished in the window, in milliseconds. Fires when above the threshold.";
            case ORDERING_VIOLATION_RATE_ABOVE -> "Percent (0–100) of the transitions observed that were out of "
                    + "order, from the learned flow model (counted since learning began, no window). Fires when above.";
            case CONSUMER_LAG_ABOVE -> "Age in seconds of the oldest record a consumer group has not consumed "
                    + "yet. Fires when above the threshold. No window. One series per consumer group.";
            case DEAD_LETTER_GROWTH_ABOVE -> "Dead letters that arrived in the window, stamped up to an hour before it "
                    + "(Kafka Connect keeps a failed record's time): every record of the topics "
                    + "the regex names or, without one, every dead letter (topics named like dead-letter topics, and "
                    + "records whose headers say they were dead-lettered: RabbitMQ dead-letter exchanges, a Kafka tool's "
                    + "original-topic header). Fires when above the threshold (0: on the first one). One series per topic.";
        };
    }

    /**
     * Whether the kind reads a window. {@link AlertKind#usesWindow()} counts the ordering-violation rate in,
     * but the backend reads it cumulatively from the flow model (docs/ALERTS_AND_REPLAY.md), so the form
     * does not ask for a window there.
     */
    static boolean usesWindow(AlertKind k) {
        return k.usesWindow() && k != AlertKind.ORDERING_VIOLATION_RATE_ABOVE;
    }

    /** The unit after a number in a form: {@code %}, {@code instances}, {@code ms}, {@code s}, {@code records}. */
    static String unitWord(AlertKind k) {
        return k == AlertKind.STUCK_INSTANCES_ABOVE ? "instances" : k.unit().strip();
    }

    /** {@code 95}, {@code 2.5}, {@code 0.25}. */
    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.valueOf((long) v);
        }
        return String.format(Locale.ROOT, "%.2f", v).replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    /** {@code 86.5%}, {@code 7 instances}, {@code 1200 ms}; {@code –} for null. */
    static String value(AlertKind k, Double v) {
        if (v == null) {
            return "–";
        }
        return number(v) + (k == AlertKind.STUCK_INSTANCES_ABOVE ? " instances" : k.unit());
    }

    /** {@code < 95%}, {@code > 3 instances}. */
    static String threshold(AlertKind k, double t) {
        return (k.direction() == AlertKind.Direction.BELOW ? "< " : "> ") + value(k, t);
    }

    /** The flow, consumer group or topic regex the rule watches, or what it watches when none is named. */
    static String target(AlertRuleView r) {
        if (r.flow() != null) {
            return r.flow();
        }
        if (r.subject() != null) {
            return r.subject();
        }
        return switch (r.kind().scope()) {
            case FLOW -> "All flows";
            case CONSUMER_GROUP -> "All consumer groups";
            case TOPIC -> "All dead letters";
        };
    }
}
