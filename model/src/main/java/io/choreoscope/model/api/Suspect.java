package io.choreoscope.model.api;

import io.choreoscope.model.SuspectReader.Source;

/**
 * A value over-represented among a flow's stuck or failed instances: at {@code step}, {@code field} (a JSON pointer
 * for a payload field, a header name, a span attribute key) held {@code value} in {@code stuckInstances} stuck or
 * failed instances ({@code stuckShare} of them) and in {@code completedInstances} completed ones
 * ({@code completedShare}); {@code lift} is how many times likelier the value is among the stuck (docs/INFERENCE.md).
 */
public record Suspect(String step, Source source, String field, String value, long stuckInstances, double stuckShare,
                      long completedInstances, double completedShare, double lift) {

    /** "sku = kettle-5: 80% of stuck, 11% of completed" (payload pointers shown with dots). */
    public String sentence() {
        String name = source == Source.PAYLOAD && field.startsWith("/")
                ? field.substring(1).replace('/', '.').replace("~1", "/").replace("~0", "~") : field;
        return name + " = " + value + ": " + percent(stuckShare) + " of stuck, " + percent(completedShare) + " of completed";
    }

    private static String percent(double share) {
        long p = Math.round(share * 100);
        return (p == 0 && share > 0 ? "<1" : Long.toString(p)) + "%";
    }
}
