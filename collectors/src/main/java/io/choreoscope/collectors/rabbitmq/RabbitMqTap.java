package io.choreoscope.collectors.rabbitmq;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import io.choreoscope.collectors.batch.BatchPipeline;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ObservationSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Taps every message published to every exchange of the configured virtual hosts, into an {@link ObservationSink},
 * at least once and shown once, by one of two mechanisms ({@link RabbitTapSettings.Mechanism}; which and why:
 * docs/RABBITMQ.md, "How it taps"). Both fill the same durable queue, and everything after it (batches,
 * acknowledgements, identity, health) is one path.
 *
 * <ul>
 *   <li><b>tap-queue</b>, per virtual host: the tap's queue is bound to every exchange not excluded (fanout: any key,
 *       topic: {@code #}, headers: {@code x-match: all} without conditions, direct: every routing key the exchange's
 *       other bindings use), read from the management API on connect and every {@code discovery-interval}, so new
 *       exchanges and keys are followed within that; bindings no longer wanted are removed ({@link TapQueueTopology}).
 *       The broker delivers the message itself (exchange and routing key in the delivery); the queues it reached are
 *       reckoned from the bindings read. The default exchange cannot be bound.</li>
 *   <li><b>firehose</b>, per virtual host: the tracer is switched on through the management API (and again whenever it is found off,
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
 *   <li>A message whose properties the AMQP client cannot read (headers nested deeper than 32 levels: the RabbitMQ
 *       Java client closes the connection on it) would stop the tap for good: the broker delivers it again on every
 *       reconnection, after the messages that were unacknowledged with it. After such a loss the tap reads just those
 *       first ({@code basic.qos} as many as they were) and acknowledges them together once they are stored, so that
 *       the unreadable message is the only one unacknowledged when it comes again; then it takes messages off the
 *       head of its queue through the management API (which the broker answers in JSON, at any depth) until it has
 *       taken that one, stores each (the unreadable one with the header {@value AmqpRecord#UNREADABLE} saying why),
 *       and reads on as before ({@code choreoscope.rabbitmq.tap.messages.unreadable}).</li>
 * </ul>
 */
public final class RabbitMqTap implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RabbitMqTap.class);
    /** The firehose exchange and what the tap binds: every publish, not the deliveries. */
    static final String FIREHOSE = "amq.rabbitmq.trace";
    static final String PUBLISH_KEYS = "publish.#";
    /** The firehose mechanism's one binding of the tap's queue. */
    private static final TapQueueTopology.TapBinding FIREHOSE_BINDING =
            new TapQueueTopology.TapBinding(FIREHOSE, PUBLISH_KEYS, Map.of());
    /** How long a clean stop waits for stored batches to become committable, 10 s. */
    private static final java.time.Duration COMMIT_WAIT = java.time.Duration.ofSeconds(10);
    /** Stored batches waiting for their acknowledgement before the tap stops reading. */
    static final int MAX_UNACKED_BATCHES = 256;
    /** Largest body of a message taken off the queue through the management API; longer ones are cut and say so. */
    static final int MAX_TAKEN_PAYLOAD_BYTES = 8 * 1024 * 1024;
    /** Bytes of bodies taken through the management API before they are handed on (then the tap takes more). */
    static final long MAX_TAKEN_BYTES_AT_ONCE = 32L * 1024 * 1024;

    private final RabbitTapSettings settings;
    private final AmqpNormalizer normalizer;
    private final ObservationSink sink;
    private final MeterRegistry meters;
    private final Clock clock;
    private final ManagementClient management;

    private final LinkedBlockingQueue<Delivery> inbox = new LinkedBlockingQueue<>();
    private final Map<String, VhostTap> vhosts = new LinkedHashMap<>();
    /** Batches, writes, retries and acknowledges (per channel, the highest delivery tag of a batch). */
    private final BatchPipeline<VhostTap, Ack> pipeline;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private volatile boolean running;
    private volatile boolean aborted;
    private volatile String state = "STARTING";
    private volatile String managementProblem;
    private long nextDiscoveryNanos;
    private Thread thread;

    private final Counter excluded;
    private final Counter reconnects;
    private final Counter unreadable;

    /**
     * One delivery to the tap's queue (a firehose copy when it came from {@link #FIREHOSE}, else the message itself),
     * with the connection generation it came on (its tag is only valid there). A message taken off the queue through
     * the management API instead has no tag ({@link #TAKEN}); {@code unreadable}: then, why the AMQP client could not
     * read it, or null when it was a readable one taken with it.
     */
    private record Delivery(VhostTap source, long generation, long tag, String exchange, String routingKey,
                            AMQP.BasicProperties props, byte[] body, Instant received, String unreadable) {
        /** The tag of a message taken through the management API: nothing to acknowledge. */
        static final long TAKEN = -1;

        Delivery(VhostTap source, long generation, long tag, String exchange, String routingKey,
                 AMQP.BasicProperties props, byte[] body, Instant received) {
            this(source, generation, tag, exchange, routingKey, props, body, received, null);
        }

        boolean taken() {
            return tag == TAKEN;
        }
    }

    /** The highest delivery tag of one connection generation in a batch. */
    private record Ack(long generation, long tag) {
    }

    public RabbitMqTap(RabbitTapSettings settings, AmqpNormalizer normalizer, ObservationSink sink, MeterRegistry meters,
                       Clock clock) {
        this.settings = settings;
        this.normalizer = normalizer;
        this.sink = sink;
        this.meters = meters;
        this.clock = clock;
        this.management = new ManagementClient(settings.managementUrl(), settings.username(), settings.password());
        this.pipeline = new BatchPipeline<>(
                new BatchPipeline.Names(LOG, "choreoscope.rabbitmq.tap", "messages", "exchange", false,
                        "choreoscope-rabbitmq-writer"),
                new BatchPipeline.Bounds(settings.batchMaxRecords(), settings.batchMaxBytes(), settings.batchLinger(),
                        settings.retryInitial(), settings.retryMax(), MAX_UNACKED_BATCHES),
                sink, meters, clock);
        pipeline.bind(new PipelineTap(), () -> running, () -> aborted);
        this.excluded = Counter.builder("choreoscope.rabbitmq.tap.messages.excluded")
                .description("RabbitMQ messages of excluded exchanges, acknowledged and not stored").register(meters);
        this.reconnects = Counter.builder("choreoscope.rabbitmq.tap.reconnects")
                .description("Connections to RabbitMQ lost and attempted again").register(meters);
        this.unreadable = Counter.builder("choreoscope.rabbitmq.tap.messages.unreadable")
                .description("RabbitMQ messages the AMQP client could not read, taken off the tap's queue through the "
                        + "management API and stored flagged").register(meters);
        meters.gauge("choreoscope.rabbitmq.tap.connected", this, t -> t.connectedCount());
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
        List<String> untapped = new ArrayList<>();
        List<String> deadLetters = new ArrayList<>();
        synchronized (vhosts) {
            for (VhostTap v : vhosts.values()) {
                v.untapped.forEach(x -> untapped.add(x + " in " + v.vhost));
                v.untappedDeadLetters.forEach(q -> deadLetters.add(q + " in " + v.vhost));
            }
        }
        return new RabbitTapStatus(state, settings.mechanism().configName(), pipeline.ingested(), connectedCount(), down,
                (long) reconnects.count(), pipeline.consecutiveFailures(), pipeline.lastError(), pipeline.lastErrorAt(),
                managementProblem, pipeline.pending(), List.copyOf(untapped), List.copyOf(deadLetters));
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
                    // A written batch is acknowledged now, not when the inbox next runs dry: under a steady stream
                    // that is a batch later, and every message the broker holds unacknowledged costs it CPU
                    // (docs/BENCHMARKS.md, "RabbitMQ tap", 2026-12-06). Also cuts a batch whose linger ran out.
                    pipeline.tick();
                    d = pipeline.full() ? null : inbox.poll();
                }
                pipeline.tick();
                state = currentState();
            }
            pipeline.drain(COMMIT_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("RabbitMQ tap stopped by an unexpected error; unacknowledged messages will be read again", e);
            pipeline.noteError(e.toString());
        } finally {
            pipeline.shutdown();
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
        return connectedCount() < known ? "RECONNECTING" : pipeline.consecutiveFailures() > 0 ? "RETRYING" : "RUNNING";
    }

    private void add(Delivery d) {
        if (d.source().pastWindow(d)) {
            return; // delivered again on the next connection
        }
        pipeline.startIfEmpty();
        if (!d.taken()) {
            pipeline.commits().put(d.source(), new Ack(d.generation(), d.tag()));
        }
        AmqpRecord message = d.exchange().equals(FIREHOSE)
                ? AmqpRecord.fromFirehose(d.props().getHeaders(), d.body(), d.received())
                : d.source().fromTapQueue(d); // also a message left in the queue by the other mechanism
        if (settings.excluded(message.exchange())) {
            excluded.increment();
            return;
        }
        Observation o = normalizer.normalize(message, clock.instant());
        if (d.unreadable() != null) {
            List<io.choreoscope.model.Header> flagged = new ArrayList<>(o.headers());
            flagged.add(io.choreoscope.model.Header.of(AmqpRecord.UNREADABLE, d.unreadable()));
            o = o.toBuilder().headers(flagged).build();
        }
        long bytes = (d.body() == null ? 0 : d.body().length) + message.routingKey().length() + 64L * o.headers().size();
        if (pipeline.fullWith(bytes)) {
            // Full by bytes: cut before this message. Its tag goes with it into the next batch, so this batch does not
            // acknowledge its channel at all; the next batch's acknowledgement (multiple) covers the earlier tags.
            Ack own = pipeline.commits().remove(d.source());
            pipeline.flush();
            if (own != null) {
                pipeline.commits().put(d.source(), own);
            }
            pipeline.restartLinger();
        }
        pipeline.add(o, bytes);
        if (pipeline.full()) {
            pipeline.flush();
        }
        pipeline.notePending();
    }

    /** What the pipeline asks of the broker connections: reconnect while waiting, acknowledge. */
    private final class PipelineTap implements BatchPipeline.Tap<VhostTap, Ack> {
        @Override
        public void refused() {
            state = currentState(); // the broker stops sending at the prefetch bound: it holds the rest
        }

        @Override
        public void idle(long millis) {
            sleepQuietly(millis);
            connectWhereDown(); // the broker may go away while the store is down too
            state = currentState();
        }

        @Override
        public void commit(Map<VhostTap, Ack> acks) {
            acks.forEach(VhostTap::ack);
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
                if (settings.mechanism() == RabbitTapSettings.Mechanism.FIREHOSE && management.ensureTracing(v.vhost)) {
                    LOG.info("Switched the firehose tracer on in virtual host '{}'", v.vhost);
                }
                if (v.connected()) {
                    v.syncBindings(); // tap-queue: every exchange; firehose: the dead-letter exchanges
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
        if (!pipeline.onWriterThread()) {
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

    /** AMQP properties from their JSON form (the management API's names and values). */
    @SuppressWarnings("unchecked")
    static AMQP.BasicProperties properties(Map<String, Object> p) {
        AMQP.BasicProperties.Builder b = new AMQP.BasicProperties.Builder();
        b.contentType(text(p.get("content_type"))).contentEncoding(text(p.get("content_encoding")))
                .correlationId(text(p.get("correlation_id"))).replyTo(text(p.get("reply_to")))
                .expiration(text(p.get("expiration"))).messageId(text(p.get("message_id"))).type(text(p.get("type")))
                .userId(text(p.get("user_id"))).appId(text(p.get("app_id")));
        if (p.get("delivery_mode") instanceof Number n) {
            b.deliveryMode(n.intValue());
        }
        if (p.get("priority") instanceof Number n) {
            b.priority(n.intValue());
        }
        if (p.get("timestamp") instanceof Number n) {
            b.timestamp(new java.util.Date(n.longValue() * 1000));
        }
        if (p.get("headers") instanceof Map<?, ?> h) {
            b.headers((Map<String, Object>) h);
        }
        return b.build();
    }

    private static String text(Object v) {
        return v == null ? null : v.toString();
    }

    /** The tap's connection to one virtual host. */
    private final class VhostTap {
        final String vhost;
        volatile Connection connection;
        volatile Channel channel;
        /** A second channel for binding and unbinding: a binding to an exchange deleted meanwhile closes it, not the consumer's. */
        Channel topologyChannel;
        /** The bindings last read (tap-queue mechanism), for the queues a message reached. Tap thread only. */
        TapQueueTopology topology;
        volatile List<String> untapped = List.of();
        /** Queues dead-lettering to the default exchange, at most 20. */
        volatile List<String> untappedDeadLetters = List.of();
        volatile long generation;
        long backoffMs = settings.reconnectInitial().toMillis();
        long nextAttemptNanos;
        boolean everConnected;
        /** Why the last connection was lost on a message the AMQP client cannot read; null when it was not. Tap thread only. */
        String unreadableLoss;
        /** Unacknowledged messages delivered before the unreadable one: the broker delivers them again before it. */
        long unreadableAfter;
        /** Messages taken off the queue so far while looking for the unreadable one. Tap thread only. */
        long takenSoFar;
        /**
         * The generation reading just the messages before an unreadable one ({@link #window} of them, acknowledged
         * together), or 0. Tap thread only.
         */
        long windowGeneration;
        long window;
        /** The open channel's last delivery tag (tags count the channel's deliveries from 1) and last acknowledged one. */
        volatile long lastDeliveredTag;
        long lastAckedTag;

        VhostTap(String vhost) {
            this.vhost = vhost;
        }

        boolean connected() {
            Channel c = channel;
            return c != null && c.isOpen();
        }

        void connect() {
            // The connection's close reason is set before its channels close, so it is known here whichever thread
            // sees the loss first (a shutdown listener may run after this).
            Connection old = connection;
            com.rabbitmq.client.ShutdownSignalException closed = old == null ? null : old.getCloseReason();
            if (closed != null && closed.getCause() instanceof com.rabbitmq.client.MalformedFrameException unread) {
                unreadableLoss = unread.getMessage(); // a message's properties, not the connection
                unreadableAfter = Math.max(0, lastDeliveredTag - lastAckedTag);
                takenSoFar = 0;
            }
            disconnect(true);
            String lost = unreadableLoss;
            int prefetch = settings.prefetch();
            boolean windowed = false;
            if (lost != null) {
                if (unreadableAfter == 0) {
                    // Nothing else was unacknowledged: the unreadable message is first in the queue now, or after
                    // the messages the broker had sent after it (a quorum queue returns them in no set order).
                    if (!takeUnreadable(lost)) {
                        return; // not yet: connected once it is taken
                    }
                } else {
                    windowed = true;
                    prefetch = (int) Math.min(unreadableAfter, 65_535);
                    LOG.warn("RabbitMQ virtual host '{}': the AMQP client cannot read a message in queue {} ({}); reading "
                            + "the {} messages before it first", vhost, settings.queue(), lost, prefetch);
                }
                unreadableLoss = null;
            }
            boolean firehose = settings.mechanism() == RabbitTapSettings.Mechanism.FIREHOSE;
            if (firehose) {
                try {
                    management.ensureTracing(vhost);
                } catch (IOException e) {
                    managementProblem = e.getMessage(); // the consumer is still worth starting
                }
            }
            try {
                // No automatic recovery: the tap reconnects itself, delivery tags must not outlive a channel.
                ConnectionFactory f = settings.connectionFactory(vhost);
                f.setTopologyRecoveryEnabled(false);
                f.setRequestedHeartbeat(10);
                Connection c = f.newConnection("choreoscope-tap");
                Channel ch = c.createChannel();
                Map<String, Object> args = new HashMap<>();
                args.put("x-queue-type", settings.queueType());
                ch.queueDeclare(settings.queue(), true, false, false, args);
                if (firehose) {
                    ch.queueBind(settings.queue(), FIREHOSE, PUBLISH_KEYS);
                }
                connection = c;
                try {
                    syncBindings(); // tap-queue: bind every exchange now; both: drop the other mechanism's bindings
                    managementProblem = null;
                } catch (IOException e) {
                    managementProblem = e.getMessage(); // what is bound already still flows
                }
                ch.basicQos(prefetch);
                long gen = ++generation;
                windowGeneration = windowed ? gen : 0;
                window = prefetch;
                lastDeliveredTag = 0;
                lastAckedTag = 0;
                ch.basicConsume(settings.queue(), false, "choreoscope-tap", new DefaultConsumer(ch) {
                    @Override
                    public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties props, byte[] body) {
                        lastDeliveredTag = env.getDeliveryTag();
                        inbox.add(new Delivery(VhostTap.this, gen, env.getDeliveryTag(), env.getExchange(),
                                env.getRoutingKey(), props, body, clock.instant()));
                    }
                });
                channel = ch;
                c.addShutdownListener(cause -> {
                    if (!cause.isInitiatedByApplication()) {
                        LOG.warn("Lost RabbitMQ connection to virtual host '{}': {}", vhost, cause.getMessage());
                        pipeline.noteError("virtual host '" + vhost + "': " + cause.getMessage());
                    }
                });
                if (everConnected) {
                    LOG.info("Reconnected to RabbitMQ virtual host '{}'", vhost);
                } else {
                    LOG.info("Tapping every exchange of RabbitMQ virtual host '{}' through queue {} ({}, {})", vhost,
                            settings.queue(), settings.queueType(), settings.mechanism().configName());
                }
                everConnected = true;
                backoffMs = settings.reconnectInitial().toMillis();
            } catch (Exception e) {
                reconnects.increment();
                pipeline.noteError("virtual host '" + vhost + "': " + (e.getMessage() == null ? e.toString() : e.getMessage()));
                LOG.warn("Cannot tap RabbitMQ virtual host '{}' ({}); next attempt in {} ms", vhost, pipeline.lastError(),
                        backoffMs);
                nextAttemptNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs);
                backoffMs = Math.min(backoffMs * 2, settings.reconnectMax().toMillis());
                disconnect(true);
            }
        }

        /**
         * Reads the virtual host's exchanges and bindings and brings the tap queue's bindings in line: with the
         * tap-queue mechanism, binds what {@link TapQueueTopology} wants and unbinds the rest (the firehose binding
         * too); with the firehose, unbinds everything but the firehose binding (left by the other mechanism).
         */
        void syncBindings() throws IOException {
            TapQueueTopology t = new TapQueueTopology(management.exchanges(vhost), management.routes(vhost),
                    settings.queue(), settings::excluded);
            ManagementClient.DeadLettering dead = management.deadLettering(vhost);
            List<String> lost = TapQueueTopology.firstNamed(dead.toDefaultExchange());
            if (!lost.isEmpty() && !lost.equals(untappedDeadLetters)) {
                LOG.warn("RabbitMQ virtual host '{}': queues that dead-letter to the default exchange, which nothing can be"
                        + " bound to, so their dead letters are not tapped (give them a named dead-letter exchange): {}",
                        vhost, lost);
            }
            untappedDeadLetters = lost;
            if (settings.mechanism() == RabbitTapSettings.Mechanism.FIREHOSE) {
                // RabbitMQ dead-letters without a publish, so the firehose never reports a dead letter: the queue is
                // bound to the dead-letter exchanges the queues name, and to nothing else but the firehose.
                t.onlyTo(dead.exchanges());
                t.toBind().forEach(b -> change(b, true));
                t.toUnbind().stream().filter(b -> !b.equals(FIREHOSE_BINDING)).forEach(b -> change(b, false));
                topology = t;
                return;
            }
            List<TapQueueTopology.TapBinding> add = t.toBind();
            add.forEach(b -> change(b, true));
            t.toUnbind().forEach(b -> change(b, false));
            if (!add.isEmpty()) {
                LOG.debug("Tap queue of virtual host '{}' bound to {} more exchange keys", vhost, add.size());
            }
            List<String> cannot = t.untapped();
            if (!cannot.isEmpty() && !cannot.equals(untapped)) {
                LOG.warn("RabbitMQ virtual host '{}': exchanges of types the tap queue cannot be bound to, not tapped: {}",
                        vhost, cannot);
            }
            untapped = cannot;
            topology = t;
        }

        private void change(TapQueueTopology.TapBinding b, boolean bind) {
            Connection c = connection;
            if (c == null || !c.isOpen()) {
                return;
            }
            try {
                Channel ch = topologyChannel;
                if (ch == null || !ch.isOpen()) {
                    ch = c.createChannel();
                    topologyChannel = ch;
                }
                Map<String, Object> args = new HashMap<>(b.arguments());
                if (bind) {
                    ch.queueBind(settings.queue(), b.exchange(), b.routingKey(), args);
                } else {
                    ch.queueUnbind(settings.queue(), b.exchange(), b.routingKey(), args);
                }
            } catch (IOException | RuntimeException e) {
                // Typically the exchange was deleted since the read: the next read settles it.
                LOG.debug("Could not {} the tap queue and exchange '{}' key '{}' in virtual host '{}': {}",
                        bind ? "bind" : "unbind", b.exchange(), b.routingKey(), vhost, e.toString());
            }
        }

        /**
         * Whether {@code d} came past the window of messages read before an unreadable one: the unreadable one did not
         * come (another consumer of the queue took it); the tap reconnects to read as before (a consumer's prefetch is
         * fixed when it starts), and {@code d} comes again there.
         */
        boolean pastWindow(Delivery d) {
            if (d.generation() == 0 || d.generation() != windowGeneration || d.tag() <= window) {
                return false;
            }
            windowGeneration = 0;
            disconnect(true);
            return true;
        }

        /**
         * Takes messages off the head of the tap's queue through the management API until it has taken the one the
         * AMQP client cannot read, and hands each on (that one flagged with {@code why}). A quorum queue puts the
         * messages a lost connection held back in no set order, so messages that were sent after the unreadable one
         * may now come before it: they are taken and stored too (at most {@code prefetch} of them). When the loss was
         * not about nesting, the first message is the one. Takes at most {@link #MAX_TAKEN_BYTES_AT_ONCE} of bodies
         * at a time, and only once those taken before were handed on: false then, and the next turn of the tap goes
         * on. False with backoff when the management API cannot. True once the unreadable one is taken.
         */
        private boolean takeUnreadable(String why) {
            if (!inbox.isEmpty()) {
                return false; // hand on what was taken first (memory stays bounded)
            }
            boolean nesting = why != null && why.contains("nested");
            long bytes = 0;
            try {
                while (takenSoFar <= settings.prefetch()) {
                    if (bytes >= MAX_TAKEN_BYTES_AT_ONCE) {
                        return false;
                    }
                    java.util.Optional<ManagementClient.TakenMessage> next =
                            management.takeHead(vhost, settings.queue(), MAX_TAKEN_PAYLOAD_BYTES);
                    if (next.isEmpty()) {
                        return true;
                    }
                    ManagementClient.TakenMessage m = next.get();
                    bytes += m.payload().length;
                    boolean unreadableOne = m.deep() || !nesting;
                    String flag = !unreadableOne ? null : "the AMQP client cannot read its properties (" + why
                            + "); read through the management API" + (m.truncated() ? ", its body cut at "
                            + m.payload().length + " of " + m.payloadBytes() + " bytes" : "");
                    inbox.add(new Delivery(this, 0, Delivery.TAKEN, m.exchange(), m.routingKey(),
                            properties(m.properties()), m.payload(), clock.instant(), flag));
                    if (unreadableOne) {
                        unreadable.increment();
                        LOG.warn("RabbitMQ virtual host '{}': took a message the AMQP client cannot read ({}) off queue {} "
                                + "(exchange '{}', routing key '{}'; {} before it taken too); stored with the header {}",
                                vhost, why, settings.queue(), m.exchange(), m.routingKey(), takenSoFar,
                                AmqpRecord.UNREADABLE);
                        return true;
                    }
                    takenSoFar++;
                }
                LOG.warn("RabbitMQ virtual host '{}': took {} messages off queue {} through the management API without "
                        + "finding the one the AMQP client cannot read ({}); reading on", vhost, takenSoFar,
                        settings.queue(), why);
                return true;
            } catch (IOException e) {
                pipeline.noteError("virtual host '" + vhost + "': " + e.getMessage());
                LOG.warn("RabbitMQ virtual host '{}': cannot take the message the AMQP client cannot read off queue {} "
                        + "through the management API ({}); next attempt in {} ms", vhost, settings.queue(),
                        e.getMessage(), backoffMs);
                nextAttemptNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs);
                backoffMs = Math.min(backoffMs * 2, settings.reconnectMax().toMillis());
                return false;
            }
        }

        /** A message delivered through one of the tap queue's bindings, with the queues it reached by the bindings read. */
        AmqpRecord fromTapQueue(Delivery d) {
            AmqpRecord m = AmqpRecord.fromTapQueue(vhost, d.exchange(), d.routingKey(), d.props(), d.body(), d.received());
            TapQueueTopology t = topology;
            return t == null ? m : m.withRoutedQueues(t.routedQueues(m.exchange(), m.routingKeys(), m.applicationHeaders()));
        }

        /** Acknowledges everything up to {@code ack}'s tag, if it belongs to the open channel's generation. */
        void ack(Ack ack) {
            Channel ch = channel;
            if (ch == null || !ch.isOpen() || ack.generation() != generation) {
                return; // that channel is gone: the broker redelivers, the store deduplicates
            }
            if (ack.generation() == windowGeneration && ack.tag() < window) {
                return; // the window's messages are acknowledged together, so the unreadable one comes alone
            }
            try {
                ch.basicAck(ack.tag(), true);
                lastAckedTag = ack.tag();
            } catch (IOException | RuntimeException e) {
                LOG.warn("Acknowledgement to virtual host '{}' failed ({}); the messages will be redelivered and deduplicated",
                        vhost, e.toString());
            }
        }

        void disconnect(boolean abort) {
            Connection c = connection;
            connection = null;
            channel = null;
            topologyChannel = null;
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
