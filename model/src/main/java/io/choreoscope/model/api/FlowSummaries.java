package io.choreoscope.model.api;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Narrows a window's flow summaries as {@code GET /flows?q&sort&limit} does: the flows whose name contains a text (any
 * case), in an order, at most a number of them, with how many matched and how many there were. The UI's fake API
 * narrows with the same code.
 */
public final class FlowSummaries {

    /** Header of a {@code /flows} answer: how many flows matched {@code q} before {@code limit} cut them. */
    public static final String MATCHING_HEADER = "X-Total-Count";
    /** Header of a {@code /flows} answer: how many flows the window has, before {@code q} narrowed them. */
    public static final String FLOWS_HEADER = "X-Flow-Count";

    /** Most flows one answer holds when a limit is asked for. */
    public static final int MAX_LIMIT = 1_000;

    /** The order of an answer. */
    public enum Order {
        /** By flow name (the default). */
        FLOW,
        /** Most instances started in the window first, then by name: the busiest first. */
        STARTED;

        /** The order a query parameter names ({@code flow} or {@code started}, any case); null when none does. */
        public static Order parse(String text) {
            for (Order o : values()) {
                if (o.name().equalsIgnoreCase(text)) {
                    return o;
                }
            }
            return null;
        }
    }

    /**
     * What an answer holds.
     *
     * @param flows    the flows, in the order asked for, at most the limit
     * @param matching how many flows the text matched before the limit cut them
     * @param total    how many flows there were before the text narrowed them
     */
    public record Narrowed(List<FlowSummary> flows, int matching, int total) {
    }

    /** The order of {@link Order#FLOW}: by flow name. */
    public static final Comparator<FlowSummary> BY_FLOW = Comparator.comparing(FlowSummary::flow);
    private static final Comparator<FlowSummary> BUSIEST =
            Comparator.comparingLong(FlowSummary::started).reversed().thenComparing(BY_FLOW);

    private FlowSummaries() {
    }

    /**
     * The flows of {@code all} whose name contains {@code contains} (null or blank: all), ordered by {@code order}, the
     * first {@code limit} of them (0: all).
     */
    public static Narrowed narrow(List<FlowSummary> all, String contains, Order order, int limit) {
        String text = contains == null ? "" : contains.strip().toLowerCase(Locale.ROOT);
        List<FlowSummary> matching = text.isEmpty() ? all
                : all.stream().filter(f -> f.flow().toLowerCase(Locale.ROOT).contains(text)).toList();
        List<FlowSummary> sorted = matching.stream().sorted(order == Order.STARTED ? BUSIEST : BY_FLOW)
                .limit(limit > 0 ? limit : Long.MAX_VALUE).toList();
        return new Narrowed(sorted, matching.size(), all.size());
    }
}
