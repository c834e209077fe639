package io.choreoscope.samples.service;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.choreoscope.samples.wire.MalformedEventException;
import io.choreoscope.samples.wire.SampleEvent;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapPropagator;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One running sample service: its own producer, its own consumer group and thread, its own OpenTelemetry SDK.
 * For each consumed event it handles, it opens a CONSUMER span whose parent is the producer span named by the
 * record's {@code traceparent}, injects its faults, reacts, and publishes each reply under a PRODUCER span whose
 * context goes out as {@code traceparent}. A record it cannot read, or whose processing fails, goes to the
 * dead-letter topic, except under the error fault, which gives up on it with an error span and nothing else; nothing a
 * record does stops the service.
 *
 * <p>Offsets are committed after each polled batch is handled (at-least-once, like most real services).
 */
public final class SampleService implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SampleService.class.getName());

    static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
    static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    static final AttributeKey<String> OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
    static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
    static final AttributeKey<String> CONSUMER_GROUP = AttributeKey.stringKey("messaging.consumer.group.name");
    static final AttributeKey<Long> OFFSET = AttributeKey.longKey("messaging.kafka.message.offset");
    static final AttributeKey<Long> PARTITION = AttributeKey.longKey("messaging.destination.partition.id");
    static final AttributeKey<String> MESSAGE_KEY = AttributeKey.stringKey("messaging.kafka.message.key");
    static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
    static final AttributeKey<String> CORRELATION_ID = AttributeKey.stringKey("correlation.id");
    static final AttributeKey<String> EVENT_TYPE = AttributeKey.stringKey("event.type");
    /** Which fault the sample injected on this span, if any: dropped, error, failed, duplicate, out-of-order. */
    static final AttributeKey<String> FAULT = AttributeKey.stringKey("sample.fault");

    /** Status description of a CONSUMER span the error fault failed (the exception event says more). */
    public static final String ERROR_STATUS = "downstream call timed out";

    /** How long one poll blocks (ms); bounds how quickly a service notices it is closed. */
    public static final long POLL_MS = 200;

    private final ServiceSpec spec;
    private final String groupId;
    private final String bootstrapServers;
    private final String deadLetterTopic;
    private final ServiceFaults faults;
    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final KafkaProducer<byte[], byte[]> producer;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private Thread thread;

    private final AtomicLong handled = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong errored = new AtomicLong();

    /**
     * @param groupId         consumer group (unused for a producer-only spec)
     * @param deadLetterTopic full name of the topic failed records go to
     */
    public SampleService(ServiceSpec spec, String groupId, String bootstrapServers, String deadLetterTopic,
                         ServiceFaults faults, ServiceTelemetry telemetry) {
        this.spec = spec;
        this.groupId = groupId;
        this.bootstrapServers = bootstrapServers;
        this.deadLetterTopic = deadLetterTopic;
        this.faults = faults == null ? ServiceFaults.NONE : faults;
        this.tracer = telemetry.tracer();
        this.propagator = telemetry.propagator();
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.CLIENT_ID_CONFIG, "sample-" + spec.name(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    public String name() {
        return spec.name();
    }

    /** Starts the consumer thread; a producer-only service has none. */
    public synchronized void start() {
        if (spec.topics().isEmpty() || thread != null) {
            return;
        }
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, groupId,
                ConsumerConfig.CLIENT_ID_CONFIG, groupId + "-consumer",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                // a new group must not miss the instances started while it joins
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        thread = new Thread(this::run, "sample-" + spec.name());
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        KafkaConsumer<byte[], byte[]> c = consumer;
        try {
            c.subscribe(spec.topics());
            while (stopped.getCount() > 0) {
                ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(POLL_MS));
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    if (stopped.getCount() == 0) {
                        break;
                    }
                    handle(r);
                }
                if (!records.isEmpty()) {
                    c.commitAsync();
                }
            }
        } catch (WakeupException ignored) {
            // close() woke the poll up
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "service " + spec.name() + " stopped consuming", e);
        } finally {
            try {
                c.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "closing consumer of " + spec.name() + ": " + e);
            }
        }
    }

    /** Handles one record; never throws. Package-private for tests. */
    void handle(ConsumerRecord<byte[], byte[]> r) {
        Context parent = propagator.extract(Context.root(), r.headers(), KafkaHeaderCarrier.INSTANCE);
        SampleEvent event;
        try {
            event = spec.codec().decode(r);
        } catch (MalformedEventException e) {
            Span span = consumerSpan(r, parent, null).startSpan();
            fail(span, r, e);
            return;
        }
        Reaction reaction = spec.reactions().get(event.type());
        if (reaction == null) {
            return;
        }
        handled.incrementAndGet();
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        Span span = consumerSpan(r, parent, event).startSpan();
        try (Scope ignored = span.makeCurrent()) {
            if (rnd.nextDouble() < faults.dropRate()) {
                dropped.incrementAndGet();
                span.setAttribute(FAULT, "dropped");
                return;
            }
            long delay = faults.latency().sampleMs(rnd);
            if (delay > 0 && stopped.await(delay, TimeUnit.MILLISECONDS)) {
                return; // closing: leave the record uncommitted for the next run
            }
            if (rnd.nextDouble() < faults.errorRate()) {
                giveUp(span, event);
                return;
            }
            if (rnd.nextDouble() < faults.failureRate()) {
                throw new SimulatedFailure(spec.name() + " failed to handle " + event.type() + " " + event.eventId()
                        + " of " + event.correlationId() + " (simulated failure)");
            }
            for (Reaction.Emit out : reaction.react(event, rnd)) {
                publish(out, Context.current(), r.timestamp());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            fail(span, r, e);
            return;
        } finally {
            span.end();
        }
    }

    private io.opentelemetry.api.trace.SpanBuilder consumerSpan(ConsumerRecord<byte[], byte[]> r, Context parent,
                                                                SampleEvent event) {
        var b = tracer.spanBuilder("process " + r.topic())
                .setSpanKind(SpanKind.CONSUMER)
                .setParent(parent)
                .setAttribute(MESSAGING_SYSTEM, "kafka")
                .setAttribute(DESTINATION, r.topic())
                .setAttribute(OPERATION_TYPE, "process")
                .setAttribute(OPERATION_NAME, "process")
                .setAttribute(CONSUMER_GROUP, groupId)
                .setAttribute(PARTITION, (long) r.partition())
                .setAttribute(OFFSET, r.offset());
        if (r.key() != null) {
            b.setAttribute(MESSAGE_KEY, new String(r.key(), java.nio.charset.StandardCharsets.UTF_8));
        }
        if (event != null) {
            b.setAttribute(MESSAGE_ID, event.eventId())
                    .setAttribute(CORRELATION_ID, event.correlationId())
                    .setAttribute(EVENT_TYPE, event.type());
        }
        return b;
    }

    /**
     * The error fault: the handler fails and the service gives up on the record without dead-lettering it (a handler
     * that logs and skips). The CONSUMER span gets what OpenTelemetry instrumentations record for a failed handler: an
     * {@code exception} event ({@link Span#recordException}) and status ERROR with a short description; the caller
     * ends it. Nothing is published, and the offset is committed with the batch.
     */
    private void giveUp(Span span, SampleEvent event) {
        errored.incrementAndGet();
        SimulatedFailure e = new SimulatedFailure(spec.name() + " could not handle " + event.type() + " "
                + event.eventId() + " of " + event.correlationId() + ": " + ERROR_STATUS
                + " after 3 attempts (simulated error, not dead-lettered)");
        span.setAttribute(FAULT, "error");
        span.recordException(e);
        span.setStatus(StatusCode.ERROR, ERROR_STATUS);
        LOG.log(System.Logger.Level.DEBUG, () -> e.getMessage());
    }

    /** Marks the consumer span failed, dead-letters the record under a child PRODUCER span, ends the consumer span. */
    private void fail(Span span, ConsumerRecord<byte[], byte[]> r, RuntimeException e) {
        span.recordException(e);
        span.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
        if (e instanceof SimulatedFailure) {
            span.setAttribute(FAULT, "failed");
        }
        ProducerRecord<byte[], byte[]> dlt = DeadLetters.of(deadLetterTopic, r, e);
        Span dltSpan = tracer.spanBuilder("publish " + deadLetterTopic)
                .setSpanKind(SpanKind.PRODUCER)
                .setParent(Context.root().with(span))
                .setAttribute(MESSAGING_SYSTEM, "kafka")
                .setAttribute(DESTINATION, deadLetterTopic)
                .setAttribute(OPERATION_TYPE, "publish")
                .setAttribute(OPERATION_NAME, "send")
                .startSpan();
        propagator.inject(Context.root().with(dltSpan), dlt.headers(), KafkaHeaderCarrier.INSTANCE);
        deadLettered.incrementAndGet();
        LOG.log(System.Logger.Level.DEBUG, () -> spec.name() + " dead-lettered " + r.topic() + "@" + r.offset() + ": " + e.getMessage());
        send(dlt, dltSpan);
        span.end();
    }

    /**
     * Publishes {@code out} under a PRODUCER span (child of {@code parent}) and injects its context as
     * {@code traceparent}; applies the duplicate and out-of-order faults. Thread-safe; the generator calls it for
     * a flow's first event with {@link Context#root()}.
     *
     * @param causeTimestamp record timestamp of the event reacted to (ms), or -1 for a first event
     */
    public void publish(Reaction.Emit out, Context parent, long causeTimestamp) {
        SampleEvent e = out.event();
        ProducerRecord<byte[], byte[]> encoded = spec.codec().encode(out.topic(), e);
        Span span = tracer.spanBuilder("publish " + out.topic())
                .setSpanKind(SpanKind.PRODUCER)
                .setParent(parent)
                .setAttribute(MESSAGING_SYSTEM, "kafka")
                .setAttribute(DESTINATION, out.topic())
                .setAttribute(OPERATION_TYPE, "publish")
                .setAttribute(OPERATION_NAME, "send")
                .setAttribute(MESSAGE_KEY, e.correlationId())
                .setAttribute(MESSAGE_ID, e.eventId())
                .setAttribute(CORRELATION_ID, e.correlationId())
                .setAttribute(EVENT_TYPE, e.type())
                .startSpan();
        propagator.inject(parent.with(span), encoded.headers(), KafkaHeaderCarrier.INSTANCE);
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        Long timestamp = null;
        if (rnd.nextDouble() < faults.outOfOrderRate()) {
            long base = causeTimestamp >= 0 ? causeTimestamp : System.currentTimeMillis();
            timestamp = Math.max(0, base - faults.outOfOrderSkewMs());
            span.setAttribute(FAULT, "out-of-order");
        }
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(encoded.topic(), null, timestamp, encoded.key(),
                encoded.value(), new RecordHeaders(encoded.headers().toArray()));
        boolean duplicate = rnd.nextDouble() < faults.duplicateRate();
        if (duplicate) {
            span.setAttribute(FAULT, "duplicate");
        }
        published.incrementAndGet();
        if (out.topic().startsWith(RabbitBus.PREFIX) && RabbitBus.get() != null) {
            // This step runs over RabbitMQ (the demo's shipping step): same event, AMQP properties and headers.
            span.setAttribute(MESSAGING_SYSTEM, "rabbitmq");
            span.setAttribute(DESTINATION, out.topic().substring(RabbitBus.PREFIX.length()));
            span.updateName("publish " + out.topic().substring(RabbitBus.PREFIX.length())); // "{operation} {exchange}"
            try {
                RabbitBus.get().publish(record, e.eventId(), e.correlationId(), e.type(), spec.name());
            } catch (java.io.IOException | RuntimeException ex) {
                span.recordException(ex);
                span.setStatus(StatusCode.ERROR, String.valueOf(ex.getMessage()));
                LOG.log(System.Logger.Level.WARNING, spec.name() + " could not publish to " + out.topic() + ": " + ex);
            }
            span.end();
            return;
        }
        send(record, span);
        if (duplicate) {
            ProducerRecord<byte[], byte[]> again = new ProducerRecord<>(record.topic(), null, record.timestamp(),
                    record.key(), record.value(), new RecordHeaders(encoded.headers().toArray()));
            producer.send(again, (md, ex) -> {
                if (ex != null) {
                    LOG.log(System.Logger.Level.WARNING, spec.name() + " could not publish duplicate to " + again.topic() + ": " + ex);
                }
            });
        }
    }

    /** Sends and ends {@code span} when Kafka answers, with the offset or the error. */
    private void send(ProducerRecord<byte[], byte[]> record, Span span) {
        try {
            producer.send(record, (md, ex) -> {
                if (ex != null) {
                    span.recordException(ex);
                    span.setStatus(StatusCode.ERROR, String.valueOf(ex.getMessage()));
                    LOG.log(System.Logger.Level.WARNING, spec.name() + " could not publish to " + record.topic() + ": " + ex);
                } else {
                    span.setAttribute(PARTITION, (long) md.partition());
                    span.setAttribute(OFFSET, md.offset());
                }
                span.end();
            });
        } catch (RuntimeException ex) {
            span.recordException(ex);
            span.setStatus(StatusCode.ERROR, String.valueOf(ex.getMessage()));
            span.end();
            LOG.log(System.Logger.Level.WARNING, spec.name() + " could not publish to " + record.topic() + ": " + ex);
        }
    }

    /** Events this service reacted to (not counting other types on its topics). */
    public long handledCount() {
        return handled.get();
    }

    /** Events it published (a duplicate counts once). */
    public long publishedCount() {
        return published.get();
    }

    /** Handled events it silently dropped (drop fault). */
    public long droppedCount() {
        return dropped.get();
    }

    /** Handled events it gave up on with an error span and no output (error fault). */
    public long erroredCount() {
        return errored.get();
    }

    /** Records it sent to the dead-letter topic. */
    public long deadLetteredCount() {
        return deadLettered.get();
    }

    /** Asks the consumer thread to stop, without waiting; lets an owner stop many services at once before {@link #close()}. */
    public void stopConsuming() {
        stopped.countDown();
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    /** Stops consuming (waits for the current record), then flushes and closes the producer. Telemetry is closed by the owner. */
    @Override
    public void close() {
        stopConsuming();
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        producer.close(Duration.ofSeconds(5));
    }
}
