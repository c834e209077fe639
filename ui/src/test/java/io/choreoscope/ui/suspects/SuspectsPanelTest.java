package io.choreoscope.ui.suspects;

import static com.github.mvysny.kaributesting.v10.LocatorJ._get;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.vaadin.flow.component.html.Span;

import io.choreoscope.model.SuspectReader.Source;
import io.choreoscope.model.api.Suspect;
import io.choreoscope.ui.KaribuTest;
import io.choreoscope.ui.client.SampleData;

class SuspectsPanelTest extends KaribuTest {

    private void plant() {
        api.suspects.put(SampleData.ORDER_FLOW, List.of(
                new Suspect("StockReserved", Source.PAYLOAD, "/sku", "kettle-5", 8, 0.8, 11, 0.11, 7.3),
                new Suspect("StockReserved", Source.HEADER, "region", "eu-north", 5, 0.5, 20, 0.2, 2.5),
                new Suspect("OrderPlaced", Source.PAYLOAD, "/customer/tier", "gold", 4, 0.4, 2, 0.02, 13.5)));
    }

    @Test
    void theFlowPageShowsTheOverRepresentedValuesPerStep() {
        plant();
        navigate("flows/" + SampleData.ORDER_FLOW);
        SuspectsPanel panel = _get(SuspectsPanel.class);
        assertThat(panel.isVisible()).isTrue();
        assertThat(panel.sentences()).containsExactly("sku = kettle-5: 80% of stuck, 11% of completed",
                "region = eu-north: 50% of stuck, 20% of completed", "customer.tier = gold: 40% of stuck, 2% of completed");
        assertThat(_get(Span.class, s -> s.withId("suspects-summary")).getText())
                .contains("stuck or failed vs").contains("at least 3");
        assertThat(api.calls()).anyMatch(c -> c.startsWith("suspects " + SampleData.ORDER_FLOW + " -1h"));
    }

    @Test
    void theStuckListOfOneFlowShowsThemAndAllFlowsDoesNot() {
        plant();
        navigate("stuck?flow=" + SampleData.ORDER_FLOW);
        SuspectsPanel panel = _get(SuspectsPanel.class);
        assertThat(panel.isVisible()).isTrue();
        assertThat(panel.sentences()).first().isEqualTo("sku = kettle-5: 80% of stuck, 11% of completed");

        navigate("stuck");
        assertThat(com.github.mvysny.kaributesting.v10.LocatorJ._find(SuspectsPanel.class)).allMatch(p -> !p.isVisible());
    }

    @Test
    void withNoSuspectsThePanelSaysSo() {
        api.suspects.remove(SampleData.ORDER_FLOW);
        navigate("flows/" + SampleData.ORDER_FLOW);
        SuspectsPanel panel = _get(SuspectsPanel.class);
        assertThat(panel.sentences()).isEmpty();
        assertThat(_get(Span.class, s -> s.withId("suspects-none")).getText()).contains("No value is over-represented");
    }
}
