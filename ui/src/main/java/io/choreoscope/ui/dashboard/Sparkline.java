package io.choreoscope.ui.dashboard;

import java.util.List;

import com.vaadin.flow.component.html.Div;

/**
 * A bar sparkline (oldest left) built from plain elements, so it themes with Lumo and needs no script.
 * Bars are scaled to the largest value; a zero bucket still shows a hairline.
 */
public class Sparkline extends Div {

    public Sparkline() {
        addClassName("sparkline");
        getElement().setAttribute("role", "img");
    }

    public void setValues(List<Long> values, String description) {
        removeAll();
        long max = 1;
        long total = 0;
        for (Long v : values) {
            max = Math.max(max, v == null ? 0 : v);
            total += v == null ? 0 : v;
        }
        for (Long v : values) {
            Div bar = new Div();
            bar.addClassName("sparkline-bar");
            long value = v == null ? 0 : v;
            bar.getStyle().set("height", Math.max(4, Math.round(100.0 * value / max)) + "%");
            if (value == 0) {
                bar.addClassName("sparkline-zero");
            }
            add(bar);
        }
        getElement().setAttribute("aria-label", description + ": " + total + " in " + values.size()
                + " buckets, at most " + max + " per bucket");
        getElement().setAttribute("title", description);
    }
}
