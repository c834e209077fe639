package io.choreoscope.faults;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the inference loop's stage timers ({@code choreoscope.inference.stage}, tagged {@code stage}) out of a
 * process's {@code /prometheus} text: count, mean, the p50 and p95 Micrometer publishes (over its recent window, about
 * two minutes) and the max, for the stages that make up a worker's part of freshness.
 */
final class LoopStageLines {
    static final List<String> STAGES = List.of("age-newest", "apply", "write", "evaluate");
    private static final Pattern LINE = Pattern.compile(
            "^choreoscope_inference_stage_seconds(_count|_sum|_max)?\\{([^}]*)}\\s+(\\S+)");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    private LoopStageLines() {
    }

    /** One line: each of {@link #STAGES} the text has, e.g. {@code write: 412, mean 85 ms, p50 70 / p95 180 ms, max 320 ms}. */
    static String summary(String prometheusText) {
        Map<String, Map<String, Double>> byStage = new LinkedHashMap<>();
        for (String line : prometheusText.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (!m.find()) {
                continue;
            }
            String stage = null;
            String quantile = null;
            Matcher l = LABEL.matcher(m.group(2));
            while (l.find()) {
                if (l.group(1).equals("stage")) {
                    stage = l.group(2);
                } else if (l.group(1).equals("quantile")) {
                    quantile = l.group(2);
                }
            }
            if (stage == null) {
                continue;
            }
            String key = m.group(1) != null ? m.group(1).substring(1) : quantile == null ? null : "q" + quantile;
            if (key != null) {
                byStage.computeIfAbsent(stage, s -> new LinkedHashMap<>()).put(key, Double.parseDouble(m.group(3)));
            }
        }
        List<String> parts = new ArrayList<>();
        for (String stage : STAGES) {
            Map<String, Double> v = byStage.get(stage);
            if (v == null || v.getOrDefault("count", 0.0) == 0) {
                continue;
            }
            double count = v.get("count");
            parts.add(String.format(Locale.ROOT, "%s: %,d, mean %.0f ms, p50 %.0f / p95 %.0f ms, max %.0f ms", stage,
                    (long) count, v.getOrDefault("sum", 0.0) * 1000 / count, v.getOrDefault("q0.5", Double.NaN) * 1000,
                    v.getOrDefault("q0.95", Double.NaN) * 1000, v.getOrDefault("max", Double.NaN) * 1000));
        }
        return parts.isEmpty() ? "(none timed)" : "(" + String.join("; ", parts) + ")";
    }
}
