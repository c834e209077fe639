package io.choreoscope.ui.signin;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import com.vaadin.flow.server.VaadinRequest;
import com.vaadin.flow.server.VaadinService;
import com.vaadin.flow.server.VaadinSession;

import io.choreoscope.model.api.AuthSettings;
import io.choreoscope.model.api.SignedIn;
import io.choreoscope.ui.client.ApiException;
import io.choreoscope.ui.client.ChoreoscopeApi;
import io.choreoscope.ui.shell.Permissions;

/**
 * Who is signed in to this Vaadin session. The user's token stays on the server, in the session: the
 * browser only holds Vaadin's session cookie. The API client of a signed-in session sends the token with
 * every call, so the UI can never do more than its user may; the permissions only decide which controls
 * are shown.
 */
public final class SignIn {
    /** Session attribute: a single sign-on was started from this session (checked when its code comes back). */
    static final String SSO_PENDING = "choreoscope.sso-pending";
    private static final String SETTINGS = "choreoscope.auth-settings";
    /**
     * HTTP session attribute: the name of the user who signed in to this session. Set on the servlet's session, not on
     * Vaadin's, so that the UI's bounds on sessions (a listener of the servlet's sessions) see it.
     */
    public static final String SIGNED_IN_MARK = "choreoscope.signed-in";

    /** A signed-in user and the API client that acts as them. */
    public record State(SignedIn signedIn, ChoreoscopeApi api) {
        public boolean expired(Instant now) {
            return signedIn.expiresAt() != null && !now.isBefore(signedIn.expiresAt());
        }
    }

    private SignIn() {
    }

    /** How to sign in, asked of the API once per session (an unreachable API is asked again next time). */
    public static AuthSettings settings(VaadinSession session, ChoreoscopeApi api) {
        AuthSettings s = (AuthSettings) session.getAttribute(SETTINGS);
        if (s == null) {
            s = api.authSettings();
            session.setAttribute(SETTINGS, s);
        }
        return s;
    }

    /** True when this session must sign in before it sees anything; an unreachable API counts as yes. */
    public static boolean required(VaadinSession session, ChoreoscopeApi api) {
        try {
            return settings(session, api).enabled();
        } catch (ApiException e) {
            return true;
        }
    }

    /** The session's signed-in user, while the token is valid. */
    public static Optional<State> current(VaadinSession session) {
        if (session == null) {
            return Optional.empty();
        }
        State s = session.getAttribute(State.class);
        if (s != null && s.expired(Instant.now())) {
            signOut(session);
            return Optional.empty();
        }
        return Optional.ofNullable(s);
    }

    /**
     * Makes {@code signedIn} the session's user. The HTTP session gets a new ID first (no session fixation),
     * then the permissions follow the user's roles.
     */
    public static void signIn(SignedIn signedIn, ChoreoscopeApi base) {
        VaadinRequest request = VaadinRequest.getCurrent();
        if (request != null && request.getWrappedSession(false) != null) {
            VaadinService.reinitializeSession(request);
        }
        VaadinSession session = VaadinSession.getCurrent();
        session.setAttribute(State.class, new State(signedIn, base.as(signedIn.token())));
        if (session.getSession() != null) {
            session.getSession().setAttribute(SIGNED_IN_MARK, signedIn.user().name());
        }
        session.setAttribute(SSO_PENDING, null);
        List<String> roles = signedIn.user().roles();
        Permissions.setForSession(session, new Permissions(roles.contains("operator"), roles.contains("admin")));
    }

    /** Forgets the session's user and what they may do. */
    public static void signOut(VaadinSession session) {
        State s = session.getAttribute(State.class);
        session.setAttribute(State.class, null);
        if (s != null && !s.expired(Instant.now())) {
            try {
                // The API refuses the token from now on, so a copy of it (a log, a heap dump) is worth nothing.
                s.api().logout();
            } catch (ApiException e) {
                // The session ends anyway; the token then lasts until it expires (choreoscope.auth.token-ttl).
            }
        }
        Permissions.setForSession(session, Permissions.READ_ONLY);
    }
}
