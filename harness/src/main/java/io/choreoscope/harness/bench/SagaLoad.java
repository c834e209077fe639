package io.choreoscope.harness.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The freshness benchmarks' traffic: sagas of five events ({@link #TYPES}, one service each), keyed and correlated by
 * {@code <idPrefix><n>}, with headers {@code correlationId}, {@code eventType}, {@code sourceService} (and, when asked,
 * {@code eventId} and {@code causationId}) and a small JSON payload. {@link #steady} produces them at a rate, an
 * instance's events 200 ms apart; {@link #backlog} as fast as the producer takes them. Used by the backend's
 * {@code LiveLatencyBenchmark} (embedded layout) and e2e's {@code DistributedLayoutBenchmark} (separate processes).
 */
public final class SagaLoad {
    /** The event types of a saga, in order; the last one is the flow's end ({@link #END_EVENT}). */
    public static final List<String> TYPES = List.of("OrderPlaced", "PaymentCaptured", "StockReserved", "OrderShipped",
            "OrderDelivered");
    private static final List<String> SERVICES = List.of("orders", "payments", "stock", "shipping", "delivery");
    /** The flow's name in choreoscope (its root event type). */
    public static final String FLOW = "OrderPlaced";
    /** Configure it as {@code choreoscope.inference.end-event-types} so that completion does not wait for learning. */
    public static final String END_EVENT = "OrderDelivered";
    public static final int EVENTS = 5;

    /** What the producer did, for an oracle or a sampler; called on the producing thread or the producer's. */
    public interface Observer {
        /** Before the first event of instance {@code n} is sent. */
        default void started(String correlationId, long n) {
        }

        /** The broker acknowledged ({@code error} null) or refused a record; producer thread. */
        default void acked(String correlationId, int step, String eventId, String eventType, byte[] payload,
                           RecordMetadata meta, Exception error) {
        }

        /** The last event of instance {@code n} was handed to the producer at {@code sentAtMillis} (wall clock). */
        default void lastSent(String correlationId, long n, long sentAtMillis) {
        }
    }

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final String idPrefix;
    private final boolean eventIds;
    private final Observer observer;
    private final boolean callbacks;

    /**
     * @param eventIds also send {@code eventId} ({@code <id>-<step>}) and {@code causationId} headers
     * @param observer told what was sent; its {@link Observer#acked} only when {@code ackCallbacks}
     */
    public SagaLoad(KafkaProducer<byte[], byte[]> producer, String topic, String idPrefix, boolean eventIds,
                    boolean ackCallbacks, Observer observer) {
        this.producer = producer;
        this.topic = topic;
        this.idPrefix = idPrefix;
        this.eventIds = eventIds;
        this.callbacks = ackCallbacks;
        this.observer = observer;
    }

    public String id(long n) {
        return idPrefix + n;
    }

    /**
     * Sends {@code rate} events/s for {@code seconds} (or until {@code stop} says so) in 10 ms ticks: each tick starts
     * {@code rate / 5 / 100} instances, and every open instance sends its next event every 200 ms. The thread parks
     * between ticks (a spinning producer held one of two cores). With {@code finish}, instances still open at the end
     * get their remaining events on the same 200 ms schedule (no new ones start), so that every instance is whole.
     * Returns the number of events sent.
     */
    public long steady(int rate, int seconds, boolean finish, BooleanSupplier stop) {
        int instancesPerTick = Math.max(1, rate / EVENTS / 100);
        long start = System.nanoTime();
        long ticks = seconds * 100L;
        long sent = 0;
        long started = 0;
        List<long[]> open = new ArrayList<>(); // {instance number, next step, tick started}
        for (long tick = 0; (tick < ticks || (finish && !open.isEmpty())) && !stop.getAsBoolean(); tick++) {
            long due = start + tick * 10_000_000L;
            for (long left = due - System.nanoTime(); left > 0; left = due - System.nanoTime()) {
                LockSupport.parkNanos(left);
            }
            for (int k = 0; k < instancesPerTick && tick < ticks; k++) {
                observer.started(id(started), started);
                open.add(new long[] {started++, 0, tick});
            }
            for (int j = open.size() - 1; j >= 0; j--) {
                long[] in = open.get(j);
                if ((tick - in[2]) % 20 != 0) {
                    continue; // every 200 ms
                }
                long now = send(in[0], (int) in[1]);
                sent++;
                in[1]++;
                if (in[1] == EVENTS) {
                    open.remove(j);
                    observer.lastSent(id(in[0]), in[0], now);
                }
            }
        }
        return sent;
    }

    /** Sends {@code instances} whole sagas, numbered from {@code first}, all five events at once each, then flushes. */
    public long backlog(long first, long instances) {
        for (long n = first; n < first + instances; n++) {
            observer.started(id(n), n);
            long now = 0;
            for (int step = 0; step < EVENTS; step++) {
                now = send(n, step);
            }
            observer.lastSent(id(n), n, now);
        }
        producer.flush();
        return instances * EVENTS;
    }

    /** Sends step {@code step} of instance {@code n}; returns the wall-clock time it was handed over. */
    private long send(long n, int step) {
        String id = id(n);
        String type = TYPES.get(step);
        long now = System.currentTimeMillis();
        byte[] payload = ("{\"orderId\":\"" + id + "\",\"step\":" + step + "}").getBytes(StandardCharsets.UTF_8);
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, null, now, id.getBytes(StandardCharsets.UTF_8), payload);
        r.headers().add("correlationId", id.getBytes(StandardCharsets.UTF_8));
        r.headers().add("eventType", type.getBytes(StandardCharsets.UTF_8));
        r.headers().add("sourceService", SERVICES.get(step).getBytes(StandardCharsets.UTF_8));
        String eventId = id + "-" + (step + 1);
        if (eventIds) {
            r.headers().add("eventId", eventId.getBytes(StandardCharsets.UTF_8));
            if (step > 0) {
                r.headers().add("causationId", (id + "-" + step).getBytes(StandardCharsets.UTF_8));
            }
        }
        if (callbacks) {
            producer.send(r, (meta, error) -> observer.acked(id, step, eventId, type, payload, meta, error));
        } else {
            producer.send(r);
        }
        return now;
    }
}
