package io.choreoscope.ui;

import java.time.Instant;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

import com.github.mvysny.kaributesting.v10.MockVaadin;
import com.github.mvysny.kaributesting.v10.Routes;
import com.github.mvysny.kaributesting.v10.mock.MockVaadinServlet;
import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.UI;

import io.choreoscope.ui.client.FakeChoreoscopeApi;
import io.choreoscope.ui.shell.Permissions;

/**
 * Browserless UI tests: a mocked Vaadin with the real views, backed by {@link FakeChoreoscopeApi}. API
 * calls run on the test thread (direct executor); their results are applied by {@link #roundtrip()},
 * exactly as server push would apply them.
 */
public abstract class KaribuTest {

    private static Routes routes;
    protected FakeChoreoscopeApi api;

    @BeforeAll
    static void discoverRoutes() {
        routes = new Routes().autoDiscoverViews("io.choreoscope.ui");
    }

    /** The fake the test starts with; sample data unless overridden. */
    protected FakeChoreoscopeApi createApi() {
        return FakeChoreoscopeApi.withSampleData(Instant.now());
    }

    /** The application's default permissions in this test; everything unless overridden. */
    protected Permissions permissions() {
        return Permissions.ALL;
    }

    /** Where the views' API calls run in this test; on the test thread unless overridden. */
    protected java.util.concurrent.Executor executor() {
        return Runnable::run;
    }

    @BeforeEach
    void setUpVaadin() {
        api = createApi();
        UiServices services = new UiServices(api, executor(), permissions());
        MockVaadin.setup(UI::new, new MockVaadinServlet(routes) {
            @Override
            protected void servletInitialized() throws jakarta.servlet.ServletException {
                super.servletInitialized();
                UiServices.install(getService().getContext(), services);
            }
        });
    }

    @AfterEach
    void tearDownVaadin() {
        MockVaadin.tearDown();
    }

    /** Applies the answers of API calls made so far (and anything they trigger). */
    protected static void roundtrip() {
        MockVaadin.runUIQueue();
    }

    /** Navigates to a location such as {@code flows/OrderPlaced} and applies the loaded data. */
    protected static void navigate(String location) {
        int q = location.indexOf('?');
        if (q < 0) {
            UI.getCurrent().navigate(location);
        } else {
            UI.getCurrent().navigate(location.substring(0, q),
                    com.vaadin.flow.router.QueryParameters.fromString(location.substring(q + 1)));
        }
        roundtrip();
    }

    /** The one component of this type in the UI (fails when there is none or several). */
    protected static <T extends Component> T only(Class<T> type) {
        return com.github.mvysny.kaributesting.v10.LocatorJ._get(type);
    }

    /** The component with this ID. */
    protected static <T extends Component> T byId(Class<T> type, String id) {
        return com.github.mvysny.kaributesting.v10.LocatorJ._get(type, spec -> spec.withId(id));
    }

    /** All text under a component, for "it says X" assertions. */
    protected static String text(Component c) {
        return c.getElement().getTextRecursively();
    }
}
