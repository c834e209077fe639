package io.choreoscope.collectors.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import io.choreoscope.model.SinkUnavailableException;
import io.choreoscope.model.Span;
import io.choreoscope.model.SpanSink;
import org.junit.jupiter.api.Test;

class SpanBufferTest {

    private static List<Span> spans(int n, int from) {
        List<Span> out = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            out.add(new Span("4bf92f3577b34da6a3ce929d0e0e4736", String.format("%016x", i + 1), null, "svc", "op",
                    "INTERNAL", Instant.EPOCH, 1, "UNSET", null, null, null, null, null, null, null));
        }
        return out;
    }

    /** A store of our own (the seam under test is the buffer), recording each write. */
    private static final class RecordingStore implements SpanSink {
        final List<List<Span>> writes = Collections.synchronizedList(new ArrayList<>());
        final AtomicBoolean down = new AtomicBoolean();

        @Override
        public void accept(List<Span> batch) throws SinkUnavailableException {
            if (down.get()) {
                throw new SinkUnavailableException("store down", null);
            }
            writes.add(batch);
        }

        int written() {
            synchronized (writes) {
                return writes.stream().mapToInt(List::size).sum();
            }
        }
    }

    @Test
    void smallRequestsAreWrittenTogetherInOneBatch() throws Exception {
        RecordingStore store = new RecordingStore();
        try (SpanBuffer buffer = new SpanBuffer(store, 10_000, 1_000, 300)) {
            for (int i = 0; i < 10; i++) {
                buffer.accept(spans(10, i * 10));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> store.written() == 100);
            assertThat(store.writes).hasSize(1);
        }
    }

    @Test
    void fullBatchesAreWrittenWithoutWaitingForTheLinger() throws Exception {
        RecordingStore store = new RecordingStore();
        try (SpanBuffer buffer = new SpanBuffer(store, 10_000, 50, 60_000)) {
            buffer.accept(spans(120, 0));
            await().atMost(Duration.ofSeconds(5)).until(() -> store.written() == 100);
            assertThat(store.writes).allSatisfy(w -> assertThat(w).hasSize(50));
        }
    }

    @Test
    void aRefusingStoreFillsTheQueueThenRequestsAreTurnedAwayAndNothingQueuedIsLost() throws Exception {
        RecordingStore store = new RecordingStore();
        store.down.set(true);
        try (SpanBuffer buffer = new SpanBuffer(store, 100, 50, 10)) {
            buffer.accept(spans(60, 0));
            buffer.accept(spans(40, 60));
            await().atMost(Duration.ofSeconds(5)).until(() -> buffer.consecutiveFailures() >= 2);
            assertThatThrownBy(() -> buffer.accept(spans(1, 100)))
                    .isInstanceOf(SinkUnavailableException.class).hasMessageContaining("queue full");
            store.down.set(false);
            await().atMost(Duration.ofSeconds(10)).until(() -> store.written() == 100);
            assertThat(buffer.queued()).isZero();
            buffer.accept(spans(1, 100)); // room again
        }
        assertThat(store.written()).isEqualTo(101);
    }

    @Test
    void closeWritesWhatIsQueued() throws Exception {
        RecordingStore store = new RecordingStore();
        SpanBuffer buffer = new SpanBuffer(store, 1_000, 1_000, 60_000);
        buffer.accept(spans(7, 0));
        buffer.close();
        assertThat(store.written()).isEqualTo(7);
        assertThatThrownBy(() -> buffer.accept(spans(1, 0))).isInstanceOf(SinkUnavailableException.class);
    }

    @Test
    void twoWritersWriteBatchesSideBySideAndInFlightSpansCountAgainstTheCapacity() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger writing = new java.util.concurrent.atomic.AtomicInteger();
        RecordingStore written = new RecordingStore();
        SpanSink slow = batch -> {
            writing.incrementAndGet();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            written.accept(batch);
        };
        try (SpanBuffer buffer = new SpanBuffer(slow, 120, 50, 0, 2)) {
            buffer.accept(spans(100, 0));
            await().atMost(Duration.ofSeconds(5)).until(() -> writing.get() == 2);
            assertThat(buffer.queued()).isEqualTo(100);
            buffer.accept(spans(20, 100));
            assertThatThrownBy(() -> buffer.accept(spans(1, 120)))
                    .isInstanceOf(SinkUnavailableException.class).hasMessageContaining("queue full");
            release.countDown();
            await().atMost(Duration.ofSeconds(5)).until(() -> written.written() == 120);
        }
        assertThat(written.writes).hasSize(3);
    }
}
