package io.choreoscope.ui.shell;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.Location;
import com.vaadin.flow.router.QueryParameters;
import com.vaadin.flow.router.RouteConfiguration;
import com.vaadin.flow.router.RouteParameters;
import com.vaadin.flow.router.RouterLink;

/**
 * The URL of a view that shows one thing by its name (an instance by correlation ID, a flow by name), for any name.
 * A name made of letters, digits and {@code - . _ ~} goes in the path ({@code /instances/order-42}), as before; any
 * other name goes in a query parameter ({@code /instances?id=tenant-a%2Forder-42}). In the path, Vaadin writes a
 * route parameter as it is: a {@code /} made the link a path no route has, a {@code ?} or {@code #} cut the name and
 * opened another instance's page, and Jetty refuses an encoded {@code /} in a path. The view's route makes its path
 * parameter optional and reads whichever is there ({@link #read}).
 */
public final class NameInUrl {
    private static final Pattern FITS_PATH = Pattern.compile("[A-Za-z0-9._~-]+");

    private NameInUrl() {
    }

    /** Whether {@code name} can be a path segment as it is (browsers fold the segments {@code .} and {@code ..}). */
    static boolean fitsPath(String name) {
        return FITS_PATH.matcher(name).matches() && !name.equals(".") && !name.equals("..");
    }

    /** A link to {@code view} for {@code name}: as the path parameter {@code pathParameter} or the query parameter {@code queryParameter}. */
    public static RouterLink link(Class<? extends Component> view, String pathParameter, String queryParameter, String name) {
        Place place = place(pathParameter, queryParameter, name);
        RouterLink l = new RouterLink(view, place.path());
        if (!place.query().isEmpty()) {
            l.setQueryParameters(QueryParameters.simple(place.query()));
        }
        return l;
    }

    /** Where a name goes: its path parameters and its query parameters (one of them holds the name). */
    private record Place(RouteParameters path, Map<String, String> query) {
    }

    /** The one place that decides between the path and the query for {@code name}. */
    private static Place place(String pathParameter, String queryParameter, String name) {
        return fitsPath(name) ? new Place(new RouteParameters(pathParameter, name), Map.of())
                : new Place(RouteParameters.empty(), Map.of(queryParameter, name));
    }

    /** Goes to {@code view} for {@code name}, with the other query parameters {@code query} (may be empty). */
    public static void navigate(UI ui, Class<? extends Component> view, String pathParameter, String queryParameter, String name,
                                Map<String, String> query) {
        Location l = location(view, pathParameter, queryParameter, name, query);
        ui.navigate(l.getPath(), l.getQueryParameters());
    }

    /** Where {@code view} for {@code name} is, with the other query parameters {@code query} (may be empty). */
    public static Location location(Class<? extends Component> view, String pathParameter, String queryParameter, String name,
                                    Map<String, String> query) {
        Place place = place(pathParameter, queryParameter, name);
        Map<String, String> q = new LinkedHashMap<>(place.query());
        q.putAll(query);
        return new Location(RouteConfiguration.forSessionScope().getUrl(view, place.path()), QueryParameters.simple(q));
    }

    /** The name a view was opened for: its path parameter, else its query parameter; empty when neither is there. */
    public static String read(BeforeEnterEvent event, String pathParameter, String queryParameter) {
        return event.getRouteParameters().get(pathParameter).orElseGet(() -> event.getLocation().getQueryParameters()
                .getSingleParameter(queryParameter).orElse(""));
    }
}
