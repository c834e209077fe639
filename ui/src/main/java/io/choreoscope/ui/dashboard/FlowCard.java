package io.choreoscope.ui.dashboard;

import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.icon.VaadinIcon;
import com.vaadin.flow.router.QueryParameters;
import com.vaadin.flow.router.RouterLink;

import io.choreoscope.model.api.FlowSummary;
import io.choreoscope.ui.flow.FlowView;
import io.choreoscope.ui.shell.Formats;
import io.choreoscope.ui.stuck.StuckView;

/**
 * One flow on the dashboard: throughput, in flight, completion rate, stuck, p95 duration, a sparkline of
 * instances started and the split of outcomes. {@link #update} changes the values in place, so a live
 * update never rebuilds the page.
 */
public class FlowCard extends Div {

    private final String flow;
    private final Span throughput = value();
    private final Span inFlight = value();
    private final Span completion = value();
    private final Span stuck = value();
    private final Span p95 = value();
    private final Span started = new Span();
    private final Sparkline sparkline = new Sparkline();
    private final Div split = new Div();
    private final Div legend = new Div();
    private final Div stuckMetric;
    private final Div completionMetric;

    public FlowCard(FlowSummary summary) {
        this.flow = summary.flow();
        addClassName("flow-card");
        setId("flow-card-" + cssId(flow));
        getElement().setAttribute("data-flow", flow);

        RouterLink title = FlowView.link(flow);
        title.setText(flow);
        title.addClassName("flow-card-title");
        title.getElement().setAttribute("title", "Open the flow graph of " + flow);
        started.addClassName("flow-card-started");
        Div head = new Div(title, started);
        head.addClassName("flow-card-head");

        completionMetric = metric("Completed", completion, "completion",
                "Completed of the instances decided (completed, compensated, failed or stuck)");
        stuckMetric = metric("Stuck", stuck, "stuck", "Instances stuck now; opens the stuck list of this flow");
        RouterLink stuckLink = new RouterLink(StuckView.class);
        stuckLink.setQueryParameters(QueryParameters.of("flow", flow));
        stuckLink.add(stuckMetric);
        stuckLink.addClassName("metric-link");
        stuckLink.getElement().setAttribute("aria-label", "Stuck instances of " + flow);
        // short labels: five tiles share a card, and "Throughput" showed as "Through…" at the usual width
        Div metrics = new Div(metric("Rate", throughput, "throughput", "Throughput: events per second of the instances started"),
                metric("In flight", inFlight, "in-flight", "Instances running now"),
                completionMetric, stuckLink,
                metric("p95 duration", p95, "p95", "95th percentile of the finished instances' duration, first to last event"));
        metrics.addClassName("flow-card-metrics");

        Span sparkLabel = new Span("Instances started");
        sparkLabel.addClassName("flow-card-caption");
        split.addClassName("state-split");
        legend.addClassName("state-legend");
        add(head, metrics, sparkLabel, sparkline, split, legend);
        update(summary);
    }

    public String flow() {
        return flow;
    }

    /** Shows new figures for the same flow. */
    public void update(FlowSummary s) {
        throughput.setText(Formats.rate(s.eventsPerSecond()));
        inFlight.setText(Formats.count(s.running()));
        completion.setText(Formats.percent(s.completionRate()));
        stuck.setText(Formats.count(s.stuck()));
        p95.setText(Formats.duration(s.p95Ms()));
        started.setText(Formats.count(s.started()) + " started");
        stuckMetric.getElement().getClassList().set("metric-alert", s.stuck() > 0);
        completionMetric.getElement().getClassList().set("metric-warn",
                s.completionRate() != null && s.completionRate() < 0.9);
        sparkline.setValues(s.sparkline(), "Instances of " + flow + " started per bucket");

        split.removeAll();
        legend.removeAll();
        long total = s.completed() + s.compensated() + s.failed() + s.stuck() + s.running();
        segment("COMPLETED", "completed", s.completed(), total);
        segment("COMPENSATED", "compensated", s.compensated(), total);
        segment("FAILED", "failed", s.failed(), total);
        segment("STUCK", "stuck", s.stuck(), total);
        segment("RUNNING", "running", s.running(), total);
        if (total == 0) {
            legend.add(new Span("No instances in this window"));
        }
    }

    private void segment(String state, String label, long n, long total) {
        if (n == 0 || total == 0) {
            return;
        }
        String css = "state-" + state.toLowerCase(java.util.Locale.ROOT);
        Div seg = new Div();
        seg.addClassNames("state-split-segment", css);
        seg.getStyle().set("flex-grow", String.valueOf(n));
        seg.getElement().setAttribute("title", n + " " + label);
        split.add(seg);
        Span item = new Span();
        item.addClassNames("state-legend-item", css);
        Span dot = new Span();
        dot.addClassName("state-dot");
        item.add(dot, new Span(Formats.count(n) + " " + label));
        legend.add(item);
    }

    private static Span value() {
        Span s = new Span();
        s.addClassName("metric-value");
        return s;
    }

    private static Div metric(String label, Span value, String key, String meaning) {
        Span l = new Span(label);
        l.addClassName("metric-label");
        Div d = new Div(l, value);
        d.addClassNames("metric", "metric-" + key);
        d.getElement().setAttribute("title", meaning);
        value.getElement().setAttribute("data-metric", key);
        return d;
    }

    /** A string usable in an element ID. */
    static String cssId(String s) {
        return s.replaceAll("[^A-Za-z0-9_-]", "_");
    }

    /** Icon used for the empty dashboard. */
    static VaadinIcon emptyIcon() {
        return VaadinIcon.CHART_TIMELINE;
    }
}
