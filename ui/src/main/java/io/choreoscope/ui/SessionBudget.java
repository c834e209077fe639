package io.choreoscope.ui;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionAttributeListener;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.choreoscope.ui.signin.SignIn;

/**
 * Bounds the sessions nobody is signed in to. Loading the sign-in page makes a session with a UI in it (about 10 KB of
 * heap, kept for the session timeout, 30 minutes), so a client that loads it in a loop would otherwise hold memory
 * without bound. Once more than {@code max} sessions are not signed in, the oldest of them ends: its page, if anyone
 * still has it open, says the session expired and loads again. Signed-in sessions (marked by {@link SignIn}) never
 * end for this, and do not count: how many there are is bounded by who has credentials and by the API's sign-in limit.
 * Without authentication nobody signs in, so every session counts. A session whose user's token expired in it is
 * not counted again: there are no more of those than there were signed-in sessions.
 */
final class SessionBudget implements HttpSessionListener, HttpSessionAttributeListener {
    private static final Logger LOG = LoggerFactory.getLogger(SessionBudget.class);
    /** At most one warning per this many nanoseconds: a flood would otherwise log a line per session. */
    private static final long WARN_EVERY_NANOS = 60_000_000_000L;

    private final int max;
    /** The live sessions nobody is signed in to, oldest first (as a set: the values are unused). */
    private final Map<HttpSession, Boolean> notSignedIn = new LinkedHashMap<>();
    private long ended;
    private long lastWarning = System.nanoTime() - WARN_EVERY_NANOS;

    SessionBudget(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("the budget of sessions not signed in must be at least 1, got " + max);
        }
        this.max = max;
    }

    @Override
    public void sessionCreated(HttpSessionEvent event) {
        List<HttpSession> over = new ArrayList<>();
        synchronized (this) {
            notSignedIn.put(event.getSession(), Boolean.TRUE);
            for (Iterator<HttpSession> it = notSignedIn.keySet().iterator(); notSignedIn.size() > max && it.hasNext(); ) {
                HttpSession s = it.next();
                if (s != event.getSession()) {
                    it.remove();
                    over.add(s);
                }
            }
            ended += over.size();
        }
        // Ended outside the lock: invalidating calls the listeners again (sessionDestroyed) and Vaadin's own.
        for (HttpSession s : over) {
            try {
                s.invalidate();
            } catch (IllegalStateException alreadyEnded) {
                // it ended by itself meanwhile
            }
        }
        if (!over.isEmpty()) {
            warn();
        }
    }

    @Override
    public synchronized void sessionDestroyed(HttpSessionEvent event) {
        notSignedIn.remove(event.getSession());
    }

    @Override
    public synchronized void attributeAdded(HttpSessionBindingEvent event) {
        if (SignIn.SIGNED_IN_MARK.equals(event.getName())) {
            notSignedIn.remove(event.getSession());
        }
    }

    /** Sessions alive now that nobody is signed in to. */
    synchronized int notSignedIn() {
        return notSignedIn.size();
    }

    private void warn() {
        long total;
        synchronized (this) {
            long now = System.nanoTime();
            if (now - lastWarning < WARN_EVERY_NANOS) {
                return;
            }
            lastWarning = now;
            total = ended;
        }
        LOG.warn("More than {} UI sessions nobody is signed in to: the oldest are ended ({} so far). Many clients "
                + "loading the sign-in page, or one loading it in a loop.", max, total);
    }
}
