package io.choreoscope.ingest;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletionStage;

import io.choreoscope.live.LiveInference;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ObservationSink;
import io.choreoscope.model.SinkUnavailableException;
import io.choreoscope.model.service.ServiceIdentity;

/**
 * The tap's sink with live inference in this process (role {@code all}): a batch is queued for the engine first and
 * then stored, so the engine applies it while ClickHouse writes it instead of after (the events insert was half of
 * the way from produce to a visible state, docs/BENCHMARKS.md, issue 19 item 6). The spine of the design fans a batch
 * out to both the same way.
 *
 * <p>Nothing changes for what is committed: {@link #acceptForCommit} returns only once the batch is stored, and its
 * stage completes only once the engine persisted what the batch touched; a crash before both makes the tap read the
 * batch again. What changes is what may be seen first: an instance's state can show an event up to one insert before
 * the instance's event list (read from ClickHouse) does.
 *
 * <p>A batch the store refused was queued for the engine already. The tap retries the same batch (the same list), and
 * it is not queued again: the engine would count its records as delivered twice. "The store" is all that comes after
 * the engine's queue: with the observations topic also on (role {@code all} publishing for workers), a batch stored
 * but not published is refused and remembered the same way. Refused batches are remembered by
 * identity until stored, at most {@link #REMEMBERED} of them (one per tap in an outage; more only when taps stop in
 * one, and those batches are read again after the restart anyway).
 */
final class StoreBesideLive implements ObservationSink {
    /** Refused batches remembered at most. */
    static final int REMEMBERED = 16;

    private final ObservationSink stored;
    private final LiveInference live;
    private final ServiceIdentity identity;
    /** Batches queued for the engine whose store failed, newest first; guarded by itself. */
    private final Deque<Offered> refused = new ArrayDeque<>();

    private record Offered(List<Observation> raw, CompletionStage<Void> applied) {
    }

    /**
     * @param stored the store, and whatever else must take the batch before the tap may commit it (the observations
     *               topic); given the batch with its services named
     */
    StoreBesideLive(ObservationSink stored, LiveInference live, ServiceIdentity identity) {
        this.stored = stored;
        this.live = live;
        this.identity = identity;
    }

    @Override
    public void accept(List<Observation> batch) throws SinkUnavailableException {
        acceptForCommit(batch);
    }

    @Override
    public CompletionStage<Void> acceptForCommit(List<Observation> raw) throws SinkUnavailableException {
        List<Observation> batch = identity.observations(raw);
        CompletionStage<Void> applied = takeRefused(raw);
        if (applied == null) {
            try {
                applied = live.offer(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SinkUnavailableException("interrupted while handing a batch to live inference", e);
            }
        }
        try {
            stored.accept(batch);
        } catch (SinkUnavailableException | RuntimeException e) {
            remember(raw, applied);
            throw e;
        }
        return applied;
    }

    /** The engine's stage of {@code raw} if it was queued before and its store refused; forgets it. */
    private CompletionStage<Void> takeRefused(List<Observation> raw) {
        synchronized (refused) {
            for (Iterator<Offered> it = refused.iterator(); it.hasNext(); ) {
                Offered o = it.next();
                if (o.raw() == raw) {
                    it.remove();
                    return o.applied();
                }
            }
            return null;
        }
    }

    private void remember(List<Observation> raw, CompletionStage<Void> applied) {
        synchronized (refused) {
            refused.addFirst(new Offered(raw, applied));
            while (refused.size() > REMEMBERED) {
                refused.removeLast();
            }
        }
    }

    /** Refused batches remembered now (for tests). */
    int remembered() {
        synchronized (refused) {
            return refused.size();
        }
    }
}
