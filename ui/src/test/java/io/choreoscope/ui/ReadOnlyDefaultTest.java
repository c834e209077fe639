package io.choreoscope.ui;

import static com.github.mvysny.kaributesting.v10.LocatorJ._find;
import static com.github.mvysny.kaributesting.v10.LocatorJ._get;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.github.mvysny.kaributesting.v10.GridKt;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.server.VaadinSession;

import io.choreoscope.ui.shell.Permissions;

/**
 * The application's default permissions (from {@link UiServices}) apply when the session names none, and a
 * session's own permissions win over them.
 */
class ReadOnlyDefaultTest extends KaribuTest {

    @Override
    protected Permissions permissions() {
        return Permissions.READ_ONLY;
    }

    @Test
    void everyActionIsHiddenWhenTheApplicationDefaultIsReadOnly() {
        assertThat(Permissions.current()).isEqualTo(Permissions.READ_ONLY);
        navigate("alerts");
        assertThat(_find(Button.class, b -> b.withId("alerts-new"))).isEmpty();
        assertThat(_find(Div.class, d -> d.withId("alerts-actions"))).isEmpty();
        navigate("replays");
        assertThat(_find(Button.class, b -> b.withId("replay-new"))).isEmpty();
        navigate("stuck");
        assertThat(_find(Button.class, b -> b.withId("stuck-replay"))).isEmpty();
        assertThat(GridKt._size(_get(Grid.class, g -> g.withId("stuck-grid")))).isPositive();
    }

    @Test
    void theSessionsOwnPermissionsWin() {
        Permissions.setForSession(VaadinSession.getCurrent(), new Permissions(true, false));
        assertThat(Permissions.current()).isEqualTo(new Permissions(true, false));
        navigate("stuck");
        assertThat(_find(Button.class, b -> b.withId("stuck-replay"))).hasSize(1);
        navigate("alerts");
        assertThat(_find(Button.class, b -> b.withId("alerts-new"))).isEmpty();
    }
}
