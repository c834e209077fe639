package io.choreoscope.ui.instance;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.Span;

import io.choreoscope.model.api.EventView;
import io.choreoscope.model.api.InstanceDetail;
import io.choreoscope.model.flow.ExpectedStep;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.ui.shell.Formats;

/**
 * A waterfall of one instance across services: events as diamonds and spans as bars on a common time
 * axis, one row each in time order, coloured by service. Idle gaps (no event and no span) are shaded
 * across all rows and labelled with their length; a running or stuck instance ends with its wait.
 * Built from plain elements: every label is text.
 */
public class Waterfall extends Div {

    /** At most this many rows are drawn (events first); a note says how many were left out. */
    public static final int MAX_ROWS = 400;
    /** A gap is shaded when it is at least this long, in ms ... */
    public static final long MIN_GAP_MS = 250;
    /** ... and at least this share of the whole instance. */
    public static final double MIN_GAP_SHARE = 0.12;

    private static final int PALETTE = 8;

    private final List<Long> gapsMs = new ArrayList<>();

    /**
     * One row: an event (point) or a span (interval).
     *
     * @param tag a word beside an event's marker, or null: {@code dead letter} for a dead-letter copy
     */
    private record Item(Instant start, long durationMs, String service, String text, boolean event, boolean error,
                        String tooltip, String tag) {
    }

    public Waterfall() {
        addClassName("waterfall");
        setId("waterfall");
    }

    /** Lengths of the gaps shaded, in ms, for tests. */
    public List<Long> gapsMs() {
        return List.copyOf(gapsMs);
    }

    public void show(InstanceDetail d, Instant now) {
        removeAll();
        gapsMs.clear();
        List<Item> items = new ArrayList<>();
        for (EventView e : d.events()) {
            // a dead-letter copy keeps its original's type and service: without a mark it reads as the step again
            boolean dead = InstanceView.isDeadLetter(e);
            String reason = dead ? io.choreoscope.model.DeadLetters.reason(InstanceView.header(e)) : null;
            items.add(new Item(e.timestamp(), 0, e.sourceService(), e.eventType(), true,
                    dead || e.parseStatus() != null && !"OK".equalsIgnoreCase(e.parseStatus()),
                    (dead ? "Dead letter of " : "") + e.eventType() + " on " + BusLabel.of(e) + " at "
                            + Formats.dateTime(e.timestamp()) + (reason == null ? "" : ": " + InstanceView.cut(reason, 200)),
                    dead ? "dead letter" : null));
        }
        for (io.choreoscope.model.Span s : d.spans()) {
            long ms = s.durationNanos() / 1_000_000;
            items.add(new Item(s.start(), ms, s.service(), s.name() + (s.kind() == null ? "" : " (" + s.kind()
                    .toLowerCase(java.util.Locale.ROOT) + ")"), false, "ERROR".equalsIgnoreCase(s.statusCode()),
                    s.service() + ": " + s.name() + ", " + Formats.duration(ms) + " from "
                            + Formats.dateTime(s.start()), null));
        }
        if (items.isEmpty()) {
            add(new Span("No events or spans stored for this instance."));
            return;
        }
        items.sort(Comparator.comparing(Item::start).thenComparing(i -> !i.event()));
        int dropped = Math.max(0, items.size() - MAX_ROWS);
        if (dropped > 0) {
            items = items.subList(0, MAX_ROWS);
        }
        Instant t0 = items.get(0).start();
        Instant t1 = t0;
        for (Item i : items) {
            Instant end = i.start().plusMillis(i.durationMs());
            if (end.isAfter(t1)) {
                t1 = end;
            }
        }
        long total = Math.max(1, Duration.between(t0, t1).toMillis());

        add(axis(total));
        Div body = new Div();
        body.addClassName("wf-body");
        Div overlay = new Div();
        overlay.addClassName("wf-overlay");
        body.add(overlay);

        // idle gaps: holes in the union of all intervals
        List<long[]> intervals = new ArrayList<>();
        for (Item i : items) {
            long a = Duration.between(t0, i.start()).toMillis();
            intervals.add(new long[] {a, a + i.durationMs()});
        }
        intervals.sort(Comparator.comparingLong(x -> x[0]));
        long reach = intervals.get(0)[1];
        for (long[] iv : intervals) {
            if (iv[0] > reach) {
                long gap = iv[0] - reach;
                if (gap >= MIN_GAP_MS && gap >= MIN_GAP_SHARE * total) {
                    gapsMs.add(gap);
                    Div g = new Div();
                    g.addClassName("wf-gap");
                    g.getStyle().set("left", pct(reach, total)).set("width", pct(gap, total));
                    Span label = new Span("idle " + Formats.duration(gap));
                    label.addClassName("wf-gap-label");
                    g.add(label);
                    g.getElement().setAttribute("title", "No event and no span for " + Formats.duration(gap));
                    overlay.add(g);
                }
            }
            reach = Math.max(reach, iv[1]);
        }

        // colours by order of first appearance: distinct for up to PALETTE services per instance
        java.util.Map<String, String> colours = new java.util.HashMap<>();
        for (Item i : items) {
            colours.computeIfAbsent(String.valueOf(i.service()), k -> "svc-" + (colours.size() % PALETTE));
        }
        Instant previousEvent = null;
        for (Item i : items) {
            Div row = new Div();
            row.addClassNames("wf-row", i.event() ? "wf-event-row" : "wf-span-row");
            Div label = new Div();
            label.addClassName("wf-label");
            Span dot = new Span();
            dot.addClassNames("svc-dot", colours.get(String.valueOf(i.service())));
            Span service = new Span(i.service() == null ? "(unknown service)" : i.service());
            service.addClassName("wf-service");
            Span text = new Span(i.text());
            text.addClassName(i.event() ? "wf-event-name" : "wf-span-name");
            label.add(dot, service, text);
            // the label column cuts long span names ("publish rabbitmq:shipping (produc…"): the whole on hover
            label.getElement().setAttribute("title", service.getText() + " · " + i.text()
                    + (i.tag() == null ? "" : " (" + i.tag() + ")"));
            if (i.event() && previousEvent != null) {
                Span delta = new Span("+" + Formats.between(previousEvent, i.start()));
                delta.addClassName("wf-delta");
                label.add(delta);
            }
            if (i.event()) {
                previousEvent = i.start();
            }
            Div track = new Div();
            track.addClassName("wf-track");
            long at = Duration.between(t0, i.start()).toMillis();
            Div mark = new Div();
            if (i.event()) {
                mark.addClassNames("wf-marker", colours.get(String.valueOf(i.service())));
                mark.getStyle().set("left", pct(at, total));
            } else {
                mark.addClassNames("wf-bar", colours.get(String.valueOf(i.service())));
                mark.getStyle().set("left", pct(at, total)).set("width", pct(Math.max(0, i.durationMs()), total));
                Span dur = new Span(Formats.duration(i.durationMs()));
                dur.addClassName(labelSide(at, Math.max(0, i.durationMs()), total));
                mark.add(dur);
            }
            if (i.error()) {
                mark.addClassName("wf-error");
            }
            mark.getElement().setAttribute("title", i.tooltip());
            track.add(mark);
            if (i.tag() != null) {
                // beside the marker, on the side with room (the marker itself is turned 45 degrees)
                Span tag = new Span(i.tag());
                tag.addClassNames("wf-marker-tag", at <= total * 0.85 ? "wf-marker-tag-right" : "wf-marker-tag-left");
                tag.getStyle().set("left", pct(at, total));
                track.add(tag);
            }
            row.add(label, track);
            body.add(row);
        }
        InstanceSnapshot s = d.snapshot();
        if (!s.state().terminal()) {
            body.add(waitRow(s, now));
        }
        add(body);
        if (dropped > 0) {
            Span more = new Span(dropped + " more rows not drawn; the Events tab lists every event.");
            more.addClassName("muted");
            add(more);
        }
    }

    private Div waitRow(InstanceSnapshot s, Instant now) {
        Div row = new Div();
        row.addClassNames("wf-row", "wf-wait-row", s.state() == io.choreoscope.model.flow.InstanceState.STUCK
                ? "wf-wait-stuck" : "wf-wait-running");
        Div label = new Div();
        label.addClassName("wf-label");
        ExpectedStep next = s.expectedNext().isEmpty() ? null : s.expectedNext().get(0);
        Span text = new Span("Waiting for " + (next == null ? "the next step" : next.eventType()));
        text.addClassName("wf-event-name");
        label.add(text);
        Div track = new Div();
        track.addClassName("wf-track");
        Div band = new Div();
        band.addClassName("wf-wait");
        band.add(new Span("idle " + Formats.between(s.lastEventAt(), now) + " since the last event"
                + (next == null ? "" : " · bound " + Formats.duration(next.boundMs()))));
        track.add(band);
        row.add(label, track);
        return row;
    }

    private Div axis(long total) {
        Div axis = new Div();
        axis.addClassName("wf-axis");
        Div spacer = new Div(new Span("Service · event or span"));
        spacer.addClassName("wf-label");
        Div ticks = new Div();
        ticks.addClassName("wf-track");
        for (int k = 0; k <= 4; k++) {
            Span t = new Span(k == 0 ? "0" : "+" + Formats.duration(total * k / 4));
            t.addClassName("wf-tick");
            t.getStyle().set("left", (k * 25) + "%");
            ticks.add(t);
        }
        axis.add(spacer, ticks);
        return axis;
    }

    private static String pct(long part, long total) {
        return String.format(java.util.Locale.ROOT, "%.3f%%", 100.0 * part / total);
    }

    /**
     * Where a span's duration goes: after the bar, before it when the bar ends near the right edge (a span that ended
     * last had its "11 ms" cut to "11 r" there: the side was chosen by where the bar starts), inside it when the bar
     * fills the row from near its start.
     */
    static String labelSide(long startMs, long durationMs, long totalMs) {
        if (startMs + durationMs <= totalMs * 0.85) {
            return "wf-bar-label";
        }
        return startMs >= totalMs * 0.15 ? "wf-bar-label-left" : "wf-bar-label-inside";
    }
}
