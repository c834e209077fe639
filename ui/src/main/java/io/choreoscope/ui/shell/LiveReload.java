package io.choreoscope.ui.shell;

/**
 * Reloads a view for changes on the live stream: never while one of its loads is in flight; changes during a load
 * cause one more load after it, not one each. Under load every event changes an instance: a load per change made each
 * answer stale before it arrived (the {@link Loader} applies only the latest) and piled the calls up on the UI's few
 * shared IO threads. On the demo with 10,000 flows (a producer putting IDs into event types) each open dashboard queued
 * a 3 MB {@code /flows} call per second while each took longer than that, and every other page of every user (an
 * instance's, say) waited behind them, showing "Loading…" for as long as the dashboards stayed open.
 *
 * <p>Used on the UI thread only: from {@code UI.access} and the loader's callbacks.
 */
public final class LiveReload {
    private final Runnable reload;
    private boolean loading;
    private boolean stale;

    /** @param reload starts a load without a loading notice; it must call {@link #started()} and, later, {@link #ended()} */
    public LiveReload(Runnable reload) {
        this.reload = reload;
    }

    /** A change on the live stream: reload now, or once more after the load in flight. */
    public void changed() {
        if (loading) {
            stale = true;
        } else {
            reload.run();
        }
    }

    /** Each load of the view calls this as it starts, live or asked for. */
    public void started() {
        loading = true;
    }

    /** Each load calls this once its answer or its error is shown. */
    public void ended() {
        loading = false;
        if (stale) {
            stale = false;
            reload.run();
        }
    }

    /** The view left its page: its loads in flight will not end (their answers are dropped). */
    public void reset() {
        loading = false;
        stale = false;
    }
}
