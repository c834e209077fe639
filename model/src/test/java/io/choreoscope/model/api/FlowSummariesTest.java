package io.choreoscope.model.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class FlowSummariesTest {

    private static FlowSummary flow(String name, long started) {
        return new FlowSummary(name, 3600, 0, started, 0, 0, 0, 0, 0, null, null, null, null, List.of());
    }

    private static final List<FlowSummary> ALL = List.of(flow("SignupStarted", 5), flow("OrderPlaced", 40),
            flow("orderRefunded", 5), flow("ReturnRequested", 0), flow("BackorderPlaced", 40));

    private static List<String> names(FlowSummaries.Narrowed n) {
        return n.flows().stream().map(FlowSummary::flow).toList();
    }

    @Test
    void withoutTextOrLimitEveryFlowComesByName() {
        FlowSummaries.Narrowed n = FlowSummaries.narrow(ALL, null, FlowSummaries.Order.FLOW, 0);
        assertThat(names(n)).containsExactly("BackorderPlaced", "OrderPlaced", "ReturnRequested", "SignupStarted",
                "orderRefunded");
        assertThat(n.matching()).isEqualTo(5);
        assertThat(n.total()).isEqualTo(5);
    }

    @Test
    void theBusiestComeFirstAndTiesByName() {
        FlowSummaries.Narrowed n = FlowSummaries.narrow(ALL, "  ", FlowSummaries.Order.STARTED, 0);
        assertThat(names(n)).containsExactly("BackorderPlaced", "OrderPlaced", "SignupStarted", "orderRefunded",
                "ReturnRequested");
    }

    @Test
    void theTextMatchesAnyPartOfTheNameInAnyCaseAndTheLimitCutsAfterTheOrder() {
        FlowSummaries.Narrowed n = FlowSummaries.narrow(ALL, " ORDER ", FlowSummaries.Order.STARTED, 2);
        assertThat(names(n)).containsExactly("BackorderPlaced", "OrderPlaced");
        assertThat(n.matching()).isEqualTo(3);
        assertThat(n.total()).isEqualTo(5);
    }

    @Test
    void aTextNoNameHoldsMatchesNothingAndSaysSo() {
        FlowSummaries.Narrowed n = FlowSummaries.narrow(ALL, "<b>'; DROP", FlowSummaries.Order.FLOW, 10);
        assertThat(n.flows()).isEmpty();
        assertThat(n.matching()).isZero();
        assertThat(n.total()).isEqualTo(5);
    }

    @Test
    void ordersAreNamedInAnyCase() {
        assertThat(FlowSummaries.Order.parse("Started")).isEqualTo(FlowSummaries.Order.STARTED);
        assertThat(FlowSummaries.Order.parse("flow")).isEqualTo(FlowSummaries.Order.FLOW);
        assertThat(FlowSummaries.Order.parse("name")).isNull();
    }
}
