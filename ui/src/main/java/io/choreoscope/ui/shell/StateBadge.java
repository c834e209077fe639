package io.choreoscope.ui.shell;

import java.util.Locale;

import com.vaadin.flow.component.html.Span;

import io.choreoscope.model.flow.InstanceState;

/**
 * An instance state as a coloured pill: completed green, compensated amber, failed red, stuck purple,
 * running blue (colours in the theme's {@code styles.css}, for light and dark).
 */
public class StateBadge extends Span {

    public StateBadge(InstanceState state) {
        this(state == null ? null : state.name());
    }

    /** For states given as strings by the API ({@code DRY_RUN} reads "Dry run"); an unknown one is shown neutral. */
    public StateBadge(String state) {
        String s = state == null ? "UNKNOWN" : state;
        setText(s.charAt(0) + s.substring(1).toLowerCase(Locale.ROOT).replace('_', ' '));
        addClassNames("state-badge", cssClass(s));
        getElement().setAttribute("data-state", s);
    }

    /** The CSS class of a state, e.g. {@code state-stuck}; shared with cards and graphs. */
    public static String cssClass(String state) {
        return "state-" + (state == null ? "unknown" : state.toLowerCase(Locale.ROOT));
    }
}
