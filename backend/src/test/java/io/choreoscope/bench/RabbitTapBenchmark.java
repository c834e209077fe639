package io.choreoscope.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import io.choreoscope.collectors.extract.ExtractionRules;
import io.choreoscope.collectors.rabbitmq.AmqpNormalizer;
import io.choreoscope.collectors.rabbitmq.RabbitMqConfig;
import io.choreoscope.collectors.rabbitmq.RabbitMqTap;
import io.choreoscope.harness.bench.ProcCpu;
import io.choreoscope.harness.clickhouse.EmbeddedClickHouse;
import io.choreoscope.harness.kafka.BenchPayloads;
import io.choreoscope.harness.rabbitmq.EmbeddedRabbitMq;
import io.choreoscope.storage.clickhouse.ClickHouseConfig;
import io.choreoscope.storage.clickhouse.ClickHouseEventReader;
import io.choreoscope.storage.clickhouse.ClickHouseEventWriter;
import io.choreoscope.storage.clickhouse.ClickHouseStore;
import io.choreoscope.storage.clickhouse.SchemaMigrator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Issue 17's benchmark (a harness, not a test), all real, in one run on one broker:
 * <ol>
 *   <li><b>ceiling</b>: N messages of about 300 bytes published to a topic exchange, routed to one queue and read by a
 *       plain consumer (manual acks, multiple every 500, prefetch 2,000), with the firehose off: publish start to last
 *       message consumed;</li>
 *   <li><b>tap</b>: the same N messages again with the RabbitMQ tap on (the firehose tracer, or the tap queue bound to
 *       the exchange) writing into ClickHouse while the plain consumer still reads its queue: publish start to all N
 *       queryable ({@code FINAL}) in ClickHouse.</li>
 * </ol>
 * Between the two, unless {@code --no-copy}: the <b>copy anchor</b>, N messages again with one more queue of the tap
 * queue's type bound to the exchange with {@code #} and read by a second plain consumer while the first still reads:
 * publish start to both consumers done. It is what the broker does for a tap queue with nothing written anywhere, so
 * the best a tap queue could reach on this broker and machine; the tap's figures are printed against it too.
 * The broker's CPU time (utime + stime of the Erlang VM from /proc) per phase gives the mechanism's broker-side cost per
 * message. A warm-up round of N/5 runs each path first, not counted.
 * <pre>
 * mvn -B -q -pl backend -am test-compile dependency:build-classpath -Dmdep.outputFile=$PWD/backend/target/bench-cp.txt -Dmdep.includeScope=test
 * java -Xmx2g -cp backend/target/test-classes:backend/target/classes:$(cat backend/target/bench-cp.txt) io.choreoscope.bench.RabbitTapBenchmark 200000 quorum tap-queue
 * </pre>
 * Arguments: messages (default 300,000), the tap queue's type (quorum, the default, or classic; {@code stream} in commit
 * b50057b, which had the stream tap queue), the mechanism
 * ({@code firehose}, the default, or {@code tap-queue}); then options, each the same in both phases of a run:
 * {@code --confirm-window=W} (publisher: at most W unconfirmed messages per channel, confirms read as they arrive;
 * default 0: wait for every confirm each 5,000 messages), {@code --publishers=K} (K publishing connections and threads),
 * {@code --consumer-prefetch=P} (the plain consumer's prefetch, default 2,000), {@code --work-queue-version=2} (the
 * plain consumer's classic queue as CQv2), {@code --copy-queue-version=2} (the copy anchor's classic queue as CQv2),
 * {@code --copy-prefetch=P}, {@code --copy-ack-every=K}, {@code --copy-ack-delay-ms=D} (the copy anchor's consumer:
 * prefetch, one multiple ack every K messages, sent D ms later; default the plain consumer's prefetch, min(500, P/4), 0),
 * {@code --queue-mode=lazy} (a policy giving the copy anchor's and the tap's classic queues that mode); for the tap only: {@code --tap-prefetch=P}, {@code --batch=N},
 * {@code --linger-ms=MS}; {@code --poll=gate} (the default: the tap's meter of acknowledged batches is read in this
 * JVM before {@code count() FINAL} is polled) or {@code --poll=final} ({@code count() FINAL} every 100 ms from the start,
 * as until 2026-12-05). Besides the broker's CPU, the CPU of this JVM (publisher, plain consumer and, in the second
 * phase, the tap) and of ClickHouse are printed per message.
 */
public final class RabbitTapBenchmark {
    public static void main(String[] args) throws Exception {
        java.util.List<String> positional = new java.util.ArrayList<>();
        java.util.Map<String, String> opts = new java.util.HashMap<>();
        for (String a : args) {
            if (a.startsWith("--")) {
                String[] kv = a.substring(2).split("=", 2);
                opts.put(kv[0], kv.length > 1 ? kv[1] : "true");
            } else {
                positional.add(a);
            }
        }
        int n = positional.size() > 0 ? Integer.parseInt(positional.get(0)) : 300_000;
        String queueType = positional.size() > 1 ? positional.get(1) : RabbitMqConfig.DEFAULT_QUEUE_TYPE;
        String mechanism = positional.size() > 2 ? positional.get(2) : RabbitMqConfig.DEFAULT_MECHANISM;
        Publisher publisher = new Publisher(Integer.parseInt(opts.getOrDefault("confirm-window", "0")),
                Integer.parseInt(opts.getOrDefault("publishers", "1")));
        int consumerPrefetch = Integer.parseInt(opts.getOrDefault("consumer-prefetch", "2000"));
        String workQueueVersion = opts.get("work-queue-version");
        String poll = opts.getOrDefault("poll", "gate");
        if (!poll.equals("gate") && !poll.equals("final")) {
            throw new IllegalArgumentException("--poll is gate or final, not " + poll);
        }
        boolean gate = poll.equals("gate");
        System.out.printf("options: %s (publisher: %s; plain consumer prefetch %d; work queue version %s; poll %s)%n", opts,
                publisher, consumerPrefetch, workQueueVersion == null ? "default" : workQueueVersion, poll);
        Path dir = io.choreoscope.harness.TempDirs.deleteAtExit(Files.createTempDirectory("choreoscope-rabbit-bench-"));
        try (EmbeddedClickHouse ch = EmbeddedClickHouse.start(dir.resolve("clickhouse"), 0);
             EmbeddedRabbitMq rabbit = EmbeddedRabbitMq.start()) {
            byte[][] payloads = new byte[1000][];
            for (int i = 0; i < payloads.length; i++) {
                payloads[i] = BenchPayloads.order(i);
            }
            System.out.printf("payload size: %d bytes, N = %,d%n", payloads[0].length, n);
            ConnectionFactory f = new ConnectionFactory();
            f.setUri(rabbit.amqpUri());
            try (Connection c = f.newConnection("bench"); Channel setup = c.createChannel()) {
                setup.exchangeDeclare("bench", BuiltinExchangeType.TOPIC, true);
                java.util.Map<String, Object> workArgs = new java.util.HashMap<>();
                if (workQueueVersion != null) {
                    workArgs.put("x-queue-version", Integer.parseInt(workQueueVersion));
                }
                setup.queueDeclare("work", true, false, false, workArgs);
                setup.queueBind("work", "bench", "order.#");
            }
            ConsumerCount consumer = new ConsumerCount(f, consumerPrefetch);
            if (opts.containsKey("queue-mode")) {
                // RabbitMQ 3.10 classic queues: "lazy" moves messages to disk as early as it can rather than keeping
                // them in memory; applied by policy to the copy anchor's queue and the tap's (the tap declares its
                // queue with its type only, and a declare with another x-queue-mode would be refused)
                rabbit.management("PUT", "/policies/%2F/bench-queue-mode", "{\"pattern\":\"^(copy|"
                        + java.util.regex.Pattern.quote(RabbitMqConfig.DEFAULT_QUEUE).replace("\\", "\\\\")
                        + ")$\",\"definition\":{\"queue-mode\":\"" + opts.get("queue-mode") + "\"},\"apply-to\":\"queues\"}");
                System.out.println("queue mode of the copy and tap queues (policy): " + opts.get("queue-mode"));
            }

            // Warm-up of the plain path (firehose off), then the ceiling.
            plainRound(publisher, f, n / 5, payloads, "warm", consumer);
            ProcCpu.Snapshot s0 = ProcCpu.snapshot(rabbit.pid(), ch.pid());
            double ceilingSecs = plainRound(publisher, f, n, payloads, "ceiling", consumer);
            ProcCpu.Snapshot s1 = ProcCpu.snapshot(rabbit.pid(), ch.pid());
            double ceilingCpu = ProcCpu.processSeconds(s0, s1, rabbit.pid());
            double ceilingJvm = (s1.self() - s0.self()) / ProcCpu.TICKS_PER_SECOND;
            double ceiling = n / ceilingSecs;
            System.out.printf("ceiling (plain consumer, firehose off): %,d in %.2f s = %,.0f msg/s; broker CPU %.2f s = %.1f us/msg; "
                    + "bench JVM (publisher + consumer) %.1f us/msg%n",
                    n, ceilingSecs, ceiling, ceilingCpu, 1e6 * ceilingCpu / n, 1e6 * ceilingJvm / n);

            // The copy anchor: one more queue of the tap queue's type bound to "bench" with "#", read by a second plain
            // consumer while the first still reads "work". The broker does for it what it does for the tap queue; the
            // consumer only counts. What a tap queue costs before anything is written anywhere.
            double copySecs = 0;
            double copyCpu = 0;
            double copyJvm = 0;
            if (!opts.containsKey("no-copy")) {
                try (Connection c = f.newConnection("bench-copy-setup"); Channel setup = c.createChannel()) {
                    java.util.Map<String, Object> copyArgs = new java.util.HashMap<>(java.util.Map.of("x-queue-type", queueType));
                    if (opts.containsKey("copy-queue-version")) {
                        copyArgs.put("x-queue-version", Integer.parseInt(opts.get("copy-queue-version")));
                    }
                    setup.queueDeclare("copy", true, false, false, copyArgs);
                    setup.queueBind("copy", "bench", "#");
                }
                int copyPrefetch = Integer.parseInt(opts.getOrDefault("copy-prefetch", String.valueOf(consumerPrefetch)));
                int copyAckEvery = Integer.parseInt(opts.getOrDefault("copy-ack-every",
                        String.valueOf(Math.max(1, Math.min(500, copyPrefetch / 4)))));
                long copyAckDelayMs = Long.parseLong(opts.getOrDefault("copy-ack-delay-ms", "0"));
                System.out.printf("copy consumer: prefetch %d, one multiple ack every %d messages, sent %d ms later%n",
                        copyPrefetch, copyAckEvery, copyAckDelayMs);
                ConsumerCount copy = new ConsumerCount(f, "copy", copyPrefetch, copyAckEvery, copyAckDelayMs);
                plainRound(publisher, f, n / 5, payloads, "copy-warm", consumer, copy);
                ProcCpu.Snapshot c0 = ProcCpu.snapshot(rabbit.pid(), ch.pid());
                copySecs = plainRound(publisher, f, n, payloads, "copy", consumer, copy);
                ProcCpu.Snapshot c1 = ProcCpu.snapshot(rabbit.pid(), ch.pid());
                copyCpu = ProcCpu.processSeconds(c0, c1, rabbit.pid());
                copyJvm = (c1.self() - c0.self()) / ProcCpu.TICKS_PER_SECOND;
                copy.close();
                try (Connection c = f.newConnection("bench-copy-setup"); Channel setup = c.createChannel()) {
                    setup.queueDelete("copy");
                }
                System.out.printf("copy anchor (a second plain consumer on a %s queue bound with #, \"work\" still read): "
                        + "%,d in %.2f s = %,.0f msg/s = %.0f%% of the ceiling; broker CPU %.2f s = %.1f us/msg (+%.1f us/msg "
                        + "for the second queue); bench JVM (publisher + 2 consumers) %.1f us/msg; broker %.0f%%, JVM %.0f%% of one core%n",
                        queueType, n, copySecs, n / copySecs, 100 * ceilingSecs / copySecs, copyCpu, 1e6 * copyCpu / n,
                        1e6 * (copyCpu - ceilingCpu) / n, 1e6 * copyJvm / n, 100 * copyCpu / copySecs, 100 * copyJvm / copySecs);
            }

            // The tap: the firehose on and bound to the tap queue, or the tap queue bound to "bench"; read into ClickHouse.
            ClickHouseStore store = new ClickHouseStore(new ClickHouseConfig(ch.httpUrl(), "bench"));
            new SchemaMigrator(store).migrate();
            ClickHouseEventReader reader = new ClickHouseEventReader(store);
            RabbitMqConfig cfg = new RabbitMqConfig();
            cfg.setUri(rabbit.amqpUri());
            cfg.setManagementUrl(rabbit.managementUrl());
            cfg.setQueueType(queueType);
            cfg.setMechanism(mechanism);
            if (opts.containsKey("tap-prefetch")) {
                cfg.setPrefetch(Integer.parseInt(opts.get("tap-prefetch")));
            }
            if (opts.containsKey("batch")) {
                cfg.setBatchMaxRecords(Integer.parseInt(opts.get("batch")));
            }
            if (opts.containsKey("linger-ms")) {
                cfg.setBatchLinger(java.time.Duration.ofMillis(Long.parseLong(opts.get("linger-ms"))));
            }
            System.out.printf("mechanism: %s, tap queue type: %s, tap prefetch %d, batch %d, linger %s%n", mechanism, queueType,
                    cfg.getPrefetch(), cfg.getBatchMaxRecords(), cfg.getBatchLinger());
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            try (RabbitMqTap tap = new RabbitMqTap(cfg.toSettings(), new AmqpNormalizer(ExtractionRules.defaults()),
                    new ClickHouseEventWriter(store), meters, Clock.systemUTC())) {
                tap.start();
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (tap.status().connectedVhosts() < 1 && System.nanoTime() < until) {
                    Thread.sleep(100);
                }
                // Warm-up through the tap (exchange bench.warm), then the timed round.
                io.micrometer.core.instrument.DistributionSummary batches =
                        meters.get("choreoscope.rabbitmq.tap.batch.size").summary();
                Visible visible = new Visible(reader, "rabbitmq:bench", gate ? batches : null);
                tapRound(publisher, f, consumer, visible, n / 5, payloads, "warm");
                long batches0 = batches.count();
                double batched0 = batches.totalAmount();
                ProcCpu.Snapshot t0 = ProcCpu.snapshot(rabbit.pid(), ch.pid());
                double[] r = tapRound(publisher, f, consumer, visible, n, payloads, "timed");
                ProcCpu.Snapshot t1 = ProcCpu.snapshot(rabbit.pid(), ch.pid());
                long batchCount = batches.count() - batches0;
                double tapCpu = ProcCpu.processSeconds(t0, t1, rabbit.pid());
                double tapJvm = (t1.self() - t0.self()) / ProcCpu.TICKS_PER_SECOND;
                double tapCh = ProcCpu.processSeconds(t0, t1, ch.pid());
                double tapSecs = r[1];
                double tapRate = n / tapSecs;
                System.out.printf("plain consumer with the tap on: %,d in %.2f s = %,.0f msg/s (%.0f%% of its rate without)%n",
                        n, r[0], n / r[0], 100 * ceilingSecs / r[0]);
                System.out.printf("tap: %,d queryable in ClickHouse in %.2f s = %,.0f msg/s = %.0f%% of the ceiling; "
                        + "broker CPU %.2f s = %.1f us/msg (+%.1f us/msg for the tap's mechanism and queue)%n",
                        n, tapSecs, tapRate, 100 * tapRate / ceiling, tapCpu, 1e6 * tapCpu / n,
                        1e6 * (tapCpu - ceilingCpu) / n);
                if (copySecs > 0) {
                    System.out.printf("tap against the copy anchor: %.0f%% of its rate; broker %+.1f us/msg, bench JVM %+.1f us/msg "
                            + "(the tap's own work beyond a plain consumer of its queue)%n", 100 * copySecs / tapSecs,
                            1e6 * (tapCpu - copyCpu) / n, 1e6 * (tapJvm - copyJvm) / n);
                }
                System.out.printf("tap phase: bench JVM (publisher + consumer + tap) %.1f us/msg (+%.1f over the ceiling phase); "
                        + "ClickHouse %.1f us/msg (incl. the benchmark's count queries); "
                        + "broker %.0f%%, JVM %.0f%%, ClickHouse %.0f%% of one core over %.2f s%n",
                        1e6 * tapJvm / n, 1e6 * (tapJvm - ceilingJvm) / n, 1e6 * tapCh / n,
                        100 * tapCpu / tapSecs, 100 * tapJvm / tapSecs, 100 * tapCh / tapSecs, tapSecs);
                System.out.printf("tap phase: %,d batches written to ClickHouse, %,.0f messages each on average%n",
                        batchCount, batchCount == 0 ? 0.0 : (batches.totalAmount() - batched0) / batchCount);
                System.out.printf("ceiling phase: broker %.0f%%, JVM %.0f%% of one core over %.2f s%n",
                        100 * ceilingCpu / ceilingSecs, 100 * ceilingJvm / ceilingSecs, ceilingSecs);
                System.out.printf("distinct visible rows: %,d (expected %,d warm + %,d timed)%n",
                        reader.countVisible("rabbitmq:bench"), n / 5, n);
            }
            consumer.close();
            store.close();
        }
    }

    /**
     * A plain consumer (of queue "work" unless named): counts what it was delivered, acks (multiple) every
     * min(500, prefetch / 4) messages; or, for the copy anchor's consumer, every {@code ackEvery} messages and
     * {@code ackDelayMs} later from another thread (the tap's pattern: one multiple ack per batch, once ClickHouse
     * has it). Received is counted at delivery either way, as the copy anchor's time always was.
     */
    private static final class ConsumerCount implements AutoCloseable {
        final AtomicLong received = new AtomicLong();
        final Connection connection;
        final java.util.concurrent.ScheduledExecutorService acker;

        ConsumerCount(ConnectionFactory f, int prefetch) throws Exception {
            this(f, "work", prefetch, Math.max(1, Math.min(500, prefetch / 4)), 0);
        }

        ConsumerCount(ConnectionFactory f, String queue, int prefetch, int ackEvery, long ackDelayMs) throws Exception {
            connection = f.newConnection("bench-consumer-" + queue);
            Channel ch = connection.createChannel();
            ch.basicQos(prefetch);
            acker = ackDelayMs > 0 ? java.util.concurrent.Executors.newSingleThreadScheduledExecutor() : null;
            ch.basicConsume(queue, false, new DefaultConsumer(ch) {
                @Override
                public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties p, byte[] body) throws java.io.IOException {
                    if (received.incrementAndGet() % ackEvery == 0) {
                        long deliveryTag = env.getDeliveryTag();
                        if (acker == null) {
                            getChannel().basicAck(deliveryTag, true);
                        } else {
                            acker.schedule(() -> {
                                getChannel().basicAck(deliveryTag, true);
                                return null;
                            }, ackDelayMs, TimeUnit.MILLISECONDS);
                        }
                    }
                }
            });
        }

        void awaitAtLeast(long total) throws InterruptedException {
            while (received.get() < total) {
                Thread.sleep(5);
            }
        }

        @Override
        public void close() throws Exception {
            if (acker != null) {
                acker.shutdownNow();
            }
            connection.close();
        }
    }

    /** Publishes n messages and waits for each plain consumer to have them; returns the seconds. */
    private static double plainRound(Publisher publisher, ConnectionFactory f, int n, byte[][] payloads, String tag,
                                     ConsumerCount... consumers) throws Exception {
        long[] targets = new long[consumers.length];
        for (int k = 0; k < consumers.length; k++) {
            targets[k] = consumers[k].received.get() + n;
        }
        long t0 = System.nanoTime();
        publisher.publish(f, n, payloads, tag);
        for (int k = 0; k < consumers.length; k++) {
            consumers[k].awaitAtLeast(targets[k]);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Publishes n messages; returns {seconds until the plain consumer had them, seconds until all are queryable}. */
    private static double[] tapRound(Publisher publisher, ConnectionFactory f, ConsumerCount consumer, Visible visible, int n,
                                     byte[][] payloads, String tag) throws Exception {
        long target = consumer.received.get() + n;
        long visibleBefore = visible.count();
        double writtenBefore = visible.written();
        long t0 = System.nanoTime();
        publisher.publish(f, n, payloads, tag);
        consumer.awaitAtLeast(target);
        double consumed = (System.nanoTime() - t0) / 1e9;
        visible.await(visibleBefore + n, writtenBefore + n);
        return new double[] {consumed, (System.nanoTime() - t0) / 1e9};
    }

    /**
     * When the tap's messages are queryable: {@code count() FINAL} over the topic, the only proof. Polled every 100 ms
     * from the start ({@code --poll=final}, the runs until 2026-12-05), or ({@code --poll=gate}) polled every 20 ms only
     * once the tap's own meter says its batches holding that many messages were acknowledged by ClickHouse; until then
     * the meter is read in the JVM every 2 ms, which costs ClickHouse nothing. The end is in both cases the count that
     * shows them all: the gate only keeps the benchmark's own {@code FINAL} scans (up to 120 in a run, each over every
     * row of the topic) from competing with the tap for the two cores.
     */
    private record Visible(ClickHouseEventReader reader, String topic,
                           io.micrometer.core.instrument.DistributionSummary batches) {
        long count() {
            return reader.countVisible(topic);
        }

        double written() {
            return batches == null ? 0 : batches.totalAmount();
        }

        void await(long visibleTarget, double writtenTarget) throws InterruptedException {
            if (batches != null) {
                while (batches.totalAmount() < writtenTarget) {
                    Thread.sleep(2);
                }
            }
            while (count() < visibleTarget) {
                Thread.sleep(batches == null ? 100 : 20);
            }
        }
    }

    /**
     * Publishes to exchange "bench", each message with a message ID, a correlation ID and a type, with publisher
     * confirms: {@code window == 0} waits for all confirms every 5,000 messages (the first runs' publisher); else at
     * most {@code window} unconfirmed messages in flight per channel, confirms read as they come. {@code channels}
     * connections (one channel each, one thread each) share the n messages.
     */
    private record Publisher(int window, int channels) {
        void publish(ConnectionFactory f, int n, byte[][] payloads, String tag) throws Exception {
            if (channels == 1) {
                publishOne(f, 0, n, payloads, tag);
                return;
            }
            java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(channels);
            try {
                int per = n / channels;
                for (int k = 0; k < channels; k++) {
                    int from = k * per;
                    int to = k == channels - 1 ? n : from + per;
                    done.add(pool.submit(() -> {
                        publishOne(f, from, to, payloads, tag);
                        return null;
                    }));
                }
                for (java.util.concurrent.Future<?> d : done) {
                    d.get();
                }
            } finally {
                pool.shutdownNow();
            }
        }

        private void publishOne(ConnectionFactory f, int from, int to, byte[][] payloads, String tag) throws Exception {
            try (Connection c = f.newConnection("bench-publisher"); Channel ch = c.createChannel()) {
                ch.confirmSelect();
                java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(Math.max(window, 1));
                java.util.concurrent.ConcurrentSkipListSet<Long> unconfirmed = new java.util.concurrent.ConcurrentSkipListSet<>();
                if (window > 0) {
                    ch.addConfirmListener((seq, multiple) -> release(inFlight, unconfirmed, seq, multiple),
                            (seq, multiple) -> {
                                throw new IllegalStateException("broker refused message " + seq);
                            });
                }
                for (int i = from; i < to; i++) {
                    AMQP.BasicProperties p = new AMQP.BasicProperties.Builder().messageId(tag + "-" + i)
                            .correlationId("order-" + (i / 5)).type("OrderPlaced").appId("bench").build();
                    if (window > 0) {
                        if (!inFlight.tryAcquire(60, TimeUnit.SECONDS)) {
                            throw new IllegalStateException("no confirm for 60 s");
                        }
                        unconfirmed.add(ch.getNextPublishSeqNo());
                    }
                    ch.basicPublish("bench", "order.placed", p, payloads[i % payloads.length]);
                    if (window == 0 && (i - from) % 5_000 == 4_999) {
                        ch.waitForConfirmsOrDie(60_000); // bounded in flight, as a real publisher keeps it
                    }
                }
                ch.waitForConfirmsOrDie(60_000);
            }
        }

        private static void release(java.util.concurrent.Semaphore inFlight,
                                    java.util.concurrent.ConcurrentSkipListSet<Long> unconfirmed, long seq, boolean multiple) {
            int n = 0;
            if (multiple) {
                java.util.NavigableSet<Long> head = unconfirmed.headSet(seq, true);
                while (head.pollFirst() != null) {
                    n++;
                }
            } else if (unconfirmed.remove(seq)) {
                n = 1;
            }
            inFlight.release(n);
        }

        @Override
        public String toString() {
            return (window == 0 ? "confirms waited every 5,000" : "streaming confirms, window " + window) + ", " + channels
                    + " channel(s)";
        }
    }
}
