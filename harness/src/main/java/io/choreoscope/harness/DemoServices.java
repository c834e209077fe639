package io.choreoscope.harness;

import java.nio.file.Path;

import io.choreoscope.harness.clickhouse.EmbeddedClickHouse;
import io.choreoscope.harness.kafka.EmbeddedKafka;

/**
 * Serves the demo's real services until stopped: a single-node Kafka broker, a ClickHouse engine and, when Debian's
 * rabbitmq-server is installed, a RabbitMQ broker (AMQP 5672, management 15672, guest on loopback), all keeping their
 * data under one directory so that a second demo run finds the first one's data.
 * <pre>
 * DemoServices [--kafka-port 9092] [--clickhouse-port 8123] [--data-dir data] [--clickhouse-max-memory BYTES]
 *              [--rabbitmq-port 5672] [--rabbitmq-management-port 15672] [--no-rabbitmq]
 * </pre>
 * Stops both cleanly on SIGINT/SIGTERM. Exits non-zero if ClickHouse dies on its own.
 */
public final class DemoServices {
    private DemoServices() {
    }

    public static void main(String[] args) throws InterruptedException {
        int kafkaPort = 9092;
        int rabbitPort = 5672;
        int rabbitManagementPort = 15672;
        boolean rabbit = true;
        int clickHousePort = 8123;
        Path dataDir = Path.of("data");
        EmbeddedClickHouse.Options options = EmbeddedClickHouse.Options.defaults();
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--kafka-port" -> kafkaPort = Integer.parseInt(args[++i]);
                    case "--clickhouse-port" -> clickHousePort = Integer.parseInt(args[++i]);
                    case "--data-dir" -> dataDir = Path.of(args[++i]);
                    case "--rabbitmq-port" -> rabbitPort = Integer.parseInt(args[++i]);
                    case "--rabbitmq-management-port" -> rabbitManagementPort = Integer.parseInt(args[++i]);
                    case "--no-rabbitmq" -> rabbit = false;
                    case "--clickhouse-max-memory" -> options = options.withMaxServerMemoryBytes(Long.parseLong(args[++i]));
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
        } catch (RuntimeException e) {
            System.err.println("DemoServices: " + e.getMessage() + "\nusage: DemoServices [--kafka-port 9092] "
                    + "[--clickhouse-port 8123] [--data-dir data] [--clickhouse-max-memory BYTES] [--rabbitmq-port 5672] "
                    + "[--rabbitmq-management-port 15672] [--no-rabbitmq]");
            System.exit(2);
        }
        EmbeddedClickHouse clickHouse = EmbeddedClickHouse.start(dataDir.resolve("clickhouse"), clickHousePort, options);
        EmbeddedKafka kafka;
        try {
            kafka = EmbeddedKafka.start(dataDir.resolve("kafka"), kafkaPort);
        } catch (RuntimeException e) {
            clickHouse.close();
            throw e;
        }
        // RabbitMQ when installed (scripts/install-test-deps.sh installs it): guest/guest on loopback only.
        io.choreoscope.harness.rabbitmq.EmbeddedRabbitMq rabbitMq = null;
        if (rabbit) {
            try {
                rabbitMq = io.choreoscope.harness.rabbitmq.EmbeddedRabbitMq.start(dataDir.resolve("rabbitmq"), rabbitPort,
                        rabbitManagementPort);
            } catch (RuntimeException e) {
                System.out.println("RabbitMQ not started (" + e.getMessage().lines().findFirst().orElse("") + "); "
                        + "the demo runs on Kafka alone");
            }
        }
        io.choreoscope.harness.rabbitmq.EmbeddedRabbitMq rabbitToStop = rabbitMq;
        Object stopping = new Object();
        boolean[] stopped = {false};
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            synchronized (stopping) {
                stopped[0] = true;
            }
            kafka.close();
            if (rabbitToStop != null) {
                rabbitToStop.close();
            }
            clickHouse.close();
        }, "demo-services-stop"));
        System.out.println("demo services ready: Kafka " + kafka.bootstrapServers() + ", ClickHouse "
                + clickHouse.query("SELECT version()").strip() + " at " + clickHouse.httpUrl() + ", data in "
                + dataDir.toAbsolutePath()
                + (rabbitMq == null ? "" : ", RabbitMQ amqp://127.0.0.1:" + rabbitPort + " (management "
                        + rabbitMq.managementUrl() + ")"));
        int exit = clickHouse.process().waitFor();
        synchronized (stopping) {
            if (stopped[0]) {
                return;
            }
        }
        System.err.println("ClickHouse exited with code " + exit + "; its log ends with:\n" + clickHouse.logTail(20));
        System.exit(exit == 0 ? 1 : exit);
    }
}
