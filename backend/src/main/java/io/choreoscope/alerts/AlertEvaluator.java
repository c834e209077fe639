package io.choreoscope.alerts;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.choreoscope.model.api.AlertKind;

/**
 * The alert state machine, one per (rule, series): INACTIVE → PENDING → FIRING → INACTIVE (resolved).
 * Plain class: readings and the time come in, transitions come out; no I/O, no clock of its own.
 * Thread-safe (every method is synchronized; evaluation is cheap).
 *
 * <ul>
 *   <li><b>Breach</b>: value strictly past the threshold ({@code > threshold} for ABOVE kinds,
 *       {@code < threshold} for BELOW kinds). A value exactly at the threshold is not a breach.</li>
 *   <li>INACTIVE + breach → PENDING (since now); with {@code for = 0} straight to FIRING.</li>
 *   <li>PENDING + breach, breached for at least {@code for} → FIRING. PENDING + no breach → INACTIVE
 *       ({@link Change#CLEARED}): the {@code for} clock starts again at the next breach.</li>
 *   <li>FIRING → INACTIVE ({@link Change#RESOLVED}) only once the value is back past the threshold by the
 *       hysteresis ({@code <= threshold - hysteresis} for ABOVE, {@code >= threshold + hysteresis} for
 *       BELOW), so a value wobbling around the threshold does not flap.</li>
 *   <li>No data (null value, or the series is missing from the readings): PENDING clears, FIRING stays
 *       (an alert is not resolved by silence of its source).</li>
 *   <li>Silence: the machine runs as usual, but a FIRING reached while silenced is not
 *       {@linkplain Transition#announce() announced}. If it is still firing when the silence ends, the next
 *       evaluation emits {@link Change#ANNOUNCE}. A resolution is announced only when its firing was.</li>
 * </ul>
 */
public final class AlertEvaluator {

    /** State of one series of one rule. */
    public enum State { INACTIVE, PENDING, FIRING }

    /** What happened to a series in one evaluation. */
    public enum Change {
        /** The threshold was crossed; waiting for the {@code for} duration. */
        PENDING,
        /** The series fires (after {@code for}). */
        FIRING,
        /** A firing that was held back by a silence is announced now that the silence ended. */
        ANNOUNCE,
        /** A firing series recovered past the hysteresis band. */
        RESOLVED,
        /** A pending series recovered (or lost its data) before the {@code for} duration. */
        CLEARED
    }

    /**
     * One state change.
     *
     * @param value        the value that caused it (null for CLEARED by missing data)
     * @param pendingSince when the threshold was first crossed (null for CLEARED)
     * @param firedAt      for FIRING/ANNOUNCE/RESOLVED: when the series started firing
     * @param announce     true when a notification is due for this change
     */
    public record Transition(long ruleId, String series, Change change, Double value, Instant at,
                             Instant pendingSince, Instant firedAt, boolean announce) {
    }

    private static final class SeriesState {
        State state = State.INACTIVE;
        Instant pendingSince;
        Instant firedAt;
        boolean announced;
    }

    private final Map<Long, Map<String, SeriesState>> states = new HashMap<>();

    /**
     * Evaluates one rule against the readings of this round. Readings with a series not seen before
     * start in INACTIVE; known series missing from {@code readings} count as "no data".
     *
     * @return the transitions, in series order
     */
    public synchronized List<Transition> evaluate(AlertRule rule, List<KpiReading> readings, Instant now) {
        long ruleId = rule.id();
        Map<String, SeriesState> series = states.computeIfAbsent(ruleId, k -> new HashMap<>());
        Map<String, Double> values = new TreeMap<>();
        for (String known : series.keySet()) {
            values.put(known, null);
        }
        for (KpiReading r : readings) {
            values.put(r.series(), r.value());
        }
        boolean silenced = rule.silencedAt(now);
        List<Transition> out = new ArrayList<>();
        for (Map.Entry<String, Double> e : values.entrySet()) {
            SeriesState s = series.computeIfAbsent(e.getKey(), k -> new SeriesState());
            Transition t = step(rule, e.getKey(), s, e.getValue(), now, silenced);
            if (t != null) {
                out.add(t);
            }
            if (s.state == State.INACTIVE) {
                series.remove(e.getKey()); // nothing to remember; keeps "all flows" rules small
            }
        }
        return out;
    }

    private static Transition step(AlertRule rule, String name, SeriesState s, Double value, Instant now, boolean silenced) {
        long ruleId = rule.id();
        if (value == null || value.isNaN()) {
            if (s.state == State.PENDING) {
                s.state = State.INACTIVE;
                s.pendingSince = null;
                return new Transition(ruleId, name, Change.CLEARED, null, now, null, null, false);
            }
            return announceIfDue(rule, name, s, null, now, silenced);
        }
        boolean breach = breaches(rule, value);
        switch (s.state) {
            case INACTIVE -> {
                if (!breach) {
                    return null;
                }
                s.pendingSince = now;
                if (rule.forMs() <= 0) {
                    return fire(ruleId, name, s, value, now, silenced);
                }
                s.state = State.PENDING;
                return new Transition(ruleId, name, Change.PENDING, value, now, now, null, false);
            }
            case PENDING -> {
                if (!breach) {
                    Instant since = s.pendingSince;
                    s.state = State.INACTIVE;
                    s.pendingSince = null;
                    return new Transition(ruleId, name, Change.CLEARED, value, now, since, null, false);
                }
                if (Duration.between(s.pendingSince, now).toMillis() >= rule.forMs()) {
                    return fire(ruleId, name, s, value, now, silenced);
                }
                return null;
            }
            case FIRING -> {
                if (recovered(rule, value)) {
                    Transition t = new Transition(ruleId, name, Change.RESOLVED, value, now, s.pendingSince, s.firedAt,
                            s.announced);
                    s.state = State.INACTIVE;
                    s.pendingSince = null;
                    s.firedAt = null;
                    s.announced = false;
                    return t;
                }
                return announceIfDue(rule, name, s, value, now, silenced);
            }
            default -> throw new IllegalStateException("unknown state " + s.state);
        }
    }

    private static Transition fire(long ruleId, String name, SeriesState s, double value, Instant now, boolean silenced) {
        s.state = State.FIRING;
        s.firedAt = now;
        s.announced = !silenced;
        return new Transition(ruleId, name, Change.FIRING, value, now, s.pendingSince, now, !silenced);
    }

    private static Transition announceIfDue(AlertRule rule, String name, SeriesState s, Double value, Instant now,
                                            boolean silenced) {
        if (s.state == State.FIRING && !s.announced && !silenced) {
            s.announced = true;
            return new Transition(rule.id(), name, Change.ANNOUNCE, value, now, s.pendingSince, s.firedAt, true);
        }
        return null;
    }

    /** Strictly past the threshold on the bad side. */
    static boolean breaches(AlertRule rule, double value) {
        return rule.kind().direction() == AlertKind.Direction.ABOVE ? value > rule.threshold() : value < rule.threshold();
    }

    /** Back on the good side by at least the hysteresis. */
    static boolean recovered(AlertRule rule, double value) {
        double h = Math.max(0, rule.hysteresis());
        return rule.kind().direction() == AlertKind.Direction.ABOVE
                ? value <= rule.threshold() - h
                : value >= rule.threshold() + h;
    }

    /**
     * Puts a series back into FIRING, e.g. from the open firings in the store after a restart.
     *
     * @param announced whether its firing was announced (a notification was due)
     */
    public synchronized void restoreFiring(long ruleId, String series, Instant pendingSince, Instant firedAt,
                                           boolean announced) {
        SeriesState s = states.computeIfAbsent(ruleId, k -> new HashMap<>()).computeIfAbsent(series, k -> new SeriesState());
        s.state = State.FIRING;
        s.pendingSince = pendingSince == null ? firedAt : pendingSince;
        s.firedAt = firedAt;
        s.announced = announced;
    }

    /**
     * Drops every state of a rule (deleted or disabled) and returns the series that were firing, with
     * whether each had been announced, so that the caller can resolve and announce them.
     */
    public synchronized Map<String, Boolean> forget(long ruleId) {
        Map<String, SeriesState> series = states.remove(ruleId);
        Map<String, Boolean> firing = new LinkedHashMap<>();
        if (series != null) {
            new TreeMap<>(series).forEach((name, s) -> {
                if (s.state == State.FIRING) {
                    firing.put(name, s.announced);
                }
            });
        }
        return firing;
    }

    /** The state of one series; INACTIVE when unknown. */
    public synchronized State state(long ruleId, String series) {
        SeriesState s = states.getOrDefault(ruleId, Map.of()).get(series);
        return s == null ? State.INACTIVE : s.state;
    }

    /** Series of a rule in a given state, sorted. */
    public synchronized List<String> series(long ruleId, State state) {
        List<String> out = new ArrayList<>();
        new TreeMap<>(states.getOrDefault(ruleId, Map.of())).forEach((name, s) -> {
            if (s.state == state) {
                out.add(name);
            }
        });
        return out;
    }
}
