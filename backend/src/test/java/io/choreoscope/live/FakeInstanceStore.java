package io.choreoscope.live;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

import io.choreoscope.model.InstanceQuery;
import io.choreoscope.model.InstanceReader;
import io.choreoscope.model.InstanceRecord;
import io.choreoscope.model.InstanceWriter;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InstanceSnapshot;

/**
 * A fake instance store for tests of the live layer (behind the model's own interfaces): instance rows in a map,
 * newest write wins, kept as {@link InstanceSnapshot#stored()}; {@code byId} by primary ID, else the newest row naming
 * the ID (the store's rules, {@code InstanceStoreContract}). Inserts wait at {@link #gate} while {@link #hold} is set.
 * Lists and recovery answer nothing.
 */
public final class FakeInstanceStore implements InstanceWriter, InstanceReader {
    public final Map<String, InstanceSnapshot> rows = new ConcurrentHashMap<>();
    public final Semaphore gate = new Semaphore(0);
    public final AtomicInteger attempts = new AtomicInteger();
    public final AtomicInteger reads = new AtomicInteger();
    public final AtomicInteger listReads = new AtomicInteger();
    public volatile boolean hold;

    @Override
    public void write(List<InstanceRecord> batch) {
        attempts.incrementAndGet();
        if (hold) {
            gate.acquireUninterruptibly();
        }
        batch.forEach(r -> rows.put(r.snapshot().correlationId(), r.snapshot().stored()));
    }

    @Override
    public void writeFlowModels(String owner, List<FlowModel> models, Instant now) {
    }

    @Override
    public void retractFlowModels(String owner, Collection<String> flows, Instant now) {
    }

    @Override
    public void writeDependencyMap(String owner, DependencyMap map, Instant now) {
    }

    @Override
    public Optional<InstanceSnapshot> byId(String id) {
        reads.incrementAndGet();
        InstanceSnapshot s = rows.get(id);
        if (s != null) {
            return Optional.of(s);
        }
        return rows.values().stream().filter(r -> r.linkedIds().contains(id))
                .max(java.util.Comparator.comparing(InstanceSnapshot::lastEventAt));
    }

    @Override
    public List<InstanceSnapshot> find(InstanceQuery q) {
        listReads.incrementAndGet();
        return List.of();
    }

    @Override
    public List<InstanceSnapshot> stuck(String flow, int limit) {
        listReads.incrementAndGet();
        return List.of();
    }

    @Override
    public List<Recoverable> recoverable(Collection<Integer> partitions, Instant recentCut, Instant abandonCut, int max) {
        listReads.incrementAndGet();
        return List.of();
    }
}
