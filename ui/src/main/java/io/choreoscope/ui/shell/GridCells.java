package io.choreoscope.ui.shell;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.function.SerializableFunction;

/**
 * What the grids share so that every column stays in view: a cell of two lines (a quieter second line under the main
 * text, neither broken at a hyphen), and the part name of a fixed-width column whose long words break rather than
 * being cut ({@code styles.css}: {@code vaadin-grid::part(break-long-words)}).
 */
public final class GridCells {
    private GridCells() {
    }

    /** A cell of {@code first} with {@code second} under it in a quieter line; only {@code first} when second is blank. */
    public static Div twoLines(Component first, String second) {
        Div d = new Div(first);
        if (second != null && !second.isBlank()) {
            Span s = new Span(second);
            s.addClassNames("muted", "cell-second-line");
            d.add(s);
        }
        d.addClassName("two-line-cell");
        return d;
    }

    /** {@link #twoLines(Component, String)} with a text first line ("–" when null). */
    public static Div twoLines(String first, String second) {
        return twoLines(new Span(first == null ? "–" : first), second);
    }

    /** For {@code Grid.Column#setPartNameGenerator}: the column's long words break instead of being cut. */
    public static <T> SerializableFunction<T, String> breakLongWords() {
        return item -> "break-long-words";
    }
}
