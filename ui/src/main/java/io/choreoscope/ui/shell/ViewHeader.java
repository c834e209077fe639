package io.choreoscope.ui.shell;

import com.vaadin.flow.component.ClickEvent;
import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.ComponentEventListener;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.icon.VaadinIcon;

/** The header every view starts with: its titles on the left, its tools on the right. */
public final class ViewHeader {
    private ViewHeader() {
    }

    /** The titles block: heading, then subtitle or counts. */
    public static Div titles(Component... parts) {
        Div titles = new Div(parts);
        titles.addClassName("view-titles");
        return titles;
    }

    /** The header row: {@code titles} and, after them, the view's tools. */
    public static Div of(Div titles, Component... tools) {
        Div toolbar = new Div(tools);
        toolbar.addClassName("view-tools");
        Div header = new Div(titles, toolbar);
        header.addClassName("view-header");
        return header;
    }

    /** The icon button that reloads a view, labelled for screen readers and with a tooltip. */
    public static Button refreshButton(ComponentEventListener<ClickEvent<Button>> onClick) {
        Button refresh = new Button(VaadinIcon.REFRESH.create(), onClick);
        refresh.addThemeVariants(ButtonVariant.LUMO_TERTIARY, ButtonVariant.LUMO_ICON);
        refresh.setAriaLabel("Refresh");
        refresh.setTooltipText("Refresh");
        return refresh;
    }
}
