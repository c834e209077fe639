package io.choreoscope.ui.stuck;

import static com.github.mvysny.kaributesting.v10.LocatorJ._click;
import static com.github.mvysny.kaributesting.v10.LocatorJ._find;
import static com.github.mvysny.kaributesting.v10.LocatorJ._get;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.github.mvysny.kaributesting.v10.GridKt;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.grid.Grid;

import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.server.VaadinSession;

import io.choreoscope.model.api.EventView;
import io.choreoscope.model.api.ReplayMode;
import io.choreoscope.model.api.ReplayPlanView;
import io.choreoscope.model.api.ReplayStatus;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.ui.KaribuTest;
import io.choreoscope.ui.client.SampleData;
import io.choreoscope.ui.replay.ReplayDialog;
import io.choreoscope.ui.shell.Permissions;

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
    void anExpectedStepsBracketIsNotBrokenAcrossLines() {
        navigate("stuck");
        InstanceSnapshot s = GridKt._get(grid(), 0);
        String text = StuckView.expected(s);
        assertThat(text).matches("\\S+ \\(\\d+%,\u00a0within\u00a0[^ ]+\\)(, .*)?");
        assertThat(text.replace('\u00a0', ' ')).startsWith(s.expectedNext().get(0).eventType() + " (");
    }

    @Test
    void theCorrelationIdColumnSortsByCorrelationId() {
        navigate("stuck");
        Grid<InstanceSnapshot> grid = grid();
        grid.sort(List.of(new com.vaadin.flow.component.grid.GridSortOrder<>(grid.getColumnByKey("id"),
                com.vaadin.flow.data.provider.SortDirection.ASCENDING)));
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < GridKt._size(grid); i++) {
            ids.add(GridKt._get(grid, i).correlationId());
        }
        assertThat(ids).hasSizeGreaterThanOrEqualTo(3).isSorted();
        assertThat(ids).isNotEqualTo(api.stuck(null, 500).stream().map(InstanceSnapshot::correlationId).toList());
    }

    @Test
    void theWaitingOnServiceAndTheCauseAreColumns() {
        navigate("stuck");
        Grid<InstanceSnapshot> grid = grid();
        for (int i = 0; i < GridKt._size(grid); i++) {
            InstanceSnapshot s = GridKt._get(grid, i);
            assertThat(s.waitingOn()).isNotEmpty();
            List<String> row = GridKt._getFormattedRow(grid, i);
            assertThat(row).contains(String.join(", ", s.waitingOn()), s.cause().groupLabel());
        }
    }

    @Test
    void stuckInstancesAreGroupedByCauseAndAGroupFiltersTheList() {
        navigate("stuck");
        var stuck = api.stuck(null, 500);
        var groups = _find(Button.class, b -> b.withClasses("cause-group"));
        java.util.Map<String, Long> expected = stuck.stream().collect(java.util.stream.Collectors.groupingBy(
                s -> s.cause().groupKey(), java.util.stream.Collectors.counting()));
        assertThat(groups).hasSize(expected.size()).hasSizeGreaterThanOrEqualTo(2);
        Button largest = groups.get(0);
        String key = largest.getElement().getAttribute("data-cause");
        long n = expected.get(key);
        assertThat(expected.values()).allMatch(c -> c <= n);
        assertThat(largest.getText()).startsWith(n + " stuck: ");

        _click(largest);
        assertThat(GridKt._size(grid())).isEqualTo((int) n);
        for (int i = 0; i < n; i++) {
            assertThat(GridKt._get(grid(), i).cause().groupKey()).isEqualTo(key);
        }
        _click(_find(Button.class, b -> b.withClasses("cause-group")).get(0));
        assertThat(GridKt._size(grid())).isEqualTo(stuck.size());
    }

    @Test
    void aCauseGroupIsReplayedAfterADryRun() {
        navigate("stuck");
        Button replayGroup = _find(Button.class, b -> b.withClasses("cause-group-replay")).get(0);
        String key = replayGroup.getElement().getAttribute("data-cause");
        long n = api.stuck(null, 500).stream().filter(s -> s.cause().groupKey().equals(key)).count();
        _click(replayGroup);
        roundtrip();
        ReplayDialog dialog = _get(ReplayDialog.class);
        assertThat(dialog.preview().records()).hasSize((int) n);
        assertThat(api.replays(1).get(0).mode()).isEqualTo(ReplayMode.STUCK_LAST_EVENT);
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

    @Test
    void manyLiveChangesDuringALoadCauseOneMoreLoadNotOneEach() {
        navigate("stuck");
        long before = api.calls().stream().filter(c -> c.startsWith("stuck")).count();
        for (int i = 0; i < 20; i++) {
            // each change arrives while the load it started (or the one before) is still in flight
            api.emit(new io.choreoscope.model.api.LiveUpdate("instance", "x" + i, SampleData.ORDER_FLOW, "RUNNING", null));
        }
        roundtrip();
        roundtrip();
        long after = api.calls().stream().filter(c -> c.startsWith("stuck")).count();
        assertThat(after - before).as(api.calls().toString()).isBetween(1L, 2L);
        assertThat(GridKt._size(grid())).isEqualTo(api.stuck(null, 500).size());
    }

    private static String coordinates(EventView e) {
        return e.topic() + "/" + e.partition() + "/" + e.offset();
    }

    @Test
    void theSelectedInstancesLastEventsAreReplayedAfterADryRun() {
        navigate("stuck");
        Grid<InstanceSnapshot> grid = grid();
        Button replay = _get(Button.class, b -> b.withId("stuck-replay"));
        assertThat(replay.isEnabled()).isFalse();
        InstanceSnapshot a = GridKt._get(grid, 0);
        InstanceSnapshot b = GridKt._get(grid, 1);
        grid.select(a);
        grid.select(b);
        _click(replay);
        roundtrip();

        ReplayDialog dialog = _get(ReplayDialog.class);
        List<String> ids = List.of(a.correlationId(), b.correlationId()).stream().sorted().toList();
        List<String> lastEvents = ids.stream().map(id -> {
            List<EventView> ev = api.instance(id, 0).events();
            return coordinates(ev.get(ev.size() - 1));
        }).toList();
        assertThat(dialog.preview().records()).extracting(ReplayPlanView.ReplayRecordView::source)
                .containsExactlyElementsOf(lastEvents);
        assertThat(api.replays(1).get(0).state()).isEqualTo(ReplayStatus.State.DRY_RUN);
        assertThat(api.replays(1).get(0).mode()).isEqualTo(ReplayMode.STUCK_LAST_EVENT);

        _click(_get(Button.class, x -> x.withId("replay-confirm")));
        roundtrip();
        ReplayStatus started = api.replays(1).get(0);
        assertThat(started.dryRun()).isFalse();
        assertThat(started.total()).isEqualTo(2);
        assertThat(UI.getCurrent().getInternals().getActiveViewLocation().getPath()).isEqualTo("replays");
        assertThat(text(_get(Div.class, d -> d.withId("replay-card-" + started.id())))).contains("of 2 sent");
    }

    @Test
    void withoutThePermissionToReplayTheActionIsHidden() {
        Permissions.setForSession(VaadinSession.getCurrent(), Permissions.READ_ONLY);
        navigate("stuck");
        grid().select(GridKt._get(grid(), 0));
        assertThat(_find(Button.class, b -> b.withId("stuck-replay"))).isEmpty();
        assertThat(_find(Button.class, b -> b.withClasses("cause-group-replay"))).isEmpty();
        assertThat(_find(Button.class, b -> b.withId("stuck-copy"))).hasSize(1);
    }
}
