package io.choreoscope.ui.suspects;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.ListItem;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.html.UnorderedList;

import io.choreoscope.model.api.Suspect;
import io.choreoscope.model.api.SuspectReport;
import io.choreoscope.ui.client.TimeWindow;
import io.choreoscope.ui.shell.Formats;
import io.choreoscope.ui.shell.Loader;

/**
 * What a flow's stuck instances have in common ({@code GET /flows/{flow}/suspects}): per step, the values
 * over-represented among its stuck or failed instances ("sku = kettle-5: 80% of stuck, 11% of completed"), best first,
 * with lift and instance counts. A panel of its own, shown on the flow page and on the stuck list of one flow; it loads
 * by itself, so the page around it never waits for it.
 */
public class SuspectsPanel extends Div {
    private final Loader loader = new Loader();
    private final Span summary = new Span();
    private final Div body = new Div();

    public SuspectsPanel() {
        setId("suspects");
        addClassNames("suspects-panel", "card");
        summary.setId("suspects-summary");
        summary.addClassName("muted");
        body.setId("suspects-list");
        add(new H3("What stuck instances have in common"), summary, body);
        setVisible(false);
    }

    /** Loads and shows the suspects of {@code flow} over {@code window}; null flow hides the panel. */
    public void show(String flow, TimeWindow window) {
        if (flow == null) {
            loader.cancel();
            setVisible(false);
            return;
        }
        setVisible(true);
        summary.setText("Comparing stuck and completed instances…");
        body.removeAll();
        loader.load(api -> api.suspects(flow, window), this::show, e -> {
            summary.setText(e.isNotFound() ? "" : "Could not compare stuck and completed instances: " + e.getMessage());
            setVisible(!e.isNotFound());
        });
    }

    void show(SuspectReport r) {
        body.removeAll();
        summary.setText(Formats.count(r.stuckInstances()) + " stuck or failed vs " + Formats.count(r.completedInstances())
                + " completed instances started in the window" + (r.sampled() ? " (the newest " + Formats.count(r.maxInstances())
                + " of each)" : "") + ". A value is listed when at least " + r.minInstances() + " and "
                + Math.round(r.minStuckShare() * 100) + "% of the stuck carry it and it is at least "
                + String.format(Locale.ROOT, "%.0f", r.minLift()) + "× likelier among them.");
        if (r.suspects().isEmpty()) {
            Span none = new Span(r.stuckInstances() == 0 ? "Nothing is stuck or failed in the window."
                    : "No value is over-represented among the stuck instances.");
            none.setId("suspects-none");
            body.add(none);
            return;
        }
        Map<String, UnorderedList> bySteps = new LinkedHashMap<>();
        for (Suspect s : r.suspects()) {
            UnorderedList list = bySteps.computeIfAbsent(s.step(), name -> {
                UnorderedList l = new UnorderedList();
                l.addClassName("suspects-step-list");
                Span title = new Span("At " + name);
                title.addClassName("suspects-step-name");
                Div box = new Div(title, l);
                box.addClassName("suspects-step");
                box.getElement().setAttribute("data-step", name);
                body.add(box);
                return l;
            });
            ListItem item = new ListItem();
            item.addClassName("suspect");
            Span sentence = new Span(s.sentence());
            sentence.addClassName("suspect-sentence");
            Span figures = new Span(" · " + String.format(Locale.ROOT, "%.1f", s.lift()) + "× · "
                    + Formats.count(s.stuckInstances()) + " stuck, " + Formats.count(s.completedInstances()) + " completed · "
                    + s.source().name().toLowerCase(Locale.ROOT));
            figures.addClassName("muted");
            item.add(sentence, figures);
            list.add(item);
        }
    }

    /** The sentences shown, in order, for tests. */
    List<String> sentences() {
        return body.getChildren().flatMap(step -> step.getChildren()).filter(c -> c instanceof UnorderedList)
                .flatMap(l -> l.getChildren()).map(li -> li.getChildren()
                        .filter(c -> c instanceof Span sp && sp.getClassNames().contains("suspect-sentence"))
                        .map(c -> ((Span) c).getText()).findFirst().orElse("")).toList();
    }
}
