package io.choreoscope.collectors.rabbitmq;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ObservationSink;
import io.choreoscope.model.ParseStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Taps every message published to every exchange of the configured virtual hosts through RabbitMQ's firehose
 * tracer, into an {@link ObservationSink}, at least once and shown once. Why the firehose: docs/RABBITMQ.md.
 *
 * <ul>
 *   <li>Per virtual host: the tracer is switched on through the management API (and again whenever it is found off,
 *       as after a broker restart), a durable queue ({@code choreoscope.tap}, quorum by default, so the transient
 *       firehose copies survive a broker restart) is bound to {@code amq.rabbitmq.trace} with {@code publish.#}, and
 *       one connection consumes it with manual acknowledgements and a bounded prefetch. Every exchange, including
 *       ones created later and the default exchange, is covered from the first message on; excluded exchanges'
 *       copies are acknowledged and counted, not stored.</li>
 *   <li>Messages are batched by count, bytes and linger time; one batch is written while the next is read. A batch
 *       is acknowledged (multiple, in order) only when the sink says it may be committed
 *       ({@link ObservationSink#acceptForCommit}); a crash before that redelivers it, and the record identity
 *       ({@link AmqpRecord#identity()}) makes the store show it once.</li>
 *   <li>The sink refuses a batch: it is kept and retried with exponential backoff; the broker stops sending at the
 *       prefetch bound, so memory stays bounded. The broker goes away: the tap reconnects each virtual host with
 *       exponential backoff ({@code RECONNECTING} in {@link #status()}, {@code choreoscope.rabbitmq.tap.reconnects}),
 *       what it had not acknowledged is redelivered, nothing that reached its queue is lost.</li>
 *   <li>A message whose content cannot be read is stored flagged ({@link AmqpNormalizer} never throws for content).</li>
 * </ul>
 */
public final class RabbitMqTap implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RabbitMqTap.class);
    /** The firehose exchange and what the tap binds: every publish, not the deliveries. */
    static final String FIREHOSE = "amq.rabbitmq.trace";
    static final String PUBLISH_KEYS = "publish.#";
    /** How long a clean stop waits for stored batches to become committable, 10 s. */
    private static final long COMMIT_WAIT_MS = 10_000;
    /** Stored batches waiting for their acknowledgement before the tap stops reading. */
    static final int MAX_UNACKED_BATCHES = 256;

    private final RabbitTapSettings settings;
    private final AmqpNormalizer normalizer;
    private final ObservationSink sink;
    private final MeterRegistry meters;
    private final Clock clock;
    private final ManagementClient management;

    private final LinkedBlockingQueue<Delivery> inbox = new LinkedBlockingQueue<>();
    private final Map<String, VhostTap> vhosts = new LinkedHashMap<>();
    private final List<Observation> buffer = new ArrayList<>();
    private final Map<VhostTap, Ack> bufferAcks = new HashMap<>();
    private final ArrayDeque<Unacked> unacked = new ArrayDeque<>();
    private final Map<String, Counter> perTopic = new ConcurrentHashMap<>();
    private final Map<ParseStatus, Counter> flagged = new ConcurrentHashMap<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Thread writerThread;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "choreoscope-rabbitmq-writer");
        t.setDaemon(true);
        writerThread = t;
        return t;
    });

    private volatile boolean running;
    private volatile boolean aborted;
    private volatile String state = "STARTING";
    private volatile long ingested;
    private volatile int consecutiveFailures;
    private volatile String lastError;
    private volatile Instant lastErrorAt;
    private volatile String managementProblem;
    private volatile int pending;
    private long bufferBytes;
    private long bufferStartedNanos;
    private long nextDiscoveryNanos;
    private InFlight inFlight;
    private Thread thread;

    private final Counter uncorrelated;
    private final Counter excluded;
    private final Counter sinkFailures;
    private final Counter reconnects;
    private final DistributionSummary batchSize;
    private final Timer batchLatency;

    /** One delivery of a firehose copy, with the connection generation it came on (its tag is only valid there). */
    private record Delivery(VhostTap source, long generation, long tag, Map<String, Object> headers, byte[] body,
                            Instant received) {
    }

    /** The highest delivery tag of one connection generation in a batch. */
    private record Ack(long generation, long tag) {
    }

    private record InFlight(List<Observation> batch, Map<VhostTap, Ack> acks, Future<CompletionStage<Void>> write,
                            long startedNanos) {
    }

    private record Unacked(Map<VhostTap, Ack> acks, CompletionStage<Void> committable) {
        boolean ready() {
            return committable.toCompletableFuture().isDone();
        }
    }

    public RabbitMqTap(RabbitTapSettings settings, AmqpNormalizer normalizer, ObservationSink sink, MeterRegistry meters,
                       Clock clock) {
        this.settings = settings;
        this.normalizer = normalizer;
        this.sink = sink;
        this.meters = meters;
        this.clock = clock;
        this.management = new ManagementClient(settings.managementUrl(), settings.username(), settings.password());
        this.uncorrelated = Counter.builder("choreoscope.rabbitmq.tap.messages.uncorrelated")
                .description("RabbitMQ messages stored without a correlation ID").register(meters);
        this.excluded = Counter.builder("choreoscope.rabbitmq.tap.messages.excluded")
                .description("RabbitMQ messages of excluded exchanges, acknowledged and not stored").register(meters);
        this.sinkFailures = Counter.builder("choreoscope.rabbitmq.tap.sink.failures")
                .description("Batches the store refused (each retried until taken)").register(meters);
        this.reconnects = Counter.builder("choreoscope.rabbitmq.tap.reconnects")
                .description("Connections to RabbitMQ lost and attempted again").register(meters);
        this.batchSize = DistributionSummary.builder("choreoscope.rabbitmq.tap.batch.size")
                .description("Messages per batch written to the store").register(meters);
        this.batchLatency = Timer.builder("choreoscope.rabbitmq.tap.batch.latency")
                .description("Time for the store to acknowledge a batch").register(meters);
        meters.gauge("choreoscope.rabbitmq.tap.connected", this, t -> t.connectedCount());
        meters.gauge("choreoscope.rabbitmq.tap.pending.messages", this, t -> t.pending);
    }

    /** Starts the tap's thread; connecting happens there, with backoff. */
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("tap already started");
        }
        running = true;
        if (!settings.allVhosts()) {
            for (String v : settings.vhosts()) {
                vhosts.put(v, new VhostTap(v));
            }
        }
        thread = new Thread(this::run, "choreoscope-rabbitmq-tap");
        thread.setDaemon(true);
        thread.start();
    }

    public RabbitTapStatus status() {
        List<String> down = new ArrayList<>();
        synchronized (vhosts) {
            for (VhostTap v : vhosts.values()) {
                if (!v.connected()) {
                    down.add(v.vhost);
                }
            }
        }
        return new RabbitTapStatus(state, ingested, connectedCount(), down, (long) reconnects.count(),
                consecutiveFailures, lastError, lastErrorAt, managementProblem, pending);
    }

    /** The virtual hosts the tap taps now (with {@code *}: those found so far). */
    public List<String> vhosts() {
        synchronized (vhosts) {
            return List.copyOf(vhosts.keySet());
        }
    }

    /** The tap's own queue's name (in every tapped virtual host). */
    public String queue() {
        return settings.queue();
    }

    /** Whether messages of this exchange are left out. */
    public boolean excluded(String exchange) {
        return settings.excluded(exchange);
    }

    /** The management API the tap reads (for exchange listings and queue depths). */
    public ManagementClient management() {
        return management;
    }

    private int connectedCount() {
        int n = 0;
        synchronized (vhosts) {
            for (VhostTap v : vhosts.values()) {
                n += v.connected() ? 1 : 0;
            }
        }
        return n;
    }

    private void run() {
        try {
            while (running) {
                discoverIfDue();
                connectWhereDown();
                Delivery d = inbox.poll(50, TimeUnit.MILLISECONDS);
                while (d != null && running) {
                    add(d);
                    d = buffer.size() >= settings.batchMaxRecords() ? null : inbox.poll();
                }
                if (inFlight != null && inFlight.write().isDone()) {
                    completeInFlight();
                }
                ackCommittable();
                boolean lingered = System.nanoTime() - bufferStartedNanos >= settings.batchLinger().toNanos();
                if ((!buffer.isEmpty() || !bufferAcks.isEmpty()) && lingered) {
                    flush();
                }
                state = currentState();
            }
            if (!aborted) {
                flush();
                if (completeInFlight()) {
                    awaitCommittable();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("RabbitMQ tap stopped by an unexpected error; unacknowledged messages will be read again", e);
            lastError = e.toString();
            lastErrorAt = clock.instant();
        } finally {
            writer.shutdownNow();
            synchronized (vhosts) {
                for (VhostTap v : vhosts.values()) {
                    v.disconnect(aborted);
                }
            }
            state = "STOPPED";
            stopped.countDown();
        }
    }

    /** RECONNECTING (some virtual host is not connected) before RETRYING (the store refuses) before RUNNING. */
    private String currentState() {
        int known;
        synchronized (vhosts) {
            known = vhosts.size();
        }
        return connectedCount() < known ? "RECONNECTING" : consecutiveFailures > 0 ? "RETRYING" : "RUNNING";
    }

    private void add(Delivery d) {
        if (buffer.isEmpty() && bufferAcks.isEmpty()) {
            bufferStartedNanos = System.nanoTime();
        }
        bufferAcks.put(d.source(), new Ack(d.generation(), d.tag()));
        AmqpRecord message = AmqpRecord.fromFirehose(d.headers(), d.body(), d.received());
        if (settings.excluded(message.exchange())) {
            excluded.increment();
            return;
        }
        Observation o = normalizer.normalize(message, clock.instant());
        long bytes = (d.body() == null ? 0 : d.body().length) + message.routingKey().length() + 64L * o.headers().size();
        if (!buffer.isEmpty() && bufferBytes + bytes > settings.batchMaxBytes()) {
            // Full by bytes: cut before this message. Its tag goes with it into the next batch, so this batch does not
            // acknowledge its channel at all; the next batch's acknowledgement (multiple) covers the earlier tags.
            bufferAcks.remove(d.source());
            flush();
            bufferAcks.put(d.source(), new Ack(d.generation(), d.tag()));
            bufferStartedNanos = System.nanoTime();
        }
        buffer.add(o);
        bufferBytes += bytes;
        perTopic.computeIfAbsent(o.topic(), t -> Counter.builder("choreoscope.rabbitmq.tap.messages")
                .description("Messages read per exchange").tag("topic", t).register(meters)).increment();
        if (o.parseStatus() != ParseStatus.OK) {
            flagged.computeIfAbsent(o.parseStatus(), st -> Counter.builder("choreoscope.rabbitmq.tap.messages.flagged")
                    .description("Messages stored with a parse problem").tag("status", st.name()).register(meters))
                    .increment();
        }
        if (!o.correlated()) {
            uncorrelated.increment();
        }
        if (buffer.size() >= settings.batchMaxRecords()) {
            flush();
        }
        pending = buffer.size() + (inFlight == null ? 0 : inFlight.batch().size());
    }

    /** Waits for the batch in flight (retrying it until the sink takes it), then starts writing the buffer. */
    private void flush() {
        if (!completeInFlight()) {
            return;
        }
        if (buffer.isEmpty() && bufferAcks.isEmpty()) {
            return;
        }
        List<Observation> batch = List.copyOf(buffer);
        Map<VhostTap, Ack> acks = new HashMap<>(bufferAcks);
        buffer.clear();
        bufferAcks.clear();
        bufferBytes = 0;
        while (unacked.size() >= MAX_UNACKED_BATCHES && running && !aborted) {
            ackCommittable();
            sleepQuietly(20);
        }
        long started = System.nanoTime();
        Future<CompletionStage<Void>> write = batch.isEmpty()
                ? java.util.concurrent.CompletableFuture.completedFuture(java.util.concurrent.CompletableFuture.completedFuture(null))
                : writer.submit(() -> sink.acceptForCommit(batch));
        inFlight = new InFlight(batch, acks, write, started);
    }

    /**
     * Finishes the batch in flight: waits for its write, retries it with backoff while the sink refuses it, then queues
     * its acknowledgement. Returns false when the tap stops first (the batch is then never acknowledged: nothing lost).
     */
    private boolean completeInFlight() {
        if (inFlight == null) {
            return true;
        }
        InFlight f = inFlight;
        Exception failure = null;
        CompletionStage<Void> committable = null;
        try {
            committable = f.write().get();
        } catch (ExecutionException e) {
            failure = e.getCause() instanceof Exception ex ? ex : e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        long backoff = settings.retryInitial().toMillis();
        while (failure != null) {
            if (!running || aborted) {
                return false;
            }
            consecutiveFailures++;
            sinkFailures.increment();
            lastError = failure.getMessage() == null ? failure.toString() : failure.getMessage();
            lastErrorAt = clock.instant();
            state = currentState();
            if (consecutiveFailures == 1 || consecutiveFailures % 10 == 0) {
                LOG.warn("Store refused a batch of {} RabbitMQ messages (attempt {}): {}. Retrying; the broker holds the rest.",
                        f.batch().size(), consecutiveFailures, lastError);
            }
            sleepQuietly(backoff);
            backoff = Math.min(backoff * 2, settings.retryMax().toMillis());
            connectWhereDown(); // the broker may go away while the store is down too
            state = currentState();
            if (!running || aborted) {
                return false;
            }
            try {
                committable = sink.acceptForCommit(f.batch());
                failure = null;
            } catch (Exception e) {
                failure = e;
            }
        }
        if (aborted) {
            return false;
        }
        if (consecutiveFailures > 0) {
            LOG.info("Store is back after {} failed attempts; RabbitMQ tap resumes", consecutiveFailures);
        }
        consecutiveFailures = 0;
        if (!f.batch().isEmpty()) {
            batchLatency.record(System.nanoTime() - f.startedNanos(), TimeUnit.NANOSECONDS);
            batchSize.record(f.batch().size());
        }
        inFlight = null;
        ingested += f.batch().size();
        pending = buffer.size();
        unacked.add(new Unacked(f.acks(), committable));
        ackCommittable();
        return true;
    }

    /** Acknowledges, in batch order, every stored batch the sink says may be committed. */
    private void ackCommittable() {
        Map<VhostTap, Ack> acks = new HashMap<>();
        while (!unacked.isEmpty() && unacked.peekFirst().ready()) {
            unacked.pollFirst().acks().forEach((v, a) -> acks.merge(v, a,
                    (x, y) -> y.generation() > x.generation() || y.tag() > x.tag() && y.generation() == x.generation() ? y : x));
        }
        acks.forEach(VhostTap::ack);
    }

    private void awaitCommittable() {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(COMMIT_WAIT_MS);
        while (!unacked.isEmpty() && System.nanoTime() < until) {
            try {
                unacked.peekFirst().committable().toCompletableFuture()
                        .get(Math.max(1, until - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            ackCommittable();
        }
    }

    private void discoverIfDue() {
        long now = System.nanoTime();
        if (now < nextDiscoveryNanos) {
            return;
        }
        nextDiscoveryNanos = now + settings.discoveryInterval().toNanos();
        try {
            if (settings.allVhosts()) {
                for (String v : management.vhosts()) {
                    synchronized (vhosts) {
                        vhosts.computeIfAbsent(v, VhostTap::new);
                    }
                }
            }
            List<VhostTap> current;
            synchronized (vhosts) {
                current = List.copyOf(vhosts.values());
            }
            for (VhostTap v : current) {
                if (management.ensureTracing(v.vhost)) {
                    LOG.info("Switched the firehose tracer on in virtual host '{}'", v.vhost);
                }
            }
            managementProblem = null;
        } catch (IOException e) {
            if (managementProblem == null) {
                LOG.warn("RabbitMQ management API at {} not usable ({}); the tap consumes what the firehose sends, "
                        + "but cannot switch the tracer on or find new virtual hosts", settings.managementUrl(), e.getMessage());
            }
            managementProblem = e.getMessage();
        }
    }

    private void connectWhereDown() {
        List<VhostTap> current;
        synchronized (vhosts) {
            current = List.copyOf(vhosts.values());
        }
        for (VhostTap v : current) {
            if (!v.connected() && System.nanoTime() >= v.nextAttemptNanos) {
                v.connect();
            }
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops after writing and acknowledging what it holds. Waits up to 30 s. */
    @Override
    public void close() {
        running = false;
        awaitStop();
    }

    /**
     * Stops at once without writing or acknowledging, as a crash would: the broker redelivers whatever was not
     * acknowledged to the next tap. For tests and emergency stops.
     */
    public void abort() {
        aborted = true;
        running = false;
        synchronized (vhosts) {
            for (VhostTap v : vhosts.values()) {
                v.disconnect(true);
            }
        }
        if (Thread.currentThread() != writerThread) {
            awaitStop(); // from the writer (a sink that aborts), waiting would wait for itself
        }
    }

    private void awaitStop() {
        if (thread == null || Thread.currentThread() == thread) {
            return;
        }
        try {
            if (!stopped.await(30, TimeUnit.SECONDS)) {
                thread.interrupt();
                stopped.await(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The tap's connection to one virtual host. */
    private final class VhostTap {
        final String vhost;
        volatile Connection connection;
        volatile Channel channel;
        volatile long generation;
        long backoffMs = settings.reconnectInitial().toMillis();
        long nextAttemptNanos;
        boolean everConnected;

        VhostTap(String vhost) {
            this.vhost = vhost;
        }

        boolean connected() {
            Channel c = channel;
            return c != null && c.isOpen();
        }

        void connect() {
            disconnect(true);
            try {
                management.ensureTracing(vhost);
            } catch (IOException e) {
                managementProblem = e.getMessage(); // the consumer is still worth starting
            }
            ConnectionFactory f = new ConnectionFactory();
            f.setHost(settings.host());
            f.setPort(settings.port());
            f.setUsername(settings.username());
            f.setPassword(settings.password());
            f.setVirtualHost(vhost);
            f.setAutomaticRecoveryEnabled(false); // the tap reconnects itself: delivery tags must not outlive a channel
            f.setTopologyRecoveryEnabled(false);
            f.setConnectionTimeout(5_000);
            f.setRequestedHeartbeat(10);
            try {
                if (settings.tls()) {
                    f.useSslProtocol(javax.net.ssl.SSLContext.getDefault());
                    f.enableHostnameVerification();
                }
                Connection c = f.newConnection("choreoscope-tap");
                Channel ch = c.createChannel();
                Map<String, Object> args = new HashMap<>();
                args.put("x-queue-type", settings.queueType());
                ch.queueDeclare(settings.queue(), true, false, false, args);
                ch.queueBind(settings.queue(), FIREHOSE, PUBLISH_KEYS);
                ch.basicQos(settings.prefetch());
                long gen = ++generation;
                ch.basicConsume(settings.queue(), false, "choreoscope-tap", new DefaultConsumer(ch) {
                    @Override
                    public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties props, byte[] body) {
                        inbox.add(new Delivery(VhostTap.this, gen, env.getDeliveryTag(), props.getHeaders(), body,
                                clock.instant()));
                    }
                });
                connection = c;
                channel = ch;
                c.addShutdownListener(cause -> {
                    if (!cause.isInitiatedByApplication()) {
                        LOG.warn("Lost RabbitMQ connection to virtual host '{}': {}", vhost, cause.getMessage());
                        lastError = "virtual host '" + vhost + "': " + cause.getMessage();
                        lastErrorAt = clock.instant();
                    }
                });
                if (everConnected) {
                    LOG.info("Reconnected to RabbitMQ virtual host '{}'", vhost);
                } else {
                    LOG.info("Tapping every exchange of RabbitMQ virtual host '{}' through queue {} ({})", vhost,
                            settings.queue(), settings.queueType());
                }
                everConnected = true;
                backoffMs = settings.reconnectInitial().toMillis();
            } catch (Exception e) {
                reconnects.increment();
                lastError = "virtual host '" + vhost + "': " + (e.getMessage() == null ? e.toString() : e.getMessage());
                lastErrorAt = clock.instant();
                LOG.warn("Cannot tap RabbitMQ virtual host '{}' ({}); next attempt in {} ms", vhost, lastError, backoffMs);
                nextAttemptNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs);
                backoffMs = Math.min(backoffMs * 2, settings.reconnectMax().toMillis());
                disconnect(true);
            }
        }

        /** Acknowledges everything up to {@code ack}'s tag, if it belongs to the open channel's generation. */
        void ack(Ack ack) {
            Channel ch = channel;
            if (ch == null || !ch.isOpen() || ack.generation() != generation) {
                return; // that channel is gone: the broker redelivers, the store deduplicates
            }
            try {
                ch.basicAck(ack.tag(), true);
            } catch (IOException | RuntimeException e) {
                LOG.warn("Acknowledgement to virtual host '{}' failed ({}); the messages will be redelivered and deduplicated",
                        vhost, e.toString());
            }
        }

        void disconnect(boolean abort) {
            Connection c = connection;
            connection = null;
            channel = null;
            if (c != null) {
                if (abort) {
                    c.abort(1_000);
                } else {
                    try {
                        c.close(5_000);
                    } catch (IOException | RuntimeException e) {
                        c.abort(1_000);
                    }
                }
            }
        }
    }
}
