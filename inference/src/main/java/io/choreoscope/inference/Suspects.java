package io.choreoscope.inference;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.choreoscope.model.SuspectReader;
import io.choreoscope.model.api.Suspect;

/**
 * What stuck instances have in common: which values (payload fields, headers, producer-span attributes, per step) are
 * over-represented among a flow's stuck or failed instances compared with its completed ones (docs/INFERENCE.md,
 * "What stuck instances have in common"). Plain Java over the counts a {@link SuspectReader} answers.
 *
 * <p>For a value held by {@code b} of the {@code B} stuck-or-failed instances and {@code g} of the {@code G} completed
 * ones: stuck share {@code b / B}, completed share {@code g / G}, and
 * <pre>lift = (b / B) / ((g + 1) / (G + 1))</pre>
 * the stuck share over the completed share with one completed instance added to both counts (add-one smoothing): a
 * value never seen completed gets a finite lift that grows with the evidence on both sides, and a handful of
 * completed instances cannot make a lift huge. A value is a suspect when {@code b >=} {@value #MIN_INSTANCES},
 * {@code b / B >=} {@value #MIN_STUCK_SHARE} and {@code lift >=} {@value #MIN_LIFT}. Within a step, suspects rank by
 * lift, then by {@code b}; steps are listed in the order of their best suspect; at most {@value #MAX_PER_STEP} per step.
 */
public final class Suspects {
    /** Fewest stuck instances that must carry a value: single instances make noise, not suspects. */
    public static final int MIN_INSTANCES = 3;
    /** Smallest share of the stuck instances that must carry a value. */
    public static final double MIN_STUCK_SHARE = 0.10;
    /** Smallest lift (smoothed stuck share over completed share). */
    public static final double MIN_LIFT = 2.0;
    /** Most suspects listed per step. */
    public static final int MAX_PER_STEP = 10;

    private static final Comparator<Suspect> BEST_FIRST = Comparator.comparingDouble(Suspect::lift).reversed()
            .thenComparing(Comparator.comparingLong(Suspect::stuckInstances).reversed())
            .thenComparing(Suspect::source).thenComparing(Suspect::field).thenComparing(Suspect::value);

    private Suspects() {
    }

    /** The lift of a value held by {@code bad} of {@code badTotal} stuck and {@code good} of {@code goodTotal} completed. */
    public static double lift(long bad, long badTotal, long good, long goodTotal) {
        if (badTotal <= 0) {
            return 0;
        }
        return ((double) bad / badTotal) / ((good + 1.0) / (goodTotal + 1.0));
    }

    /** The suspects among the counts, best first within each step, steps by their best suspect. */
    public static List<Suspect> rank(SuspectReader.Counts counts) {
        long badTotal = counts.bad();
        long goodTotal = counts.good();
        if (badTotal <= 0) {
            return List.of();
        }
        List<Suspect> all = new ArrayList<>();
        for (SuspectReader.ValueCount v : counts.values()) {
            if (v.step() == null || v.field() == null || v.value() == null || v.bad() < MIN_INSTANCES) {
                continue;
            }
            long bad = Math.min(v.bad(), badTotal);
            long good = Math.max(0, Math.min(v.good(), goodTotal));
            double stuckShare = (double) bad / badTotal;
            double lift = lift(bad, badTotal, good, goodTotal);
            if (stuckShare < MIN_STUCK_SHARE || lift < MIN_LIFT) {
                continue;
            }
            all.add(new Suspect(v.step(), v.source(), v.field(), v.value(), bad, stuckShare, good,
                    goodTotal == 0 ? 0 : (double) good / goodTotal, lift));
        }
        all.sort(BEST_FIRST);
        Map<String, List<Suspect>> bySteps = new LinkedHashMap<>();
        for (Suspect s : all) {
            List<Suspect> step = bySteps.computeIfAbsent(s.step(), k -> new ArrayList<>());
            if (step.size() < MAX_PER_STEP) {
                step.add(s);
            }
        }
        List<Suspect> out = new ArrayList<>();
        bySteps.values().forEach(out::addAll);
        return out;
    }
}
