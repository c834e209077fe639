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
import com.rabbitmq.stream.Address;
import com.rabbitmq.stream.BackOffDelayPolicy;
import com.rabbitmq.stream.ConsumerFlowStrategy;
import com.rabbitmq.stream.Environment;
import com.rabbitmq.stream.EnvironmentBuilder;
import com.rabbitmq.stream.MessageHandler;
import com.rabbitmq.stream.OffsetSpecification;
import com.rabbitmq.stream.SubscriptionListener;
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
    /** With a stream tap queue: chunks the broker may send ahead of what the tap has taken in. */
    static final int STREAM_CREDITS = 10;

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
    private final Counter streamSkipped;
    private final Counter streamResubscriptions;
    private final Counter streamOffsetLost;

    /**
     * One delivery to the tap's queue (a firehose copy when it came from {@link #FIREHOSE}, else the message itself),
     * with the connection generation it came on (its tag is only valid there).
     */
    private record Delivery(VhostTap source, long generation, long tag, String exchange, String routingKey,
                            AMQP.BasicProperties props, byte[] body, Instant received, StreamDelivery stream) {
    }

    /**
     * A message read over the stream protocol: already read into its record (on the client's thread), its offset as
     * the tag, and the context to tell the client it was taken (which grants the broker credit for more chunks).
     */
    private record StreamDelivery(AmqpRecord record, MessageHandler.Context context) {
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
        this.streamSkipped = Counter.builder("choreoscope.rabbitmq.tap.stream.skipped")
                .description("Stream offsets the tap resumed past because the stream's retention had dropped them")
                .register(meters);
        this.streamResubscriptions = Counter.builder("choreoscope.rabbitmq.tap.stream.resubscriptions")
                .description("Times the stream client subscribed the tap again after losing its connection")
                .register(meters);
        this.streamOffsetLost = Counter.builder("choreoscope.rabbitmq.tap.stream.offset.lost")
                .description("Times the tap found its stored stream offset dropped by the stream's retention")
                .register(meters);
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
        synchronized (vhosts) {
            for (VhostTap v : vhosts.values()) {
                v.untapped.forEach(x -> untapped.add(x + " in " + v.vhost));
            }
        }
        return new RabbitTapStatus(state, settings.mechanism().configName(), pipeline.ingested(), connectedCount(), down,
                (long) reconnects.count(), pipeline.consecutiveFailures(), pipeline.lastError(), pipeline.lastErrorAt(),
                managementProblem, pipeline.pending(), List.copyOf(untapped), settings.queueType(),
                (long) streamSkipped.count(), (long) streamResubscriptions.count());
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
                    v.closeStream();
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
        pipeline.startIfEmpty();
        pipeline.commits().put(d.source(), new Ack(d.generation(), d.tag()));
        AmqpRecord message;
        if (d.stream() != null) {
            d.stream().context().processed(); // in the pipeline now, which bounds what it holds
            message = d.source().withRoutedQueues(d.stream().record());
        } else {
            message = d.exchange().equals(FIREHOSE)
                    ? AmqpRecord.fromFirehose(d.props().getHeaders(), d.body(), d.received())
                    : d.source().fromTapQueue(d); // also a message left in the queue by the other mechanism
        }
        if (settings.excluded(message.exchange())) {
            excluded.increment();
            return;
        }
        Observation o = normalizer.normalize(message, clock.instant());
        long bytes = (message.body() == null ? 0 : message.body().length) + message.routingKey().length()
                + 64L * o.headers().size();
        if (pipeline.fullWith(bytes)) {
            // Full by bytes: cut before this message. Its tag goes with it into the next batch, so this batch does not
            // acknowledge its channel at all; the next batch's acknowledgement (multiple) covers the earlier tags.
            pipeline.commits().remove(d.source());
            pipeline.flush();
            pipeline.commits().put(d.source(), new Ack(d.generation(), d.tag()));
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
                if (settings.mechanism() == RabbitTapSettings.Mechanism.TAP_QUEUE) {
                    if (v.connected()) {
                        v.syncBindings();
                    }
                } else if (management.ensureTracing(v.vhost)) {
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
                v.closeStream();
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
        volatile long generation;
        /**
         * With a stream tap queue: the stream client's environment and consumer, kept across AMQP reconnects (the
         * client reconnects and subscribes again itself, from the last offset it received).
         */
        volatile Environment streamEnvironment;
        volatile com.rabbitmq.stream.Consumer streamConsumer;
        /** The offset the current subscription was asked to start at (-1: the stream's first), and whether it delivered yet. */
        volatile long streamStart = -1;
        volatile boolean streamDelivered;
        int streamSubscriptions;
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
                ch.queueDeclare(settings.queue(), true, false, false, queueArguments());
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
                if (settings.stream()) {
                    if (streamConsumer == null) {
                        openStream();
                    }
                    channel = ch; // the AMQP connection, for bindings, says whether the broker is reachable
                } else {
                    consume(c, ch);
                }
                c.addShutdownListener(cause -> {
                    if (!cause.isInitiatedByApplication()) {
                        LOG.warn("Lost RabbitMQ connection to virtual host '{}': {}", vhost, cause.getMessage());
                        pipeline.noteError("virtual host '" + vhost + "': " + cause.getMessage());
                    }
                });
                if (everConnected) {
                    LOG.info("Reconnected to RabbitMQ virtual host '{}'", vhost);
                } else {
                    LOG.info("Tapping every exchange of RabbitMQ virtual host '{}' through queue {} ({}, {}{})", vhost,
                            settings.queue(), settings.queueType(), settings.mechanism().configName(),
                            settings.stream() ? ", read over the stream protocol on port " + settings.streamPort() : "");
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

        /** Consumes the (quorum or classic) tap queue over AMQP 0-9-1 with manual acknowledgements. */
        private void consume(Connection c, Channel ch) throws IOException {
            ch.basicQos(settings.prefetch());
            long gen = ++generation;
            ch.basicConsume(settings.queue(), false, "choreoscope-tap", new DefaultConsumer(ch) {
                @Override
                public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties props, byte[] body) {
                    inbox.add(new Delivery(VhostTap.this, gen, env.getDeliveryTag(), env.getExchange(),
                            env.getRoutingKey(), props, body, clock.instant(), null));
                }
            });
            channel = ch;
        }

        /** The tap queue's arguments: its type; a stream's retention bounds too. */
        private Map<String, Object> queueArguments() {
            Map<String, Object> args = new HashMap<>();
            args.put("x-queue-type", settings.queueType());
            if (settings.stream()) {
                args.put("x-max-length-bytes", settings.streamMaxBytes());
                args.put("x-max-age", settings.streamMaxAge().toSeconds() + "s");
                // Retention drops whole segments: keep them a tenth of the bound (1 MB to the broker's 500 MB default).
                long segment = Math.max(1L << 20, Math.min(500L << 20, settings.streamMaxBytes() / 10));
                args.put("x-stream-max-segment-size-bytes", segment);
            }
            return args;
        }

        /**
         * Subscribes to the stream tap queue over the stream protocol as the named consumer {@link
         * RabbitTapSettings#streamConsumerName()}: the broker keeps its offset, stored after each committed batch, and the
         * client starts after the offset stored (none stored: at the stream's first offset). The client reconnects and
         * subscribes again on its own when the connection drops, with the tap's reconnect backoff, from the last offset
         * it received. Credit for more chunks is granted as the tap takes messages in ({@link #STREAM_CREDITS} chunks
         * ahead), so a store that refuses batches stops the broker sending.
         */
        private void openStream() {
            long initial = settings.reconnectInitial().toMillis();
            long max = settings.reconnectMax().toMillis();
            BackOffDelayPolicy backoff = attempt -> java.time.Duration.ofMillis(
                    Math.min(max, initial << Math.min(20, Math.max(0, attempt))));
            EnvironmentBuilder b = Environment.builder().host(settings.host()).port(settings.streamPort())
                    .username(settings.username()).password(settings.password()).virtualHost(vhost)
                    // Always the configured address: the broker may advertise a host name the tap cannot resolve.
                    .addressResolver(a -> new Address(settings.host(), settings.streamPort()))
                    .recoveryBackOffDelayPolicy(backoff).topologyUpdateBackOffDelayPolicy(backoff)
                    .clientProperty("connection_name", "choreoscope-tap-stream");
            if (settings.tls()) {
                try {
                    b = b.tls().sslContext(io.netty.handler.ssl.SslContextBuilder.forClient().build())
                            .hostnameVerification().environmentBuilder();
                } catch (javax.net.ssl.SSLException e) {
                    throw new IllegalStateException("cannot set up TLS for the stream protocol: " + e.getMessage(), e);
                }
            }
            Environment env = b.build();
            streamEnvironment = env;
            try {
                streamConsumer = env.consumerBuilder().stream(settings.queue()).name(settings.streamConsumerName())
                        .offset(OffsetSpecification.first())
                        .manualTrackingStrategy().builder()
                        .flow().strategy(ConsumerFlowStrategy.creditWhenHalfMessagesProcessed(STREAM_CREDITS)).builder()
                        .subscriptionListener(this::subscribing)
                        .messageHandler(this::streamMessage)
                        .build();
            } catch (RuntimeException e) {
                streamEnvironment = null;
                env.close();
                throw e;
            }
        }

        /** Called by the client before each subscription, the first and each after a reconnect. */
        private void subscribing(SubscriptionListener.SubscriptionContext context) {
            OffsetSpecification spec = context.offsetSpecification();
            streamStart = spec != null && spec.isOffset() ? spec.getOffset() : -1;
            streamDelivered = false;
            if (++streamSubscriptions > 1) {
                streamResubscriptions.increment();
                LOG.info("Stream client subscribed to {} of virtual host '{}' again, at {}", settings.queue(), vhost, spec);
            } else {
                LOG.info("Reading stream {} of virtual host '{}' over the stream protocol from {}", settings.queue(),
                        vhost, streamStart < 0 ? "its first offset (none stored)" : "offset " + streamStart);
            }
        }

        /** A message from the stream (on the client's thread). */
        private void streamMessage(MessageHandler.Context context, com.rabbitmq.stream.Message m) {
            long offset = context.offset();
            long start = streamStart;
            if (offset < start) {
                context.processed(); // a chunk starts before the offset asked for: already stored
                return;
            }
            if (!streamDelivered) {
                streamDelivered = true;
                if (start >= 0 && offset > start) {
                    countRetentionDrop(start);
                } else if (start < 0 && offset > 0) {
                    offsetLost(offset);
                }
            }
            byte[] body;
            try {
                body = m.getBodyAsBinary();
            } catch (RuntimeException notData) {
                Object v = m.getBody(); // an AMQP 1.0 publisher's value section: kept as text
                body = v == null ? null : v.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            }
            AmqpRecord r = AmqpRecord.fromStream(vhost, m.getProperties(), m.getApplicationProperties(),
                    m.getMessageAnnotations(), body, clock.instant());
            inbox.add(new Delivery(this, 0, offset, r.exchange(), r.routingKey(), null, null, r.timestamp(),
                    new StreamDelivery(r, context)));
        }

        /**
         * The first message after subscribing at {@code start} has a higher offset. That alone is no loss: the broker
         * spends offsets on its own entries too (each stored consumer offset is one), which are not delivered. Loss is
         * when the stream's first message is past {@code start - 1}, the last offset stored, which would still be there
         * had retention not dropped it. RabbitMQ 3.10 cannot say a stream's first offset (the stream protocol's stats
         * command came with 3.11), so a second, unnamed consumer reads the stream's first message, on another thread
         * (the client's dispatching thread must not wait for itself). Counted in offsets (the messages and the broker's
         * own entries among them), named in health.
         */
        private void countRetentionDrop(long start) {
            Environment env = streamEnvironment;
            if (env == null) {
                return;
            }
            Thread probe = new Thread(() -> {
                long first = firstMessageOffset(env);
                if (first < 0) {
                    LOG.warn("Cannot read the first offset of stream {} in virtual host '{}': whether its retention "
                            + "dropped messages before offset {} is not known", settings.queue(), vhost, start);
                } else if (first > start) {
                    countDropped(first, start);
                }
            }, "choreoscope-rabbitmq-stream-probe");
            probe.setDaemon(true);
            probe.start();
        }

        /** The offset of the stream's first message, read by an unnamed consumer; -1 when none came within 10 s. */
        private long firstMessageOffset(Environment env) {
            java.util.concurrent.CompletableFuture<Long> first = new java.util.concurrent.CompletableFuture<>();
            com.rabbitmq.stream.Consumer c = null;
            try {
                c = env.consumerBuilder().stream(settings.queue()).offset(OffsetSpecification.first())
                        .messageHandler((ctx, m) -> first.complete(ctx.offset())).build();
                return first.get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                return -1;
            } finally {
                if (c != null) {
                    try {
                        c.close();
                    } catch (RuntimeException ignored) {
                        // the environment may be closing
                    }
                }
            }
        }

        /**
         * No offset stored, yet the stream's first message is not at offset 0: its retention dropped the segments that
         * held the stored offset too (RabbitMQ 3.10 keeps a consumer's offset in the stream's segments and loses it with
         * them, measured), so the tap was stopped while more than the stream holds went by. What it had not read of
         * the dropped offsets is not known: said in health and counted, never silent.
         */
        private void offsetLost(long first) {
            streamOffsetLost.increment();
            String msg = "virtual host '" + vhost + "': stream " + settings.queue() + " starts at offset " + first
                    + " and its stored offset is gone: its retention dropped the offsets before, with the stored offset;"
                    + " how many of them the tap had not read is not known";
            LOG.warn(msg);
            pipeline.noteError(msg);
        }

        private void countDropped(long first, long start) {
            streamSkipped.increment(first - start);
            String msg = "virtual host '" + vhost + "': stream " + settings.queue() + " resumed at offset " + first
                    + ", not " + start + ": " + (first - start)
                    + " offsets were dropped by its retention before the tap read them";
            LOG.warn(msg);
            pipeline.noteError(msg);
        }

        /** Closes the stream consumer (a clean stop has stored its last committed offset) and its environment. */
        void closeStream() {
            com.rabbitmq.stream.Consumer consumer = streamConsumer;
            Environment env = streamEnvironment;
            streamConsumer = null;
            streamEnvironment = null;
            try {
                if (consumer != null) {
                    consumer.close();
                }
            } catch (RuntimeException e) {
                LOG.debug("Closing the stream consumer of virtual host '{}': {}", vhost, e.toString());
            }
            try {
                if (env != null) {
                    env.close();
                }
            } catch (RuntimeException e) {
                LOG.debug("Closing the stream environment of virtual host '{}': {}", vhost, e.toString());
            }
        }

        /** A message read from the stream, with the queues it reached by the bindings read. */
        AmqpRecord withRoutedQueues(AmqpRecord m) {
            TapQueueTopology t = topology;
            return t == null ? m : m.withRoutedQueues(t.routedQueues(m.exchange(), m.routingKeys(), m.applicationHeaders()));
        }

        /**
         * Reads the virtual host's exchanges and bindings and brings the tap queue's bindings in line: with the
         * tap-queue mechanism, binds what {@link TapQueueTopology} wants and unbinds the rest (the firehose binding
         * too); with the firehose, unbinds everything but the firehose binding (left by the other mechanism).
         */
        void syncBindings() throws IOException {
            TapQueueTopology t = new TapQueueTopology(management.exchanges(vhost), management.routes(vhost),
                    settings.queue(), settings::excluded);
            if (settings.mechanism() == RabbitTapSettings.Mechanism.FIREHOSE) {
                t.presentExcept(FIREHOSE_BINDING).forEach(b -> change(b, false));
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

        /** A message delivered through one of the tap queue's bindings, with the queues it reached by the bindings read. */
        AmqpRecord fromTapQueue(Delivery d) {
            AmqpRecord m = AmqpRecord.fromTapQueue(vhost, d.exchange(), d.routingKey(), d.props(), d.body(), d.received());
            TapQueueTopology t = topology;
            return t == null ? m : m.withRoutedQueues(t.routedQueues(m.exchange(), m.routingKeys(), m.applicationHeaders()));
        }

        /** Acknowledges everything up to {@code ack}'s tag, if it belongs to the open channel's generation. */
        void ack(Ack ack) {
            if (settings.stream()) {
                com.rabbitmq.stream.Consumer consumer = streamConsumer;
                if (consumer != null) {
                    try {
                        consumer.store(ack.tag()); // everything up to this offset is in the store
                    } catch (RuntimeException e) {
                        LOG.warn("Storing stream offset {} in virtual host '{}' failed ({}); messages after the last offset "
                                + "stored will be read again and deduplicated", ack.tag(), vhost, e.toString());
                    }
                }
                return;
            }
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
