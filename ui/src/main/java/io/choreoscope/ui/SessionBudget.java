package io.choreoscope.ui;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionAttributeListener;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.choreoscope.ui.signin.SignIn;

/**
 * Bounds the UI's sessions. Loading the sign-in page makes a session with a UI in it (about 10 KB of heap, kept for the
 * session timeout, 30 minutes), so a client that loads it in a loop would otherwise hold memory without bound: once
 * more than {@code maxNotSignedIn} sessions are not signed in, the oldest of them ends (its page, if anyone still has
 * it open, says the session expired and loads again). A signed-in session (marked with its user's name by
 * {@link SignIn}) does not count there; instead each user has at most {@code maxPerUser} sessions, the user's oldest
 * ending first: the API remembers a checked password for a while and lets it sign in again at once, so a user who
 * signs in in a loop would otherwise hold memory without bound too. Without authentication nobody signs in, so every
 * session counts as not signed in. A session whose user's token expired in it keeps its user's mark and place.
 */
final class SessionBudget implements HttpSessionListener, HttpSessionAttributeListener {
    private static final Logger LOG = LoggerFactory.getLogger(SessionBudget.class);
    /** At most one warning per this many nanoseconds: a flood would otherwise log a line per session. */
    private static final long WARN_EVERY_NANOS = 60_000_000_000L;

    private final int maxNotSignedIn;
    private final int maxPerUser;
    /** The live sessions nobody is signed in to, oldest first. */
    private final Set<HttpSession> notSignedIn = new LinkedHashSet<>();
    /** The live signed-in sessions by user, oldest first. */
    private final Map<String, Set<HttpSession>> byUser = new HashMap<>();
    /** Each signed-in session's user. */
    private final Map<HttpSession, String> userOf = new HashMap<>();
    private long ended;
    private long lastWarning = System.nanoTime() - WARN_EVERY_NANOS;

    SessionBudget(int maxNotSignedIn, int maxPerUser) {
        if (maxNotSignedIn < 1 || maxPerUser < 1) {
            throw new IllegalArgumentException("the UI must keep at least one session of each kind, got "
                    + maxNotSignedIn + " not signed in and " + maxPerUser + " per user");
        }
        this.maxNotSignedIn = maxNotSignedIn;
        this.maxPerUser = maxPerUser;
    }

    @Override
    public void sessionCreated(HttpSessionEvent event) {
        List<HttpSession> over;
        synchronized (this) {
            notSignedIn.add(event.getSession());
            over = oldestOver(notSignedIn, maxNotSignedIn, event.getSession());
        }
        end(over, "nobody is signed in to");
    }

    @Override
    public synchronized void sessionDestroyed(HttpSessionEvent event) {
        notSignedIn.remove(event.getSession());
        unfile(event.getSession());
    }

    @Override
    public void attributeAdded(HttpSessionBindingEvent event) {
        signedIn(event);
    }

    @Override
    public void attributeReplaced(HttpSessionBindingEvent event) {
        signedIn(event); // signed in again in the same session, maybe as someone else
    }

    private void signedIn(HttpSessionBindingEvent event) {
        if (!SignIn.SIGNED_IN_MARK.equals(event.getName())) {
            return;
        }
        Object user;
        try {
            user = event.getSession().getAttribute(SignIn.SIGNED_IN_MARK); // a replaced event's value is the old one
        } catch (IllegalStateException invalidated) {
            return;
        }
        if (user == null) {
            return;
        }
        List<HttpSession> over;
        synchronized (this) {
            notSignedIn.remove(event.getSession());
            unfile(event.getSession());
            userOf.put(event.getSession(), user.toString());
            Set<HttpSession> sessions = byUser.computeIfAbsent(user.toString(), u -> new LinkedHashSet<>());
            sessions.add(event.getSession());
            over = oldestOver(sessions, maxPerUser, event.getSession());
            over.forEach(userOf::remove);
        }
        end(over, "one user signed in to");
    }

    /** Takes a session out of its user's sessions. */
    private void unfile(HttpSession session) {
        String user = userOf.remove(session);
        Set<HttpSession> sessions = user == null ? null : byUser.get(user);
        if (sessions != null) {
            sessions.remove(session);
            if (sessions.isEmpty()) {
                byUser.remove(user);
            }
        }
    }

    /** Takes the oldest of {@code sessions} out while they are more than {@code max}, never {@code newest}. */
    private List<HttpSession> oldestOver(Set<HttpSession> sessions, int max, HttpSession newest) {
        List<HttpSession> over = new ArrayList<>();
        for (Iterator<HttpSession> it = sessions.iterator(); sessions.size() > max && it.hasNext(); ) {
            HttpSession s = it.next();
            if (s != newest) {
                it.remove();
                over.add(s);
            }
        }
        ended += over.size();
        return over;
    }

    /** Ends sessions outside the lock: invalidating calls the listeners again (sessionDestroyed) and Vaadin's own. */
    private void end(List<HttpSession> over, String what) {
        for (HttpSession s : over) {
            try {
                s.invalidate();
            } catch (IllegalStateException alreadyEnded) {
                // it ended by itself meanwhile
            }
        }
        if (!over.isEmpty()) {
            warn(what);
        }
    }

    private void warn(String what) {
        long total;
        synchronized (this) {
            long now = System.nanoTime();
            if (now - lastWarning < WARN_EVERY_NANOS) {
                return;
            }
            lastWarning = now;
            total = ended;
        }
        LOG.warn("More UI sessions {} than the UI keeps ({} not signed in, {} per user): the oldest are ended ({} so far). "
                + "Many clients loading the sign-in page, or one loading it or signing in in a loop.", what,
                maxNotSignedIn, maxPerUser, total);
    }
}
