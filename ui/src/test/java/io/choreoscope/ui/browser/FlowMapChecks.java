package io.choreoscope.ui.browser;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.microsoft.playwright.Page;

/**
 * What a person must be able to read on the flow map (issue 15), checked on the drawn graph of a page showing
 * {@code #flow-graph}. Shared through the ui test-jar: {@code UiBrowserIT} checks it on the test fixtures' API,
 * the e2e module's {@code DemoFlowMapBrowserTest} on the real application after the demo's traffic.
 */
public final class FlowMapChecks {
    private FlowMapChecks() {
    }

    /**
     * After "fit": the start step leftmost, the end step rightmost (in the last column), exactly {@code transitions}
     * arrows drawn and at most 12, no node or edge label drawn smaller than 11 px (measured from the drawn graph:
     * font size times zoom), no arrow's label under the box of the step it leaves or enters, and no arrow drawn across
     * the box of a step that is not one of its ends.
     *
     * @return the graph's {@code metrics()} as drawn, for further checks and reports
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> assertMapIsReadable(Page page, String start, String end, int transitions) {
        Map<String, Object> m = (Map<String, Object>) page.evaluate("() => document.querySelector('#flow-graph').metrics()");
        System.out.println("flow map metrics: " + m);
        assertThat(((Number) m.get("edges")).intValue()).as("arrows drawn").isEqualTo(transitions).isLessThanOrEqualTo(12);
        assertThat(((Number) m.get("minNodeLabelPx")).doubleValue()).as("smallest step label, px").isGreaterThanOrEqualTo(11.0);
        assertThat(((Number) m.get("minEdgeLabelPx")).doubleValue()).as("smallest arrow label, px").isGreaterThanOrEqualTo(11.0);
        assertThat((List<String>) m.get("labelsUnderNodes")).as("arrows whose label a step's box hides in part").isEmpty();
        assertThat((List<String>) m.get("arrowsThroughBoxes")).as("arrows drawn across another step's box").isEmpty();
        Map<String, Map<String, Number>> pos = (Map<String, Map<String, Number>>) m.get("positions");
        assertThat(pos).as("steps drawn").containsKeys(start, end);
        // ELK aligns the boxes of a layer on their left edges: compare those
        Function<Map<String, Number>, Double> left = p -> p.get("x").doubleValue() - p.get("w").doubleValue() / 2;
        double startX = left.apply(pos.get(start));
        double endX = left.apply(pos.get(end));
        for (Map.Entry<String, Map<String, Number>> e : pos.entrySet()) {
            double x = left.apply(e.getValue());
            if (!e.getKey().equals(start)) {
                assertThat(x).as(e.getKey() + " right of the start " + start).isGreaterThan(startX);
            }
            if (!e.getKey().equals(end)) {
                assertThat(x).as(e.getKey() + " not right of the end " + end).isLessThanOrEqualTo(endX);
            }
        }
        return m;
    }
}
