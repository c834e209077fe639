package io.choreoscope.ui.search;

import static com.github.mvysny.kaributesting.v10.LocatorJ._click;
import static com.github.mvysny.kaributesting.v10.LocatorJ._get;
import static com.github.mvysny.kaributesting.v10.LocatorJ._setValue;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.github.mvysny.kaributesting.v10.GridKt;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.textfield.TextField;

import io.choreoscope.model.api.SearchHit;
import io.choreoscope.ui.KaribuTest;
import io.choreoscope.ui.client.SampleData;
import io.choreoscope.ui.shell.Notice;

class SearchViewTest extends KaribuTest {

    @SuppressWarnings("unchecked")
    private static Grid<SearchHit> results() {
        return _get(Grid.class, g -> g.withId("search-results"));
    }

    @Test
    void anIdPrefixListsTheMatchingInstances() {
        navigate("search?q=ord-471");
        Grid<SearchHit> grid = results();
        assertThat(GridKt._size(grid)).isEqualTo(4);
        assertThat(GridKt._get(grid, 0).matchedField()).isEqualTo("correlationId");
        assertThat(api.calls()).contains("search ID ord-471");
    }

    @Test
    void clickingAResultOpensTheInstance() {
        navigate("search?q=" + SampleData.STUCK_ORDER);
        GridKt._clickItem(results(), 0);
        roundtrip();
        assertThat(UI.getCurrent().getActiveViewLocation().getPath()).isEqualTo("instances/" + SampleData.STUCK_ORDER);
        assertThat(_get(H2.class, h -> h.withId("instance-id")).getText()).isEqualTo(SampleData.STUCK_ORDER);
    }

    @Test
    void theSearchBoxInTheHeaderLeadsHere() {
        navigate("");
        _setValue(_get(TextField.class, t -> t.withId("global-search")), "ord-4713");
        _click(_get(Button.class, b -> b.withId("global-search-button")));
        roundtrip();
        assertThat(UI.getCurrent().getActiveViewLocation().getPathWithQueryParameters()).isEqualTo("search?q=ord-4713");
        assertThat(GridKt._size(results())).isEqualTo(1);
    }

    @Test
    void whenNoIdMatchesValuesAreSearchedAndThePageSaysSo() {
        navigate("search?q=alert(");
        assertThat(api.calls()).contains("search ID alert(", "search VALUE alert(");
        assertThat(GridKt._get(results(), 0).correlationId()).isEqualTo(SampleData.LARGE_PAYLOAD_ORDER);
        assertThat(text(_get(Div.class, d -> d.withId("search-status")))).contains("values were searched")
                .containsPattern("\\d+ events? with a matching value, in \\d+ instances?");
        // the match marked, with some of what is around it; the value's markup stays text
        com.vaadin.flow.component.Component cell = GridKt._getCellComponent(results(), 0, "matched");
        com.vaadin.flow.dom.Element mark = cell.getElement().getChildren().filter(e -> e.getTag().equals("mark"))
                .findFirst().orElseThrow();
        assertThat(mark.getText()).isEqualToIgnoringCase("alert(");
        assertThat(cell.getElement().getChildren().filter(e -> e.getTag().equals("script")).count()).isZero();
    }

    @Test
    void anExcerptMarksTheMatchWithSomeTextAroundIt() {
        String payload = "{\"orderId\":\"order-1\",\"customerId\":\"cust-424\",\"sku\":\"KETTLE-5\",\"quantity\":1,"
                + "\"amount\":117.58,\"currency\":\"EUR\",\"paymentId\":\"pay-bbb5808c-3058\"}";
        com.vaadin.flow.component.html.Span e = SearchView.excerpt(payload, "kettle");
        assertThat(e.getElement().getChild(1).getText()).isEqualTo("KETTLE");
        assertThat(e.getElement().getChild(0).getText()).isEqualTo("…" + payload.substring(payload.indexOf("KETTLE")
                - SearchView.AROUND, payload.indexOf("KETTLE")));
        assertThat(e.getElement().getChild(2).getText()).endsWith("…").hasSize(SearchView.AROUND + 1);
        // a value that lower-cases to another length before the match, and one without the query (a masked value)
        assertThat(SearchView.excerpt("İİ kettle", "KETTLE").getElement().getChild(1).getText()).isEqualTo("kettle");
        assertThat(SearchView.excerpt("***", "kettle").getText()).isEqualTo("***");
    }

    @Test
    void anIdSearchCountsInstancesAValueSearchEventsAndTheirInstances() {
        java.time.Instant t = java.time.Instant.parse("2026-12-06T02:45:04Z");
        List<SearchHit> hits = List.of(new SearchHit("o-1", "OrderPlaced", "COMPLETED", "OrderPlaced", t, "payload", "x"),
                new SearchHit("o-1", "OrderPlaced", "COMPLETED", "OrderShipped", t, "payload", "x"),
                new SearchHit("o-2", "OrderPlaced", "STUCK", "OrderPlaced", t, "payload", "x"));
        assertThat(SearchView.summary(hits, io.choreoscope.ui.client.SearchMode.VALUE))
                .isEqualTo("3 events with a matching value, in 2 instances");
        assertThat(SearchView.summary(hits.subList(0, 1), io.choreoscope.ui.client.SearchMode.ID))
                .isEqualTo("1 instance with a matching correlation ID");
    }

    @Test
    void nothingFoundIsSaidPlainly() {
        navigate("search?q=zzz-nothing");
        Notice n = _get(Notice.class);
        assertThat(n.kind()).isEqualTo(Notice.Kind.EMPTY);
        assertThat(text(n)).contains("Nothing matches “zzz-nothing”");
        assertThat(com.github.mvysny.kaributesting.v10.LocatorJ._find(Grid.class, g -> g.withId("search-results")))
                .as("no (visible) result list").isEmpty();
    }

    @Test
    void anEmptyQueryExplainsWhatCanBeSearched() {
        navigate("search");
        assertThat(text(_get(Notice.class))).contains("Find an instance");
    }
}
