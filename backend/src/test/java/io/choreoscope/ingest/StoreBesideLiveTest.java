package io.choreoscope.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.choreoscope.live.FakeInstanceStore;
import io.choreoscope.live.InferenceConfig;
import io.choreoscope.live.LiveInference;
import io.choreoscope.model.EventReader;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ObservationSink;
import io.choreoscope.model.SinkUnavailableException;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.model.service.ServiceIdentity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The embedded layout's sink ({@link StoreBesideLive}) over the real live loop, with fakes behind the model's own
 * interfaces for the stores: the events store can hold a batch at a gate or refuse it; instance rows go to
 * {@link FakeInstanceStore}. A batch is applied while its store still writes; the tap may commit it only once it is
 * stored and its instances persisted; a batch the store refused and the tap retries is applied once.
 */
class StoreBesideLiveTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Instant T = Instant.now().minusSeconds(5);

    private final FakeInstanceStore instances = new FakeInstanceStore();
    private final Events events = new Events();
    private LiveInference live;
    private StoreBesideLive sink;

    /** The events store: counts attempts, holds each at the gate while {@code hold}, refuses while {@code refuse}. */
    private static final class Events implements ObservationSink {
        final Semaphore gate = new Semaphore(0);
        final AtomicInteger attempts = new AtomicInteger();
        final List<Observation> stored = new ArrayList<>();
        volatile boolean hold;
        volatile int refuse;

        @Override
        public void accept(List<Observation> batch) throws SinkUnavailableException {
            attempts.incrementAndGet();
            if (hold) {
                gate.acquireUninterruptibly();
            }
            if (refuse > 0) {
                refuse--;
                throw new SinkUnavailableException("ClickHouse is down (fake)", null);
            }
            synchronized (stored) {
                stored.addAll(batch);
            }
        }
    }

    @BeforeEach
    void start() {
        InferenceConfig settings = new InferenceConfig();
        settings.setEvaluateInterval(Duration.ofMillis(100));
        // recovery finds no instance (FakeInstanceStore), so the engine never reads events
        EventReader noEvents = (EventReader) Proxy.newProxyInstance(EventReader.class.getClassLoader(),
                new Class<?>[] {EventReader.class}, (proxy, method, args) -> {
                    throw new AssertionError("events read: " + method.getName());
                });
        live = new LiveInference(settings, instances, instances, noEvents, Clock.systemUTC());
        live.start();
        live.recovered().join();
        sink = new StoreBesideLive(events, live, ServiceIdentity.defaults());
    }

    @AfterEach
    void stop() {
        events.hold = false;
        events.gate.release(1_000);
        live.close();
    }

    /** Records of one instance at offsets {@code offset}, {@code offset + 1}, ... */
    private static List<Observation> order(String id, long offset, String... types) {
        List<Observation> out = new ArrayList<>();
        for (int i = 0; i < types.length; i++) {
            out.add(Observation.builder("orders", 0, offset + i, T.plusMillis(i)).correlationId(id).eventType(types[i])
                    .sourceService("orders").build());
        }
        return out;
    }

    private long duplicates() {
        return live.onEngine(e -> e.engine().counters().duplicates()).join();
    }

    @Test
    void aBatchIsAppliedWhileItsStoreStillWritesAndCommittableOnlyOnceStoredAndPersisted() throws Exception {
        events.hold = true;
        List<Observation> batch = order("order-1", 10, "OrderPlaced", "PaymentCaptured");
        CompletableFuture<CompletionStage<Void>> call = CompletableFuture.supplyAsync(() -> {
            try {
                return sink.acceptForCommit(batch);
            } catch (SinkUnavailableException e) {
                throw new IllegalStateException(e);
            }
        });

        await().atMost(WAIT).until(() -> events.attempts.get() == 1);
        await().atMost(WAIT).untilAsserted(() -> assertThat(live.states()).containsEntry("order-1", InstanceState.RUNNING));
        await().atMost(WAIT).until(() -> instances.rows.containsKey("order-1"));
        assertThat(instances.rows.get("order-1").eventCount()).isEqualTo(2);
        assertThat(call).as("the tap is not told the batch is taken while its store writes").isNotDone();
        assertThat(events.stored).isEmpty();

        events.gate.release();
        CompletionStage<Void> committable = call.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        committable.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(events.stored).containsExactlyElementsOf(batch);
        assertThat(duplicates()).isZero();
    }

    @Test
    void aBatchTheStoreRefusedIsAppliedOnceWhenTheTapRetriesIt() throws Exception {
        events.refuse = 2;
        List<Observation> batch = List.copyOf(order("order-2", 20, "OrderPlaced", "PaymentCaptured", "OrderShipped"));

        assertThatThrownBy(() -> sink.acceptForCommit(batch)).isInstanceOf(SinkUnavailableException.class);
        assertThatThrownBy(() -> sink.acceptForCommit(batch)).isInstanceOf(SinkUnavailableException.class);
        assertThat(sink.remembered()).isOne();
        CompletionStage<Void> committable = sink.acceptForCommit(batch);

        committable.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(sink.remembered()).isZero();
        assertThat(events.attempts.get()).isEqualTo(3);
        assertThat(events.stored).containsExactlyElementsOf(batch);
        await().atMost(WAIT).until(() -> instances.rows.containsKey("order-2"));
        assertThat(instances.rows.get("order-2").eventCount()).as("each record applied once").isEqualTo(3);
        assertThat(duplicates()).isZero();
        assertThat(instances.rows.get("order-2").deviations()).isEmpty();
    }

    /**
     * With the observations topic on too (role {@code all} publishing for workers), what comes after the engine's queue
     * is the store, then the publish: a batch stored but not published is refused, and the tap's retry (stored again,
     * which ClickHouse folds) is not queued again either.
     */
    @Test
    void aBatchStoredButNotPublishedIsAppliedOnceWhenTheTapRetriesIt() throws Exception {
        AtomicInteger publishes = new AtomicInteger();
        StoreBesideLive publishing = new StoreBesideLive(batch -> {
            events.accept(batch);
            if (publishes.incrementAndGet() == 1) {
                throw new SinkUnavailableException("observations topic unavailable (fake)", null);
            }
        }, live, ServiceIdentity.defaults());
        List<Observation> batch = List.copyOf(order("order-4", 40, "OrderPlaced", "PaymentCaptured"));

        assertThatThrownBy(() -> publishing.acceptForCommit(batch)).isInstanceOf(SinkUnavailableException.class);
        assertThat(publishing.remembered()).isOne();
        publishing.acceptForCommit(batch).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(publishes.get()).isEqualTo(2);
        assertThat(events.stored).as("stored twice, as the tap retried").hasSize(4);
        await().atMost(WAIT).until(() -> instances.rows.containsKey("order-4"));
        assertThat(instances.rows.get("order-4").eventCount()).as("each record applied once").isEqualTo(2);
        assertThat(duplicates()).isZero();
    }

    @Test
    void anotherBatchWithTheSameRecordsIsAnotherDelivery() throws Exception {
        List<Observation> batch = order("order-3", 30, "OrderPlaced");
        sink.acceptForCommit(batch).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        sink.acceptForCommit(new ArrayList<>(batch)).toCompletableFuture()
                .get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(duplicates()).as("a record the tap delivered twice is a duplicate, as before").isOne();
        assertThat(events.stored).hasSize(2);
        assertThat(sink.remembered()).isZero();
    }
}
