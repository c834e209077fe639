package io.choreoscope.faults;

import java.util.List;
import java.util.Locale;

/**
 * The figures of one fault, all counted against the {@link Oracle}.
 *
 * @param recordsProduced   records the broker acknowledged
 * @param failedSends       sends that failed for good (not in the oracle)
 * @param recordsVisible    acknowledged records that instance details show (by topic, partition, offset)
 * @param lost              acknowledged records no instance detail shows
 * @param duplicates        rows shown more than once (same coordinates, or same event ID at other coordinates), plus
 *                          instances listed more than once
 * @param extra             rows shown under the suite's IDs that were never acknowledged
 * @param instancesExpected instances produced
 * @param instancesVisible  instances the API knows (detail 200, not 404)
 * @param wrongStates       judged instances listed with another state or event count than the oracle's, or not listed
 * @param payloadMismatches hostile records whose raw payload, read back, differs from the bytes sent
 * @param faultSeconds      how long the fault lasted (its injection to its end)
 * @param recoverySeconds   from the fault's end until the API showed the oracle's figures for every instance
 *                          acknowledged by then; null when it did not within the timeout
 * @param notes             what else was seen (app restarts, health)
 */
public record FaultResult(Fault fault, long instancesExpected, long recordsProduced, long failedSends, long recordsVisible,
                          long lost, long duplicates, long extra, long instancesVisible, long wrongStates,
                          long payloadMismatches, double faultSeconds, Double recoverySeconds, List<String> notes) {

    /** Nothing lost, duplicated, invented or wrong, and recovered within the timeout. */
    public boolean clean() {
        return failedSends == 0 && lost == 0 && duplicates == 0 && extra == 0 && instancesVisible == instancesExpected
                && wrongStates == 0 && payloadMismatches == 0 && recoverySeconds != null;
    }

    public static String header() {
        return "| fault | records produced | visible | lost | duplicated | instances produced | visible | wrong state | fault lasted | recovery |\n"
                + "|---|---|---|---|---|---|---|---|---|---|";
    }

    public String row() {
        return String.format(Locale.ROOT, "| (%c) %s | %d%s | %d | %d | %d%s | %d | %d | %d%s | %.1f s | %s |",
                fault.letter(), fault.description(), recordsProduced, failedSends > 0 ? " (+" + failedSends + " failed)" : "",
                recordsVisible, lost, duplicates, extra > 0 ? " (+" + extra + " unacknowledged)" : "",
                instancesExpected, instancesVisible, wrongStates,
                payloadMismatches > 0 ? " (" + payloadMismatches + " payloads differ)" : "", faultSeconds,
                recoverySeconds == null ? "not recovered" : String.format(Locale.ROOT, "%.1f s", recoverySeconds));
    }
}
