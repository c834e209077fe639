package io.choreoscope.faults;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A steady load of one known order flow, as services would produce it, with final states fixed by the instance's
 * sequence number so that {@link Oracle} knows them. Of every ten instances six complete, two compensate and two
 * stop after the payment (stuck):
 * <pre>
 * COMPLETED    FaultOrderPlaced -> FaultPaymentCaptured -> FaultOrderShipped
 * COMPENSATED  FaultOrderPlaced -> FaultPaymentCaptured -> FaultStockUnavailable -> FaultPaymentRefunded
 * STUCK        FaultOrderPlaced -> FaultPaymentCaptured
 * </pre>
 * Three records per instance on average, on two topics ({@code <prefix>orders}, {@code <prefix>payments}), keyed by
 * correlation ID, with headers {@code correlationId}, {@code eventId}, {@code eventType}, {@code causationId} and
 * {@code sourceService} and a small JSON payload. Records of one instance are stamped 10 ms apart. The producer is
 * idempotent with {@code acks=all} and retries for up to 10 minutes, so a broker restart delays records but neither
 * loses nor duplicates them; only acknowledged records enter the oracle. One instance serves one fault's traffic:
 * start once, stop once.
 */
public final class OrderTraffic implements AutoCloseable {
    /** The flow's name in choreoscope (its root event type). */
    public static final String FLOW = "FaultOrderPlaced";
    /** Configured end events (choreoscope.inference.end-event-types), so completion does not wait for learning. */
    public static final List<String> END_EVENTS = List.of("FaultOrderShipped", "FaultPaymentRefunded");
    /** Mean records per instance of the mix. */
    public static final double RECORDS_PER_INSTANCE = 3.0;

    private final KafkaProducer<byte[], byte[]> producer;
    private final Oracle oracle;
    private final String topicPrefix;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fault-traffic");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong sequence = new AtomicLong();
    private volatile String idPrefix;
    private volatile boolean running;

    /**
     * @param bootstrapServers the broker
     * @param topicPrefix      e.g. {@code fault.}: the records go to {@code fault.orders} and {@code fault.payments}
     * @param oracle           receives every acknowledged record
     */
    public OrderTraffic(String bootstrapServers, String topicPrefix, Oracle oracle) {
        this.producer = producer(bootstrapServers);
        this.oracle = oracle;
        this.topicPrefix = topicPrefix;
    }

    static KafkaProducer<byte[], byte[]> producer(String bootstrapServers) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 600_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 600_000);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * 1024 * 1024);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    public String ordersTopic() {
        return topicPrefix + "orders";
    }

    public String paymentsTopic() {
        return topicPrefix + "payments";
    }

    /**
     * Starts producing {@code recordsPerSecond} records a second (in whole instances) under correlation IDs
     * {@code idPrefix + sequence}; returns at once.
     */
    public synchronized void start(String idPrefix, double recordsPerSecond) {
        if (running) {
            throw new IllegalStateException("traffic already runs");
        }
        this.idPrefix = idPrefix;
        running = true;
        long periodNanos = Math.max(1, Math.round(1e9 / (recordsPerSecond / RECORDS_PER_INSTANCE)));
        scheduler.scheduleAtFixedRate(this::tick, 0, periodNanos, TimeUnit.NANOSECONDS);
    }

    /** Stops starting instances and waits until every record sent so far is acknowledged or failed. */
    public synchronized void stop() throws InterruptedException {
        running = false;
        scheduler.shutdown();
        scheduler.awaitTermination(60, TimeUnit.SECONDS);
        producer.flush();
    }

    private void tick() {
        if (!running) {
            return;
        }
        try {
            long n = sequence.getAndIncrement();
            send(idPrefix + String.format("%07d", n), n);
        } catch (RuntimeException e) {
            System.err.println("fault traffic: could not send: " + e);
        }
    }

    /** The outcome of instance number {@code n}: six of ten complete, two compensate, two are stuck. */
    static Oracle.Outcome outcome(long n) {
        int r = (int) (n % 10);
        return r < 6 ? Oracle.Outcome.COMPLETED : r < 8 ? Oracle.Outcome.COMPENSATED : Oracle.Outcome.STUCK;
    }

    private record Step(String topic, String type, String service) {
    }

    private List<Step> steps(Oracle.Outcome outcome) {
        List<Step> s = new ArrayList<>();
        s.add(new Step(ordersTopic(), "FaultOrderPlaced", "fault-orders"));
        s.add(new Step(paymentsTopic(), "FaultPaymentCaptured", "fault-payments"));
        switch (outcome) {
            case COMPLETED -> s.add(new Step(ordersTopic(), "FaultOrderShipped", "fault-shipping"));
            case COMPENSATED -> {
                s.add(new Step(paymentsTopic(), "FaultStockUnavailable", "fault-inventory"));
                s.add(new Step(paymentsTopic(), "FaultPaymentRefunded", "fault-payments"));
            }
            default -> {
            }
        }
        return s;
    }

    private void send(String correlationId, long n) {
        Oracle.Outcome outcome = outcome(n);
        List<Step> steps = steps(outcome);
        Oracle.Instance instance = oracle.plan(correlationId, outcome, steps.size(), false);
        long base = System.currentTimeMillis();
        String cause = null;
        byte[] key = correlationId.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            String eventId = correlationId + "-" + (i + 1);
            byte[] payload = ("{\"orderId\":\"" + correlationId + "\",\"eventType\":\"" + step.type()
                    + "\",\"amount\":" + (n % 997) + ".50}").getBytes(StandardCharsets.UTF_8);
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(step.topic(), null, base + 10L * i, key, payload);
            header(record, "correlationId", correlationId);
            header(record, "eventId", eventId);
            header(record, "eventType", step.type());
            header(record, "sourceService", step.service());
            if (cause != null) {
                header(record, "causationId", cause);
            }
            cause = eventId;
            producer.send(record, (meta, error) -> {
                if (error != null) {
                    oracle.failed(instance);
                    System.err.println("fault traffic: " + eventId + " not acknowledged: " + error);
                } else {
                    instance.acked(new Oracle.Produced(meta.topic(), meta.partition(), meta.offset(), eventId,
                            step.type(), payload, System.nanoTime()));
                }
            });
        }
    }

    /**
     * Sends {@code records} more records (whole instances) as fast as the producer takes them, beside the steady load,
     * and returns once the broker acknowledged all of them.
     */
    public void burst(long records) {
        long instances = Math.max(1, Math.round(records / RECORDS_PER_INSTANCE));
        for (long k = 0; k < instances; k++) {
            long n = sequence.getAndIncrement();
            send(idPrefix + String.format("%07d", n), n);
        }
        producer.flush();
    }

    static void header(ProducerRecord<byte[], byte[]> record, String name, String value) {
        record.headers().add(new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8)));
    }

    /** Instances started since the traffic was created. */
    public long instancesStarted() {
        return sequence.get();
    }

    @Override
    public void close() {
        running = false;
        scheduler.shutdownNow();
        producer.close(java.time.Duration.ofSeconds(30));
    }
}
