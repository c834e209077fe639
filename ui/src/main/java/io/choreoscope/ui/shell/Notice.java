package io.choreoscope.ui.shell;

import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.icon.Icon;
import com.vaadin.flow.component.icon.VaadinIcon;
import com.vaadin.flow.component.progressbar.ProgressBar;

import io.choreoscope.ui.client.ApiException;

/**
 * The three states a panel can be in besides "showing data": loading, failed (with the API's reason and
 * a retry) and empty (with a hint of what to do). All text is set as text, never as HTML.
 */
public final class Notice extends Div {

    /** What kind of notice; also the {@code data-kind} attribute, for tests. */
    public enum Kind { LOADING, ERROR, EMPTY }

    private final Kind kind;

    private Notice(Kind kind) {
        this.kind = kind;
        addClassNames("notice", "notice-" + kind.name().toLowerCase(java.util.Locale.ROOT));
        getElement().setAttribute("data-kind", kind.name());
    }

    public Kind kind() {
        return kind;
    }

    public static Notice loading(String what) {
        Notice n = new Notice(Kind.LOADING);
        ProgressBar bar = new ProgressBar();
        bar.setIndeterminate(true);
        bar.addClassName("notice-progress");
        Span text = new Span(what);
        n.add(bar, text);
        n.getElement().setAttribute("role", "status");
        n.getElement().setAttribute("aria-live", "polite");
        return n;
    }

    /** An error with the reason from the API and, when {@code retry} is not null, a Retry button. */
    public static Notice error(String title, ApiException e, Runnable retry) {
        Notice n = new Notice(Kind.ERROR);
        n.getElement().setAttribute("role", "alert");
        Icon icon = (e != null && e.isUnreachable() ? VaadinIcon.PLUG : VaadinIcon.WARNING).create();
        icon.addClassName("notice-icon");
        Div body = new Div();
        body.addClassName("notice-body");
        Span t = new Span(title);
        t.addClassName("notice-title");
        body.add(t);
        if (e != null) {
            Paragraph p = new Paragraph(e.getMessage());
            p.addClassName("notice-message");
            body.add(p);
        }
        n.add(icon, body);
        if (retry != null) {
            Button b = new Button("Retry", VaadinIcon.REFRESH.create(), click -> retry.run());
            b.addThemeVariants(ButtonVariant.LUMO_SMALL);
            b.addClassName("notice-retry");
            n.add(b);
        }
        return n;
    }

    public static Notice empty(VaadinIcon iconKind, String title, String hint) {
        Notice n = new Notice(Kind.EMPTY);
        Icon icon = iconKind.create();
        icon.addClassName("notice-icon");
        Div body = new Div();
        body.addClassName("notice-body");
        Span t = new Span(title);
        t.addClassName("notice-title");
        body.add(t);
        if (hint != null) {
            Paragraph p = new Paragraph(hint);
            p.addClassName("notice-message");
            body.add(p);
        }
        n.add(icon, body);
        return n;
    }
}
