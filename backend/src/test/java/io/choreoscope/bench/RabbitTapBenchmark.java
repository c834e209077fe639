package io.choreoscope.bench;

import java.nio.charset.StandardCharsets;
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
 * The broker's CPU time (utime + stime of the Erlang VM from /proc) per phase gives the mechanism's broker-side cost per
 * message. A warm-up round of N/5 runs each path first, not counted.
 * <pre>
 * mvn -B -q -pl backend -am test-compile dependency:build-classpath -Dmdep.outputFile=$PWD/backend/target/bench-cp.txt -Dmdep.includeScope=test
 * java -Xmx2g -cp backend/target/test-classes:backend/target/classes:$(cat backend/target/bench-cp.txt) io.choreoscope.bench.RabbitTapBenchmark 200000 quorum tap-queue
 * </pre>
 * Arguments: messages (default 300,000), the tap queue's type (quorum, the default, or classic), the mechanism
 * ({@code firehose}, the default, or {@code tap-queue}).
 */
public final class RabbitTapBenchmark {
    private static final long CLOCK_TICKS = 100; // USER_HZ on Linux

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 300_000;
        String queueType = args.length > 1 ? args[1] : RabbitMqConfig.DEFAULT_QUEUE_TYPE;
        String mechanism = args.length > 2 ? args[2] : RabbitMqConfig.DEFAULT_MECHANISM;
        Path dir = Files.createTempDirectory("choreoscope-rabbit-bench-");
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
                setup.queueDeclare("work", true, false, false, null);
                setup.queueBind("work", "bench", "order.#");
            }
            ConsumerCount consumer = new ConsumerCount(f);

            // Warm-up of the plain path (firehose off), then the ceiling.
            plainRound(f, consumer, n / 5, payloads, "warm");
            long cpu0 = cpuTicks(rabbit.pid());
            double ceilingSecs = plainRound(f, consumer, n, payloads, "ceiling");
            double ceilingCpu = (cpuTicks(rabbit.pid()) - cpu0) / (double) CLOCK_TICKS;
            double ceiling = n / ceilingSecs;
            System.out.printf("ceiling (plain consumer, firehose off): %,d in %.2f s = %,.0f msg/s; broker CPU %.2f s = %.1f us/msg%n",
                    n, ceilingSecs, ceiling, ceilingCpu, 1e6 * ceilingCpu / n);

            // The tap: the firehose on and bound to the tap queue, or the tap queue bound to "bench"; read into ClickHouse.
            ClickHouseStore store = new ClickHouseStore(new ClickHouseConfig(ch.httpUrl(), "bench"));
            new SchemaMigrator(store).migrate();
            ClickHouseEventReader reader = new ClickHouseEventReader(store);
            RabbitMqConfig cfg = new RabbitMqConfig();
            cfg.setUri(rabbit.amqpUri());
            cfg.setManagementUrl(rabbit.managementUrl());
            cfg.setQueueType(queueType);
            cfg.setMechanism(mechanism);
            System.out.printf("mechanism: %s, tap queue type: %s%n", mechanism, queueType);
            try (RabbitMqTap tap = new RabbitMqTap(cfg.toSettings(), new AmqpNormalizer(ExtractionRules.defaults()),
                    new ClickHouseEventWriter(store), new SimpleMeterRegistry(), Clock.systemUTC())) {
                tap.start();
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (tap.status().connectedVhosts() < 1 && System.nanoTime() < until) {
                    Thread.sleep(100);
                }
                // Warm-up through the tap (exchange bench.warm), then the timed round.
                tapRound(f, consumer, reader, n / 5, payloads, "warm", "rabbitmq:bench");
                long cpu1 = cpuTicks(rabbit.pid());
                double[] r = tapRound(f, consumer, reader, n, payloads, "timed", "rabbitmq:bench");
                double tapCpu = (cpuTicks(rabbit.pid()) - cpu1) / (double) CLOCK_TICKS;
                double tapSecs = r[1];
                double tapRate = n / tapSecs;
                System.out.printf("plain consumer with the tap on: %,d in %.2f s = %,.0f msg/s (%.0f%% of its rate without)%n",
                        n, r[0], n / r[0], 100 * ceilingSecs / r[0]);
                System.out.printf("tap: %,d queryable in ClickHouse in %.2f s = %,.0f msg/s = %.0f%% of the ceiling; "
                        + "broker CPU %.2f s = %.1f us/msg (+%.1f us/msg for the tap's mechanism and queue)%n",
                        n, tapSecs, tapRate, 100 * tapRate / ceiling, tapCpu, 1e6 * tapCpu / n,
                        1e6 * (tapCpu - ceilingCpu) / n);
                System.out.printf("distinct visible rows: %,d (expected %,d warm + %,d timed)%n",
                        reader.countVisible("rabbitmq:bench"), n / 5, n);
            }
            consumer.close();
            store.close();
        }
    }

    /** The plain consumer of queue "work": counts what it was delivered, acks every 500. */
    private static final class ConsumerCount implements AutoCloseable {
        final AtomicLong received = new AtomicLong();
        final Connection connection;

        ConsumerCount(ConnectionFactory f) throws Exception {
            connection = f.newConnection("bench-consumer");
            Channel ch = connection.createChannel();
            ch.basicQos(2_000);
            ch.basicConsume("work", false, new DefaultConsumer(ch) {
                @Override
                public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties p, byte[] body) throws java.io.IOException {
                    if (received.incrementAndGet() % 500 == 0) {
                        getChannel().basicAck(env.getDeliveryTag(), true);
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
            connection.close();
        }
    }

    /** Publishes n messages and waits for the plain consumer; returns the seconds. */
    private static double plainRound(ConnectionFactory f, ConsumerCount consumer, int n, byte[][] payloads, String tag) throws Exception {
        long target = consumer.received.get() + n;
        long t0 = System.nanoTime();
        publish(f, n, payloads, tag);
        consumer.awaitAtLeast(target);
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Publishes n messages; returns {seconds until the plain consumer had them, seconds until all are queryable}. */
    private static double[] tapRound(ConnectionFactory f, ConsumerCount consumer, ClickHouseEventReader reader, int n,
                                     byte[][] payloads, String tag, String topic) throws Exception {
        long target = consumer.received.get() + n;
        long visibleBefore = reader.countVisible(topic);
        long t0 = System.nanoTime();
        publish(f, n, payloads, tag);
        consumer.awaitAtLeast(target);
        double consumed = (System.nanoTime() - t0) / 1e9;
        while (reader.countVisible(topic) < visibleBefore + n) {
            Thread.sleep(100);
        }
        return new double[] {consumed, (System.nanoTime() - t0) / 1e9};
    }

    /** n messages to exchange "bench", each with a message ID, a correlation ID and a type; publisher confirms at the end. */
    private static void publish(ConnectionFactory f, int n, byte[][] payloads, String tag) throws Exception {
        try (Connection c = f.newConnection("bench-publisher"); Channel ch = c.createChannel()) {
            ch.confirmSelect();
            for (int i = 0; i < n; i++) {
                AMQP.BasicProperties p = new AMQP.BasicProperties.Builder().messageId(tag + "-" + i)
                        .correlationId("order-" + (i / 5)).type("OrderPlaced").appId("bench").build();
                ch.basicPublish("bench", "order.placed", p, payloads[i % payloads.length]);
                if (i % 5_000 == 4_999) {
                    ch.waitForConfirmsOrDie(60_000); // bounded in flight, as a real publisher keeps it
                }
            }
            ch.waitForConfirmsOrDie(60_000);
        }
    }

    /** utime + stime of a process, in clock ticks. */
    private static long cpuTicks(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
