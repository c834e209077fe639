package io.choreoscope.model.api;

/**
 * What a rule watches, the unit of its threshold and value, and which way is bad. Rates are in
 * percent (0..100), durations in milliseconds, lag in seconds, counts in records or instances.
 */
public enum AlertKind {
    /** Completed / finished instances of the flow started in the window, percent; fires when below. */
    COMPLETION_RATE_BELOW(Direction.BELOW, Scope.FLOW, "completion rate", "%"),
    /** Instances of the flow stuck now; fires when above. The window is not used. */
    STUCK_INSTANCES_ABOVE(Direction.ABOVE, Scope.FLOW, "stuck instances", ""),
    /** Compensated / finished instances of the flow in the window, percent; fires when above. */
    COMPENSATION_RATE_ABOVE(Direction.ABOVE, Scope.FLOW, "compensation rate", "%"),
    /** 95th percentile of the end-to-end duration of instances finished in the window, ms; fires when above. */
    P95_DURATION_ABOVE(Direction.ABOVE, Scope.FLOW, "p95 duration", " ms"),
    /**
     * Age of the oldest record a consumer group has not consumed yet, seconds, per group; fires when
     * above. {@code subject}: the consumer group (null: every group). The window is not used.
     */
    CONSUMER_LAG_ABOVE(Direction.ABOVE, Scope.CONSUMER_GROUP, "consumer lag", " s"),
    /**
     * Records that arrived on a dead-letter topic in the window, per topic; fires when above.
     * {@code subject}: a topic regex (null: {@code choreoscope.alerts.dead-letter-topics}).
     */
    DEAD_LETTER_GROWTH_ABOVE(Direction.ABOVE, Scope.TOPIC, "dead-letter growth", " records"),
    /** Instances of the flow in the window with an out-of-order event, percent; fires when above. */
    ORDERING_VIOLATION_RATE_ABOVE(Direction.ABOVE, Scope.FLOW, "ordering-violation rate", "%");

    /** Which side of the threshold is bad. */
    public enum Direction { ABOVE, BELOW }

    /** What one series of the rule is: a flow, a consumer group or a topic. */
    public enum Scope { FLOW, CONSUMER_GROUP, TOPIC }

    private final Direction direction;
    private final Scope scope;
    private final String label;
    private final String unit;

    AlertKind(Direction direction, Scope scope, String label, String unit) {
        this.direction = direction;
        this.scope = scope;
        this.label = label;
        this.unit = unit;
    }

    public Direction direction() { return direction; }
    public Scope scope() { return scope; }
    /** Words for people, e.g. "completion rate". */
    public String label() { return label; }
    /** Unit suffix for values, e.g. "%", " ms". */
    public String unit() { return unit; }

    /** True for kinds whose value is a percentage (threshold must lie in 0..100). */
    public boolean isPercent() {
        return "%".equals(unit);
    }

    /** True for kinds that look at a window of time. */
    public boolean usesWindow() {
        return this != STUCK_INSTANCES_ABOVE && this != CONSUMER_LAG_ABOVE;
    }
}
