package io.choreoscope.ui.shell;

import com.vaadin.flow.server.VaadinSession;

import io.choreoscope.ui.UiServices;

/**
 * What the person using the UI may do. Views hide (not just disable) the controls of what is not allowed.
 * With sign-in off every application allows {@link #ALL} (see {@link UiServices#permissions()}); signing in
 * sets the person's own from their roles ({@link io.choreoscope.ui.signin.SignIn#signIn}). The API checks the
 * same roles on every call, so a hidden control is a courtesy, not the protection.
 *
 * @param canReplay     may start and cancel replays (dry runs included)
 * @param canEditAlerts may create, change, delete, test-fire and silence alert rules
 */
public record Permissions(boolean canReplay, boolean canEditAlerts) {

    /** Everything allowed: the default while no authentication exists. */
    public static final Permissions ALL = new Permissions(true, true);
    /** Looking only. */
    public static final Permissions READ_ONLY = new Permissions(false, false);

    /**
     * The current person's: the session's when one was set, else the application's default. Needs a current
     * Vaadin session or service (call it from a view, a listener or {@code beforeEnter}).
     */
    public static Permissions current() {
        VaadinSession session = VaadinSession.getCurrent();
        Permissions p = session == null ? null : session.getAttribute(Permissions.class);
        return p != null ? p : UiServices.current().permissions();
    }

    /** Sets the permissions of everyone using {@code session} (e.g. after login); null goes back to the default. */
    public static void setForSession(VaadinSession session, Permissions permissions) {
        session.setAttribute(Permissions.class, permissions);
    }
}
