package io.choreoscope.ui.search;

import static com.github.mvysny.kaributesting.v10.LocatorJ._click;
import static com.github.mvysny.kaributesting.v10.LocatorJ._get;
import static com.github.mvysny.kaributesting.v10.LocatorJ._setValue;
import static org.assertj.core.api.Assertions.assertThat;

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
        assertThat(text(_get(Div.class, d -> d.withId("search-status")))).contains("values were searched");
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
