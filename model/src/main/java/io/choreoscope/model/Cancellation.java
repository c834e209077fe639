package io.choreoscope.model;

import java.util.ArrayList;
import java.util.List;

/**
 * "Nobody waits for this answer any more": the handle a caller passes to a read that may run long (a value search), so
 * that the storage stops the work it started for it (e.g. the query on the database server) instead of finishing it for
 * nobody. The caller calls {@link #cancel()} (the API does when its HTTP client disconnects); the storage registers what
 * stops its work with {@link #onCancel}. Thread-safe; cancelling twice does nothing more.
 */
public final class Cancellation {
    private final List<Runnable> actions = new ArrayList<>();
    private boolean cancelled;

    /** A handle nobody will cancel. */
    public static Cancellation none() {
        return new Cancellation();
    }

    /** True once {@link #cancel()} was called. */
    public synchronized boolean isCancelled() {
        return cancelled;
    }

    /**
     * Runs {@code action} when this is cancelled: at once (on this thread) when it already is, else on the thread that
     * cancels. Close the returned registration when the work is done, so that a later cancel does not touch it.
     */
    public Registration onCancel(Runnable action) {
        synchronized (this) {
            if (!cancelled) {
                actions.add(action);
                return () -> {
                    synchronized (Cancellation.this) {
                        actions.remove(action);
                    }
                };
            }
        }
        action.run();
        return () -> { };
    }

    /** Cancels: runs every registered action once; an action that throws does not stop the others. */
    public void cancel() {
        List<Runnable> run;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            cancelled = true;
            run = new ArrayList<>(actions);
            actions.clear();
        }
        for (Runnable r : run) {
            try {
                r.run();
            } catch (RuntimeException e) {
                // the work may already be over; the others must still be stopped
            }
        }
    }

    /** Removes an action registered with {@link #onCancel}. */
    @FunctionalInterface
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }
}
