package io.choreoscope.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import io.choreoscope.model.EventReader;
import io.choreoscope.model.InstanceReader;
import io.choreoscope.model.Observation;
import io.choreoscope.model.flow.InstanceState;
import org.junit.jupiter.api.Test;

/**
 * How a live engine's recovery reads the events of the instances it rebuilds: through the read without records'
 * bytes, in few statements of whole instances, each within the bounds a statement can carry.
 */
class LiveEngineRecoveryReadsTest {
    private static final Instant NOW = Instant.parse("2026-12-05T02:00:00Z");

    /** The reads recovery made: the IDs of each. */
    private final List<List<String>> reads = java.util.Collections.synchronizedList(new ArrayList<>());

    private EventReader events() {
        return (EventReader) Proxy.newProxyInstance(EventReader.class.getClassLoader(), new Class<?>[] {EventReader.class},
                (proxy, method, args) -> {
                    if (!method.getName().equals("eventsForInference")) {
                        throw new AssertionError("recovery read events with " + method.getName());
                    }
                    @SuppressWarnings("unchecked")
                    List<String> ids = List.copyOf((Collection<String>) args[0]);
                    reads.add(ids);
                    List<Observation> out = new ArrayList<>();
                    for (String id : ids) {
                        out.add(Observation.builder("orders", 0, out.size() + 1000L * reads.size(), NOW.minusSeconds(5))
                                .correlationId(id).eventId("e-" + id).eventType("OrderPlaced").sourceService("orders")
                                .build());
                    }
                    return out;
                });
    }

    private int recover(List<InstanceReader.Recoverable> stored) {
        InstanceReader instances = (InstanceReader) Proxy.newProxyInstance(InstanceReader.class.getClassLoader(),
                new Class<?>[] {InstanceReader.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("recoverable")) {
                        throw new AssertionError("recovery read instances with " + method.getName());
                    }
                    return stored;
                });
        LiveEngine engine = new LiveEngine("p0", List.of(0), 1, new InferenceConfig().engineConfig(),
                new FakeInstanceStore(), Duration.ofSeconds(5));
        return engine.recover(instances, events(), Duration.ofHours(1), 100_000, NOW);
    }

    private static InstanceReader.Recoverable running(String id, List<String> linked) {
        return new InstanceReader.Recoverable(id, linked, InstanceState.RUNNING, NOW.minusSeconds(5), linked.isEmpty() ? 1 : linked.size());
    }

    @Test
    void manyInstancesAreReadInFewStatementsOfWholeInstances() {
        List<InstanceReader.Recoverable> stored = new ArrayList<>();
        for (int i = 0; i < 9_000; i++) {
            // one in ten has linked IDs (itself and two more), read together with it
            stored.add(i % 10 == 0 ? running("order-" + i, List.of("order-" + i, "pay-" + i, "ship-" + i))
                    : running("order-" + i, List.of()));
        }

        assertThat(recover(stored)).isEqualTo(9_000);

        assertThat(reads).hasSize(3); // 9,000 instances, 10,800 IDs: three reads where 500 instances a read took 18
        assertThat(reads).allSatisfy(ids -> assertThat(ids).hasSizeLessThanOrEqualTo(LiveEngine.RECOVERY_IDS)
                .doesNotHaveDuplicates());
        assertThat(reads.stream().mapToInt(List::size).sum()).isEqualTo(10_800);
        for (List<String> ids : reads) {
            for (String id : ids) {
                if (id.startsWith("pay-")) { // its instance's other IDs are in the same read
                    String n = id.substring(4);
                    assertThat(ids).contains("order-" + n, "ship-" + n);
                }
            }
        }
    }

    @Test
    void longIdsAreReadInStatementsThatStayWithinWhatClickHouseParses() {
        List<InstanceReader.Recoverable> stored = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            stored.add(running(i + "-" + "x".repeat(1_000), List.of()));
        }

        assertThat(recover(stored)).isEqualTo(300);

        assertThat(reads).hasSizeGreaterThan(1);
        assertThat(reads).allSatisfy(ids -> assertThat(ids.stream().mapToInt(String::length).sum())
                .isLessThanOrEqualTo(LiveEngine.RECOVERY_ID_CHARS));
        assertThat(reads.stream().mapToInt(List::size).sum()).isEqualTo(300);
    }

    @Test
    void oneInstanceLargerThanTheBoundsIsStillRead() {
        List<String> linked = new ArrayList<>();
        for (int i = 0; i < LiveEngine.RECOVERY_IDS + 10; i++) {
            linked.add("linked-" + i);
        }

        assertThat(recover(List.of(running("big", List.of()), running("linked-0", linked), running("small", List.of()))))
                .isEqualTo(3);

        assertThat(reads).hasSize(3);
        assertThat(reads.get(1)).hasSize(LiveEngine.RECOVERY_IDS + 10);
    }

    /** A source that owns what the test assigns and delivers nothing. */
    private static final class Idle implements InferenceSource {
        @Override
        public void open(Assignments assignments) {
        }

        @Override
        public List<Input> poll(Duration maxWait) {
            return List.of();
        }

        @Override
        public boolean behind() {
            return false;
        }

        @Override
        public void persisted(Collection<Integer> partitions, Instant now) {
        }

        @Override
        public boolean pending() {
            return false;
        }

        @Override
        public boolean continueAfter(RuntimeException failure) {
            return false;
        }

        @Override
        public void close(boolean crashed) {
        }
    }

    /** Instances whose listing waits until {@code together} listings run at once (or fails after 20 s). */
    private static InstanceReader listingTogether(int together, int failingPartition) {
        java.util.concurrent.CyclicBarrier barrier = new java.util.concurrent.CyclicBarrier(together);
        return (InstanceReader) Proxy.newProxyInstance(InstanceReader.class.getClassLoader(),
                new Class<?>[] {InstanceReader.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("recoverable")) {
                        throw new AssertionError("recovery read instances with " + method.getName());
                    }
                    @SuppressWarnings("unchecked")
                    int partition = ((Collection<Integer>) args[0]).iterator().next();
                    barrier.await(20, java.util.concurrent.TimeUnit.SECONDS); // sequential recovery never gets past
                    if (partition == failingPartition) {
                        throw new io.choreoscope.model.StorageException("ClickHouse refused (fake)", null);
                    }
                    return List.of(running("order-p" + partition, List.of()));
                });
    }

    private LiveLoop loop(InstanceReader instances) {
        InferenceConfig settings = new InferenceConfig();
        settings.setTopicPartitions(12);
        return new LiveLoop("test-loop", new Idle(), settings, new FakeInstanceStore(), instances, events(),
                java.time.Clock.fixed(NOW, java.time.ZoneOffset.UTC));
    }

    @Test
    void partitionsAssignedTogetherAreRebuiltSideBySideAndAllHeld() throws Exception {
        LiveLoop loop = loop(listingTogether(LiveLoop.RECOVERY_THREADS, -1));

        assertThat(loop.assigned(List.of(3, 1, 2))).isEqualTo(3);

        java.util.concurrent.CompletableFuture<List<Integer>> held = loop.onEngines(m -> List.copyOf(m.keySet()));
        assertThat(loop.step()).isTrue();
        assertThat(held.get(5, java.util.concurrent.TimeUnit.SECONDS)).containsExactly(1, 2, 3);
        assertThat(reads).hasSize(3);
    }

    @Test
    void aRecoveryThatFailsFailsTheAssignment() {
        LiveLoop loop = loop(listingTogether(3, 2));

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> loop.assigned(List.of(1, 2, 3)))
                .isInstanceOf(io.choreoscope.model.StorageException.class).hasMessageContaining("refused");
    }
}
