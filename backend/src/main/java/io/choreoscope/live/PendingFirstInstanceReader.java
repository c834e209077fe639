package io.choreoscope.live;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import io.choreoscope.model.InstanceQuery;
import io.choreoscope.model.InstanceReader;
import io.choreoscope.model.InstanceRecord;
import io.choreoscope.model.flow.InstanceSnapshot;

/**
 * Read-your-writes for one instance in the embedded layout (issue 19 item 6): {@link #byId} answers from the rows the
 * live loop handed to its writer thread and that are not stored yet ({@link InstanceWriteBehind#pending}), else from
 * the store, with the store's semantics over both together: the primary ID first, else the newest instance naming it
 * among its linked IDs, a row not stored yet replacing the stored row of its instance. A pending row is served in the
 * form the store would give back ({@link InstanceSnapshot#stored()}), so the answer is the one the store gives once the
 * write in progress is stored, about one insert earlier. Not a cache: only rows not yet stored are held (bounded by
 * the write-behind), each leaves once stored, and the store's answer is never kept.
 *
 * <p>Lists ({@link #find}, {@link #stuck}) and recovery read the store only: they show an instance as stored, at most
 * the write in progress behind what {@code byId} shows.
 */
final class PendingFirstInstanceReader implements InstanceReader {
    private final InstanceWriteBehind pending;
    private final InstanceReader stored;

    PendingFirstInstanceReader(InstanceWriteBehind pending, InstanceReader stored) {
        this.pending = pending;
        this.stored = stored;
    }

    @Override
    public Optional<InstanceSnapshot> byId(String id) {
        InstanceRecord own = pending.pending(id);
        if (own != null) {
            return Optional.of(own.snapshot().stored());
        }
        // Not pending under its primary ID: stored (removed from the pending rows only once stored), or unknown, or
        // known under a linked ID.
        Optional<InstanceSnapshot> fromStore = stored.byId(id);
        if (fromStore.isPresent() && fromStore.get().correlationId().equals(id)) {
            return fromStore;
        }
        InstanceSnapshot best = null;
        for (InstanceRecord r : pending.pendingLinked(id)) {
            InstanceSnapshot s = r.snapshot().stored();
            if (best == null || s.lastEventAt().isAfter(best.lastEventAt())) {
                best = s;
            }
        }
        if (fromStore.isPresent()) {
            InstanceSnapshot s = fromStore.get();
            // The store's newest instance naming the ID, unless a newer row of it is pending (that row is among the
            // pending ones above when it still names the ID).
            if (pending.pending(s.correlationId()) == null && (best == null || s.lastEventAt().isAfter(best.lastEventAt()))) {
                best = s;
            }
        }
        return Optional.ofNullable(best);
    }

    @Override
    public List<InstanceSnapshot> find(InstanceQuery q) {
        return stored.find(q);
    }

    @Override
    public List<InstanceSnapshot> stuck(String flow, int limit) {
        return stored.stuck(flow, limit);
    }

    @Override
    public List<Recoverable> recoverable(Collection<Integer> partitions, Instant recentCut, Instant abandonCut, int max) {
        return stored.recoverable(partitions, recentCut, abandonCut, max);
    }
}
