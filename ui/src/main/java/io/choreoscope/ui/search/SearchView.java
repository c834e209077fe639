package io.choreoscope.ui.search;

import java.util.List;

import com.vaadin.flow.component.Key;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.icon.VaadinIcon;
import com.vaadin.flow.component.radiobutton.RadioButtonGroup;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.dom.Element;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.QueryParameters;
import com.vaadin.flow.router.Route;

import io.choreoscope.model.api.SearchHit;
import io.choreoscope.ui.client.SearchMode;
import io.choreoscope.ui.instance.InstanceList;
import io.choreoscope.ui.shell.Formats;
import io.choreoscope.ui.shell.GridCells;
import io.choreoscope.ui.shell.Loader;
import io.choreoscope.ui.shell.MainLayout;
import io.choreoscope.ui.shell.NameInUrl;
import io.choreoscope.ui.shell.Notice;
import io.choreoscope.ui.shell.StateBadge;

/**
 * Search by correlation ID (exact, then prefix) or by any value in headers, keys and payloads. The query
 * is in the URL ({@code /search?q=...&mode=value}). When an ID search finds nothing, the same text is
 * looked up as a value, and the page says so.
 */
@Route(value = "search", layout = MainLayout.class)
@PageTitle("Search · choreoscope")
public class SearchView extends Div implements BeforeEnterObserver {

    /** Results asked for. */
    static final int LIMIT = 100;

    private final TextField query = new TextField();
    /** The query whose results are shown (their excerpts mark it). */
    private String shownQuery = "";
    private final RadioButtonGroup<SearchMode> mode = new RadioButtonGroup<>();
    private final Grid<SearchHit> results = new Grid<>();
    private final Div status = new Div();
    private final Loader loader = new Loader();

    public SearchView() {
        addClassNames("view", "search-view");
        H2 title = new H2("Search");
        Div header = new Div(new Div(title));
        header.addClassName("view-header");

        query.setPlaceholder("Correlation ID, order number, e-mail, any value…");
        query.setPrefixComponent(VaadinIcon.SEARCH.create());
        query.setClearButtonVisible(true);
        query.setAriaLabel("Search text");
        query.setId("search-query");
        query.addClassName("search-query");
        query.addKeyDownListener(Key.ENTER, e -> submit());
        mode.setItems(SearchMode.ID, SearchMode.VALUE);
        mode.setItemLabelGenerator(m -> m == SearchMode.ID ? "Correlation ID" : "Any value");
        mode.setValue(SearchMode.ID);
        mode.setAriaLabel("Search by");
        mode.setId("search-mode");
        Button go = new Button("Search", e -> submit());
        go.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        go.setId("search-submit");
        Div form = new Div(query, mode, go);
        form.addClassName("search-form");

        status.addClassName("search-status");
        status.setId("search-status");
        results.setId("search-results");
        // Every column in view from 1280 px on: the event's time is a second line under it, the matched field and value
        // wrap (the results scrolled sideways at 1440 px; before that the value was squeezed to "Matche…").
        results.addThemeVariants(GridVariant.LUMO_ROW_STRIPES, GridVariant.LUMO_WRAP_CELL_CONTENT);
        results.addComponentColumn(h -> InstanceList.link(h.correlationId())).setHeader("Correlation ID")
                .setAutoWidth(true).setFlexGrow(0);
        results.addColumn(SearchHit::flow).setHeader("Flow").setAutoWidth(true).setFlexGrow(0);
        results.addComponentColumn(h -> new StateBadge(h.state())).setHeader("State").setAutoWidth(true).setFlexGrow(0);
        results.addComponentColumn(SearchView::eventAndTime).setHeader("Event · when").setAutoWidth(true).setFlexGrow(0);
        results.addColumn(SearchHit::matchedField).setHeader("Matched in").setWidth("8rem").setFlexGrow(1)
                .setPartNameGenerator(GridCells.breakLongWords());
        // the match with a few words around it, marked (the whole 200-character excerpt of a payload made each row ten
        // lines high in the demo); the excerpt whole in the tooltip
        results.addComponentColumn(h -> excerpt(h.matchedValue(), shownQuery)).setHeader("Matched value")
                .setKey("matched").setWidth("10rem").setFlexGrow(3).setTooltipGenerator(SearchHit::matchedValue)
                .setPartNameGenerator(GridCells.breakLongWords());
        results.addItemClickListener(e -> open(e.getItem()));
        results.setVisible(false);
        results.setAllRowsVisible(true);
        add(header, form, status, results);
    }

    /** Characters shown before and after the match. */
    static final int AROUND = 40;

    /**
     * {@code value} cut to the first case-insensitive match of {@code q} with {@value #AROUND} characters on each side
     * ("…" where cut), the match in a {@code mark} element; the start of the value when {@code q} is not in it (a
     * masked value). Text only: nothing in the value is read as markup.
     */
    static Span excerpt(String value, String q) {
        String v = value == null ? "" : value;
        int at = -1;
        // char by char, ignoring case (lower-casing the whole value may change its length and so the match's place)
        for (int i = 0; q != null && !q.isEmpty() && at < 0 && i + q.length() <= v.length(); i++) {
            if (v.regionMatches(true, i, q, 0, q.length())) {
                at = i;
            }
        }
        Span out = new Span();
        out.addClassName("search-excerpt");
        if (at < 0) {
            out.setText(v.length() > 2 * AROUND ? v.substring(0, 2 * AROUND) + "…" : v);
            return out;
        }
        int from = Math.max(0, at - AROUND);
        int to = Math.min(v.length(), at + q.length() + AROUND);
        int end = at + q.length();
        out.getElement().appendChild(new Element("span").setText((from > 0 ? "…" : "") + v.substring(from, at)),
                new Element("mark").setText(v.substring(at, end)),
                new Element("span").setText(v.substring(end, to) + (to < v.length() ? "…" : "")));
        return out;
    }

    /** The event type, the time it was stored below it. */
    private static Div eventAndTime(SearchHit h) {
        return GridCells.twoLines(h.eventType(), Formats.dateTime(h.timestamp()));
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        QueryParameters p = event.getLocation().getQueryParameters();
        String q = first(p, "q");
        mode.setValue("value".equals(first(p, "mode")) ? SearchMode.VALUE : SearchMode.ID);
        query.setValue(q == null ? "" : q);
        if (q == null || q.isBlank()) {
            results.setVisible(false);
            status.removeAll();
            status.add(Notice.empty(VaadinIcon.SEARCH, "Find an instance",
                    "Type a correlation ID (or its beginning), or any value that appears in a header, key or "
                            + "payload. The box at the top of every page searches too (Ctrl+K)."));
            return;
        }
        run(q.trim(), mode.getValue(), true);
    }

    private void submit() {
        String q = query.getValue() == null ? "" : query.getValue().trim();
        if (q.isEmpty()) {
            query.focus();
            return;
        }
        UI.getCurrent().navigate(SearchView.class, mode.getValue() == SearchMode.VALUE
                ? QueryParameters.simple(java.util.Map.of("q", q, "mode", "value")) : QueryParameters.of("q", q));
    }

    private void run(String q, SearchMode m, boolean fallBackToValue) {
        status.removeAll();
        status.add(Notice.loading("Searching for “" + q + "”…"));
        results.setVisible(false);
        loader.load(api -> api.search(q, m, LIMIT), hits -> {
            if (hits.isEmpty() && m == SearchMode.ID && fallBackToValue) {
                run(q, SearchMode.VALUE, false);
                return;
            }
            show(q, m, hits, !fallBackToValue && m == SearchMode.VALUE && mode.getValue() == SearchMode.ID);
        }, e -> {
            status.removeAll();
            status.add(Notice.error("Search failed", e, () -> run(q, m, fallBackToValue)));
        });
    }

    /**
     * What the results are: instances for an ID search; for a value search one row per matching event, so the events
     * and the instances they belong to (the demo's "100 instances" were 100 events of 26 instances).
     */
    static String summary(List<SearchHit> hits, SearchMode m) {
        String first = hits.size() >= LIMIT ? " (the first " + LIMIT + ")" : "";
        if (m == SearchMode.ID) {
            return Formats.count(hits.size(), "instance", "instances") + first + " with a matching correlation ID";
        }
        long instances = hits.stream().map(SearchHit::correlationId).distinct().count();
        return Formats.count(hits.size(), "event", "events") + first + " with a matching value, in "
                + Formats.count(instances, "instance", "instances");
    }

    private void show(String q, SearchMode m, List<SearchHit> hits, boolean fellBack) {
        status.removeAll();
        shownQuery = q;
        if (hits.isEmpty()) {
            status.add(Notice.empty(VaadinIcon.SEARCH_MINUS, "Nothing matches “" + q + "”",
                    "No correlation ID starts with it and no header, key or payload contains it."));
            return;
        }
        Span summary = new Span(summary(hits, m)
                + (fellBack ? " — no correlation ID matched, so values were searched" : ""));
        summary.addClassName("muted");
        status.add(summary);
        results.setItems(hits);
        results.setVisible(true);
    }

    private void open(SearchHit h) {
        NameInUrl.navigate(UI.getCurrent(), io.choreoscope.ui.instance.InstanceView.class,
                io.choreoscope.ui.instance.InstanceView.ID_PARAMETER, io.choreoscope.ui.instance.InstanceView.ID_QUERY,
                h.correlationId(), java.util.Map.of());
    }

    Grid<SearchHit> results() {
        return results;
    }

    private static String first(QueryParameters p, String name) {
        List<String> v = p.getParameters().get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }
}
