package io.choreoscope.ui.stuck;

import static com.github.mvysny.kaributesting.v10.LocatorJ._get;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.github.mvysny.kaributesting.v10.GridKt;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.grid.Grid;

import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.ui.KaribuTest;
import io.choreoscope.ui.client.SampleData;

class StuckViewTest extends KaribuTest {

    @SuppressWarnings("unchecked")
    private static Grid<InstanceSnapshot> grid() {
        return _get(Grid.class, g -> g.withId("stuck-grid"));
    }

    @Test
    void listsEveryStuckInstanceOldestFirstWithWhatItWaitsFor() {
        navigate("stuck");
        var expected = api.stuck(null, 500);
        Grid<InstanceSnapshot> grid = grid();
        assertThat(GridKt._size(grid)).isEqualTo(expected.size());
        assertThat(GridKt._get(grid, 0).correlationId()).isEqualTo(expected.get(0).correlationId());
        assertThat(GridKt._getFormattedRow(grid, 0)).anyMatch(cell -> cell.contains("within"));
    }

    @Test
    void filtersByFlowFromTheUrl() {
        navigate("stuck?flow=" + SampleData.SIGNUP_FLOW);
        assertThat(api.calls()).contains("stuck " + SampleData.SIGNUP_FLOW);
        Grid<InstanceSnapshot> grid = grid();
        assertThat(GridKt._size(grid)).isPositive();
        for (int i = 0; i < GridKt._size(grid); i++) {
            assertThat(GridKt._get(grid, i).flow()).isEqualTo(SampleData.SIGNUP_FLOW);
        }
    }

    @Test
    void manyCanBeSelectedAtOnce() {
        navigate("stuck");
        StuckView view = _get(StuckView.class);
        Grid<InstanceSnapshot> grid = grid();
        Button copy = _get(Button.class, b -> b.withId("stuck-copy"));
        assertThat(copy.isEnabled()).isFalse();
        grid.select(GridKt._get(grid, 0));
        grid.select(GridKt._get(grid, 1));
        assertThat(view.selectionText()).isEqualTo("2 selected");
        assertThat(copy.isEnabled()).isTrue();
    }

    @Test
    void aStateChangeOnTheLiveStreamRefreshesTheListAndKeepsTheSelection() {
        navigate("stuck");
        Grid<InstanceSnapshot> grid = grid();
        InstanceSnapshot first = GridKt._get(grid, 0);
        grid.select(first);
        int calls = api.calls().size();
        api.emit(new io.choreoscope.model.api.LiveUpdate("instance", "x", SampleData.ORDER_FLOW, "STUCK", null));
        roundtrip();
        assertThat(api.calls().size()).isGreaterThan(calls);
        assertThat(grid().getSelectedItems()).extracting(InstanceSnapshot::correlationId)
                .containsExactly(first.correlationId());
    }
}
