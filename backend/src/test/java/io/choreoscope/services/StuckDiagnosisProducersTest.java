package io.choreoscope.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.choreoscope.MutableClock;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.ExpectedStep;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.model.service.ServiceIdentity;

/**
 * Who a running instance waits on comes from a producers map read over the last hour and kept 30 s; a stale one is read
 * again in the background while pages go on with the one in hand, never on the page's own time.
 */
class StuckDiagnosisProducersTest {
    private static final Instant T0 = Instant.parse("2026-12-06T22:00:00Z");
    private final ExecutorService background = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        background.shutdownNow();
    }

    /** The one producer of PaymentCaptured it is told; counts its reads; a read can be held at a gate or fail. */
    private static final class Producers implements NoDependencies {
        final AtomicReference<String> producer = new AtomicReference<>("payments");
        final AtomicInteger reads = new AtomicInteger();
        volatile CountDownLatch gate;
        volatile boolean fail;

        @Override
        public DependencyMap dependencies(Instant from, Instant to) {
            reads.incrementAndGet();
            CountDownLatch g = gate;
            if (g != null) {
                try {
                    g.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (fail) {
                throw new IllegalStateException("ClickHouse unavailable");
            }
            return new DependencyMap(List.of(), List.of(new DependencyMap.Edge(DependencyMap.EdgeRole.PRODUCES,
                    producer.get(), "payments", Set.of("PaymentCaptured"), 100, 1.0, Double.NaN, Double.NaN,
                    Set.of("observation"))));
        }
    }

    private static InstanceSnapshot running() {
        return new InstanceSnapshot("order-1", Set.of("order-1"), "OrderPlaced", InstanceState.RUNNING, "started", T0, T0,
                1, 0, "OrderPlaced", "orders", List.of(new ExpectedStep("PaymentCaptured", 0.97, 5_000, true)), List.of());
    }

    /** waitingOn of a live read, made on another thread and given 2 s (a read at the gate holds it for 10). */
    private static List<String> waitingOnWithin2s(StuckDiagnosis d) throws Exception {
        return CompletableFuture.supplyAsync(() -> d.live(running()).waitingOn()).get(2, TimeUnit.SECONDS);
    }

    @Test
    void aStaleProducersMapIsReadAgainBesideThePageNotOnItsTime() throws Exception {
        Producers reader = new Producers();
        MutableClock clock = new MutableClock(T0);
        StuckDiagnosis d = new StuckDiagnosis(reader, null, null, ServiceIdentity.defaults(), background, clock);

        // the first read: callers wait for it, there being nothing to go on with
        assertThat(d.live(running()).waitingOn()).containsExactly("payments");
        assertThat(reader.reads).hasValue(1);
        // within 30 s: the map in hand, no read
        reader.producer.set("billing");
        clock.advance(Duration.ofSeconds(29));
        assertThat(d.live(running()).waitingOn()).containsExactly("payments");
        assertThat(reader.reads).hasValue(1);

        // stale: the read again is held at the gate; pages answer meanwhile with the map in hand, and start no other read
        CountDownLatch gate = new CountDownLatch(1);
        reader.gate = gate;
        clock.advance(Duration.ofSeconds(2));
        assertThat(waitingOnWithin2s(d)).containsExactly("payments");
        assertThat(waitingOnWithin2s(d)).containsExactly("payments");
        await().atMost(Duration.ofSeconds(5)).until(() -> reader.reads.get() >= 2);
        assertThat(reader.reads).hasValue(2);
        gate.countDown();
        reader.gate = null;
        await().atMost(Duration.ofSeconds(5)).until(() -> d.live(running()).waitingOn().equals(List.of("billing")));
        assertThat(d.live(running()).waitingOn()).containsExactly("billing");
        assertThat(reader.reads).hasValue(2);
    }

    @Test
    void aFailedReadAgainKeepsTheMapInHandAndIsTriedAgain() throws Exception {
        Producers reader = new Producers();
        MutableClock clock = new MutableClock(T0);
        StuckDiagnosis d = new StuckDiagnosis(reader, null, null, ServiceIdentity.defaults(), background, clock);
        assertThat(d.live(running()).waitingOn()).containsExactly("payments");

        reader.fail = true;
        clock.advance(Duration.ofSeconds(31));
        assertThat(waitingOnWithin2s(d)).containsExactly("payments");
        background.submit(() -> { }).get(5, TimeUnit.SECONDS); // the failed read has ended
        assertThat(reader.reads).hasValue(2);
        assertThat(d.live(running()).waitingOn()).containsExactly("payments");
        background.submit(() -> { }).get(5, TimeUnit.SECONDS);
        assertThat(reader.reads).as("tried again at the next call: the map is still stale").hasValue(3);

        reader.fail = false;
        reader.producer.set("billing");
        d.live(running());
        background.submit(() -> { }).get(5, TimeUnit.SECONDS);
        assertThat(d.live(running()).waitingOn()).containsExactly("billing");
    }
}
