package io.choreoscope.ui.graph;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Which event types are compensations or failures, by name. The same default globs as the backend's
 * inference ({@code InferenceSettings.DEFAULT_COMPENSATION_PATTERNS} / {@code DEFAULT_FAILURE_PATTERNS}),
 * because the API's flow model does not flag them; used only to colour the graphs.
 */
public final class StepKinds {

    public static final List<String> COMPENSATION_PATTERNS =
            List.of("*Refunded", "*Cancelled", "*Canceled", "*Released", "*Compensat*", "*Reverted", "*RolledBack");
    public static final List<String> FAILURE_PATTERNS = List.of("*Failed", "*Rejected", "*Declined", "*TimedOut");

    private static final List<Pattern> COMPENSATION = compile(COMPENSATION_PATTERNS);
    private static final List<Pattern> FAILURE = compile(FAILURE_PATTERNS);

    private StepKinds() {
    }

    public static boolean isCompensation(String eventType) {
        return eventType != null && COMPENSATION.stream().anyMatch(p -> p.matcher(eventType).matches());
    }

    public static boolean isFailure(String eventType) {
        return eventType != null && FAILURE.stream().anyMatch(p -> p.matcher(eventType).matches());
    }

    private static List<Pattern> compile(List<String> globs) {
        return globs.stream()
                .map(g -> Pattern.compile(Pattern.quote(g).replace("*", "\\E.*\\Q"), Pattern.CASE_INSENSITIVE))
                .toList();
    }
}
