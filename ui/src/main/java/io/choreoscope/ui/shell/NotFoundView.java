package io.choreoscope.ui.shell;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.ErrorParameter;
import com.vaadin.flow.router.HasDynamicTitle;
import com.vaadin.flow.router.HasErrorParameter;
import com.vaadin.flow.router.NotFoundException;
import com.vaadin.flow.router.ParentLayout;
import com.vaadin.flow.router.RouterLink;

import io.choreoscope.ui.alerts.AlertsView;
import io.choreoscope.ui.dashboard.DashboardView;
import io.choreoscope.ui.dependencies.DependenciesView;
import io.choreoscope.ui.replay.ReplayView;
import io.choreoscope.ui.search.SearchView;
import io.choreoscope.ui.stuck.StuckView;

import java.util.Locale;
import java.util.Map;

/**
 * A path no view answers ({@code /replay}, {@code /flows}, a mistyped link): "Page not found" inside the usual layout,
 * with the menu and the way on, instead of Vaadin's bare "Could not navigate to 'replay'" on an empty page. The path
 * is shown as text, never as markup. (The page itself is answered with 200, as every view: Vaadin resolves the route
 * after the page has loaded, so the 404 returned here reaches no HTTP client.)
 */
@ParentLayout(MainLayout.class)
public class NotFoundView extends Div implements HasErrorParameter<NotFoundException>, HasDynamicTitle {
    /** Paths people type for a view whose route is spelled otherwise, and that view's name in the menu. */
    private record Near(String label, Class<? extends Component> view) {
    }

    private static final Map<String, Near> NEAR = Map.of(
            "replay", new Near("Replay", ReplayView.class),
            "alert", new Near("Alerts", AlertsView.class),
            "dependency", new Near("Dependencies", DependenciesView.class),
            "deps", new Near("Dependencies", DependenciesView.class),
            "instances", new Near("Search", SearchView.class),
            "instance", new Near("Search", SearchView.class));

    @Override
    public int setErrorParameter(BeforeEnterEvent event, ErrorParameter<NotFoundException> parameter) {
        removeAll();
        addClassNames("view", "not-found-view");
        setId("not-found");
        String path = event.getLocation().getPath();
        Span where = new Span("Nothing is at /" + (path.length() > 200 ? path.substring(0, 200) + "…" : path) + ".");
        where.setId("not-found-path");
        where.addClassName("view-subtitle");
        add(ViewHeader.of(ViewHeader.titles(new H2("Page not found"), where)));

        Paragraph on = new Paragraph();
        on.setId("not-found-links");
        String first = (path.contains("/") ? path.substring(0, path.indexOf('/')) : path).toLowerCase(Locale.ROOT);
        Near near = NEAR.get(first);
        if (near != null) {
            RouterLink meant = new RouterLink(near.label(), near.view());
            meant.setId("not-found-meant");
            on.add(new Span("Did you mean "), meant, new Span("? "));
        }
        RouterLink dashboard = new RouterLink("the dashboard", DashboardView.class);
        RouterLink stuck = new RouterLink("the stuck instances", StuckView.class);
        RouterLink search = new RouterLink("search", SearchView.class);
        on.add(new Span("Go to "), dashboard, new Span(", "), stuck, new Span(", or "), search,
                new Span(" for a correlation ID or any value."));
        add(on);
        return 404;
    }

    @Override
    public String getPageTitle() {
        return "Page not found · choreoscope";
    }
}
